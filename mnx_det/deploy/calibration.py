"""Calibration images of static INT8 quantization, for every runtime's
quantizer: training images, spread evenly over the training set, through
the config's *test* pipeline (what the model sees at run time)."""
import copy

import numpy as np
from mmdet.registry import DATASETS

from ..datasets import leaf_datasets
from ..errors import UserError


class CalibrationError(UserError, ValueError):
    """The calibration images cannot be had as asked."""


def check_count(num_images):
    """Raise unless ``num_images`` is a positive count."""
    if num_images < 1:
        raise CalibrationError(
            f'calibration needs at least one image, got {num_images}')


def check_batch(num_images, batch, model_file):
    """Raise unless ``num_images`` fill at least one batch of ``batch``
    images of ``model_file`` (a quantizer would collect none)."""
    if num_images < batch:
        raise CalibrationError(
            f'{model_file} takes batches of {batch} images: calibrate with at '
            f'least {batch} images, got {num_images}')


def whole_batches(images, batch_size):
    """(batch_size, 3, S, S) float32 arrays of the (3, S, S) ``images``; a
    last, short batch is dropped (a static-batch model cannot run it)."""
    batch = []
    for image in images:
        batch.append(image)
        if len(batch) == batch_size:
            yield np.stack(batch)
            batch = []


def calibration_images(cfg, num_images, size):
    """``num_images`` float32 RGB (3, size, size) arrays, spread evenly over
    the training set of ``cfg``, through its test pipeline resized to the
    model's input size."""
    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    pipeline = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
    for step in pipeline:
        if step['type'] == 'Resize':
            step['scale'] = (size, size)
    for leaf in leaf_datasets(dataset_cfg):
        leaf['pipeline'] = pipeline
    dataset = DATASETS.build(dataset_cfg)
    step = max(1, len(dataset) // num_images)
    bgr_to_rgb = cfg.model.data_preprocessor.get('bgr_to_rgb', False)
    for index in list(range(0, len(dataset), step))[:num_images]:
        image = dataset[index]['inputs'].numpy().astype(np.float32)
        yield image[::-1].copy() if bgr_to_rgb else image
