"""MobileNetV2 with one more depthwise convolution per block, the paper's
ablation, as a backbone (see :class:`ExtraDepthwiseInvertedResidual`)."""
from mmdet.models.backbones import MobileNetV2
from mmdet.registry import MODELS
from torch import nn

from ..layers import ExtraDepthwiseInvertedResidual


@MODELS.register_module()
class MobileNetV2ExtraDepthwise(MobileNetV2):
    """mmdet's ``MobileNetV2`` (same arguments, stages and outputs) built of
    :class:`ExtraDepthwiseInvertedResidual` blocks. No ImageNet weights
    exist for it: the paper trained it, nobody published it."""

    def make_layer(self, out_channels, num_blocks, stride, expand_ratio):
        blocks = []
        for i in range(num_blocks):
            blocks.append(
                ExtraDepthwiseInvertedResidual(
                    self.in_channels,
                    out_channels,
                    mid_channels=int(round(self.in_channels * expand_ratio)),
                    stride=stride if i == 0 else 1,
                    with_expand_conv=expand_ratio != 1,
                    conv_cfg=self.conv_cfg,
                    norm_cfg=self.norm_cfg,
                    act_cfg=self.act_cfg,
                    with_cp=self.with_cp))
            self.in_channels = out_channels
        return nn.Sequential(*blocks)
