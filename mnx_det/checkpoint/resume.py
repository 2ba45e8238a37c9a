"""Resuming: the newest checkpoint of a work dir that loads."""
import glob
import os.path as osp
import re

from mmengine.logging import print_log

from .io import CorruptCheckpointError, load_checkpoint_file


def _iteration(path):
    found = re.search(r'(\d+)\.pth$', path)
    return int(found.group(1)) if found else -1


def latest_loadable_checkpoint(work_dir):
    """The newest checkpoint of ``work_dir`` that loads, or None.

    mmengine resumes from the file named in ``last_checkpoint``; when that
    file is truncated (a run killed while saving) or ``last_checkpoint`` is
    empty, resuming fails although an intact older checkpoint lies beside
    it. Candidates are tried newest first (``last_checkpoint``'s target,
    then ``*.pth`` by iteration); each broken one is logged.
    """
    candidates = sorted(
        glob.glob(osp.join(work_dir, '*.pth')), key=_iteration, reverse=True)
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            named = f.read().strip()
        if named:
            candidates.insert(0, named)
    seen = set()
    for path in candidates:
        if path in seen:
            continue
        seen.add(path)
        try:
            load_checkpoint_file(path, map_location='cpu')
        except Exception as exc:  # any unreadable file: try an older one
            print_log(
                f'cannot resume from {path}: {exc}',
                logger='current',
                level=40)
            continue
        return path
    return None


def resolve_resume(cfg):
    """``--resume`` without a path: point ``cfg.load_from`` at the newest
    checkpoint of the work dir that loads; with none at all, a fresh run.

    Raises:
        CorruptCheckpointError: checkpoints exist but none loads.
    """
    if not cfg.resume or cfg.load_from is not None:
        return
    cfg.load_from = latest_loadable_checkpoint(cfg.work_dir)
    if cfg.load_from is None:
        if glob.glob(osp.join(cfg.work_dir, '*.pth')):
            raise CorruptCheckpointError(
                f'--resume: no checkpoint in {cfg.work_dir} loads (see above)')
        cfg.resume = False  # nothing to resume
