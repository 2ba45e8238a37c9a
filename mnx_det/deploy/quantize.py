"""Static INT8 post-training quantization of an exported detector.

ONNX Runtime's quantizer, QDQ format, per-channel int8 weights and uint8
activations, calibrated on training images run through the config's *test*
pipeline (what the model sees at run time). Convolutions and their ReLU6
(``Clip``) are quantized: with the activation quantized too, the quantizer
folds it into the conv's output range, so consecutive convs pass uint8
tensors to each other; quantizing only the convs left a Quantize /
Dequantize pair around every ReLU6 and made the INT8 model slower than
fp32 (15.8 vs 13.3 ms at batch 1, 320x320, 2 threads; 11.2 ms with the
ReLU6 quantized). Residual ``Add`` s are left to ONNX Runtime, which runs
them as ``QLinearAdd`` between quantized convs anyway; quantizing them in
the quantizer cost toy mAP (-0.024 instead of -0.007 on the demo's toy
MobileNeXt) for no speed, and the quantizer's default (every op type it
knows) also quantized the box decoding: -0.24.

Three groups of convs stay fp32, with box decoding, the class activation
and NMS: the stem conv, whose input spans the whole pixel range after mean
subtraction, the backbone's first stage (one block, at the highest
resolution) and the head's 1x1 predictors (class logits, box deltas). On
the toy detectors of benchmarks/deploy_cpu.md (fp32 toy mAP 0.818 and 0.770
for MobileNeXt and MobileNetV2), quantizing every conv lost 0.11 (convs
only quantized, MobileNeXt); sparing the stem and predictors, 0.029 and
0.014; sparing the first stage too, 0.012 and 0.018, for 0.3 ms at batch
1. Other calibration methods (percentile, entropy), more images (256) or
weights in 7 bits (``reduce_range``) did not help.
"""
import copy
import re

import numpy as np
import onnx
from mmdet.registry import DATASETS
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat,
                                      QuantType, quantize_static)

from ..datasets import leaf_datasets

QUANTIZED_OPS = ('Conv', 'Clip', 'Relu')
# '/backbone/layer1.0/...' (MobileNeXt), '/backbone/layer1/...' (MobileNetV2)
FIRST_STAGE = re.compile(r'/backbone/layer1[./]')


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
    the backbone's first stage (``layer1``) and the head's 1x1 convs, which
    give the logits and deltas."""
    convs = [node for node in model.graph.node if node.op_type == 'Conv']
    names = [convs[0].name]
    for node in convs:
        kernel = [a.ints for a in node.attribute if a.name == 'kernel_shape']
        predictor = ('/bbox_head/' in node.name and kernel
                     and list(kernel[0]) == [1, 1])
        if predictor or FIRST_STAGE.match(node.name):
            names.append(node.name)
    return names


def quantize_detector(onnx_file, out_file, cfg, num_images):
    """Write the INT8 version of ``onnx_file`` to ``out_file``."""
    model = onnx.load(onnx_file)
    shape = model.graph.input[0].type.tensor_type.shape
    batch = shape.dim[0].dim_value or 1  # 0 for a dynamic batch
    size = shape.dim[2].dim_value
    quantize_static(
        onnx_file,
        out_file,
        _Batches(calibration_images(cfg, num_images, size), batch),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        weight_type=QuantType.QInt8,
        activation_type=QuantType.QUInt8,
        op_types_to_quantize=list(QUANTIZED_OPS),
        nodes_to_exclude=fp32_convs(model))
    return out_file
