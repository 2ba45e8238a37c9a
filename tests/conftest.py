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
from mnx_det.engine import set_data_root

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


def toy_config(config, data_root, work_dir, **changes):
    """configs/toy/<config> with ``changes``, on ``data_root``, seeded, with
    one checkpoint at the end, no validation during training (callers
    validate once, with ``runner.val()``) and data loaded in the main
    process."""
    cfg = Config.fromfile(str(ROOT / 'configs/toy' / config))
    cfg.merge_from_dict(changes)
    set_data_root(cfg, data_root)
    cfg.work_dir = str(work_dir)
    cfg.randomness = dict(seed=0)
    cfg.default_hooks.checkpoint.interval = cfg.train_cfg.max_iters
    cfg.train_cfg.val_begin = cfg.train_cfg.max_iters + 1
    # Worker processes of an iteration-based loop outlive its test and are
    # shut down, slowly (seconds), by the garbage collector during a later
    # one; the toy images cost little to load in the main process.
    cfg.merge_from_dict(NO_WORKERS)
    return cfg


@pytest.fixture(scope='session')
def toy_voc(tmp_path_factory):
    """The full toy set: 160 trainval and 40 test images, VOC and COCO
    format."""
    return make_toy_voc(tmp_path_factory.mktemp('toy'))


@pytest.fixture(scope='session')
def trained_toy_detector(toy_voc, tmp_path_factory):
    """The toy SSDLite-MobileNeXt trained on the toy set from scratch:
    (checkpoint, validation metrics)."""
    from mmengine.runner import Runner
    work_dir = tmp_path_factory.mktemp('toy_training')
    runner = Runner.from_cfg(
        toy_config('ssdlite_mobilenext_toy.py', toy_voc, work_dir))
    runner.train()
    metrics = runner.val()
    return str(work_dir / f'iter_{runner.iter}.pth'), metrics


def run_script(args, monkeypatch):
    """Run a script of the repository in this process (no interpreter
    start-up, which costs seconds): its exit code; output goes to capsys."""
    import runpy
    monkeypatch.setattr(sys, 'argv', [str(a) for a in args])
    try:
        runpy.run_path(str(ROOT / args[0]), run_name='__main__')
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


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


def center_form(priors, size):
    """Corner-form priors in pixels -> the official normalised centre form."""
    return torch.cat([(priors[:, :2] + priors[:, 2:]) / 2,
                      priors[:, 2:] - priors[:, :2]], 1) / size


def flat(outputs, channels):
    """Per-level (N, A * channels, H, W) outputs -> (N, priors, channels)."""
    return torch.cat([
        o.permute(0, 2, 3, 1).reshape(o.size(0), -1, channels) for o in outputs
    ], 1)


def loss_test_batch(labels):
    """Ground truths of three 320x320 images for the loss tests: two
    objects, one large object only clamped priors match, three objects;
    ``labels`` gives their classes in that order (six of them)."""
    from mmengine.structures import InstanceData
    boxes = [[[30., 40., 150., 200.], [0., 0., 320., 320.]],
             [[5., 100., 315., 300.]],
             [[200., 10., 260., 60.], [10., 250., 80., 318.],
              [100., 100., 220., 230.]]]
    labels = iter(labels)
    return [
        InstanceData(
            bboxes=torch.tensor(b),
            labels=torch.tensor([next(labels) for _ in b])) for b in boxes
    ]
