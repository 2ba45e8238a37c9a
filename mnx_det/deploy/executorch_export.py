"""Export an SSDLite detector to an ExecuTorch program (``.pte``) lowered
to XNNPACK, the CPU backend ExecuTorch uses on Android and iOS.

The program's ``forward`` is the network of :class:`.export.ExportableSSD`
without post-processing: it takes a float32 RGB (B, 3, S, S) batch, 0..255,
B fixed at export, and returns the raw ``cls_logits`` (B, A, C + 1), box
``deltas`` (B, A, 4) and ``priors`` (A, 4). torchvision's NMS does not
lower to ExecuTorch (its data-dependent output size stops the edge
lowering), so detections are selected by the caller: in Python with
:func:`.postprocess.select_detections`, on a phone with the same few lines
(the contract says which score function, box coder, thresholds and top-k).
The contract is a JSON string returned by the constant method
``mnx_det_contract``.

Given calibration images, the program is INT8 (:mod:`.pt2e_quantize`):
XNNPACK runs its quantized convs with int8 kernels, the parts kept fp32
(recorded in the contract as ``fp32_parts``) in fp32.
"""
import json

import torch

from ..fileio import atomic_open
from .contract import CONTRACT_METHOD, PREFIX, export_contract
from .export import ExportableSSD
from .parts import DEFAULT_FP32_PARTS, check_parts, detector_convs


def export_program(detector,
                   input_size,
                   batch_size=1,
                   classes=None,
                   calibration=None,
                   fp32_parts=DEFAULT_FP32_PARTS):
    """The ``torch.export`` program of ``detector``, before lowering, and
    its contract (JSON text); see the module doc.

    Args:
        detector (SingleStageDetector): With an SSDLite head.
        input_size (int): Side of the square input.
        batch_size (int): The program's fixed batch size.
        classes (Sequence[str], optional): Default the detector's
            ``dataset_meta``'s, as :func:`.export.export_onnx`.
        calibration (Iterable[ndarray], optional): (3, S, S) float32 RGB
            images (:func:`.calibration.calibration_images`): an INT8
            program calibrated on them; fp32 without.
        fp32_parts (Sequence[str]): The parts an INT8 program keeps fp32.
    """
    import torchvision  # noqa: F401  (registers ops before export)
    module = ExportableSSD(detector, input_size, postprocess=False).eval()
    images = torch.rand(batch_size, 3, input_size, input_size) * 255
    if classes is None:
        classes = getattr(detector, 'dataset_meta', {}).get('classes')
    contract = export_contract(module, classes)
    contract[PREFIX + 'batch_size'] = json.dumps(batch_size)
    if calibration is not None:
        from .pt2e_quantize import quantize_module
        fp32_parts = check_parts(fp32_parts, detector_convs(detector),
                                 'the detector')
        module = quantize_module(module, images,
                                 map(torch.from_numpy, calibration),
                                 fp32_parts)
        contract[PREFIX + 'fp32_parts'] = json.dumps(fp32_parts)
    with torch.no_grad():
        program = torch.export.export(module, (images, ))
    return program, json.dumps(contract)


def export_executorch(detector, out_file, input_size, **kwargs):
    """Write ``detector`` as an XNNPACK-lowered ``.pte`` to ``out_file``;
    the keyword arguments of :func:`export_program`."""
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import \
        XnnpackPartitioner
    from executorch.exir import to_edge_transform_and_lower
    program, contract = export_program(detector, input_size, **kwargs)
    lowered = to_edge_transform_and_lower(
        program,
        partitioner=[XnnpackPartitioner()],
        constant_methods={CONTRACT_METHOD: contract})
    with atomic_open(out_file, 'wb') as f:
        f.write(lowered.to_executorch().buffer)
    return out_file
