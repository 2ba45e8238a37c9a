"""Shared fixtures and helpers: the toy VOC set, config overrides pointing
at it, SSDLite heads built from the real configs."""
from pathlib import Path

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mnx_det.datasets import make_toy_voc

ROOT = Path(__file__).resolve().parents[1]
TOY_CONFIG = ROOT / 'configs/toy/ssdlite_mobilenext_toy.py'


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
