"""Static INT8 post-training quantization of a detector for ExecuTorch:
PyTorch 2 export quantization (PT2E) with XNNPACK's quantizer.

XNNPACK's symmetric configuration: per-channel int8 weights, int8
activations observed by histogram on calibration images (training images
through the test pipeline, as :func:`.calibration.calibration_images` gives
them for ONNX Runtime), one image at a time whatever the program's batch:
histograms observed in batches of eight gave other scales (up to 10% apart
on the toy MobileNeXt) and another test mAP (0.015 on the toy MobileNetV2),
so a batch-8 program was not the batch-1 program measured. The convs of the
parts (:mod:`.parts`) in ``fp32_parts`` and everything outside backbone,
neck and head (the flattening of the head's outputs) stay fp32: the
quantizer's filter refuses their nodes.
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
        images (Iterable[Tensor]): (3, S, S) calibration images.
        fp32_parts (Sequence[str]): Parts kept fp32.
    """
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e
    with torch.no_grad():
        observed = _prepare(module, example[:1], fp32_parts)
        for image in images:
            observed(image[None])
        prepared = observed
        if len(example) > 1:
            prepared = _prepare(module, example, fp32_parts)
            _take_observers(prepared, observed)
        return convert_pt2e(prepared)


def _prepare(module, example, fp32_parts):
    """``module`` exported at ``example``'s shape, with XNNPACK's
    quantizer's observers."""
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
        XNNPACKQuantizer, get_symmetric_quantization_config)
    from torchao.quantization.pt2e.quantize_pt2e import prepare_pt2e
    quantizer = XNNPACKQuantizer().set_global(
        get_symmetric_quantization_config(is_per_channel=True))
    quantizer.set_filter_function(quantizable(set(fp32_parts)))
    return prepare_pt2e(
        torch.export.export(module, (example, )).module(), quantizer)


def _take_observers(prepared, observed):
    """Give ``prepared`` the observers (what they saw) of ``observed``, the
    same module prepared at batch 1: the graphs differ only in shapes, so
    their observers are named alike, in the same order."""
    taken = _observers(observed)
    if [n for n, _ in _observers(prepared)] != [n for n, _ in taken]:
        raise RuntimeError('the batch-1 and batch-N graphs were observed '
                           'at different places')
    for name, observer in taken:
        setattr(prepared, name, observer)


def _observers(graph):
    """(name, observer) of each observed place; places that must share
    quantization parameters (a concatenation's inputs) share one observer
    under several names, which ``named_children`` would give once."""
    from torchao.quantization.pt2e import ObserverOrFakeQuantize
    return [(name, module) for name, module in graph._modules.items()
            if isinstance(module, ObserverOrFakeQuantize)]
