"""Static INT8 post-training quantization for OpenVINO, by its own
quantizer: NNCF quantizes the IR of an exported ONNX file (per-channel
int8 weights, int8 activations, fast bias correction), calibrated on
training images through the config's test pipeline as
:mod:`.quantize` does for ONNX Runtime, and leaves the convs of the
``fp32_parts`` (:mod:`.parts`) out (NNCF's ignored scope). The IR keeps
the export's contract and records the parts.

Why not the QDQ file of :mod:`.quantize`, which OpenVINO also runs: it
runs it wrongly where an int8 conv takes the ReLU6 of a float conv
through a Quantize/Dequantize pair. On a toy MobileNetV2 with only its
first depthwise conv int8, OpenVINO's outputs of that conv were off in 28
of 32 channels (by up to 14,000 where ONNX Runtime's were within 35)
unless the ReLU6's output was also a model output, which stops the fusion
across it; the detector's mAP fell from 0.467 to 0.007 where ONNX Runtime
kept 0.474. NNCF's full-INT8 IR of the same detector kept 0.474 in
OpenVINO (README, "Deployment").
"""

from .calibration import (calibration_images, check_batch, check_count,
                          whole_batches)
from .openvino_ir import read_export, save_ir
from .parts import (DEFAULT_FP32_PARTS, check_parts, kept_fp32,
                    onnx_module_path, part_of)

CONV_TYPES = ('Convolution', 'GroupConvolution')


def ov_convs(model):
    """{conv op name: (module path, pointwise)} of an ``ov.Model``
    converted from an export; the ops keep the ONNX node names (a conv
    with a bias becomes ``<node>/WithoutBiases`` and an ``Add``)."""
    convs = {}
    for op in model.get_ops():
        if op.get_type_name() not in CONV_TYPES:
            continue
        name = op.get_friendly_name()
        kernel = list(op.input(1).get_partial_shape().to_shape())[-2:]
        node = name[:-len('/WithoutBiases')] if name.endswith(
            '/WithoutBiases') else name
        convs[name] = (onnx_module_path(node), kernel == [1, 1])
    return convs


def conv_parts(model):
    """{conv op name: its part} of an ``ov.Model`` (:func:`ov_convs`)."""
    return {name: part_of(*conv) for name, conv in ov_convs(model).items()}


def quantize_openvino(onnx_file,
                      xml_file,
                      cfg,
                      num_images,
                      fp32_parts=DEFAULT_FP32_PARTS):
    """Write the INT8 IR of ``onnx_file`` to ``xml_file`` (and its
    ``.bin``), calibrated on ``num_images`` training images of ``cfg``,
    with the convs of ``fp32_parts`` kept float.

    Raises:
        CalibrationError: Fewer images than a batch of the file.
        UnknownPartError: A part the file does not have.
    """
    import nncf

    check_count(num_images)
    model, contract = read_export(onnx_file)
    shape = model.inputs[0].get_partial_shape()
    batch = shape[0].get_length() if shape[0].is_static else 1
    check_batch(num_images, batch, onnx_file)
    convs = ov_convs(model)
    fp32_parts = check_parts(fp32_parts, list(convs.values()), onnx_file)
    images = calibration_images(cfg, num_images, shape[2].get_length())
    batches = list(whole_batches(images, batch))
    quantized = nncf.quantize(
        model,
        nncf.Dataset(batches),
        subset_size=len(batches),
        ignored_scope=nncf.IgnoredScope(names=kept_fp32(convs, fp32_parts)))
    return save_ir(quantized, dict(contract, fp32_parts=fp32_parts), xml_file)
