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
"""
import json

import torch

from ..fileio import atomic_open
from .contract import CONTRACT_METHOD, PREFIX, export_contract
from .export import ExportableSSD


def export_executorch(detector,
                      out_file,
                      input_size,
                      batch_size=1,
                      classes=None):
    """Write ``detector`` as an XNNPACK-lowered ``.pte`` to ``out_file``;
    see the module doc. ``classes`` default to the detector's
    ``dataset_meta``, as :func:`.export.export_onnx`."""
    import torchvision  # noqa: F401  (registers ops before export)
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import \
        XnnpackPartitioner
    from executorch.exir import to_edge_transform_and_lower
    module = ExportableSSD(detector, input_size, postprocess=False).eval()
    images = torch.rand(batch_size, 3, input_size, input_size) * 255
    with torch.no_grad():
        program = torch.export.export(module, (images, ))
    if classes is None:
        classes = getattr(detector, 'dataset_meta', {}).get('classes')
    contract = export_contract(module, classes)
    contract[PREFIX + 'batch_size'] = json.dumps(batch_size)
    lowered = to_edge_transform_and_lower(
        program,
        partitioner=[XnnpackPartitioner()],
        constant_methods={CONTRACT_METHOD: json.dumps(contract)})
    with atomic_open(out_file, 'wb') as f:
        f.write(lowered.to_executorch().buffer)
    return out_file
