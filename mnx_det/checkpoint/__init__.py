"""Checkpoints: safe loading and atomic saving (:mod:`.io`), the exact-fit
check (:mod:`.fit`), resuming (:mod:`.resume`) and converters of other
projects' weights (:mod:`.convert`)."""
from ..fileio import remove_partial_files
from .fit import (CheckpointMismatchError, check_checkpoint_classes,
                  check_checkpoint_fits, check_fit, model_state, select_prefix,
                  strip_prefix)
from .io import (CheckpointNotFoundError, CheckpointWriteError,
                 CorruptCheckpointError, NonFiniteCheckpointError,
                 UnsafeCheckpointError, install, load_checkpoint_file,
                 save_checkpoint_file)
from .resume import ResumeError, latest_loadable_checkpoint, resolve_resume

__all__ = [
    'CheckpointMismatchError', 'CheckpointNotFoundError',
    'CheckpointWriteError', 'CorruptCheckpointError',
    'NonFiniteCheckpointError', 'ResumeError', 'UnsafeCheckpointError',
    'check_checkpoint_classes', 'check_checkpoint_fits', 'check_fit',
    'install', 'latest_loadable_checkpoint', 'load_checkpoint_file',
    'model_state', 'remove_partial_files', 'resolve_resume',
    'save_checkpoint_file', 'select_prefix', 'strip_prefix'
]
