"""MobileNetV2's inverted residual block with one more depthwise
convolution: the paper's ablation (Zhou et al., ECCV 2020,
arXiv:2007.02269), which reaches 73% ImageNet top-1, below MobileNeXt's 74%
with more parameters and computation, so the gain of the sandglass block
is its shape and not its second depthwise conv."""
from collections import OrderedDict

from mmcv.cnn import ConvModule
from mmdet.models.layers import InvertedResidual
from torch import nn


class ExtraDepthwiseInvertedResidual(InvertedResidual):
    """mmdet's ``InvertedResidual`` with a linear depthwise 3x3 (stride 1,
    BN, no activation) before its depthwise conv.

    The official code registers no model for the ablation. Its MobileNetV2
    has this pattern for t = 1 blocks only (a linear depthwise 3x3 stride 1
    + BN before the depthwise 3x3 stride s + BN + ReLU6), with the same
    pair for t != 1 commented out; this block is that pattern in every
    block, the reading that matches the paper's words ("one more depthwise
    convolution", "more parameters and computation" than MobileNeXt):
    1x1 expand + BN + act (if t != 1), dw 3x3 s1 + BN, dw 3x3 ``stride`` +
    BN + act, 1x1 linear + BN, shortcut for stride 1 and in == out.

    ``depthwise_conv`` becomes a Sequential of ``first`` (the added linear
    conv) and ``second`` (mmdet's), so the block's forward is mmdet's.

    Args:
        *args, **kwargs: Those of ``InvertedResidual``; ``mid_channels``
            is the width both depthwise convs run at.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        strided = self.depthwise_conv
        channels = strided.in_channels
        first = ConvModule(
            channels,
            channels,
            3,
            1,
            1,
            groups=channels,
            conv_cfg=kwargs.get('conv_cfg'),
            norm_cfg=kwargs.get('norm_cfg', dict(type='BN')),
            act_cfg=None)
        self.depthwise_conv = nn.Sequential(
            OrderedDict(first=first, second=strided))
