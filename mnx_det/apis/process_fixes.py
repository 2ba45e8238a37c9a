"""The process-wide fixes this project's own runs use, in one opt-in call.

``import mnx_det`` (a config's ``custom_imports``) only registers types.
The fixes below change classes of mmengine, mmdet and mmcv for the whole
process, so they are applied by the project's entry points (its tools,
``tools/toy_comparison.py``, the test suite) and by a project that imports
this one only when it calls :func:`apply_process_fixes` itself:

- mmengine (:mod:`mnx_det.compat.mmengine`): the message hub saves plain
  data in checkpoints, so ``torch.load(weights_only=True)`` reads them (a
  checkpoint saved so resumes without the fix but loses its loss history);
  ``torchrun`` with gloo works without CUDA; ``CheckpointHook`` removes old
  checkpoints after the new one is written, not before.
- mmengine's checkpoint I/O (:func:`mnx_det.checkpoint.install`): every
  local checkpoint is loaded with ``weights_only=True`` and the
  project's allow-list (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` and
  ``torch.serialization.add_safe_globals`` still count), and the Runner
  saves atomically, refusing NaN weights.
- mmdet (:mod:`mnx_det.compat.mmdet`): ``VOCMetric`` labels its table with
  the dataset's classes; ``XMLDataset`` names a bad annotation file.
- mmcv (:mod:`mnx_det.compat.mmcv`): ``LoadImageFromFile`` names an
  unreadable image (a missing one stays a ``FileNotFoundError``).

Fixes that need no process-wide change live on the project's own classes
instead (``SSDLiteHead.loss_cls``).
"""
from .. import checkpoint, compat
from ..datasets import check_annotation_file


def apply_process_fixes():
    """Apply every fix listed above to this process (idempotent)."""
    compat.apply(check_annotation_file=check_annotation_file)
    checkpoint.install()
