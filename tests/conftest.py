"""Shared fixtures and helpers: the toy VOC set, config overrides pointing
at it, SSDLite heads built from the real configs."""
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mnx_det.datasets import make_toy_voc

ROOT = Path(__file__).resolve().parents[1]
TOY_CONFIG = ROOT / 'configs/toy/ssdlite_mobilenext_toy.py'

# Data loaders without worker processes: short tool runs start faster.
NO_WORKERS = {
    f'{split}_dataloader.{key}': value
    for split in ('train', 'val', 'test')
    for key, value in (('num_workers', 0), ('persistent_workers', False))
}


def toy_cfg_options(data_root, **extra):
    """``--cfg-options`` entries that point the toy config at data_root."""
    options = {
        'train_dataloader.dataset.datasets.0.data_root': data_root,
        'val_dataloader.dataset.data_root': data_root,
        'test_dataloader.dataset.data_root': data_root,
    }
    options.update(extra)
    return options


def as_cli(options):
    return ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]


@pytest.fixture(autouse=True)
def mmdet_scope():
    """Build from mmdet's registries, whatever scope a Runner left."""
    init_default_scope('mmdet')


@pytest.fixture(scope='session')
def small_toy_voc(tmp_path_factory):
    """16 trainval and 8 test images: enough to run the tools."""
    return make_toy_voc(
        tmp_path_factory.mktemp('small_toy'), num_trainval=16, num_test=8)


def run_tool(args, **kwargs):
    """Run a script of the repository with this Python, from its root."""
    return subprocess.run(
        [sys.executable] + [str(a) for a in args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        **kwargs)


def build(config, **model_changes):
    """The detector of ``configs/<config>``, initialised, without ImageNet
    weights."""
    cfg = Config.fromfile(str(ROOT / 'configs' / config))
    cfg.model.backbone.init_cfg = None
    cfg.model.update(model_changes)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def randomize(model, seed=0):
    """Random BN weights and statistics (in eval mode), so that a wrong
    mapping or a wrong fusion shows in the outputs."""
    gen = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            n = module.num_features
            module.weight.data = torch.rand(n, generator=gen) + 0.5
            module.bias.data = torch.randn(n, generator=gen) * 0.1
            module.running_mean = torch.randn(n, generator=gen) * 0.1
            module.running_var = torch.rand(n, generator=gen) + 0.5
            module.num_batches_tracked.fill_(7)
    model.eval()  # mmdet's MobileNetV2.train() returns None
    return model


def model_config(config):
    """``model`` of configs/<config>."""
    return Config.fromfile(str(ROOT / 'configs' / config)).model


def build_head(config, **changes):
    """The SSDLite head of configs/<config>, with its train and test
    settings."""
    model = model_config(config)
    head_cfg = model.bbox_head
    head_cfg.update(
        train_cfg=model.train_cfg, test_cfg=model.test_cfg, **changes)
    head = MODELS.build(head_cfg)
    head.init_weights()
    return head


def official_prior_args():
    """The official SSDLite320 VOC priors, as published."""
    return dict(
        strides=(16, 32, 64, 120, 160, 320),
        min_sizes=(45, 90, 135, 180, 225, 270),
        max_sizes=(120, 180, 220, 260, 300, 320),
        aspect_ratios=[(2, 3)] * 6)


def random_outputs(head, num_images, seed, sides=(20, 10, 5, 3, 2, 1)):
    """Random (cls_scores, bbox_preds) of the head's shapes, as leaves that
    collect gradients."""
    gen = torch.Generator().manual_seed(seed)

    def level_maps(channels_per_prior):
        return [
            torch.randn(
                num_images,
                priors * channels_per_prior,
                side,
                side,
                generator=gen).requires_grad_()
            for priors, side in zip(head.num_base_priors, sides)
        ]

    return level_maps(head.cls_out_channels), level_maps(4)
