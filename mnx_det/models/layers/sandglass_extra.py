"""The extra layer of the official SSDLite-MobileNeXt.

The official detector grows its four stride-2 levels with a sandglass
variant that starts with the strided depthwise conv and has no depthwise
conv at the end: dw 3x3 (stride) + BN + ReLU6, 1x1 reduce + BN,
1x1 expand + BN + ReLU6, and no shortcut.
"""
from mmcv.cnn import ConvModule
from mmdet.registry import MODELS
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor


@MODELS.register_module()
class SandglassExtraBlock(BaseModule):
    """Extra feature layer of SSDLite-MobileNeXt.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        mid_channels (int): Bottleneck width (the official code uses
            ``int(in_channels * ratio)``).
        stride (int): Stride of the depthwise conv. Default: 2.
        conv_cfg (dict, optional): Config of the convolutions.
        norm_cfg (dict): Config of the norm layers. Default: dict(type='BN').
        act_cfg (dict): Config of the activations.
            Default: dict(type='ReLU6').
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 mid_channels: int,
                 stride: int = 2,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: ConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='ReLU6'),
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg)
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.dw = ConvModule(
            in_channels,
            in_channels,
            3,
            stride,
            1,
            groups=in_channels,
            act_cfg=act_cfg,
            **cfg)
        self.reduce = ConvModule(
            in_channels, mid_channels, 1, act_cfg=None, **cfg)
        self.expand = ConvModule(
            mid_channels, out_channels, 1, act_cfg=act_cfg, **cfg)

    def forward(self, x: Tensor) -> Tensor:
        """(N, out_channels, ceil(H / stride), ceil(W / stride))."""
        return self.expand(self.reduce(self.dw(x)))
