"""A plain-PyTorch rebuild of the official EfficientNet-style MobileNeXt
(``mnext_s`` = "mnext-b0", ``mnext_l`` = "mnext-b1"), key for key.

Written from the facts of the official classification code (its block
table, the four layer orders of ``_blocks.N.features``, the squeeze width,
the fixed "same" padding, the unused ``_bn1``), independently of
:class:`mnx_det.models.EfficientMobileNeXt`. Tests use it to check the
backbone's parameter counts and the converter; it was checked against the
official code itself (same state dict keys and shapes, equal outputs).
"""
import math

import torch
from torch import nn

# (t, channels, blocks, stride, kernel) of mnext-b0's stages
STAGES = [(2, 96, 1, 1, 3), (6, 144, 1, 2, 3), (6, 192, 3, 2, 5),
          (6, 288, 3, 2, 3), (6, 384, 4, 1, 5), (6, 576, 4, 2, 5),
          (6, 960, 3, 1, 3), (6, 1280, 1, 1, 3)]
# (depth multiplier, groups of the 1x1 convs of full blocks)
VARIANTS = {'mnext-b0': (1.0, 1), 'mnext-b1': (1.1, 2)}


class Swish(nn.Module):

    def forward(self, x):
        return x * torch.sigmoid(x)


def same_conv(cin, cout, k, stride=1, groups=1, bias=False):
    """The official static "same" padding: fixed for an even image size."""
    total = k - 2 if stride == 2 else k - 1
    return nn.Sequential(
        nn.ZeroPad2d((total // 2, total - total // 2) * 2),
        nn.Conv2d(cin, cout, k, stride, groups=groups, bias=bias))


class Conv(nn.Module):
    """A conv whose weight is ``<name>.weight``, as the official
    ``Conv2dStaticSamePadding`` keeps it."""

    def __init__(self, *args, **kwargs):
        super().__init__()
        padded = same_conv(*args, **kwargs)
        self.pad, conv = padded
        self.weight, self.bias = conv.weight, conv.bias
        self.stride, self.groups = conv.stride, conv.groups

    def forward(self, x):
        return nn.functional.conv2d(
            self.pad(x), self.weight, self.bias, self.stride, 0, 1,
            self.groups)


def bn(channels):
    return nn.BatchNorm2d(channels, momentum=0.01, eps=1e-3)


def make_divisible_2(v):
    new = max(2, int(v + 1) // 2 * 2)
    return new + 2 if new < 0.9 * v else new


class Block(nn.Module):

    def __init__(self, inp, oup, t, k, stride, groups):
        super().__init__()
        hidden = make_divisible_2(inp // t)
        full = t == 2 or inp == oup
        # only full blocks group their 1x1 convs
        pw_groups = groups if full else 1
        layers = [
            Conv(inp, hidden, 1, groups=pw_groups),
            bn(hidden),
            Conv(hidden, oup, 1, groups=pw_groups),
            bn(oup),
            Swish()
        ]
        if full:
            layers = [Conv(inp, inp, k, groups=inp), bn(inp), Swish()] + layers
        if full or stride == 2:
            layers += [Conv(oup, oup, k, stride, groups=oup), bn(oup)]
        self.features = nn.Sequential(*layers)
        squeeze = max(1, int(oup / t * 0.25))
        self._se_reduce = Conv(oup, squeeze, 1, bias=True)
        self._se_expand = Conv(squeeze, oup, 1, bias=True)
        self.residual = t != 2 and inp == oup

    def forward(self, x, drop_rate=0.):
        out = self.features(x)
        scale = out.mean((2, 3), keepdim=True)
        scale = self._se_expand(Swish()(self._se_reduce(scale)))
        out = torch.sigmoid(scale) * out
        if not self.residual:
            return out
        if self.training and drop_rate:
            keep = 1 - drop_rate
            mask = torch.floor(keep + torch.rand(x.size(0), 1, 1, 1))
            out = out / keep * mask
        return out + x


class OfficialEfficientMobileNeXt(nn.Module):
    """``mnext_s`` (``'mnext-b0'``) or ``mnext_l`` (``'mnext-b1'``) with
    its 1000-way head."""

    def __init__(self, name='mnext-b0', num_classes=1000):
        super().__init__()
        depth, groups = VARIANTS[name]
        self._conv_stem = Conv(3, 32, 3, 2)
        self._bn0 = bn(32)
        blocks, inp = [], 32
        for t, oup, n, stride, k in STAGES:
            for j in range(math.ceil(depth * n)):
                full = t == 2 or inp == oup
                blocks.append(
                    Block(inp, oup, t, k, stride if j == 0 else 1,
                          groups if full else 1))
                inp = oup
        self._blocks = nn.ModuleList(blocks)
        self._bn1 = bn(1280)  # in the official model, never used
        self._fc = nn.Linear(1280, num_classes)

    def extract_features(self, x):
        x = Swish()(self._bn0(self._conv_stem(x)))
        for i, block in enumerate(self._blocks):
            x = block(x, 0.2 * i / len(self._blocks))
        return x

    def forward(self, x):
        x = self.extract_features(x).mean((2, 3))
        return self._fc(nn.functional.dropout(x, 0.2, self.training))
