"""Checkpoint converters: official MobileNeXt and torchvision MobileNetV2."""
import argparse
import subprocess
import sys
from collections import OrderedDict

import pytest
import torch
import torchvision
from mmdet.models.backbones import MobileNetV2

from mnx_det.analysis.official_mobilenext import OfficialMobileNeXt
from mnx_det.checkpoint import CheckpointMismatchError, load_checkpoint_file
from mnx_det.checkpoint.convert import convert_official, convert_torchvision
from mnx_det.models import MobileNeXt
from helpers import ROOT, randomize


def timm_checkpoint(model):
    """An official training checkpoint: timm layout with DataParallel keys."""
    state = OrderedDict(
        (f'module.{k}', v) for k, v in model.state_dict().items())
    return dict(
        epoch=299,
        arch='mobilenext',
        state_dict=state,
        state_dict_ema=OrderedDict((k, v * 0.5) for k, v in state.items()),
        optimizer=dict(state={}, param_groups=[dict(lr=0.1, params=[0])]),
        args=argparse.Namespace(model='mobilenext', lr=0.1),
        version=2)


@pytest.mark.parametrize('width', [1.0, 0.5, 1.4])
def test_official_conversion_reproduces_stage_outputs(width, tmp_path):
    torch.manual_seed(0)
    official = randomize(OfficialMobileNeXt(width_mult=width))
    path = tmp_path / 'model_best.pth.tar'
    torch.save(timm_checkpoint(official), path)
    backbone = MobileNeXt(widen_factor=width, out_indices=range(8))
    backbone.load_state_dict(
        convert_official(load_checkpoint_file(str(path)), backbone))
    backbone.eval()
    x = torch.rand(2, 3, 96, 96)
    with torch.no_grad():
        outs = backbone(x)
        for i, end in enumerate(official.stage_ends):
            expected = official.features[:end + 1](x)
            torch.testing.assert_close(outs[i], expected, rtol=0, atol=1e-5)


def test_plain_state_dict_and_ema():
    official = randomize(OfficialMobileNeXt(0.35))
    backbone = MobileNeXt(widen_factor=0.35)
    plain = convert_official(official.state_dict(), backbone)
    ema = convert_official(timm_checkpoint(official), backbone, use_ema=True)
    key = 'layer3.1.reduce.conv.weight'
    torch.testing.assert_close(ema[key], plain[key] * 0.5)
    with pytest.raises(KeyError, match='state_dict_ema'):
        convert_official(official.state_dict(), backbone, use_ema=True)


def test_official_converter_refuses_what_does_not_fit():
    official = OfficialMobileNeXt(1.0)
    backbone = MobileNeXt()
    state = official.state_dict()
    del state['features.13.conv.2.weight']
    state['features.21.conv.0.weight'] = torch.zeros(1)
    with pytest.raises(CheckpointMismatchError) as info:
        convert_official(state, backbone)
    message = str(info.value)
    assert 'missing keys (1): features.13.conv.2.weight' in message
    assert 'unexpected keys (1): features.21.conv.0.weight' in message
    with pytest.raises(CheckpointMismatchError, match='shape mismatch'):
        convert_official(OfficialMobileNeXt(0.75).state_dict(), backbone)
    with pytest.raises(CheckpointMismatchError, match='missing keys'):
        convert_official({}, backbone)


def test_converter_tool_and_pretrained_init(tmp_path):
    official = randomize(OfficialMobileNeXt(1.0))
    src, dst = tmp_path / 'official.pth.tar', tmp_path / 'converted.pth'
    torch.save(timm_checkpoint(official), src)
    subprocess.run([
        sys.executable,
        str(ROOT / 'tools/model_converters/mobilenext_official.py'),
        str(src),
        str(dst)
    ],
                   check=True)
    backbone = MobileNeXt(
        out_indices=(7, ),
        init_cfg=dict(type='Pretrained', checkpoint=str(dst)))
    backbone.init_weights()
    backbone.eval()
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(
            backbone(x)[0], official.features(x), rtol=0, atol=1e-5)


def test_pretrained_that_does_not_fit_is_refused(tmp_path):
    path = tmp_path / 'wrong.pth'
    state = MobileNeXt(widen_factor=0.5).state_dict()
    torch.save(dict(state_dict=state), path)
    backbone = MobileNeXt(
        init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    # the same check and error as the converters'
    with pytest.raises(
            CheckpointMismatchError, match=r'(?s)wrong.pth.*shape mismatch'):
        backbone.init_weights()


def test_torchvision_conversion_reproduces_features():
    torch.manual_seed(0)
    reference = randomize(torchvision.models.mobilenet_v2())
    backbone = MobileNetV2(out_indices=(7, ))
    backbone.load_state_dict(
        convert_torchvision(reference.state_dict(), backbone))
    backbone.eval()
    x = torch.rand(2, 3, 96, 96)
    with torch.no_grad():
        torch.testing.assert_close(
            backbone(x)[0], reference.features(x), rtol=0, atol=1e-5)


def test_torchvision_converter_refuses_what_does_not_fit():
    state = torchvision.models.mobilenet_v2().state_dict()
    del state['features.5.conv.1.0.weight']
    with pytest.raises(
            CheckpointMismatchError,
            match='missing keys.*features.5.conv.1.0.weight'):
        convert_torchvision(state, MobileNetV2())
