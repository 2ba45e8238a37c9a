"""The paper's other networks: the EfficientNet-style MobileNeXt against the
official model (rebuilt key for key in official_efficient_mobilenext.py),
its converter, MobileNetV2 with one more depthwise conv per block, and the
identity multiplier's channel rounding."""
import subprocess
import sys

import pytest
import torch
from mmdet.models.backbones import MobileNetV2
from official_efficient_mobilenext import OfficialEfficientMobileNeXt

from mnx_det.analysis.complexity import WIDTHS
from mnx_det.checkpoint import CheckpointMismatchError
from mnx_det.checkpoint.convert import convert_efficient
from mnx_det.errors import ConfigError
from mnx_det.models import (EfficientMobileNeXt, MobileNetV2ExtraDepthwise,
                            MobileNeXt, SandglassBlock)
from helpers import ROOT, randomize

ARCHS = {'b0': 'mnext-b0', 'b1': 'mnext-b1'}
# Parameters of the official mnext_s / mnext_l with their 1000-way head,
# counted by building them from the official code (yitu-opensource/
# MobileNeXt, mobilenext/codebase/models/efficient_mnext); they include
# the BatchNorm(1280) the official forward never uses.
OFFICIAL_PARAMS = {'mnext-b0': 3_937_011, 'mnext-b1': 4_287_498}
UNUSED_BN = 2 * 1280


def count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize('arch', ARCHS)
def test_parameter_counts_are_the_official_models(arch):
    official = OfficialEfficientMobileNeXt(ARCHS[arch])
    assert count(official) == OFFICIAL_PARAMS[ARCHS[arch]]
    backbone = EfficientMobileNeXt(arch)
    classifier = torch.nn.Linear(1280, 1000)
    assert count(backbone) + count(classifier) + UNUSED_BN \
        == OFFICIAL_PARAMS[ARCHS[arch]]
    features = count(official) - count(official._fc) - UNUSED_BN
    assert count(backbone) == features
    # b1: 1.1x the blocks of b0, rounded up per stage
    assert [len(getattr(backbone, s)) for s in backbone.layers
            ] == ([1, 1, 3, 3, 4, 4, 3, 1]
                  if arch == 'b0' else [2, 2, 4, 4, 5, 5, 4, 2])


@pytest.mark.parametrize('arch', ARCHS)
@pytest.mark.parametrize('size', [224, 320])
def test_converted_official_weights_give_the_official_features(
        arch, size, tmp_path):
    torch.manual_seed(0)
    official = randomize(OfficialEfficientMobileNeXt(ARCHS[arch]))
    path = tmp_path / 'model_best.pth.tar'
    torch.save(
        dict(state_dict={
            f'module.{k}': v
            for k, v in official.state_dict().items()
        }), path)
    backbone = EfficientMobileNeXt(arch)
    backbone.load_state_dict(convert_efficient(torch.load(path), backbone))
    backbone.eval()
    x = torch.rand(2, 3, size, size)
    with torch.no_grad():
        # the same operations in the same order: equal, not close
        assert torch.equal(backbone(x)[0], official.extract_features(x))
    # training: the same stochastic depth from the same random numbers
    backbone.train(), official.train()
    torch.manual_seed(1)
    ours = backbone(x)[0]
    torch.manual_seed(1)
    assert torch.equal(ours, official.extract_features(x))


def test_converter_tool_and_pretrained_init(tmp_path):
    official = randomize(OfficialEfficientMobileNeXt('mnext-b1'))
    src, dst = tmp_path / 'official.pth.tar', tmp_path / 'converted.pth'
    torch.save(dict(state_dict=official.state_dict()), src)
    subprocess.run(
        [
            sys.executable,
            str(ROOT / 'tools/model_converters/mobilenext_efficient.py'),
            str(src),
            str(dst)  # b1, read from the checkpoint
        ],
        check=True)
    backbone = EfficientMobileNeXt(
        'b1', init_cfg=dict(type='Pretrained', checkpoint=str(dst)))
    backbone.init_weights()
    backbone.eval()
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(backbone(x)[0], official.extract_features(x))
    with pytest.raises(CheckpointMismatchError, match='shape mismatch'):
        convert_efficient(official.state_dict(), EfficientMobileNeXt('b0'))


def test_ssdlite_taps_have_ssdlite_mobilenexts_channels_and_strides():
    backbone = EfficientMobileNeXt(
        out_indices=(7, ), taps=('layer6.0.expansion', )).eval()
    mobilenext = MobileNeXt(
        out_indices=(), taps=('layer6.0.expansion', 'layer8.0.expansion'))
    strides = [(f['num_chs'], f['reduction']) for f in backbone.feature_info]
    assert strides == [(f['num_chs'], f['reduction'])
                       for f in mobilenext.feature_info] == [(576, 16),
                                                             (1280, 32)]
    with torch.no_grad():
        shapes = [
            tuple(o.shape) for o in backbone(torch.zeros(1, 3, 320, 320))
        ]
    assert shapes == [(1, 576, 20, 20), (1, 1280, 10, 10)]


@pytest.mark.parametrize('changes, message', [
    (dict(arch='b2'), "'b2'"),
    (dict(drop_path_rate=1.0), '1.0'),
    (dict(out_indices=(8, )), '(8,)'),
])
def test_bad_values_are_config_errors(changes, message):
    with pytest.raises(ConfigError, match=message):
        EfficientMobileNeXt(**changes)


def test_identity_channels_are_the_officials_at_every_width():
    """The official block adds the input to its first ``C // identity_div``
    output channels; alpha = 1 / identity_div."""
    checked = 0
    for width in WIDTHS:
        for div in (1, 2, 3, 4, 6):
            backbone = MobileNeXt(widen_factor=width, identity_ratio=1 / div)
            for block in backbone.modules():
                if isinstance(block, SandglassBlock) and block.use_identity:
                    assert block.identity_channels == \
                        block.out_channels // div, (width, div)
                    checked += 1
    assert checked == len(WIDTHS) * 5 * 12  # 12 shortcut blocks per width


def test_extra_depthwise_ablation_adds_one_linear_depthwise_per_block():
    plain = MobileNetV2(out_indices=(7, ))
    ablation = MobileNetV2ExtraDepthwise(out_indices=(7, ))
    blocks = [
        b for name in ablation.layers if name.startswith('layer')
        for b in getattr(ablation, name)
    ]
    assert len(blocks) == 17
    for block in blocks:
        first, second = block.depthwise_conv
        assert first.conv.stride == (1, 1) and not first.with_activation
        assert first.conv.groups == first.conv.in_channels == \
            second.conv.in_channels
    # each extra conv: 9 weights and a BN's 2 per channel at the block's
    # expanded width; 3,583,368 with the 1000-way head (MobileNetV2:
    # 3,504,872, MobileNeXt 3,535,416: the paper's "more parameters")
    added = sum(11 * b.depthwise_conv.first.conv.in_channels for b in blocks)
    assert count(ablation) - count(plain) == added == 78_496
    assert count(ablation) + 1280 * 1000 + 1000 == 3_583_368
    ablation.eval()  # mmdet's MobileNetV2.train() returns None
    with torch.no_grad():
        out = ablation(torch.rand(1, 3, 224, 224))
    assert [tuple(o.shape) for o in out] == [(1, 1280, 7, 7)]
