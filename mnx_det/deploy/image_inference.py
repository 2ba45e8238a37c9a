"""A detector (a checkpoint or an exported file) over a folder of
images: boxes drawn, one JSON of detections each, and every image that
cannot be read named without stopping the others (``tools/infer.py``)."""
import copy
import glob
import json
import os
import os.path as osp

import cv2
import mmcv
import numpy as np
from mmcv.transforms import Compose
from mmdet.registry import VISUALIZERS
from mmdet.structures import DetDataSample
from mmdet.utils import get_test_pipeline_cfg
from mmengine.device import get_device
from mmengine.utils import ProgressBar

from ..apis import build_detector
from ..errors import ImageLoadError, UserError, image_load_error
from ..fileio import atomic_open, atomic_path

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')


class NoImagesError(UserError, FileNotFoundError):
    """An input names no image files."""


def list_images(pattern):
    """``(path, name)`` of the images an INPUT (an image, a folder or a
    glob) names, sorted. The name is the image's path under the folder all
    of them share, extension kept: ``a.jpg`` and ``a.png``, or ``g/1/x.jpg``
    and ``g/2/x.jpg`` (names ``1/x.jpg``, ``2/x.jpg``), never share an
    output."""
    if osp.isdir(pattern):
        files = [osp.join(pattern, f) for f in os.listdir(pattern)]
    else:
        files = glob.glob(pattern)
    images = sorted(f for f in files if f.lower().endswith(IMAGE_SUFFIXES))
    if not images:
        raise NoImagesError(f'no images at {pattern}')
    root = osp.commonpath([osp.dirname(osp.abspath(f)) for f in images])
    return [(path, osp.relpath(osp.abspath(path), root)) for path in images]


def read_image(path):
    """The BGR image at ``path``; ImageLoadError naming it if unreadable."""
    try:
        image = mmcv.imread(path)
    except Exception as exc:  # whatever the decoder raises, name the file
        raise image_load_error(path, exc) from exc
    if image is None:
        raise ImageLoadError(f'failed to load image: {path} (empty, '
                             'truncated or not an image)')
    return image


class ExportedImageDetector:
    """An exported file run on one BGR image at a time (resized to the
    model's input, ignoring aspect, as the test pipeline does).

    Args:
        session (DeploySession): The file in its runtime
            (:func:`.runtimes.open_session`), checked against the config.
        score_thr (float): Detections below are left out.
        bgr_to_rgb (bool, optional): The config's, for a file that does
            not record its channel order.
    """

    def __init__(self, session, score_thr, bgr_to_rgb=None):
        self.session = session
        self.bgr_to_rgb = session.bgr_to_rgb(bgr_to_rgb)
        self.score_thr = score_thr

    def __call__(self, image):
        size = self.session.input_size
        resized = cv2.resize(image, (size, size)).astype(np.float32)
        if self.bgr_to_rgb:
            resized = resized[..., ::-1]
        scale = np.array([image.shape[1], image.shape[0]]) / size
        result = DetDataSample()
        (result.pred_instances, ) = self.session.detect(
            resized.transpose(2, 0, 1)[None], [scale], self.score_thr)
        return result


class CheckpointImageDetector:
    """A ``.pth`` checkpoint run on one BGR image by mmdet's
    ``inference_detector``, through the config's test pipeline less its
    annotations (as mmdet's ``DetInferencer`` runs it).

    The checkpoint is read once: it must fill the detector exactly and have
    been trained on ``classes`` (:func:`mnx_det.apis.build_detector`).

    Args:
        config (Config): The config.
        checkpoint (str): The ``.pth`` file.
        classes (Sequence[str]): The config's classes.
        score_thr (float): Detections below are left out.
        device (str, optional): Where to run; default mmengine's
            ``get_device()`` (``cuda`` when PyTorch sees a GPU, else
            ``cpu``), as mmdet's tools choose.
    """

    def __init__(self, config, checkpoint, classes, score_thr, device=None):
        self.model = build_detector(
            config, checkpoint, device or get_device(), classes=classes)
        self.model.cfg = config
        self.pipeline = image_pipeline(config)
        self.score_thr = score_thr

    def __call__(self, image):
        from mmdet.apis import inference_detector
        result = inference_detector(
            self.model, image, test_pipeline=self.pipeline)
        pred = result.pred_instances
        result.pred_instances = pred[pred.scores >= self.score_thr]
        return result


def image_pipeline(cfg):
    """The config's test pipeline for a decoded image: loaded from the
    array, without the annotations an image off disk does not have."""
    steps = [
        copy.deepcopy(step) for step in get_test_pipeline_cfg(cfg)
        if not step['type'].endswith('LoadAnnotations')
    ]
    steps[0]['type'] = 'mmdet.LoadImageFromNDArray'
    return Compose(steps)


def save_result(name, image, result, visualizer, out_dir):
    """``out_dir/vis/NAME`` (the image with its boxes) and
    ``out_dir/preds/NAME.json`` (labels, scores, boxes in image pixels)."""
    with atomic_path(osp.join(out_dir, 'vis', name)) as partial:
        visualizer.add_datasample(
            name, mmcv.bgr2rgb(image), result, draw_gt=False, out_file=partial)
    pred = result.pred_instances
    with atomic_open(osp.join(out_dir, 'preds', f'{name}.json')) as f:
        json.dump(
            dict(
                labels=pred.labels.tolist(),
                scores=pred.scores.tolist(),
                bboxes=pred.bboxes.tolist()), f)


def infer_images(images, detector, classes, out_dir):
    """Run ``detector`` on each ``(path, name)`` and save its result; an
    image that cannot be read is named in one line and skipped.

    Returns:
        list[str]: The messages of the images that failed.
    """
    visualizer = VISUALIZERS.build(
        dict(type='DetLocalVisualizer', name=f'infer_{osp.abspath(out_dir)}'))
    visualizer.dataset_meta = dict(classes=classes)
    failed = []
    progress = ProgressBar(len(images))
    for path, name in images:
        try:
            image = read_image(path)
            save_result(name, image, detector(image), visualizer, out_dir)
        except ImageLoadError as exc:
            failed.append(str(exc))
            print(f'\nerror: {exc}', flush=True)
        progress.update()
    return failed
