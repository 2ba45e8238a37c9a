"""Complexity counts, BN fusion, and the benchmark tools in quick mode."""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from mmdet.models.backbones import MobileNetV2

from mnx_det.analysis.benchmarks import int8_claim
from mnx_det.analysis.benchmarks.common import (InconsistentTimingError,
                                                SpeedSetup,
                                                check_whole_vs_part)
from mnx_det.analysis.benchmarks.deploy import DeployBenchmark, Int8Parts
from mnx_det.analysis.complexity import (count, detector_complexity,
                                         imagenet_classifier)
from mnx_det.analysis.report import FAMILIES
from mnx_det.analysis.seeds import compare_seeds
from mnx_det.analysis.timing import Timing, variants
from mnx_det.errors import UserError
from mnx_det.models import MobileNeXt
from helpers import ROOT, build, randomize, run_script, run_tool

# (detector, backbone) parameters of the official SSDLite detectors.
SSDLITE = {
    'ssdlite_mobilenext_voc.py': (3_476_308, 2_254_416),
    'ssdlite_mobilenetv2_voc.py': (3_425_988, 2_223_872),
}


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
    model = randomize(backbone())
    x = torch.rand(2, 3, 128, 128)
    fused = variants(model, ('BN fused', ))['BN fused']
    assert not any(
        isinstance(m, torch.nn.BatchNorm2d) for m in fused.modules())
    with torch.no_grad():
        for a, b in zip(model(x), fused(x)):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('config', sorted(SSDLITE))
def test_bn_fusion_keeps_detector_outputs(config):
    model = randomize(build(config))
    x = torch.rand(1, 3, 320, 320)
    fused = variants(model, ('BN fused', ))['BN fused']
    with torch.no_grad():
        expected, actual = model(x), fused(x)
    for a, b in zip(sum(expected, []), sum(actual, [])):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)


def run_ok(args):
    result = run_tool(args)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_benchmark_quick_mode(tmp_path):
    out = run_ok([
        'tools/analysis_tools/benchmark.py', '--quick', '--size', '128',
        '--out-dir', tmp_path
    ])
    report = (tmp_path / 'benchmark_cpu.md').read_text()
    for section in ('Backbones and detectors', 'Training', 'SSDLite loss path',
                    'Identity tensor multiplier', 'Width multipliers'):
        assert f'## {section}' in report
    assert '| 1/6 |' in report
    assert (tmp_path / 'latency_vs_madds_cpu.png').stat().st_size > 0
    assert 'written to' in out


def test_data_loading_benchmark_quick(tmp_path):
    run_ok([
        'tools/analysis_tools/benchmark_data.py', '--images', '6', '--workers',
        '0', '--batches', '2', '--steps', '1', '--batch-size', '2',
        '--out-dir', tmp_path
    ])
    report = (tmp_path / 'data_loading_cpu.md').read_text()
    assert '6 synthetic VOC-sized JPEGs (500x375' in report
    # the chain's four steps and the fused one, side by side
    for step in ('Expand', 'SSDRandomCrop', 'RandomFlip', 'Resize',
                 'SSDGeometricAugment', 'whole pipeline / decode'):
        assert f'| {step} |' in report
    assert '| 0 |' in report


def test_training_benchmark_with_the_real_loader_quick(tmp_path):
    run_ok([
        'tools/analysis_tools/benchmark_training.py', '--device', 'cpu',
        '--batch-sizes', '2', '--iters', '1', '--workers', '0', '--images',
        '4', '--out-dir', tmp_path
    ])
    report = (tmp_path / 'training_cpu.md').read_text()
    row = [line for line in report.splitlines() if line.startswith('| 2 |')]
    assert len(row) == 1 and '| fp32 |' in row[0]  # no AMP on the CPU
    cells = row[0].split('|')
    assert float(cells[3]) > 0 and float(cells[4]) > 0
    assert 0 <= float(cells[6].strip(' %')) <= 100


def test_complexity_tool(tmp_path):
    out = run_ok([
        'tools/analysis_tools/complexity.py',
        'configs/ssdlite_mobilenext_voc.py', '--paper', '--out-dir', tmp_path
    ])
    assert '| detector | 3,476,308 |' in out
    report = (tmp_path / 'complexity.md').read_text()
    assert ('| SSDLite320-MobileNeXt | VOC | 21 | 3,476,308 | 2,254,416 |'
            in report)
    # the COCO configs have the official COCO models' counts
    assert ('| SSDLite320-MobileNeXt | COCO | 81 | 4,539,418 | 2,254,416 |'
            in report)
    assert ('| SSDLite320-MobileNetV2 | COCO | 81 | 4,304,138 | 2,223,872 |'
            in report)
    assert '| 1.0 | MobileNeXt | 3,535,416 |' in report


def load_benchmark_tool():
    spec = importlib.util.spec_from_file_location(
        'benchmark_tool', ROOT / 'tools/analysis_tools/benchmark.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_refuses_a_table_that_contradicts_itself(monkeypatch):
    timings = {
        ('backbone', 'MobileNeXt'): Timing(300, 314, 330),
        ('detector', 'MobileNeXt'): Timing(170, 179, 190),
        ('backbone', 'MobileNetV2'): Timing(290, 300, 310),
        ('detector', 'MobileNetV2'): Timing(310, 320, 340),
    }
    with pytest.raises(
            InconsistentTimingError,
            match=r'the MobileNeXt detector \(179.00 \(170.00-190.00\) ms\) '
            'timed faster than its own backbone'):
        check_whole_vs_part(
            SpeedSetup(quick=False), timings, 'detector', 'backbone',
            'eager, batch 8')
    # quick checks of the tool never write into benchmarks/
    monkeypatch.setattr(sys, 'argv', ['benchmark.py', '--quick'])
    tool = load_benchmark_tool()
    assert Path(tool.parse_args().out_dir).resolve() != ROOT / 'benchmarks'


def test_seed_level_comparison_finds_a_known_difference_only():
    rng = np.random.default_rng(0)
    base = 0.6 + rng.normal(0, 0.05, 8)  # what each seed's training gives
    better = compare_seeds({
        'A': base + 0.04 + rng.normal(0, 0.01, 8),
        'B': base + rng.normal(0, 0.01, 8)
    })
    low, high = better.interval
    assert 0 < low < better.mean_difference < high
    assert better.mean_difference == pytest.approx(0.04, abs=0.02)
    assert better.verdict == 'A detects better than B'
    worse = compare_seeds({'A': base, 'B': base + 0.04})
    assert worse.verdict == 'B detects better than A'
    # identical backbones, the seeds' noise alone: the interval holds 0 in
    # about 95% of 200 such comparisons
    holds_zero = [
        low <= 0 <= high
        for low, high in (compare_seeds({
            'A': base + rng.normal(0, 0.02, 8),
            'B': base + rng.normal(0, 0.02, 8)
        }).interval for _ in range(200))
    ]
    assert 0.9 <= np.mean(holds_zero) <= 0.99
    same = compare_seeds({'A': [0.71, 0.65, 0.80], 'B': [0.66, 0.81, 0.70]})
    assert same.verdict == 'no difference detectable at this scale'
    assert same.mean_difference == pytest.approx((0.05 - 0.16 + 0.10) / 3)
    # t(0.975, 2) = 4.303: the published interval of three paired seeds
    sd = np.std([0.05, -0.16, 0.10], ddof=1)
    assert same.interval[1] - same.mean_difference == pytest.approx(
        4.302653 * sd / 3**0.5, rel=1e-6)
    assert compare_seeds({'A': [0.7], 'B': [0.6]}).verdict == \
        'no difference detectable at this scale'


def test_int8_claim_takes_the_parts_the_deploy_benchmark_chose(tmp_path):
    deploy = DeployBenchmark.__new__(DeployBenchmark)  # the parts alone
    deploy.parts = {
        family: {
            'int8': Int8Parts(('layer1', 'layer2'), 0.004),
            'int8_openvino': Int8Parts(('stem', 'layer1'), 0.008),
            'pte_int8': Int8Parts((), -0.001)
        }
        for family in FAMILIES
    }
    path = tmp_path / 'deploy_int8_parts.json'
    path.write_text(json.dumps(deploy.choices()))
    measured = int8_claim.load_measured_parts(path)
    assert measured == {
        family: {
            'onnxruntime': ['layer1', 'layer2'],
            'openvino': ['stem', 'layer1'],
            'executorch': []
        }
        for family in FAMILIES
    }
    lines = int8_claim.measured_lines(measured)
    assert f'| ExecuTorch | {" | ".join(["none (all int8)"] * 2)} |' in lines
    # a file of another shape is named, with what is missing
    path.write_text(json.dumps({FAMILIES[0]: deploy.choices()[FAMILIES[0]]}))
    with pytest.raises(UserError, match=f'{path}.*{FAMILIES[1]}'):
        int8_claim.load_measured_parts(path)


def test_readme_runtime_table_is_the_deploy_benchmarks(tmp_path, monkeypatch):
    tool = 'tools/analysis_tools/readme_tables.py'
    assert run_script([tool, '--check'], monkeypatch) == 0
    readme, table = tmp_path / 'README.md', tmp_path / 'deploy_cpu.md'
    readme.write_text((ROOT / 'README.md').read_text())
    text = (ROOT / 'benchmarks/deploy_cpu.md').read_text()
    row = next(line for line in text.splitlines()
               if line.startswith('| ExecuTorch INT8 | 0.'))
    table.write_text(text.replace(row, '| ExecuTorch INT8 | 0.123 | 0.456 |'))
    files = [tool, '--readme', readme, '--deploy-table', table]
    assert run_script([*files, '--check'], monkeypatch) == 1
    assert run_script(files, monkeypatch) == 0
    assert run_script([*files, '--check'], monkeypatch) == 0
    rewritten = readme.read_text()
    assert '/ 0.123 (' in rewritten and '/ 0.456) |' in rewritten
