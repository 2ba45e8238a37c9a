"""Static INT8 post-training quantization of an exported detector.

ONNX Runtime's quantizer, QDQ format, per-channel int8 weights and uint8
activations, calibrated on training images run through the config's *test*
pipeline (what the model sees at run time).

What is quantized (the measurements behind each choice are in
``benchmarks/deploy_cpu.md`` and the README's deployment section):

- convolutions with their ReLU6 (``Clip``): with the activation quantized
  too, the quantizer folds it into the conv's output range and
  consecutive convs pass uint8 tensors; quantizing the convs alone leaves a
  Quantize/Dequantize pair around every ReLU6;
- not the residual ``Add`` s, which ONNX Runtime runs as ``QLinearAdd``
  between quantized convs anyway, nor box decoding;
- not the stem conv (its input spans the whole pixel range after mean
  subtraction), the backbone's first two stages (the highest resolutions),
  nor the head's 1x1 predictors (class logits, box deltas): they stay fp32
  for accuracy.
"""
import copy
import re

import numpy as np
import onnx
from mmdet.registry import DATASETS
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat,
                                      QuantType, quantize_static)

from ..datasets import leaf_datasets
from ..errors import UserError
from ..fileio import atomic_path

QUANTIZED_OPS = ('Conv', 'Clip', 'Relu')
# '/backbone/layer2.0/...' (MobileNeXt), '/backbone/layer2/...' (MobileNetV2)
FIRST_STAGES = re.compile(r'/backbone/layer[12][./]')


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


class _Batches(CalibrationDataReader):

    def __init__(self, images, batch_size):
        self.images = iter(images)
        self.batch_size = batch_size

    def get_next(self):
        batch = [
            image for _, image in zip(range(self.batch_size), self.images)
        ]
        if len(batch) < self.batch_size:
            return None
        return {'images': np.stack(batch)}


def fp32_convs(model):
    """Names of the convs kept in fp32: the stem (the graph's first conv),
    the backbone's first two stages (``layer1``, ``layer2``) and the head's
    1x1 convs, which give the logits and deltas."""
    convs = [node for node in model.graph.node if node.op_type == 'Conv']
    names = [convs[0].name]
    for node in convs:
        kernel = [a.ints for a in node.attribute if a.name == 'kernel_shape']
        predictor = ('/bbox_head/' in node.name and kernel
                     and list(kernel[0]) == [1, 1])
        if predictor or FIRST_STAGES.match(node.name):
            names.append(node.name)
    return names


class CalibrationError(UserError, ValueError):
    """The calibration images cannot be had as asked."""


def quantize_detector(onnx_file, out_file, cfg, num_images):
    """Write the INT8 version of ``onnx_file`` to ``out_file``, calibrated
    on ``num_images`` training images of ``cfg``."""
    if num_images < 1:
        raise CalibrationError(
            f'calibration needs at least one image, got {num_images}')
    model = onnx.load(onnx_file)
    shape = model.graph.input[0].type.tensor_type.shape
    batch = shape.dim[0].dim_value or 1  # 0 for a dynamic batch
    if num_images < batch:  # ONNX Runtime would collect no batch at all
        raise CalibrationError(
            f'{onnx_file} takes batches of {batch} images: calibrate with at '
            f'least {batch} images, got {num_images}')
    size = shape.dim[2].dim_value
    with atomic_path(out_file) as partial:
        quantize_static(
            onnx_file,
            partial,
            _Batches(calibration_images(cfg, num_images, size), batch),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            weight_type=QuantType.QInt8,
            activation_type=QuantType.QUInt8,
            op_types_to_quantize=list(QUANTIZED_OPS),
            nodes_to_exclude=fp32_convs(model))
    return out_file
