"""Shared fixtures: the toy VOC sets and the toy detector trained once per
session. Helpers live in tests/helpers.py."""
import logging
import shutil

import pytest
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

from mnx_det.apis import (apply_process_fixes, toy_run_config,
                          use_portable_kernels)
from mnx_det.datasets import make_toy_voc
from helpers import ROOT, TOY_CONFIG, run_export_tool

TOY = 'configs/toy/ssdlite_mobilenext_toy.py'


def pytest_configure(config):
    """Run the suite with the kernels that compute the same numbers on every
    x86-64 CPU with AVX2 (:mod:`mnx_det.apis.portable_kernels`): the toy
    detectors it trains, and the thresholds set on them, are then the same
    on every such machine. The caps are read when the libraries load, so
    pytest starts again with them; this hook runs once pytest has given
    back the terminal. The suite runs with the fixes the tools apply
    (:func:`mnx_det.apis.apply_process_fixes`); tests/test_guest_package.py
    checks a process that only imports the package."""
    use_portable_kernels()
    apply_process_fixes()


@pytest.fixture(autouse=True)
def mmdet_scope():
    """Build from mmdet's registries, whatever scope a Runner left."""
    init_default_scope('mmdet')


@pytest.fixture(scope='session')
def small_toy_voc(tmp_path_factory):
    """16 trainval and 8 test images: enough to run the tools."""
    return make_toy_voc(
        tmp_path_factory.mktemp('small_toy'), num_trainval=16, num_test=8)


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
    runner = Runner.from_cfg(toy_run_config(ROOT / TOY, toy_voc, work_dir))
    runner.train()
    metrics = runner.val()
    return str(work_dir / f'iter_{runner.iter}.pth'), metrics


@pytest.fixture(scope='session')
def exported(trained_toy_detector, tmp_path_factory):
    """(checkpoint, its fp32 .onnx with a dynamic batch, its PyTorch
    model)."""
    from mmengine.config import Config

    from mnx_det.apis import build_detector
    from mnx_det.deploy import export_onnx
    checkpoint, _ = trained_toy_detector
    detector = build_detector(Config.fromfile(str(ROOT / TOY)), checkpoint)
    onnx_file = str(tmp_path_factory.mktemp('onnx') / 'toy.onnx')
    export_onnx(detector, onnx_file, 160, dynamic_batch=True)
    return checkpoint, onnx_file, detector


@pytest.fixture(scope='session')
def program(exported, tmp_path_factory):
    """The toy detector as an ExecuTorch program, batch 2 (the tools' last
    batch is padded)."""
    checkpoint, _, _ = exported
    return run_export_tool([
        'tools/deployment/pytorch2executorch.py', TOY, checkpoint, '--out',
        tmp_path_factory.mktemp('pte') / 'toy.pte', '--batch', '2'
    ])


@pytest.fixture(scope='session')
def untrained_export(tmp_path_factory):
    """An ONNX export of the untrained toy detector recorded for 3 other
    classes, and the same file without any record (an old export)."""
    import onnx

    from mnx_det.apis import build_detector
    from mnx_det.deploy import export_onnx
    folder = tmp_path_factory.mktemp('exports')
    detector = build_detector(str(TOY_CONFIG)).eval()
    other = export_onnx(
        detector, str(folder / 'other.onnx'), 160, classes=('a', 'b', 'c'))
    model = onnx.load(other)
    del model.metadata_props[:]
    old = str(folder / 'old.onnx')
    onnx.save(model, old)
    return other, old


@pytest.fixture
def log_lines():
    """What mmengine's current logger writes during the test."""
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


@pytest.fixture
def toy_copy(small_toy_voc, tmp_path):
    """A copy of the small toy set to damage."""
    root = tmp_path / 'VOCdevkit'
    shutil.copytree(small_toy_voc, root)
    return root
