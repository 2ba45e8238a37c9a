"""Checkpoints: safe loading and atomic saving (:mod:`.io`), the exact-fit
check (:mod:`.fit`), resuming (:mod:`.resume`) and converters of other
projects' weights (:mod:`.convert`)."""
from .fit import (CheckpointMismatchError, check_checkpoint_fits, check_fit,
                  model_state, select_prefix, strip_prefix)
from .io import (CheckpointNotFoundError, CorruptCheckpointError,
                 UnsafeCheckpointError, install, load_checkpoint_file,
                 save_checkpoint_file)
from .resume import latest_loadable_checkpoint, resolve_resume

__all__ = [
    'CheckpointMismatchError', 'CheckpointNotFoundError',
    'CorruptCheckpointError', 'UnsafeCheckpointError', 'check_checkpoint_fits',
    'check_fit', 'install', 'latest_loadable_checkpoint',
    'load_checkpoint_file', 'model_state', 'resolve_resume',
    'save_checkpoint_file', 'select_prefix', 'strip_prefix'
]
