"""Fixes for the known breakages of the pinned stack, one module per
upstream package (:mod:`.mmengine`, :mod:`.mmdet`, :mod:`.mmcv`).

Nothing changes at import: :func:`apply` patches, called by
:func:`mnx_det.apis.apply_process_fixes` (the project's tools, or a project
that imports this one and opts in). Each fix states the upstream symptom
and names its test; each names the release it was written for, and another
installed release gives a warning. Other breakages are avoided where they
arise: configs contain no imports (mmengine 0.10.7 takes ``import`` in a
config for a lazy-import config on Python 3.11), and OpenCV stays on 4.x
and setuptools below 82 (``requirements/constraints.txt``).
"""
from . import mmcv, mmdet, mmengine
from .patching import check_upstream, patch


def apply(check_annotation_file):
    """Apply every fix (idempotent); see :func:`.mmdet.apply` for the
    argument."""
    mmengine.apply()
    mmdet.apply(check_annotation_file)
    mmcv.apply()


__all__ = ['apply', 'check_upstream', 'patch']
