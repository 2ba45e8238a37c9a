"""MobileNeXt backbone: a stem and eight stages of sandglass blocks (Zhou et
al., ECCV 2020, arXiv:2007.02269)."""
from typing import Sequence

from mmcv.cnn import ConvModule
from mmdet.models.utils import make_divisible
from mmdet.registry import MODELS
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from torch import nn

from ...errors import ConfigError
from ..layers import SandglassBlock
from .sandglass_net import SandglassNet


@MODELS.register_module()
class MobileNeXt(SandglassNet):
    """MobileNeXt backbone, layer for layer as the official network.

    Stages (``out_indices`` entries) at ``widen_factor=1.0``; other widths
    scale the channels with ``make_divisible(c * widen_factor, 8)`` and keep
    1280 for the last stage below 1.0 (see :meth:`stage_channels`):

    =====  ========  ========  ======
    index  module    channels  stride
    =====  ========  ========  ======
    0      layer1    96        4
    1      layer2    144       4
    2      layer3    192       8
    3      layer4    288       16
    4      layer5    384       16
    5      layer6    576       32
    6      layer7    960       32
    7      layer8    1280      32
    =====  ========  ========  ======

    ``taps`` add points inside blocks, named ``'layer{i}.{j}.{location}'``
    for block ``j`` of ``layer{i}`` and a location of
    :meth:`SandglassBlock.feature_info`. The official SSDLite taps are
    ``'layer6.0.expansion'`` (576 channels, stride 16: before the first
    stride-2 depthwise of stage 6) and ``'layer8.0.expansion'`` (1280
    channels, stride 32). The network still runs to the end of each stage.

    ``forward`` returns the requested features in the order the network
    computes them (a tap inside ``layer{i+1}`` comes after stage output
    ``i``); :attr:`out_channels` and :attr:`feature_info` describe that
    tuple.

    Args:
        widen_factor (float): Width multiplier. Default: 1.0.
        identity_ratio (float): Identity tensor multiplier alpha in (0, 1].
            Default: 1.0 (the official network).
        out_indices (Sequence[int]): Stage outputs to return. Default: (7, ).
        taps (Sequence[str]): Tap points inside blocks, see above.
            Default: ().
        frozen_stages (int): Freeze the stem (0) and stages 1 to
            ``frozen_stages``; -1 freezes nothing. Default: -1.
        conv_cfg (dict, optional): Config of the convolutions.
        norm_cfg (dict): Config of the norm layers. Default: dict(type='BN').
        act_cfg (dict): Config of the activations.
            Default: dict(type='ReLU6').
        norm_eval (bool): Keep norm layers in eval mode while training.
            Default: False.
        with_cp (bool): Use gradient checkpointing. Default: False.
        init_cfg (dict or list[dict], optional): Initialization config. A
            ``Pretrained`` checkpoint must fill every parameter and buffer
            exactly (see ``tools/model_converters/mobilenext_official.py``).
    """

    # (reduction ratio t, channels c, blocks n, stride s) of each stage.
    arch_settings = [[2, 96, 1, 2], [6, 144, 1, 1], [6, 192, 3, 2],
                     [6, 288, 3, 2], [6, 384, 4, 1], [6, 576, 4, 2],
                     [6, 960, 3, 1], [6, 1280, 1, 1]]
    stem_channels = 32

    def __init__(self,
                 widen_factor: float = 1.0,
                 identity_ratio: float = 1.0,
                 out_indices: Sequence[int] = (7, ),
                 taps: Sequence[str] = (),
                 frozen_stages: int = -1,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: ConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='ReLU6'),
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(out_indices, frozen_stages, norm_eval, with_cp,
                         init_cfg)
        if not (isinstance(widen_factor, (int, float)) and widen_factor > 0):
            raise ConfigError(
                f'widen_factor must be a positive number, got {widen_factor}')
        self.widen_factor = widen_factor
        in_channels = make_divisible(self.stem_channels * widen_factor,
                                     self._divisor(widen_factor))
        self.conv1 = ConvModule(
            3,
            in_channels,
            3,
            stride=2,
            padding=1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        block_cfg = dict(
            identity_ratio=identity_ratio,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
            with_cp=with_cp)
        self.layers = []
        for i, ((t, _, n, s), out_channels) in enumerate(
                zip(self.arch_settings, self.stage_channels(widen_factor))):
            self.add_module(
                f'layer{i + 1}',
                self.make_layer(in_channels, out_channels, n, s, t,
                                **block_cfg))
            self.layers.append(f'layer{i + 1}')
            in_channels = out_channels
        self._parse_taps(taps)

    def describe(self):
        return f'MobileNeXt(widen_factor={self.widen_factor})'

    @staticmethod
    def make_layer(in_channels, out_channels, num_blocks, stride,
                   reduction_ratio, **block_cfg):
        """One stage: ``num_blocks`` sandglass blocks, the first with
        ``stride``. A stage of one stride-1 block keeps the block's second
        depthwise 3x3 (the official rule); ``block_cfg`` is the rest of
        :class:`SandglassBlock`'s arguments."""
        blocks = []
        for j in range(num_blocks):
            blocks.append(
                SandglassBlock(
                    in_channels,
                    out_channels,
                    stride=stride if j == 0 else 1,
                    reduction_ratio=reduction_ratio,
                    keep_3x3=num_blocks == 1 and stride == 1,
                    **block_cfg))
            in_channels = out_channels
        return nn.Sequential(*blocks)

    @staticmethod
    def _divisor(widen_factor):
        # The official code rounds to multiples of 4 at width 0.1 only.
        return 4 if widen_factor == 0.1 else 8

    @classmethod
    def stage_channels(cls, widen_factor=1.0):
        """Output channels of the eight stages for a width multiplier."""
        channels = [
            make_divisible(c * widen_factor, cls._divisor(widen_factor))
            for _, c, _, _ in cls.arch_settings
        ]
        if widen_factor < 1.0:
            channels[-1] = cls.arch_settings[-1][1]
        return tuple(channels)
