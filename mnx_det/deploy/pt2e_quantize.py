"""Static INT8 post-training quantization of a detector for ExecuTorch:
PyTorch 2 export quantization (PT2E) with XNNPACK's quantizer.

XNNPACK's symmetric configuration: per-channel int8 weights, int8
activations observed by histogram on calibration images (training images
through the test pipeline, as :func:`.calibration.calibration_images` gives
them for ONNX Runtime). The convs of the parts (:mod:`.parts`) in
``fp32_parts`` and everything outside backbone, neck and head (the
flattening of the head's outputs) stay fp32: the quantizer's filter
refuses their nodes.
"""
import torch

from .parts import DEFAULT_FP32_PARTS, keeps_fp32, part_of

# ExportableSSD keeps the detector under this attribute
ROOT = 'detector.'


def node_module(node):
    """(module path from the detector, pointwise) of an exported graph's
    node, from the innermost module that ``torch.export`` recorded;
    ``None`` outside the detector."""
    stack = node.meta.get('nn_module_stack')
    if not stack:
        return None
    path = list(stack.values())[-1][0]
    if not path.startswith(ROOT):
        return None
    pointwise = False
    if 'conv' in str(node.target) and len(node.args) > 1:
        weight = node.args[1].meta.get('val')
        pointwise = weight is not None and tuple(weight.shape[2:]) == (1, 1)
    return path[len(ROOT):], pointwise


def node_part(node):
    """The part (:func:`.parts.part_of`) of an exported graph's node;
    ``None`` outside the detector's backbone, neck and head."""
    module = node_module(node)
    return None if module is None else part_of(*module)


def quantizable(fp32_parts):
    """The quantizer's node filter: a node is quantized when it is in a
    part and ``fp32_parts`` do not keep it (:func:`.parts.keeps_fp32`);
    weights and biases (no module of their own) follow their conv."""

    def accept(node):
        if node.op in ('get_attr', 'placeholder'):
            return True
        module = node_module(node)
        return (module is not None and part_of(*module) is not None
                and not keeps_fp32(*module, fp32_parts))

    return accept


def quantize_module(module, example, images, fp32_parts=DEFAULT_FP32_PARTS):
    """``module`` (an :class:`.export.ExportableSSD`) exported at the shape
    of ``example`` and quantized: a graph module with quantize/dequantize
    pairs around its int8 operations, which XNNPACK lowering turns into
    int8 kernels.

    Args:
        module (nn.Module): In eval mode.
        example (Tensor): A (B, 3, S, S) batch of the exported shape.
        images (Iterable[Tensor]): Calibration batches of that shape.
        fp32_parts (Sequence[str]): Parts kept fp32.
    """
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
        XNNPACKQuantizer, get_symmetric_quantization_config)
    from torchao.quantization.pt2e.quantize_pt2e import (convert_pt2e,
                                                         prepare_pt2e)
    quantizer = XNNPACKQuantizer().set_global(
        get_symmetric_quantization_config(is_per_channel=True))
    quantizer.set_filter_function(quantizable(set(fp32_parts)))
    with torch.no_grad():
        graph = torch.export.export(module, (example, )).module()
        prepared = prepare_pt2e(graph, quantizer)
        for batch in images:
            prepared(batch)
        return convert_pt2e(prepared)
