"""Fixes for the known breakages of the pinned stack, in one place.

Imported by ``mnx_det/__init__.py``. Each fix names the upstream release it
was written for; when another release is installed, importing warns, so an
upgrade that fixes a bug upstream does not stay patched unnoticed.

1. PyTorch >= 2.6 loads with ``weights_only=True`` by default and refuses
   mmengine 0.10.7's own checkpoints: the message hub pickles
   ``HistoryBuffer`` objects (whose class state holds functions, reached
   through ``getattr``) and numpy values. Instead of lowering the guard,
   the message hub now saves plain data (lists, numbers, strings) and
   rebuilds its buffers when loading, and local checkpoints are read with
   ``weights_only=True`` and an allow-list of plain data classes only
   (:data:`SAFE_CHECKPOINT_TYPES`). Anything else in a checkpoint is refused
   with :class:`UnsafeCheckpointError`; a file that is no checkpoint at all
   (truncated, text, random bytes) with :class:`CorruptCheckpointError`.
   Tests: ``tests/test_compat.py``.

2. mmdet 3.3.0's ``SSDHead`` cannot predict: ``BaseDenseHead`` reads
   ``self.loss_cls``, which ``SSDHead`` (whose loss is built in) never sets
   (mmdetection issues 11063, 11305, 11780). ``SSDHead.loss_cls`` is now
   a property that is ``None`` unless a subclass registers a ``loss_cls``
   module (as ``SSDLiteFocalHead`` does), so prediction takes the softmax
   branch as intended; a plain ``None`` class attribute would hide such a
   module (modules live in ``_modules``, found only after class
   attributes). Test:
   ``tests/test_ssdlite.py::test_mmdet_ssdhead_can_predict``.

3. mmdet 3.3.0's ``VOCMetric`` prints its per-class table with the 20 VOC
   names whenever the dataset is VOC2007/2012, even when ``metainfo`` sets
   other classes (as the toy set does), so the rows are mislabelled. The
   table now uses the dataset's own class names. Test:
   ``tests/test_compat.py``.

4. mmdet 3.3.0's ``XMLDataset`` (and so ``VOCDataset``) lets a bad
   annotation file fail with a bare ``ParseError``, ``AttributeError``,
   ``ValueError`` or ``TypeError`` that does not say which of thousands of
   files is broken. When parsing fails, the file is read again by
   :func:`mnx_det.datasets.read_voc_annotation`: if it finds the problem,
   an :class:`AnnotationError` names the file and the problem; an error it
   cannot explain by the file propagates unchanged (a bug, not bad data).
   The project's configs use ``CheckedVOCDataset``, which checks every file
   up front. Tests: ``tests/test_robustness.py``.

5. mmcv 2.1.0's ``LoadImageFromFile`` names the file only when the decoder
   returns nothing; a zero-byte file fails inside OpenCV
   (``!buf.empty()``) without a path. Every failure to read or decode now
   raises :class:`ImageLoadError` naming the file. Tests:
   ``tests/test_robustness.py``.

6. mmengine 0.10.7 cannot start a distributed run on a machine without
   GPUs: its PyTorch launcher calls ``torch.cuda.set_device`` before
   ``init_process_group``, whatever the backend. With the gloo backend and
   no CUDA, the process group is now initialised directly (the tools choose
   gloo there, and a DDP wrapper without ``device_ids``). Test:
   ``tests/test_tools.py::test_two_processes_share_the_one_process_recipe``.

7. mmengine 0.10.7 writes a checkpoint in place: a run killed while saving
   leaves a truncated newest checkpoint. Local checkpoints are now written
   to a temporary file in the same folder, flushed to disk and renamed.
   Test: ``tests/test_robustness.py``.

Other breakages are avoided where they arise: configs contain no imports
(mmengine 0.10.7 takes ``import`` in a config for a lazy-import config on
Python 3.11), and OpenCV stays on 4.x and setuptools below 82 (see
``requirements/constraints.txt``).
"""
import argparse
import collections
import functools
import importlib.metadata
import os
import os.path as osp
import pickle
import tempfile
import warnings
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import torch
from mmcv.transforms import LoadImageFromFile
from mmdet.datasets import VOCDataset, XMLDataset
from mmdet.evaluation import VOCMetric
from mmdet.models.dense_heads import SSDHead
from mmengine.dist import utils as dist_utils
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import runner as runner_module
from mmengine.runner.checkpoint import CheckpointLoader

from .datasets.voc_annotations import AnnotationError, read_voc_annotation

# Classes besides tensors and builtin containers that may appear in a
# checkpoint: mmengine's MultiStepLR keeps its milestones in a Counter, and
# official timm-style checkpoints keep their training arguments in a
# Namespace. Both are plain data; no function is on this list.
SAFE_CHECKPOINT_TYPES = (collections.Counter, argparse.Namespace)


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds pickled objects other than plain data."""


class CorruptCheckpointError(pickle.UnpicklingError):
    """A file is truncated or not a PyTorch checkpoint at all."""


def _looks_like_torch_file(filename):
    """A zip archive (torch.save since 1.6) or a pickle (the legacy
    format); anything else cannot be a checkpoint."""
    if zipfile.is_zipfile(filename):
        return True
    with open(filename, 'rb') as f:
        return f.read(1) == b'\x80'


def load_checkpoint_file(filename, map_location=None):
    """Load a local checkpoint without letting it run code.

    Args:
        filename (str): Path of the checkpoint.
        map_location (str or callable, optional): As for ``torch.load``.

    Raises:
        FileNotFoundError: The file does not exist.
        CorruptCheckpointError: The file is truncated or is not a PyTorch
            checkpoint (text, random bytes, an empty file).
        UnsafeCheckpointError: The file holds anything but tensors and plain
            data; the message names the file and the refused object.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    corrupt = (f'checkpoint {filename} is truncated or not a PyTorch '
               'checkpoint')
    if not _looks_like_torch_file(filename):
        raise CorruptCheckpointError(
            f'{corrupt} (neither a zip archive nor a pickle)')
    try:
        with torch.serialization.safe_globals(list(SAFE_CHECKPOINT_TYPES)):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
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


def check_upstream(package, version, what):
    """Warn when ``package`` is not the release a fix was written for."""
    installed = importlib.metadata.version(package)
    if installed != version:
        warnings.warn(
            f'mnx_det.compat fixes {what} of {package} {version}, but '
            f'{package} {installed} is installed: check whether the fix is '
            'still needed (mnx_det/compat.py)', RuntimeWarning)


def patch(owner, name, package, version):
    """Decorator: replace ``owner.name`` by ``wrapper(original)``, once.

    Args:
        owner (type | module): What holds the patched attribute.
        name (str): The attribute.
        package (str): The distribution the code belongs to.
        version (str): Its release the fix was written for
            (:func:`check_upstream` warns for another).

    The wrapper gets the original's name and docstring; patching again
    (e.g. on a module reload) leaves the first patch in place.
    """

    def decorate(make_wrapper):
        check_upstream(package, version, f'{owner.__name__}.{name}')
        original = getattr(owner, name)
        if getattr(original, '_mnx_det_patch', False):
            return original
        wrapper = functools.wraps(original)(make_wrapper(original))
        wrapper._mnx_det_patch = True
        setattr(owner, name, wrapper)
        return wrapper

    return decorate


@patch(MessageHub, 'state_dict', 'mmengine', '0.10.7')
def _plain_state_dict(state_dict):

    def plain_state_dict(self):
        state = state_dict(self)
        state['log_scalars'] = collections.OrderedDict(
            (key, history_to_plain(buffer))
            for key, buffer in state['log_scalars'].items())
        state['runtime_info'] = to_plain(state['runtime_info'])
        return state

    return plain_state_dict


@patch(MessageHub, 'load_state_dict', 'mmengine', '0.10.7')
def _load_plain_state_dict(load_state_dict):

    def load_plain_state_dict(self, state):
        if isinstance(state, dict):
            state = dict(state)
            state['log_scalars'] = collections.OrderedDict(
                (key, history_from_plain(value))
                for key, value in state['log_scalars'].items())
        return load_state_dict(self, state)

    return load_plain_state_dict


@patch(VOCMetric, 'compute_metrics', 'mmdet', '3.3.0')
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


@patch(XMLDataset, 'parse_data_info', 'mmdet', '3.3.0')
def _parse_data_info_naming_file(parse_data_info):

    def parse_data_info_naming_file(self, img_info):
        try:
            return parse_data_info(self, img_info)
        except (ET.ParseError, AttributeError, TypeError, ValueError) as exc:
            # Relabel only what the file explains; anything else is a bug.
            annotation = read_voc_annotation(img_info['xml_path'],
                                             self.metainfo['classes'])
            problems = annotation.all_problems()
            if not problems:
                raise
            raise AnnotationError('malformed annotation file '
                                  f"{img_info['xml_path']}:\n" +
                                  '\n'.join(problems)) from exc

    return parse_data_info_naming_file


class ImageLoadError(OSError):
    """An image file cannot be read or decoded; the message names it."""


@patch(LoadImageFromFile, 'transform', 'mmcv', '2.1.0')
def _transform_naming_image(transform):

    def transform_naming_image(self, results):
        try:
            return transform(self, results)
        except ImageLoadError:
            raise
        except AssertionError:  # the decoder returned nothing
            raise ImageLoadError(
                f"failed to load image: {results['img_path']}"
                ' (empty, truncated or not an image)') from None
        except Exception as exc:  # whatever the decoder raised
            raise ImageLoadError(
                f"failed to load image: {results['img_path']} "
                f'({type(exc).__name__}: {str(exc).strip()})') from exc

    return transform_naming_image


@patch(runner_module, 'save_checkpoint', 'mmengine', '0.10.7')
def _save_checkpoint_atomically(save_checkpoint):

    def save_checkpoint_atomically(checkpoint, filename, *args, **kwargs):
        if '://' in str(filename):
            return save_checkpoint(checkpoint, filename, *args, **kwargs)
        folder = osp.dirname(osp.abspath(filename))
        os.makedirs(folder, exist_ok=True)
        fd, partial = tempfile.mkstemp(
            prefix=f'.{osp.basename(filename)}.', suffix='.part', dir=folder)
        try:
            with os.fdopen(fd, 'wb') as f:
                torch.save(checkpoint, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(partial, filename)
        finally:
            if osp.exists(partial):
                os.remove(partial)

    return save_checkpoint_atomically


@patch(dist_utils, '_init_dist_pytorch', 'mmengine', '0.10.7')
def _init_dist_pytorch_on_cpu(init_dist_pytorch):

    def init_dist_pytorch_on_cpu(backend='nccl',
                                 init_backend='torch',
                                 **kwargs):
        if torch.cuda.is_available() or backend != 'gloo':
            return init_dist_pytorch(
                backend, init_backend=init_backend, **kwargs)
        torch.distributed.init_process_group(backend=backend, **kwargs)

    return init_dist_pytorch_on_cpu


check_upstream('mmdet', '3.3.0', 'SSDHead.loss_cls')
if not hasattr(SSDHead, 'loss_cls'):
    SSDHead.loss_cls = property(lambda self: self._modules.get('loss_cls'))
CheckpointLoader.register_scheme(
    prefixes='', loader=load_checkpoint_file, force=True)
