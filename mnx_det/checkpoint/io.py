"""Reading and writing checkpoints safely.

Loading: a local checkpoint is read with ``torch.load(weights_only=True)``
and an allow-list of plain data classes (:data:`SAFE_CHECKPOINT_TYPES`,
added to what the process allowed with
``torch.serialization.add_safe_globals``), so loading a file cannot run
code; ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` turns that off as it does for
``torch.load``. Anything else in a file is refused with
:class:`UnsafeCheckpointError`; a file that is no checkpoint at all
(truncated, text, random bytes) with :class:`CorruptCheckpointError`.
Stock mmengine 0.10.7 on PyTorch >= 2.6 refuses its own checkpoints
instead (see :mod:`mnx_det.compat.mmengine`).

Saving: a checkpoint is written to a temporary file in the same folder,
flushed to disk and renamed, so a run killed while saving never leaves a
truncated newest checkpoint (mmengine 0.10.7 writes in place); weights that
hold NaN or infinity are refused, and a failed write is one error naming
the file and the OS error.

:func:`install` routes mmengine through both, process-wide: every local
path given to ``load_checkpoint``/``load_from``/``Pretrained`` goes through
:func:`load_checkpoint_file` (mmengine's scheme registry has no narrower
hook for local files than the ``''`` prefix), and ``Runner.save_checkpoint``
through :func:`save_checkpoint_file`. ``import mnx_det`` does not call it:
:func:`mnx_det.apis.apply_process_fixes` does (the project's tools, or a
guest who opts in). Tests: ``tests/test_compat.py``,
``tests/test_checkpoint_files.py``.
"""
import argparse
import collections
import errno
import os
import os.path as osp
import pickle
import zipfile

import torch
from mmengine.runner import runner as runner_module
from mmengine.runner.checkpoint import CheckpointLoader

from ..compat import patch
from ..errors import UserError
from ..fileio import atomic_open

# Classes besides tensors and builtin containers that may appear in a
# checkpoint: mmengine's MultiStepLR keeps its milestones in a Counter, and
# official timm-style checkpoints keep their training arguments in a
# Namespace. Both are plain data; no function is on this list.
SAFE_CHECKPOINT_TYPES = (collections.Counter, argparse.Namespace)
# What torch.load reads as true in TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD.
TRUE_VALUES = ('1', 'y', 'yes', 'true')


class CheckpointNotFoundError(UserError, FileNotFoundError):
    """A checkpoint file does not exist."""


class UnsafeCheckpointError(UserError, pickle.UnpicklingError):
    """A checkpoint holds pickled objects other than plain data."""


class CorruptCheckpointError(UserError, pickle.UnpicklingError):
    """A file is truncated or not a PyTorch checkpoint at all."""


class NonFiniteCheckpointError(UserError, FloatingPointError):
    """A checkpoint to be saved holds NaN or infinite weights."""


class CheckpointWriteError(UserError, OSError):
    """A checkpoint could not be written (disk full, no permission)."""


def _looks_like_torch_file(filename):
    """A zip archive (torch.save since 1.6) or a pickle (the legacy
    format); anything else cannot be a checkpoint."""
    if zipfile.is_zipfile(filename):
        return True
    with open(filename, 'rb') as f:
        return f.read(1) == b'\x80'


def weights_only_forced_off():
    """Whether the user set ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``, which
    makes ``torch.load`` unpickle anything when its caller does not ask."""
    value = os.environ.get('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '0')
    return value.lower() in TRUE_VALUES


def _types_to_allow():
    """The :data:`SAFE_CHECKPOINT_TYPES` the process does not allow yet:
    ``safe_globals`` removes on exit what it added, so adding one the user
    allowed would take it away from them afterwards."""
    allowed = torch.serialization.get_safe_globals()
    return [cls for cls in SAFE_CHECKPOINT_TYPES if cls not in allowed]


def load_checkpoint_file(filename, map_location=None):
    """Load a local checkpoint without letting it run code (unless the user
    set ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``, as for ``torch.load``).

    Args:
        filename (str): Path of the checkpoint.
        map_location (str or callable, optional): As for ``torch.load``.

    Raises:
        CheckpointNotFoundError: The file does not exist.
        CorruptCheckpointError: The file is truncated or is not a PyTorch
            checkpoint (text, random bytes, an empty file).
        UnsafeCheckpointError: The file holds anything but tensors and plain
            data; the message names the file and the refused object.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise CheckpointNotFoundError(f'checkpoint {filename} does not exist')
    corrupt = (f'checkpoint {filename} is truncated or not a PyTorch '
               'checkpoint')
    if not _looks_like_torch_file(filename):
        raise CorruptCheckpointError(
            f'{corrupt} (neither a zip archive nor a pickle)')
    weights_only = not weights_only_forced_off()
    try:
        with torch.serialization.safe_globals(_types_to_allow()):
            return torch.load(
                filename, map_location=map_location, weights_only=weights_only)
    except pickle.UnpicklingError as exc:
        lines = [line.strip() for line in str(exc).splitlines()]
        reason = next(
            (line for line in lines if 'unsupported global' in line.lower()),
            None)
        if reason is None:
            raise CorruptCheckpointError(f'{corrupt} ({lines[0]})') from None
        raise UnsafeCheckpointError(
            f'refusing to load checkpoint {filename}: it holds pickled '
            f'objects other than tensors and plain data ({reason}). '
            'Checkpoints are loaded with torch.load(weights_only=True) so '
            'that loading cannot run code; if you trust the file, load it '
            'yourself and save its plain contents again.') from None
    except (RuntimeError, EOFError, KeyError, ValueError) as exc:
        raise CorruptCheckpointError(
            f'{corrupt} ({type(exc).__name__}: {exc})') from None


def first_non_finite(checkpoint):
    """The name of the first floating tensor of ``checkpoint['state_dict']``
    (or of a plain state dict) holding NaN or infinity, or None."""
    state = checkpoint.get('state_dict', checkpoint)
    for name, value in state.items():
        if (torch.is_tensor(value) and value.is_floating_point()
                and not torch.isfinite(value).all()):
            return name
    return None


def _os_error(exc):
    """The OSError behind ``exc`` (PyTorch's writer wraps it in a
    RuntimeError), or None."""
    while exc is not None and not isinstance(exc, OSError):
        exc = exc.__context__
    return exc


def save_checkpoint_file(checkpoint, filename):
    """``torch.save`` to a temporary file beside ``filename``, flushed to
    disk, then renamed over it: ``filename`` is either the old file or the
    whole new one, with the mode the umask gives any new file.

    Raises:
        NonFiniteCheckpointError: The weights hold NaN or infinity; nothing
            is written.
        CheckpointWriteError: Writing failed (disk full, file too large, no
            permission); the old file is intact, the temporary one gone.
    """
    bad = first_non_finite(checkpoint)
    if bad is not None:
        raise NonFiniteCheckpointError(
            f'refusing to save checkpoint {filename}: {bad} holds NaN or '
            'infinite values (training diverged; lower the lr). Training '
            'stops here; the checkpoints before it are intact.')
    try:
        with atomic_open(filename, 'wb') as f:
            torch.save(checkpoint, f)
    except (OSError, RuntimeError) as exc:
        cause = _os_error(exc)
        if cause is None:
            raise
        raise CheckpointWriteError(
            f'cannot write checkpoint {filename}: {cause.strerror} '
            f'({errno.errorcode.get(cause.errno, cause.errno)}); the '
            'previous checkpoints are intact') from None


def _save_local_files_atomically(save_checkpoint):

    def save_checkpoint_atomically(checkpoint, filename, *args, **kwargs):
        if '://' in str(filename):
            return save_checkpoint(checkpoint, filename, *args, **kwargs)
        save_checkpoint_file(checkpoint, filename)

    return save_checkpoint_atomically


def install():
    """Load local checkpoints with :func:`load_checkpoint_file` and save the
    Runner's with :func:`save_checkpoint_file`, process-wide
    (idempotent)."""
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_checkpoint_file, force=True)
    patch(runner_module, 'save_checkpoint', 'mmengine', '0.10.7',
          _save_local_files_atomically)
