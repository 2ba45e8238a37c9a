"""Complexity counts, BN fusion, and the benchmark tools in quick mode."""
import subprocess
import sys

import pytest
import torch
from conftest import ROOT
from mmdet.models.backbones import MobileNetV2
from mmdet.registry import MODELS
from mmengine.config import Config

from mnx_det.analysis.complexity import (count, detector_complexity,
                                         imagenet_classifier)
from mnx_det.analysis.timing import variants
from mnx_det.models import MobileNeXt

# (detector, backbone) parameters of the official SSDLite detectors.
SSDLITE = {
    'configs/ssdlite_mobilenext_voc.py': (3_476_308, 2_254_416),
    'configs/ssdlite_mobilenetv2_voc.py': (3_425_988, 2_223_872),
}


def build(config):
    cfg = Config.fromfile(str(ROOT / config))
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def randomize_bn(model):
    gen = torch.Generator().manual_seed(0)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            n = m.num_features
            m.running_mean = torch.randn(n, generator=gen) * 0.1
            m.running_var = torch.rand(n, generator=gen) + 0.5
            m.weight.data = torch.rand(n, generator=gen) + 0.5
            m.bias.data = torch.randn(n, generator=gen) * 0.1
    model.eval()  # mmdet's MobileNetV2.train() returns None
    return model


@pytest.mark.parametrize('config', sorted(SSDLITE))
def test_complexity_counts_equal_official(config):
    counts = detector_complexity(build(config), (320, 320))
    assert (counts['detector'][0], counts['backbone'][0]) == SSDLITE[config]
    assert counts['detector'][1] > counts['backbone'][1] > 0


def test_imagenet_counts():
    x = torch.rand(1, 3, 224, 224)
    params, madds = count(imagenet_classifier('MobileNeXt', 1.0), (x, ))
    assert params == 3_535_416
    # the official code's count is "about 311M" (conv + fc)
    assert madds == pytest.approx(311e6, rel=0.03)
    params, _ = count(imagenet_classifier('MobileNetV2', 1.0), (x, ))
    assert params == 3_504_872  # torchvision's mobilenet_v2


@pytest.mark.parametrize('backbone', [
    lambda: MobileNeXt(out_indices=(7, ), taps=('layer6.0.expansion', )),
    lambda: MobileNetV2(out_indices=(4, 7)),
])
def test_bn_fusion_keeps_backbone_outputs(backbone):
    model = randomize_bn(backbone())
    x = torch.rand(2, 3, 128, 128)
    fused = variants(model, ('BN fused', ))['BN fused']
    assert not any(
        isinstance(m, torch.nn.BatchNorm2d) for m in fused.modules())
    with torch.no_grad():
        for a, b in zip(model(x), fused(x)):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('config', sorted(SSDLITE))
def test_bn_fusion_keeps_detector_outputs(config):
    model = randomize_bn(build(config))
    x = torch.rand(1, 3, 320, 320)
    fused = variants(model, ('BN fused', ))['BN fused']
    with torch.no_grad():
        expected, actual = model(x), fused(x)
    for a, b in zip(sum(expected, []), sum(actual, [])):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)


def run_tool(args):
    result = subprocess.run(
        [sys.executable] + [str(a) for a in args],
        cwd=ROOT,
        capture_output=True,
        text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_benchmark_quick_mode(tmp_path):
    out = run_tool([
        'tools/analysis_tools/benchmark.py', '--quick', '--size', '128',
        '--out-dir', tmp_path
    ])
    report = (tmp_path / 'benchmark_cpu.md').read_text()
    for section in ('Backbones', 'Detectors', 'Training',
                    'Identity tensor multiplier', 'Width multipliers'):
        assert f'## {section}' in report
    assert '| 1/6 |' in report
    assert (tmp_path / 'latency_vs_madds_cpu.png').stat().st_size > 0
    assert 'written to' in out


def test_data_loading_benchmark_quick(tmp_path):
    run_tool([
        'tools/analysis_tools/benchmark_data.py', '--toy', '--workers', '0',
        '--batches', '2', '--steps', '1', '--batch-size', '2', '--out-dir',
        tmp_path
    ])
    report = (tmp_path / 'data_loading_cpu.md').read_text()
    assert 'toy VOC set' in report and '| 0 |' in report


def test_complexity_tool(tmp_path):
    out = run_tool([
        'tools/analysis_tools/complexity.py',
        'configs/ssdlite_mobilenext_voc.py', '--paper', '--out-dir', tmp_path
    ])
    assert '| detector | 3,476,308 |' in out
    report = (tmp_path / 'complexity.md').read_text()
    assert '| SSDLite320-MobileNeXt | 21 | 3,476,308 | 2,254,416 |' in report
    assert '| 1.0 | MobileNeXt | 3,535,416 |' in report
