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
- not the parts (:mod:`.parts`) given as ``fp32_parts``: by default the
  stem, the backbone's first two stages and the head's 1x1 predictors
  (:data:`.parts.DEFAULT_FP32_PARTS`), or the set that
  ``tools/deployment/quantization_sensitivity.py`` measured. The file's
  contract records them.
"""
import json

import onnx
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat,
                                      QuantType, quantize_static)

from ..fileio import atomic_path
from .calibration import (calibration_images, check_batch, check_count,
                          whole_batches)
from .contract import PREFIX
from .parts import (DEFAULT_FP32_PARTS, check_parts, kept_fp32,
                    onnx_module_path, part_of)

QUANTIZED_OPS = ('Conv', 'Clip', 'Relu')


class _Batches(CalibrationDataReader):
    """ONNX Runtime's calibration reader over whole batches."""

    def __init__(self, images, batch_size):
        self.batches = whole_batches(images, batch_size)

    def get_next(self):
        batch = next(self.batches, None)
        return None if batch is None else {'images': batch}


def onnx_convs(model):
    """{conv node name: (module path, pointwise)} of an ONNX detector
    graph."""
    convs = {}
    for node in model.graph.node:
        if node.op_type != 'Conv':
            continue
        kernel = [
            list(a.ints) for a in node.attribute if a.name == 'kernel_shape'
        ]
        convs[node.name] = (onnx_module_path(node.name), kernel == [[1, 1]])
    return convs


def conv_parts(model):
    """{conv node name: its part} of an ONNX detector graph."""
    return {name: part_of(*conv) for name, conv in onnx_convs(model).items()}


def quantize_detector(onnx_file,
                      out_file,
                      cfg,
                      num_images,
                      fp32_parts=DEFAULT_FP32_PARTS):
    """Write the INT8 version of ``onnx_file`` to ``out_file``, calibrated
    on ``num_images`` training images of ``cfg``, with the convs of
    ``fp32_parts`` (:mod:`.parts`) kept fp32.

    Raises:
        CalibrationError: Fewer images than a batch of the file.
        UnknownPartError: A part the graph does not have.
    """
    check_count(num_images)
    model = onnx.load(onnx_file)
    shape = model.graph.input[0].type.tensor_type.shape
    batch = shape.dim[0].dim_value or 1  # 0 for a dynamic batch
    check_batch(num_images, batch, onnx_file)
    size = shape.dim[2].dim_value
    convs = onnx_convs(model)
    fp32_parts = check_parts(fp32_parts, list(convs.values()), onnx_file)
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
            nodes_to_exclude=kept_fp32(convs, fp32_parts))
        quantized = onnx.load(partial)
        props = {p.key: p.value for p in quantized.metadata_props}
        props[PREFIX + 'fp32_parts'] = json.dumps(fp32_parts)
        onnx.helper.set_model_props(quantized, props)
        onnx.save(quantized, partial)
    return out_file
