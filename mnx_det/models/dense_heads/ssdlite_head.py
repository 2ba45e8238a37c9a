"""SSDLite head with the official predictor layout."""
import warnings

from mmcv.cnn import ConvModule
from mmdet.models.dense_heads import SSDHead
from mmdet.registry import MODELS
from torch import nn


@MODELS.register_module()
class SSDLiteHead(SSDHead):
    """SSDLite head of the official MobileNeXt and MobileNetV2 detectors.

    mmdet's ``SSDHead(use_depthwise=True)`` puts a bias-free depthwise conv
    on every level. The official head differs in two places, so it is
    built here: each level but the last predicts with a separable conv
    (depthwise 3x3 *with* bias + BN + act, then a 1x1 conv), and the last
    (1x1) level with a plain 1x1 conv. Anchors, box coding, matching, hard
    negative mining, losses and post-processing are ``SSDHead``'s.

    Args:
        norm_cfg (dict): Norm after the depthwise convs.
            Default: dict(type='BN').
        act_cfg (dict): Activation after it. Default: dict(type='ReLU6').
        **kwargs: The other arguments of :class:`mmdet.models.SSDHead`
            (``stacked_convs`` and ``use_depthwise`` do not apply).
    """

    def __init__(self,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU6'),
                 **kwargs):
        super().__init__(
            use_depthwise=True, norm_cfg=norm_cfg, act_cfg=act_cfg, **kwargs)

    def _init_layers(self):
        self.cls_convs = nn.ModuleList()
        self.reg_convs = nn.ModuleList()
        last = len(self.in_channels) - 1
        for i, (channels, num_priors) in enumerate(
                zip(self.in_channels, self.num_base_priors)):
            self.cls_convs.append(
                self._predictor(
                    channels,
                    num_priors * self.cls_out_channels,
                    separable=i != last))
            self.reg_convs.append(
                self._predictor(channels, num_priors * 4, separable=i != last))

    def _predictor(self, channels, out_channels, separable):
        layers = [nn.Conv2d(channels, out_channels, 1)]
        if separable:
            with warnings.catch_warnings():
                # The official depthwise conv has a bias before its BN.
                warnings.filterwarnings('ignore', 'Unnecessary conv bias')
                depthwise = ConvModule(
                    channels,
                    channels,
                    3,
                    padding=1,
                    groups=channels,
                    bias=True,
                    conv_cfg=self.conv_cfg,
                    norm_cfg=self.norm_cfg,
                    act_cfg=self.act_cfg)
            layers.insert(0, depthwise)
        return nn.Sequential(*layers)
