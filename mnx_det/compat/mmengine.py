"""Fixes for mmengine 0.10.7 on this stack (PyTorch 2.14).

1. Checkpoints that ``torch.load(weights_only=True)`` accepts. PyTorch >= 2.6
   loads with ``weights_only=True`` by default and then refuses mmengine's
   own checkpoints: ``UnpicklingError: Weights only load failed ...
   Unsupported global: GLOBAL mmengine.logging.history_buffer.HistoryBuffer``
   (the message hub pickles its ``HistoryBuffer`` objects and numpy
   values). The message hub now saves plain data (lists, numbers, strings)
   and rebuilds its buffers when loading. Test:
   ``tests/test_compat.py::test_message_hub_round_trip`` and
   ``test_runner_checkpoint_loads_with_weights_only``.
2. Distributed runs on machines without GPUs. mmengine's PyTorch launcher
   calls ``torch.cuda.set_device`` before ``init_process_group`` whatever
   the backend, so ``torchrun`` with the gloo backend fails on a CPU-only
   machine (``RuntimeError: Found no NVIDIA driver``, or ``Torch not
   compiled with CUDA enabled``). With gloo and no CUDA the process group
   is now initialised directly. Test:
   ``tests/test_tools.py::test_two_processes_share_the_one_process_recipe``.
3. Old checkpoints deleted before the new one exists. With
   ``max_keep_ckpts``, ``CheckpointHook`` removes the oldest checkpoint
   *before* it writes the new one: a run killed (or a disk full) while
   saving with ``max_keep_ckpts=1`` is left with no checkpoint at all. The
   oldest checkpoints are now removed after the new one is in place. Test:
   ``tests/test_checkpoint_files.py::test_max_keep_ckpts_never_leaves_no_checkpoint``.
"""
import collections

import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.dist import utils as dist_utils
from mmengine.hooks import CheckpointHook
from mmengine.logging import HistoryBuffer, MessageHub

from .patching import patch

VERSION = '0.10.7'


def to_plain(value):
    """Turn numpy values inside containers into Python ones."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return type(value)((k, to_plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(to_plain(v) for v in value)
    return value


def history_to_plain(buffer):
    """A ``HistoryBuffer`` as a plain dict (see :func:`history_from_plain`)."""
    log_history, count_history = buffer.data
    return dict(
        log_history=log_history.tolist(),
        count_history=count_history.tolist(),
        max_length=buffer.max_length)


def history_from_plain(value):
    """Rebuild a ``HistoryBuffer`` saved by :func:`history_to_plain`."""
    if isinstance(value, dict):
        return HistoryBuffer(**value)
    return value


def _plain_state_dict(state_dict):

    def plain_state_dict(self):
        state = state_dict(self)
        state['log_scalars'] = collections.OrderedDict(
            (key, history_to_plain(buffer))
            for key, buffer in state['log_scalars'].items())
        state['runtime_info'] = to_plain(state['runtime_info'])
        return state

    return plain_state_dict


def _load_plain_state_dict(load_state_dict):

    def load_plain_state_dict(self, state):
        if isinstance(state, dict):
            state = dict(state)
            state['log_scalars'] = collections.OrderedDict(
                (key, history_from_plain(value))
                for key, value in state['log_scalars'].items())
        return load_state_dict(self, state)

    return load_plain_state_dict


def _init_dist_pytorch_on_cpu(init_dist_pytorch):

    def init_dist_pytorch_on_cpu(backend='nccl',
                                 init_backend='torch',
                                 **kwargs):
        if torch.cuda.is_available() or backend != 'gloo':
            return init_dist_pytorch(
                backend, init_backend=init_backend, **kwargs)
        torch.distributed.init_process_group(backend=backend, **kwargs)

    return init_dist_pytorch_on_cpu


def _prune_after_saving(save_checkpoint_with_step):

    def prune_after_saving(self, runner, step, meta):
        keep = self.max_keep_ckpts
        if keep <= 0:
            return save_checkpoint_with_step(self, runner, step, meta)
        # One more kept while saving: mmengine then deletes nothing first.
        self.max_keep_ckpts = keep + 1
        try:
            save_checkpoint_with_step(self, runner, step, meta)
        finally:
            self.max_keep_ckpts = keep
        while len(self.keep_ckpt_ids) > keep:
            old = self.file_backend.join_path(
                self.out_dir,
                self.filename_tmpl.format(self.keep_ckpt_ids.popleft()))
            if is_main_process() and self.file_backend.isfile(old):
                self.file_backend.remove(old)
        runner.message_hub.update_info('keep_ckpt_ids',
                                       list(self.keep_ckpt_ids))

    return prune_after_saving


def apply():
    """Apply the fixes above (idempotent)."""
    patch(MessageHub, 'state_dict', 'mmengine', VERSION, _plain_state_dict)
    patch(MessageHub, 'load_state_dict', 'mmengine', VERSION,
          _load_plain_state_dict)
    patch(dist_utils, '_init_dist_pytorch', 'mmengine', VERSION,
          _init_dist_pytorch_on_cpu)
    patch(CheckpointHook, '_save_checkpoint_with_step', 'mmengine', VERSION,
          _prune_after_saving)
