"""An exported detector as an mmengine model, the mmdet way.

:class:`DeployedDetector` wraps a :class:`.runtimes.DeploySession`; its
``test_step`` returns ``DetDataSample`` s, so mmengine's Runner
(``tools/test.py CONFIG model.onnx|model.xml|model.pte``) evaluates the
exported model with the config's dataset and metric, exactly as it
evaluates a checkpoint. ``ORTDetector``, ``OpenVINODetector`` and
``ExecuTorchDetector`` name the runtime in configs.
"""
import numpy as np
import torch
from mmdet.registry import MODELS
from mmengine.logging import print_log
from mmengine.model import BaseModel

from .runtimes import open_session


@MODELS.register_module()
class DeployedDetector(BaseModel):
    """An exported detector as an mmengine model, for testing.

    Args:
        model_file (str): The exported file.
        backend (str, optional): The runtime (``onnxruntime``,
            ``openvino``, ``executorch``); default the file kind's.
        bgr_to_rgb (bool, optional): The config's data preprocessor's: the
            loaded images are BGR (mmdet's default) and the model takes
            RGB. A file that records another is refused; default (None):
            as the file records.
        classes (Sequence[str], optional): The config's classes, in label
            order; a file exported for others is refused.
        mean, std (Sequence[float], optional): The config's pixel
            normalisation; a file exported with another is refused.
        **session_options: The runtime's settings (``num_threads``;
            OpenVINO's ``precision``, ``performance_hint``).
    """

    def __init__(self,
                 model_file,
                 backend=None,
                 bgr_to_rgb=None,
                 classes=None,
                 mean=None,
                 std=None,
                 **session_options):
        super().__init__()
        self.session = open_session(model_file, backend, **session_options)
        self.session.check_contract(classes, mean, std, bgr_to_rgb)
        self.bgr_to_rgb = self.session.bgr_to_rgb(bgr_to_rgb)
        precision = getattr(self.session, 'precision', None)
        print_log(
            f'{self.session.runtime} runs {model_file}' +
            (f' in {precision}' if precision else ''),
            logger='current')

    def forward(self, inputs, data_samples=None, mode='predict'):
        raise NotImplementedError(
            'an exported model is for testing and inference only')

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


@MODELS.register_module()
class ORTDetector(DeployedDetector):
    """An exported ``.onnx`` file in ONNX Runtime; the arguments of
    :class:`DeployedDetector`, ``model_file`` as its siblings."""

    def __init__(self, model_file, **kwargs):
        super().__init__(model_file, backend='onnxruntime', **kwargs)


@MODELS.register_module()
class OpenVINODetector(DeployedDetector):
    """An exported ``.onnx`` or ``.xml`` file in OpenVINO; the arguments of
    :class:`DeployedDetector` (``precision``, ``performance_hint``:
    :class:`.runtimes.OpenVINOSession`)."""

    def __init__(self, model_file, **kwargs):
        super().__init__(model_file, backend='openvino', **kwargs)


@MODELS.register_module()
class ExecuTorchDetector(DeployedDetector):
    """An ExecuTorch ``.pte`` program; the arguments of
    :class:`DeployedDetector`."""

    def __init__(self, model_file, **kwargs):
        super().__init__(model_file, backend='executorch', **kwargs)
