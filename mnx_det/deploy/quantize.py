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
the quantizer cost toy mAP (-0.024 instead of -0.007) for no speed, and
the quantizer's default (every op type it knows) also quantized the box
decoding: -0.24.

Two kinds of conv stay fp32, with box decoding, the class activation and
NMS: the stem conv, whose input spans the whole pixel range after mean
subtraction, and the head's 1x1 predictors (class logits, box deltas).
Together they are about 2% of the compute. On a toy MobileNeXt (fp32 mAP
0.818, only convs quantized), quantizing every conv cost 0.11 mAP, sparing
both 0.015; other calibration methods (entropy, percentile) or more images
did not help.
"""
import copy

import numpy as np
import onnx
from mmdet.registry import DATASETS
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat,
                                      QuantType, quantize_static)

from ..datasets import leaf_datasets

QUANTIZED_OPS = ('Conv', 'Clip', 'Relu')


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
    """Names of the convs kept in fp32: the stem (the graph's first conv)
    and the head's 1x1 convs, which give the logits and deltas."""
    convs = [node for node in model.graph.node if node.op_type == 'Conv']
    names = [convs[0].name]
    for node in convs:
        kernel = [a.ints for a in node.attribute if a.name == 'kernel_shape']
        if '/bbox_head/' in node.name and kernel and list(kernel[0]) == [1, 1]:
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
