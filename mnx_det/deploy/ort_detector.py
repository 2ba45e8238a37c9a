"""Run an exported SSDLite ONNX file with ONNX Runtime, the mmdet way.

:class:`ORTSession` checks that a file is one of this project's exports
and runs it on pixel batches; :class:`ORTDetector` wraps it as an mmengine
model whose ``test_step`` returns ``DetDataSample`` s, so mmengine's Runner
(``tools/test.py CONFIG model.onnx``) evaluates the exported model with the
config's dataset and metric, exactly as it evaluates a checkpoint.
"""
import os.path as osp

import numpy as np
import torch
from mmdet.registry import MODELS
from mmengine.model import BaseModel
from mmengine.structures import InstanceData

from ..errors import UserError
from .contract import check_contract, read_contract
from .export import OUTPUTS


class DeployModelError(UserError, ValueError):
    """An ONNX file that is missing, unreadable or not an export of this
    project; the message names the file."""


class ORTSession:
    """An exported detector in ONNX Runtime (CPU).

    Args:
        onnx_file (str): A file written by ``tools/deployment``.
        num_threads (int, optional): Intra-op threads; default ORT's.
    """

    def __init__(self, onnx_file, num_threads=None):
        import onnxruntime as ort
        if not osp.isfile(onnx_file):
            raise DeployModelError(f'ONNX file {onnx_file} does not exist')
        options = ort.SessionOptions()
        if num_threads:
            options.intra_op_num_threads = num_threads
        # Idle workers would spin after each run, taking the cores from the
        # caller's own pre- and post-processing (and from interleaved timing).
        options.add_session_config_entry('session.intra_op.allow_spinning',
                                         '0')
        try:
            self.session = ort.InferenceSession(
                onnx_file, options, providers=['CPUExecutionProvider'])
        except Exception as exc:  # ORT raises its own untyped errors
            raise DeployModelError(
                f'{onnx_file} is not a readable ONNX model: {exc}') from exc
        inputs = [i.name for i in self.session.get_inputs()]
        outputs = [o.name for o in self.session.get_outputs()]
        if inputs != ['images'] or outputs != list(OUTPUTS):
            raise DeployModelError(
                f'{onnx_file} is not an mnx_det detector export: it takes '
                f'{inputs} and returns {outputs}, not [\'images\'] and '
                f'{list(OUTPUTS)} (tools/deployment/pytorch2onnx.py, '
                'without --no-postprocess)')
        shape = self.session.get_inputs()[0].shape
        self.batch_size = shape[0] if isinstance(shape[0], int) else None
        self.input_size = shape[2]
        self.path = onnx_file
        self.contract = read_contract(
            self.session.get_modelmeta().custom_metadata_map)

    def check_contract(self, classes=None, mean=None, std=None):
        """Raise unless the file was exported for these classes and this
        normalisation (:func:`.contract.check_contract`)."""
        check_contract(self.contract, self.path, classes, mean, std)

    def __call__(self, images):
        """(boxes, scores, labels) of a float32 RGB (N, 3, S, S) batch."""
        if tuple(images.shape[2:]) != (self.input_size, self.input_size):
            raise DeployModelError(
                f'images of size {tuple(images.shape[2:])}; the model takes '
                f'{self.input_size}x{self.input_size} (use the config it was '
                'exported from)')
        step = self.batch_size or len(images)
        chunks = []
        for start in range(0, len(images), step):
            chunk = images[start:start + step]
            # a fixed-batch model gets its last batch padded
            padded = np.zeros((step, ) + chunk.shape[1:], np.float32)
            padded[:len(chunk)] = chunk
            outputs = self.session.run(None, {'images': padded})
            chunks.append([o[:len(chunk)] for o in outputs])
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


@MODELS.register_module()
class ORTDetector(BaseModel):
    """An exported detector as an mmengine model, for testing.

    Args:
        onnx_file (str): The exported file.
        bgr_to_rgb (bool): The loaded images are BGR (mmdet's default) and
            the model takes RGB, as the config's data preprocessor says.
            Default: True.
        num_threads (int, optional): ONNX Runtime intra-op threads.
        classes (Sequence[str], optional): The config's classes, in label
            order; a file exported for others is refused.
        mean, std (Sequence[float], optional): The config's pixel
            normalisation; a file exported with another is refused.
    """

    def __init__(self,
                 onnx_file,
                 bgr_to_rgb=True,
                 num_threads=None,
                 classes=None,
                 mean=None,
                 std=None):
        super().__init__()
        self.session = ORTSession(onnx_file, num_threads)
        self.session.check_contract(classes, mean, std)
        self.bgr_to_rgb = bgr_to_rgb

    def forward(self, inputs, data_samples=None, mode='predict'):
        raise NotImplementedError(
            'an ONNX model is for testing and inference only')

    def test_step(self, data):
        images = torch.stack(data['inputs']).float()
        if self.bgr_to_rgb:
            images = images[:, [2, 1, 0]]
        samples = data['data_samples']
        # boxes back to the original image, as mmdet's rescale
        scales = [1 / np.array(s.metainfo['scale_factor']) for s in samples]
        for sample, instances in zip(
                samples, self.session.detect(images.numpy(), scales)):
            sample.pred_instances = instances
        return samples

    val_step = test_step
