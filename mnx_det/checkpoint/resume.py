"""Resuming: the newest checkpoint of a work dir that loads."""
import glob
import logging
import os.path as osp
import re
import warnings

from mmengine.logging import print_log

from ..errors import UserError
from .io import CorruptCheckpointError, load_checkpoint_file


def _iteration(path):
    found = re.search(r'(\d+)\.pth$', path)
    return int(found.group(1)) if found else -1


class ResumeError(UserError, FileNotFoundError):
    """``--resume`` has nothing it may resume from."""


def _named_checkpoint(work_dir):
    """The checkpoint ``last_checkpoint`` names, inside ``work_dir``, or
    None.

    A name outside the work dir (the work dir was copied or moved) is
    resolved to the file of the same name inside it, with a warning:
    resuming must never continue another directory's run.

    Raises:
        ResumeError: The name is outside and no such file is inside.
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        named = f.read().strip()
    if not named:
        return None
    if osp.dirname(osp.abspath(named)) == osp.abspath(work_dir):
        return named
    local = osp.join(work_dir, osp.basename(named))
    if not osp.isfile(local):
        raise ResumeError(
            f'--resume: {pointer} names {named}, outside this work dir '
            f'(copied or moved?), and {local} does not exist; resume from '
            'a file on purpose with --resume CKPT')
    warnings.warn(f'{pointer} names {named}, outside this work dir (copied '
                  f'or moved?): resuming from {local} instead')
    return local


def latest_loadable_checkpoint(work_dir):
    """The newest checkpoint of ``work_dir`` that loads, or None.

    mmengine resumes from the file named in ``last_checkpoint``; when that
    file is truncated (a run killed while saving) or ``last_checkpoint`` is
    empty, resuming fails although an intact older checkpoint lies beside
    it. Candidates are tried newest first (``last_checkpoint``'s target,
    then ``*.pth`` by iteration); each broken one is logged.

    The chosen file is read here and again by mmengine's ``Runner.resume``,
    which takes a path: reading is how a file is known to load. Nothing
    replaces it in between: ``tools/train.py`` holds the work dir's lock
    (:class:`mnx_det.apis.WorkDirLock`) from before this call.
    """
    candidates = sorted(
        glob.glob(osp.join(work_dir, '*.pth')), key=_iteration, reverse=True)
    named = _named_checkpoint(work_dir)
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
                level=logging.ERROR)
            continue
        return path
    return None


def resolve_resume(cfg):
    """``--resume`` without a path: point ``cfg.load_from`` at the newest
    checkpoint of the work dir that loads; a work dir that never saved one
    starts a fresh run.

    Raises:
        CorruptCheckpointError: checkpoints exist but none loads.
        ResumeError: ``last_checkpoint`` names a checkpoint, but none is
            left (deleted, or lost in a crash): never a silent restart.
    """
    if not cfg.resume or cfg.load_from is not None:
        return
    cfg.load_from = latest_loadable_checkpoint(cfg.work_dir)
    if cfg.load_from is not None:
        return
    if glob.glob(osp.join(cfg.work_dir, '*.pth')):
        raise CorruptCheckpointError(
            f'--resume: no checkpoint in {cfg.work_dir} loads (see above)')
    named = _named_checkpoint(cfg.work_dir)
    if named:
        raise ResumeError(
            f'--resume: {cfg.work_dir}/last_checkpoint names {named}, which '
            'does not exist, and no other checkpoint is left: nothing to '
            'resume. Train without --resume to start again.')
    cfg.resume = False  # nothing to resume
