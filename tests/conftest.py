"""Shared fixtures: the toy VOC set and config overrides pointing at it."""
from pathlib import Path

import pytest
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
