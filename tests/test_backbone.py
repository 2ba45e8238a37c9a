"""MobileNeXt backbone: architecture, outputs and training options."""
import warnings

import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from mnx_det.analysis.official_mobilenext import OfficialMobileNeXt
from mnx_det.models import TAP_LOCATIONS, MobileNeXt, SandglassBlock
from mnx_det.models.layers import sandglass_block

FEATURE_PARAMS = {
    1.0: 2_254_416,
    1.4: 4_333_168,
    0.75: 1_485_168,
    0.5: 871_304,
    0.35: 632_976
}
# (channels, stride) of the eight stage outputs at width 1.0.
STAGES_1_0 = [(96, 4), (144, 4), (192, 8), (288, 16), (384, 16), (576, 32),
              (960, 32), (1280, 32)]
HIDDEN_1_0 = [
    16, 32, 32, 32, 32, 48, 48, 48, 64, 64, 64, 64, 96, 96, 96, 96, 160, 160,
    160, 208
]


def num_params(module):
    return sum(p.numel() for p in module.parameters())


def blocks(backbone):
    return [b for b in backbone.modules() if isinstance(b, SandglassBlock)]


def downsampled(size, stride):
    """Spatial size after log2(stride) stride-2 3x3 convs with padding 1."""
    while stride > 1:
        size, stride = (size - 1) // 2 + 1, stride // 2
    return size


@pytest.mark.parametrize('width', sorted(FEATURE_PARAMS))
def test_parameter_count(width):
    assert num_params(MobileNeXt(widen_factor=width)) == FEATURE_PARAMS[width]
    official = OfficialMobileNeXt(width_mult=width)
    assert num_params(official.features) == FEATURE_PARAMS[width]


def test_official_classifier_count():
    assert num_params(OfficialMobileNeXt(1.0)) == 3_535_416


def test_block_layouts_at_width_1():
    model = MobileNeXt()
    assert [b.hidden_channels for b in blocks(model)] == HIDDEN_1_0
    assert len(blocks(model)) == 20
    has_dw = [(not isinstance(b.dw_in, torch.nn.Identity),
               not isinstance(b.dw_out, torch.nn.Identity))
              for b in blocks(model)]
    # first blocks of stages 3, 4, 6 (stride 2): only the last depthwise;
    # first blocks of stages 5 and 7: no depthwise at all.
    assert has_dw[2] == has_dw[5] == has_dw[12] == (False, True)
    assert has_dw[8] == has_dw[16] == (False, False)
    assert sum(map(all, has_dw)) == 15
    shortcuts = [i for i, b in enumerate(blocks(model)) if b.use_identity]
    assert shortcuts == [3, 4, 6, 7, 9, 10, 11, 13, 14, 15, 17, 18]


@pytest.mark.parametrize('size', [320, 300, 257])
def test_stage_outputs(size):
    model = MobileNeXt(out_indices=range(8)).eval()
    with torch.no_grad():
        outs = model(torch.rand(1, 3, size, size))
    assert len(outs) == 8
    for out, (channels, stride) in zip(outs, STAGES_1_0):
        side = downsampled(size, stride)
        assert out.shape == (1, channels, side, side)
    assert model.out_channels == tuple(c for c, _ in STAGES_1_0)
    assert [f['reduction']
            for f in model.feature_info] == [s for _, s in STAGES_1_0]


@pytest.mark.parametrize('size', [320, 300, 257])
def test_ssdlite_taps(size):
    model = MobileNeXt(
        out_indices=(7, ),
        taps=('layer8.0.expansion', 'layer6.0.expansion')).eval()
    with torch.no_grad():
        outs = model(torch.rand(2, 3, size, size))
    # network order, whatever order the taps were given in
    expected = [(576, 16), (1280, 32), (1280, 32)]
    assert [o.shape for o in outs] == [
        (2, c, downsampled(size, s), downsampled(size, s)) for c, s in expected
    ]
    assert [f['name'] for f in model.feature_info
            ] == ['layer6.0.expansion', 'layer8.0.expansion', 'layer8']
    assert model.out_channels == (576, 1280, 1280)


def test_taps_match_block_internals():
    model = MobileNeXt(out_indices=(), taps=('layer6.0.expansion', )).eval()
    block = model.layer6[0]
    captured = {}
    block.expand.register_forward_hook(
        lambda m, i, o: captured.setdefault('expansion', o))
    with torch.no_grad():
        (tap, ) = model(torch.rand(1, 3, 96, 96))
    torch.testing.assert_close(tap, captured['expansion'], rtol=0, atol=0)


@pytest.mark.parametrize('width', [0.35, 0.5, 0.75, 1.0, 1.4, 0.6])
def test_every_block_can_be_tapped(width):
    model = MobileNeXt(widen_factor=width)
    names = [
        f'{stage}.{j}.{loc}' for stage in model.layers
        for j in range(len(getattr(model, stage))) for loc in TAP_LOCATIONS
    ]
    tapped = MobileNeXt(
        widen_factor=width, out_indices=range(8), taps=names).eval()
    with torch.no_grad():
        outs = tapped(torch.rand(1, 3, 64, 64))
    assert [o.shape[1] for o in outs] == list(tapped.out_channels)
    assert len(outs) == 40 + 8
    assert tapped.out_channels[-1] == MobileNeXt.stage_channels(width)[-1]


def test_former_output_name_warns_once():
    sandglass_block._warned_renames.clear()
    with pytest.warns(FutureWarning, match="'bottleneck' is deprecated"):
        model = MobileNeXt(taps=('layer6.0.bottleneck', 'layer7.0.output'))
    assert [f['name'] for f in model.feature_info
            ] == ['layer6.0.output', 'layer7.0.output', 'layer8']
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        MobileNeXt(taps=('layer6.0.bottleneck', ))  # second use: silent
    with pytest.raises(ValueError, match="unknown tap location 'middle'"):
        MobileNeXt(taps=('layer6.0.middle', ))


def test_tap_locations_are_one_definition():
    block = MobileNeXt().layer6[0]
    taps = block.forward_taps(torch.rand(1, 384, 8, 8))
    assert tuple(taps) == TAP_LOCATIONS
    assert [block.feature_info(loc)['stride']
            for loc in TAP_LOCATIONS] == [1, 2]
    assert [taps[loc].shape[-1] for loc in TAP_LOCATIONS] == [8, 4]


def test_stage_channels_per_width():
    assert MobileNeXt.stage_channels(1.0) == tuple(c for c, _ in STAGES_1_0)
    assert MobileNeXt.stage_channels(0.5)[-1] == 1280
    assert MobileNeXt.stage_channels(1.4) == (136, 200, 272, 400, 536, 808,
                                              1344, 1792)


def test_frozen_stages():
    model = MobileNeXt(frozen_stages=3)
    model.train()
    for name, module in model.named_children():
        frozen = name in ('conv1', 'layer1', 'layer2', 'layer3')
        for param in module.parameters():
            assert param.requires_grad is not frozen, name
        for norm in module.modules():
            if isinstance(norm, _BatchNorm):
                assert norm.training is not frozen, name


def test_frozen_stages_do_not_change_in_training():
    model = MobileNeXt(frozen_stages=2, out_indices=(7, ))
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    optim = torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                            lr=0.1)
    model(torch.rand(2, 3, 64, 64))[0].mean().backward()
    optim.step()
    after = model.state_dict()
    for key, value in before.items():
        same = torch.equal(value, after[key])
        if key.startswith(('conv1.', 'layer1.', 'layer2.')):
            assert same, key
    assert not torch.equal(before['layer8.0.expand.conv.weight'],
                           after['layer8.0.expand.conv.weight'])


def test_norm_eval():
    model = MobileNeXt(norm_eval=True)
    model.train()
    assert all(not m.training for m in model.modules()
               if isinstance(m, _BatchNorm))
    assert model.layer8.training


def test_with_cp_matches_plain():
    torch.manual_seed(0)
    plain = MobileNeXt(out_indices=(2, 7), taps=('layer6.0.expansion', ))
    checkpointed = MobileNeXt(
        out_indices=(2, 7), taps=('layer6.0.expansion', ), with_cp=True)
    checkpointed.load_state_dict(plain.state_dict())
    x = torch.rand(2, 3, 64, 64)
    results = []
    for model in (plain, checkpointed):
        model.train()
        inp = x.clone().requires_grad_()
        outs = model(inp)
        sum(o.square().mean() for o in outs).backward()
        results.append((outs, inp.grad, model.conv1.conv.weight.grad))
    for a, b in zip(*results):
        torch.testing.assert_close(a, b)


def test_identity_ratio():
    torch.manual_seed(0)
    full = SandglassBlock(32, 32, identity_ratio=1.0).eval()
    half = SandglassBlock(32, 32, identity_ratio=0.5).eval()
    half.load_state_dict(full.state_dict())
    x = torch.rand(2, 32, 8, 8)
    with torch.no_grad():
        residual = full.dw_out(full.expand(full.reduce(full.dw_in(x))))
        torch.testing.assert_close(full(x), residual + x, rtol=0, atol=0)
        out = half(x)
    assert half.identity_channels == 16
    torch.testing.assert_close(out[:, :16], residual[:, :16] + x[:, :16])
    torch.testing.assert_close(out[:, 16:], residual[:, 16:], rtol=0, atol=0)


def test_identity_ratio_gradients():
    block = SandglassBlock(24, 24, identity_ratio=1 / 3).eval()
    x = torch.rand(1, 24, 6, 6, requires_grad=True)
    out = block(x)  # autograd path: concatenation
    with torch.no_grad():
        fast = block(x)  # inference path: in-place add on 8 channels
    torch.testing.assert_close(out.detach(), fast, rtol=0, atol=0)
    out.sum().backward()
    # the residual branch alone, for the gradient without the shortcut
    block.use_identity = False
    branch_x = x.detach().clone().requires_grad_()
    block(branch_x).sum().backward()
    # exactly the 8 shortcut channels receive the upstream gradient (1)
    # on top of the branch's; the other 16 the branch's alone
    assert block.identity_channels == 8
    shortcut = torch.zeros_like(x)
    shortcut[:, :8] = 1
    torch.testing.assert_close(
        x.grad, branch_x.grad + shortcut, rtol=0, atol=1e-6)


@pytest.mark.parametrize('kwargs, value', [
    (dict(out_indices=(8, )), '(8,)'),
    (dict(frozen_stages=9), '9'),
    (dict(frozen_stages=-2), '-2'),
    (dict(identity_ratio=0), '0'),
    (dict(identity_ratio=1.5), '1.5'),
    (dict(widen_factor=0), '0'),
    (dict(widen_factor=-1.0), '-1.0'),
    (dict(taps=('layer9.0.expansion', )), 'layer9.0.expansion'),
    (dict(taps=('layer6.7.expansion', )), 'layer6.7.expansion'),
    (dict(taps=('layer6.0.middle', )), 'middle'),
])
def test_invalid_arguments(kwargs, value):
    with pytest.raises(
            ValueError,
            match=value.replace('(', r'\(').replace(')',
                                                    r'\)').replace('.',
                                                                   r'\.')):
        MobileNeXt(**kwargs)
