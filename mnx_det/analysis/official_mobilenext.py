"""A plain-PyTorch rebuild of the official MobileNeXt, key for key.

Written from the facts of the official code (stage table, the four layer
orders, ``features.N.conv.J`` names, ``classifier.1``), independently of
:class:`mnx_det.models.MobileNeXt`. Tests use it to check the converter and
the backbone's numbers; the backbone benchmark uses it as the speed baseline.
"""
import math

from mmdet.models.utils import make_divisible
from torch import nn

STAGES = [(2, 96, 1, 2), (6, 144, 1, 1), (6, 192, 3, 2), (6, 288, 3, 2),
          (6, 384, 4, 1), (6, 576, 4, 2), (6, 960, 3, 1), (6, 1280, 1, 1)]


def _conv_bn(cin, cout, kernel, stride=1, groups=1, relu=False):
    layers = [
        nn.Conv2d(
            cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout)
    ]
    return layers + [nn.ReLU6(inplace=True)] if relu else layers


class OfficialSandglass(nn.Module):
    """One ``features.N`` module: its layers live in ``self.conv``."""

    def __init__(self, inp, oup, stride, t, keep_3x3, identity_div=1):
        super().__init__()
        hidden = inp // t
        if hidden < oup / 6.:
            hidden = make_divisible(math.ceil(oup / 6.), 16)
        dw_in = _conv_bn(inp, inp, 3, 1, inp, relu=True)
        pw = _conv_bn(inp, hidden, 1) + _conv_bn(hidden, oup, 1, relu=True)
        if t == 2:
            layers = dw_in + pw + _conv_bn(oup, oup, 3, stride, oup)
        elif inp != oup and stride == 2:
            layers = pw + _conv_bn(oup, oup, 3, 2, oup)
        elif inp != oup and not keep_3x3:
            layers = pw
        else:
            layers = dw_in + pw + _conv_bn(oup, oup, 3, 1, oup)
        self.conv = nn.Sequential(*layers)
        self.use_identity = inp == oup and stride == 1 and not keep_3x3
        self.identity_dim = oup // identity_div

    def forward(self, x):
        out = self.conv(x)
        if not self.use_identity:
            return out
        k = self.identity_dim
        out = out.clone()
        out[:, :k] = out[:, :k] + x[:, :k]
        return out


class OfficialMobileNeXt(nn.Module):
    """MobileNeXt with the official module names and a 1000-way head.

    ``stage_ends`` lists the ``features`` index that ends each stage, so
    ``features[:stage_ends[i] + 1]`` computes stage output ``i``.
    """

    def __init__(self, width_mult=1.0, num_classes=1000, identity_div=1):
        super().__init__()
        divisor = 4 if width_mult == 0.1 else 8
        inp = make_divisible(32 * width_mult, divisor)
        features = [nn.Sequential(*_conv_bn(3, inp, 3, 2, relu=True))]
        self.stage_ends = []
        for i, (t, c, n, s) in enumerate(STAGES):
            last = i == len(STAGES) - 1
            oup = c if last and width_mult < 1 else make_divisible(
                c * width_mult, divisor)
            for j in range(n):
                features.append(
                    OfficialSandglass(inp, oup, s if j == 0 else 1, t, n == 1
                                      and s == 1, identity_div))
                inp = oup
            self.stage_ends.append(len(features) - 1)
        self.features = nn.Sequential(*features)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(
            nn.Dropout(0.2), nn.Linear(inp, num_classes))

    def forward(self, x):
        x = self.avgpool(self.features(x)).flatten(1)
        return self.classifier(x)
