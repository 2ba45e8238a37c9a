"""Fixes for the known breakages of the pinned stack, in one place.

Imported by ``mnx_det/__init__.py``; each fix has a test in
``tests/test_compat.py`` that fails without it.

1. PyTorch >= 2.6 loads with ``weights_only=True`` by default and refuses
   mmengine 0.10.7's own checkpoints: the message hub pickles
   ``HistoryBuffer`` objects (whose class state holds functions, reached
   through ``getattr``) and numpy values. Instead of lowering the guard,
   the message hub now saves plain data (lists, numbers, strings) and
   rebuilds its buffers when loading, and local checkpoints are read with
   ``weights_only=True`` and an allow-list of plain data classes only
   (:data:`SAFE_CHECKPOINT_TYPES`). Anything else in a checkpoint is refused
   with :class:`UnsafeCheckpointError`, naming the file and the object.

2. mmdet 3.3.0's ``SSDHead`` cannot predict: ``BaseDenseHead`` reads
   ``self.loss_cls``, which ``SSDHead`` (whose loss is built in) never sets
   (mmdetection issues 11063, 11305, 11780). ``SSDHead.loss_cls`` is now
   ``None``, so prediction takes the softmax branch as intended; this also
   serves the project's ``SSDLiteHead``.

3. mmdet 3.3.0's ``VOCMetric`` prints its per-class table with the 20 VOC
   names whenever the dataset is VOC2007/2012, even when ``metainfo`` sets
   other classes (as the toy set does), so the rows are mislabelled. The
   table now uses the dataset's own class names.

4. mmdet's ``XMLDataset`` (and so ``VOCDataset``) lets a malformed
   annotation file fail with a bare ``ParseError: not well-formed`` that
   does not say which of thousands of files is broken. The error now names
   the file. (A corrupt image is already reported with its path by mmcv's
   ``LoadImageFromFile``.)

5. mmengine 0.10.7 cannot start a distributed run on a machine without
   GPUs: its PyTorch launcher calls ``torch.cuda.set_device`` before
   ``init_process_group``, whatever the backend. With the gloo backend and
   no CUDA, the process group is now initialised directly (the tools choose
   gloo there, and a DDP wrapper without ``device_ids``).

Other breakages are avoided where they arise: configs contain no imports
(mmengine 0.10.7 takes ``import`` in a config for a lazy-import config on
Python 3.11), and OpenCV stays on 4.x and setuptools below 82 (see
``requirements/constraints.txt``).
"""
import argparse
import collections
import functools
import os.path as osp
import pickle
import xml.etree.ElementTree as ET

import numpy as np
import torch
from mmdet.datasets import VOCDataset, XMLDataset
from mmdet.evaluation import VOCMetric
from mmdet.models.dense_heads import SSDHead
from mmengine.dist import utils as dist_utils
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner.checkpoint import CheckpointLoader

# Classes besides tensors and builtin containers that may appear in a
# checkpoint: mmengine's MultiStepLR keeps its milestones in a Counter, and
# official timm-style checkpoints keep their training arguments in a
# Namespace. Both are plain data; no function is on this list.
SAFE_CHECKPOINT_TYPES = (collections.Counter, argparse.Namespace)


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds pickled objects other than plain data."""


def load_checkpoint_file(filename, map_location=None):
    """Load a local checkpoint without letting it run code.

    Args:
        filename (str): Path of the checkpoint.
        map_location (str or callable, optional): As for ``torch.load``.

    Raises:
        FileNotFoundError: The file does not exist.
        UnsafeCheckpointError: The file holds anything but tensors and plain
            data; the message names the file and the refused object.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    try:
        with torch.serialization.safe_globals(list(SAFE_CHECKPOINT_TYPES)):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        lines = [line.strip() for line in str(exc).splitlines()]
        reason = next(
            (line for line in lines if 'unsupported' in line.lower()),
            lines[-1])
        raise UnsafeCheckpointError(
            f'refusing to load checkpoint {filename}: it holds pickled '
            f'objects other than tensors and plain data ({reason}). '
            'Checkpoints are loaded with torch.load(weights_only=True) so '
            'that loading cannot run code; if you trust the file, load it '
            'yourself and save its plain contents again.') from None


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


def patch(owner, name):
    """Decorator: replace ``owner.name`` by ``wrapper(original)``, once.

    The wrapper gets the original's name and docstring; patching again
    (e.g. on a module reload) leaves the first patch in place.
    """

    def decorate(make_wrapper):
        original = getattr(owner, name)
        if getattr(original, '_mnx_det_patch', False):
            return original
        wrapper = functools.wraps(original)(make_wrapper(original))
        wrapper._mnx_det_patch = True
        setattr(owner, name, wrapper)
        return wrapper

    return decorate


@patch(MessageHub, 'state_dict')
def _plain_state_dict(state_dict):

    def plain_state_dict(self):
        state = state_dict(self)
        state['log_scalars'] = collections.OrderedDict(
            (key, history_to_plain(buffer))
            for key, buffer in state['log_scalars'].items())
        state['runtime_info'] = to_plain(state['runtime_info'])
        return state

    return plain_state_dict


@patch(MessageHub, 'load_state_dict')
def _load_plain_state_dict(load_state_dict):

    def load_plain_state_dict(self, state):
        if isinstance(state, dict):
            state = dict(state)
            state['log_scalars'] = collections.OrderedDict(
                (key, history_from_plain(value))
                for key, value in state['log_scalars'].items())
        return load_state_dict(self, state)

    return load_plain_state_dict


@patch(VOCMetric, 'compute_metrics')
def _compute_metrics_with_class_names(compute_metrics):
    voc_classes = tuple(VOCDataset.METAINFO['classes'])

    def compute_metrics_with_class_names(self, results):
        meta = self.dataset_meta
        if tuple(meta.get('classes', ())) == voc_classes:
            return compute_metrics(self, results)
        # Without 'dataset_type' the metric labels rows with meta['classes'].
        self.dataset_meta = {
            k: v
            for k, v in meta.items() if k != 'dataset_type'
        }
        try:
            return compute_metrics(self, results)
        finally:
            self.dataset_meta = meta

    return compute_metrics_with_class_names


class AnnotationError(ValueError):
    """An annotation file cannot be read; the message names the file."""


@patch(XMLDataset, 'parse_data_info')
def _parse_data_info_naming_file(parse_data_info):

    def parse_data_info_naming_file(self, img_info):
        try:
            return parse_data_info(self, img_info)
        except (ET.ParseError, AttributeError, TypeError, ValueError) as exc:
            raise AnnotationError(
                f"malformed annotation file {img_info['xml_path']}: "
                f'{type(exc).__name__}: {exc}') from exc

    return parse_data_info_naming_file


@patch(dist_utils, '_init_dist_pytorch')
def _init_dist_pytorch_on_cpu(init_dist_pytorch):

    def init_dist_pytorch_on_cpu(backend='nccl',
                                 init_backend='torch',
                                 **kwargs):
        if torch.cuda.is_available() or backend != 'gloo':
            return init_dist_pytorch(
                backend, init_backend=init_backend, **kwargs)
        torch.distributed.init_process_group(backend=backend, **kwargs)

    return init_dist_pytorch_on_cpu


if not hasattr(SSDHead, 'loss_cls'):
    SSDHead.loss_cls = None
CheckpointLoader.register_scheme(
    prefixes='', loader=load_checkpoint_file, force=True)
