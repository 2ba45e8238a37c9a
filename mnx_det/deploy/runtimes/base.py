"""What every runtime of an exported detector does the same way.

A :class:`DeploySession` is one exported file loaded in one runtime. The
runtime-specific part is loading the file and running one batch; the rest
is shared: the file must be one of this project's exports (full
post-processing, or raw outputs whose contract says how to decode them),
batches are padded to a fixed batch size, raw outputs go through
:func:`..postprocess.select_detections`, and the contract
(:mod:`..contract`) is checked against the config the file runs with.
"""
import inspect
import os.path as osp

import numpy as np
import torch
from mmengine.structures import InstanceData

from ...errors import UserError
from ..contract import OUTPUTS, RAW_OUTPUTS, channels_reversed, check_contract
from ..postprocess import RAW_KEYS, select_detections


class DeployModelError(UserError, ValueError):
    """An exported file that is missing, unreadable, of a kind the runtime
    does not read, or not an export of this project; the message names the
    file."""


class DeploySession:
    """An exported detector in one runtime, called on pixel batches.

    Subclasses set ``runtime`` (its name for users) and ``suffixes`` (the
    file kinds it reads), and implement :meth:`_load` and :meth:`_run`.

    Args:
        path (str): A file written by ``tools/deployment``.
        num_threads (int, optional): Threads of the runtime; default its
            own choice.
        **options: Runtime-specific settings (see each subclass).
    """
    runtime = None
    suffixes = ()

    def __init__(self, path, num_threads=None, **options):
        if not path.lower().endswith(self.suffixes):
            raise DeployModelError(
                f'{self.runtime} reads {"/".join(self.suffixes)} files, not '
                f'{path}')
        if not osp.isfile(path):
            raise DeployModelError(f'model file {path} does not exist')
        settings = list(inspect.signature(self._load).parameters)[2:]
        unknown = sorted(set(options) - set(settings))
        if unknown:
            raise DeployModelError(
                f'{self.runtime} has no setting {", ".join(unknown)} (its '
                f'settings: {", ".join(["num_threads"] + settings)})')
        self.path = path
        # set by _load:
        self.input_size = None  # side of the square input
        self.batch_size = None  # None: any batch size
        self.contract = {}
        outputs = self._load(path, num_threads, **options)
        self.raw = list(outputs) == list(RAW_OUTPUTS)
        if not (list(outputs) == list(OUTPUTS)
                or self.raw and all(key in self.contract for key in RAW_KEYS)):
            raise DeployModelError(
                f'{path} is not an mnx_det detector export: it returns '
                f'{list(outputs)}, not {list(OUTPUTS)} (or '
                f'{list(RAW_OUTPUTS)} with a recorded contract); write it '
                'with tools/deployment')

    def _load(self, path, num_threads, **options):
        """Load the file, set ``input_size``, ``batch_size`` and
        ``contract``; return the output names."""
        raise NotImplementedError

    def _run(self, batch):
        """The outputs of one float32 (batch_size, 3, S, S) batch."""
        raise NotImplementedError

    def check_contract(self,
                       classes=None,
                       mean=None,
                       std=None,
                       bgr_to_rgb=None):
        """Raise unless the file was exported for these classes, this
        normalisation and this channel order
        (:func:`..contract.check_contract`)."""
        check_contract(self.contract, self.path, classes, mean, std,
                       bgr_to_rgb)

    def bgr_to_rgb(self, configured=None):
        """Whether BGR images are reversed to RGB for this file
        (:func:`..contract.channels_reversed`)."""
        return channels_reversed(self.contract, configured)

    def __call__(self, images):
        """(boxes, scores, labels) of a float32 RGB (N, 3, S, S) batch:
        (N, K, 4) boxes in input pixels, padded with score 0, label -1."""
        if tuple(images.shape[2:]) != (self.input_size, self.input_size):
            raise DeployModelError(
                f'images of size {tuple(images.shape[2:])}; the model takes '
                f'{self.input_size}x{self.input_size} (use the config it was '
                'exported from)')
        step = self.batch_size or len(images)
        chunks = []
        for start in range(0, len(images), step):
            chunk = np.ascontiguousarray(images[start:start + step],
                                         np.float32)  # a copy only if needed
            count = len(chunk)
            if count < step:  # a fixed-batch model's last batch
                chunk = np.concatenate([
                    chunk,
                    np.zeros((step - count, ) + chunk.shape[1:], np.float32)
                ])
            outputs = self._run(chunk)
            if self.raw:
                outputs = select_detections(*outputs, self.contract)
            chunks.append([o[:count] for o in outputs])
        return tuple(np.concatenate(parts) for parts in zip(*chunks))

    def detect(self, images, scales, score_thr=0.):
        """Detections of a float32 RGB (N, 3, S, S) batch as InstanceData,
        boxes multiplied by each image's (x, y) ``scales`` (input pixels to
        the caller's), the padding and scores below ``score_thr`` left
        out."""
        results = []
        for boxes, scores, labels, scale in zip(*self(images), scales):
            keep = (scores > 0) & (scores >= score_thr)
            results.append(
                InstanceData(
                    bboxes=torch.from_numpy(boxes[keep] *
                                            np.tile(scale, 2)).float(),
                    scores=torch.from_numpy(scores[keep]),
                    labels=torch.from_numpy(labels[keep])))
        return results
