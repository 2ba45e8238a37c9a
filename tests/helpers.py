"""Helpers shared by the test suite: tool runners, toy-run options,
randomised models and heads built from the real configs."""
import os
import re
import runpy
import signal
import subprocess
import sys
from pathlib import Path

import torch
from mmdet.registry import MODELS
from mmengine.config import Config

from mnx_det.apis import NO_WORKERS, build_detector, load_config

# The checkout the tests run from (configs/, tools/ beside the package).
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
    """A dict of config options as ``--cfg-options k=v ...``."""
    return ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]


def run_script(args, monkeypatch):
    """Run a script of the repository in this process (no interpreter
    start-up, which costs seconds): its exit code; output goes to capsys."""
    monkeypatch.setattr(sys, 'argv', [str(a) for a in args])
    # a tool's own signal handlers end with it, as its process would
    handlers = {
        s: signal.getsignal(s)
        for s in (signal.SIGTERM, signal.SIGHUP)
    }
    try:
        runpy.run_path(str(ROOT / args[0]), run_name='__main__')
    except SystemExit as exc:
        if isinstance(exc.code, int) or exc.code is None:
            return exc.code or 0
        print(exc.code, file=sys.stderr)  # as the interpreter would
        return 1
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    return 0


def run_tool(args, **kwargs):
    """Run a script of the repository with this Python, from its root."""
    return subprocess.run(
        [sys.executable] + [str(a) for a in args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        **kwargs)


def run_export_tool(args):
    """Run an export tool in this process; the file it wrote (``--out``)."""
    import pytest
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert run_script(args, monkeypatch) == 0
    return str(args[args.index('--out') + 1])


def tool_map(model_file, data_root, *args):
    """(toy VOC07 mAP, log) of ``tools/test.py`` on an exported file of
    the toy SSDLite-MobileNeXt."""
    result = run_tool([
        'tools/test.py', TOY_CONFIG, model_file, *args, '--cfg-options',
        f'test_dataloader.dataset.data_root={data_root}',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False'
    ])
    assert result.returncode == 0, result.stderr[-2000:]
    log = result.stdout + result.stderr
    return float(re.findall(r'pascal_voc/mAP: ([0-9.]+)', log)[-1]), log


def build(config, **model_changes):
    """The detector of ``configs/<config>``, initialised, without ImageNet
    weights."""
    return build_detector(str(ROOT / 'configs' / config), **model_changes)


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


def toy_images(data_root, count):
    """The first ``count`` BGR test images of the toy set."""
    import cv2
    return [
        cv2.imread(f'{data_root}VOC2007/JPEGImages/{i:06d}.jpg')
        for i in range(161, 161 + count)
    ]


def rgb_batch(images):
    """BGR (H, W, 3) images -> the float32 RGB (N, 3, H, W) batch an
    exported model takes."""
    import numpy as np
    return np.stack([i[..., ::-1].transpose(2, 0, 1)
                     for i in images]).astype('float32')


def assert_same_detections(expected, actual, box_tol=1e-3, score_tol=1e-4):
    """Each detection of ``expected`` has its own twin in ``actual`` (both
    (boxes, scores, labels), padding removed): same label, box within
    ``box_tol`` px, score within ``score_tol``. Detections whose scores tie
    to float precision may come in either order."""
    import numpy as np
    boxes, scores, labels = (np.asarray(a) for a in actual)
    assert len(labels) == len(expected[2])
    unmatched = list(range(len(labels)))
    for box, score, label in zip(*(np.asarray(a) for a in expected)):
        twins = [
            j for j in unmatched
            if labels[j] == label and abs(scores[j] - score) <= score_tol
            and np.abs(boxes[j] - box).max() <= box_tol
        ]
        assert twins, f'no twin of {label}, {score}, {box}'
        unmatched.remove(twins[0])


def _unmatched(detections, others, score_thr, score_tol, box_tol):
    """Detections of ``detections`` scoring at least ``score_thr`` that
    have no twin in ``others``: same label, score within ``score_tol``,
    every box coordinate within ``box_tol``."""
    import numpy as np
    boxes, scores, labels = (np.asarray(a) for a in others)
    return [(label, score, box)
            for box, score, label in zip(*(np.asarray(a) for a in detections))
            if score >= score_thr and not (
                (labels == label) & (np.abs(scores - score) <= score_tol)
                & (np.abs(boxes - box).max(axis=1) <= box_tol)).any()]


def assert_detections_agree(expected, actual, score_thr, score_tol, box_tol):
    """Two runs of a detector at different precisions find the same objects:
    each detection (boxes, scores, labels) of either run that scores at
    least ``score_thr + score_tol`` has a twin in the other within the
    tolerances. Detections nearer the threshold may fall on either side of
    it, and twins are not paired one to one (NMS may keep one box of two
    near-duplicates at one precision and the other at another)."""
    for ours, theirs in ((expected, actual), (actual, expected)):
        missing = _unmatched(ours, theirs, score_thr + score_tol, score_tol,
                             box_tol)
        assert not missing, f'no twin within tolerance: {missing[:3]}'


# -- short runs of the toy detector and damaged copies of a toy set -----------

TOY_CLASSES = ('sheep', 'tvmonitor', 'bottle')
SHORT = dict(
    NO_WORKERS, **{
        'train_dataloader.batch_size': 2,
        'train_cfg.max_iters': 6,
        'train_cfg.val_interval': 100,
        'default_hooks.logger.interval': 1,
        'log_processor.window_size': 1,
    })


def short_config(data_root, work_dir, **options):
    """The toy config as tools/train.py builds it from these options."""
    cfg = load_config(
        str(TOY_CONFIG), toy_cfg_options(data_root, **dict(SHORT, **options)),
        str(work_dir))
    cfg.randomness = dict(seed=0)
    return cfg


SHORT_RUN = dict(
    NO_WORKERS, **{
        'train_dataloader.batch_size': 2,
        'train_cfg.max_iters': 10,
        'train_cfg.val_interval': 10,
        'default_hooks.checkpoint.interval': 1,
        'default_hooks.logger.interval': 1,
    })


def train_toy(root, work_dir, **options):
    return run_tool(
        ['tools/train.py', TOY_CONFIG, '--work-dir', work_dir] +
        as_cli(toy_cfg_options(f'{root}/', **SHORT_RUN, **options)))


def iterations_run(result):
    return [
        int(i)
        for i in re.findall(r'Iter\(train\) \[\s*(\d+)/', result.stdout +
                            result.stderr)
    ]


class CodeRunningPayload:
    """Unpickling it runs a shell command: what loading a checkpoint must
    never do."""

    def __reduce__(self):
        return (os.system, ('echo pwned', ))
