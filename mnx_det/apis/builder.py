"""A config's detector, built the one way every tool, test and benchmark
builds it: without the backbone's ImageNet weights (a ``Pretrained``
``init_cfg`` would need a file that only training needs), and, given a
checkpoint, with exactly that checkpoint's weights."""
import copy

from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

from ..checkpoint import (check_checkpoint_classes, check_checkpoint_fits,
                          load_checkpoint_file, model_state)


def without_pretrained(model_cfg):
    """A copy of a detector's model config whose backbone starts from no
    weights file."""
    model_cfg = copy.deepcopy(model_cfg)
    if 'backbone' in model_cfg:
        model_cfg.backbone.init_cfg = None
    return model_cfg


def build_detector(config,
                   checkpoint=None,
                   device='cpu',
                   classes=None,
                   **model_changes):
    """Build the detector of a config.

    Args:
        config (str | Config): A config file or a loaded config.
        checkpoint (str, optional): Weights that must fill the detector
            exactly (:func:`mnx_det.checkpoint.check_checkpoint_fits`);
            the detector is then in eval mode, with the checkpoint's
            ``dataset_meta`` (its classes). Without it the detector is
            initialised as training would initialise it, less ImageNet
            weights.
        device (str): Where the detector goes. Default: 'cpu'.
        classes (Sequence[str], optional): When given, the checkpoint must
            have been trained on these classes, in this order
            (:func:`mnx_det.checkpoint.check_checkpoint_classes`).
        **model_changes: Replace these keys of ``cfg.model``.

    Returns:
        nn.Module
    """
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    model_cfg = without_pretrained(cfg.model)
    model_cfg.update(model_changes)
    model = MODELS.build(model_cfg)
    if checkpoint is None:
        model.init_weights()
        return model.to(device)
    loaded = load_checkpoint_file(checkpoint, map_location='cpu')  # once
    if classes is not None:
        check_checkpoint_classes(loaded, classes, checkpoint)
    check_checkpoint_fits(model, loaded, checkpoint)
    model.load_state_dict(model_state(loaded), strict=True)
    # what the weights were trained on, as mmdet's init_detector keeps it
    model.dataset_meta = loaded.get('meta', {}).get('dataset_meta', {})
    return model.to(device).eval()
