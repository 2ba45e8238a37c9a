"""The EfficientNet-style MobileNeXt of the paper (Zhou et al., ECCV 2020,
arXiv:2007.02269, Sec. 5): MobileNeXt's stage widths with EfficientNet's
kernel sizes, squeeze-and-excitation, Swish and stochastic depth. The
official classification code names the two models ``mnext_s`` ("mnext-b0")
and ``mnext_l`` ("mnext-b1": 1.1x the blocks, grouped 1x1 convs)."""
import math
from typing import Sequence

from mmcv.cnn import ConvModule
from mmdet.models.utils import make_divisible
from mmdet.registry import MODELS
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from torch import nn

from ...errors import ConfigError
from ..layers import SandglassBlock, conv_padding
from .sandglass_net import SandglassNet


@MODELS.register_module()
class EfficientMobileNeXt(SandglassNet):
    """EfficientNet-style MobileNeXt, layer for layer as the official
    ``mnext_s`` / ``mnext_l``.

    Stages (``out_indices`` entries), ``arch='b0'``; ``'b1'`` has
    ``ceil(1.1 n)`` blocks per stage (2, 2, 4, 4, 5, 5, 4, 2):

    =====  ========  ========  ======  ======  ======
    index  module    channels  blocks  kernel  stride
    =====  ========  ========  ======  ======  ======
    0      layer1    96        1       3       2
    1      layer2    144       1       3       4
    2      layer3    192       3       5       8
    3      layer4    288       3       3       16
    4      layer5    384       4       5       16
    5      layer6    576       4       5       32
    6      layer7    960       3       3       32
    7      layer8    1280      1       3       32
    =====  ========  ========  ======  ======  ======

    The blocks differ from MobileNeXt's (read from the official code):

    - the bottleneck is ``make_divisible(in_channels // t, 2)`` wide
      (MobileNeXt's ``out / 6`` floor is not applied);
    - blocks with t = 2 keep both depthwise convs and have no shortcut;
      otherwise the layout follows in / out and stride as in
      :class:`SandglassBlock`, with no rule for one-block stages;
    - squeeze-and-excitation on every block's output, squeezed to
      ``int(out_channels / t * se_ratio)`` with Swish;
    - stochastic depth on the shortcut, ``drop_path_rate * i / N`` for
      block i of N;
    - ``'b1'`` splits the 1x1 convs of full blocks into 2 groups;
    - Swish after the stem and every expansion, BN eps 1e-3 and momentum
      0.01, and TensorFlow-style "same" padding fixed as the official code
      fixes it (:class:`SandglassBlock`'s ``static_same_padding``).

    Features and taps are :class:`MobileNeXt`'s: ``taps`` name
    ``'layer{i}.{j}.{location}'``. For SSDLite, ``'layer6.0.expansion'``
    (576 channels, stride 16) and stage 7 (1280, stride 32) have the
    channels and strides of SSDLite-MobileNeXt's two taps.

    Args:
        arch (str): ``'b0'`` (``mnext_s``) or ``'b1'`` (``mnext_l``).
            Default: 'b0'.
        out_indices (Sequence[int]): Stage outputs to return. Default: (7, ).
        taps (Sequence[str]): Tap points inside blocks. Default: ().
        se_ratio (float): Squeeze ratio, of ``out_channels / t``.
            Default: 0.25.
        drop_path_rate (float): Stochastic depth of the last block.
            Default: 0.2 (the official rate).
        frozen_stages (int): Freeze the stem (0) and stages 1 to
            ``frozen_stages``; -1 freezes nothing. Default: -1.
        conv_cfg (dict, optional): Config of the convolutions.
        norm_cfg (dict): Config of the norm layers.
            Default: dict(type='BN', eps=1e-3, momentum=0.01).
        act_cfg (dict): Config of the activations.
            Default: dict(type='Swish').
        norm_eval (bool): Keep norm layers in eval mode while training.
            Default: False.
        with_cp (bool): Use gradient checkpointing. Default: False.
        init_cfg (dict or list[dict], optional): Initialization config. A
            ``Pretrained`` checkpoint must fill every parameter and buffer
            exactly (see ``tools/model_converters/mobilenext_efficient.py``).
    """

    # (t, channels, blocks of b0, stride, kernel) of each stage.
    arch_settings = [[2, 96, 1, 1, 3], [6, 144, 1, 2, 3], [6, 192, 3, 2, 5],
                     [6, 288, 3, 2, 3], [6, 384, 4, 1, 5], [6, 576, 4, 2, 5],
                     [6, 960, 3, 1, 3], [6, 1280, 1, 1, 3]]
    # depth multiplier and groups of the full blocks' 1x1 convs
    arch_variants = {'b0': (1.0, 1), 'b1': (1.1, 2)}
    stem_channels = 32

    def __init__(self,
                 arch: str = 'b0',
                 out_indices: Sequence[int] = (7, ),
                 taps: Sequence[str] = (),
                 se_ratio: float = 0.25,
                 drop_path_rate: float = 0.2,
                 frozen_stages: int = -1,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: ConfigType = dict(
                     type='BN', eps=1e-3, momentum=0.01),
                 act_cfg: ConfigType = dict(type='Swish'),
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(out_indices, frozen_stages, norm_eval, with_cp,
                         init_cfg)
        if arch not in self.arch_variants:
            raise ConfigError(f'arch must be one of '
                              f'{tuple(self.arch_variants)}, got {arch!r}')
        if not 0 <= drop_path_rate < 1:
            raise ConfigError(
                f'drop_path_rate must be in [0, 1), got {drop_path_rate}')
        self.arch = arch
        layer_cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        padding, padding_mode = conv_padding(3, 2, static_same=True)
        self.conv1 = ConvModule(
            3,
            self.stem_channels,
            3,
            stride=2,
            padding=padding,
            padding_mode=padding_mode,
            act_cfg=act_cfg,
            **layer_cfg)
        blocks = self.block_settings(arch)
        stages = [[] for _ in self.arch_settings]
        for index, (stage, settings) in enumerate(blocks):
            stages[stage].append(
                self._block(drop_path_rate * index / len(blocks), se_ratio,
                            act_cfg, with_cp, layer_cfg, **settings))
        self.layers = []
        for i, stage in enumerate(stages):
            self.add_module(f'layer{i + 1}', nn.Sequential(*stage))
            self.layers.append(f'layer{i + 1}')
        self._parse_taps(taps)

    @classmethod
    def block_settings(cls, arch):
        """Every block's ``(stage index, settings)`` in network order, the
        settings a dict of ``in_channels``, ``out_channels``, ``stride``,
        ``t``, ``kernel_size`` and ``pw_groups``."""
        depth, groups = cls.arch_variants[arch]
        blocks, in_channels = [], cls.stem_channels
        for i, (t, out_channels, n, stride, k) in enumerate(cls.arch_settings):
            for j in range(math.ceil(depth * n)):
                full = t == 2 or in_channels == out_channels
                blocks.append((i,
                               dict(
                                   in_channels=in_channels,
                                   out_channels=out_channels,
                                   stride=stride if j == 0 else 1,
                                   t=t,
                                   kernel_size=k,
                                   pw_groups=groups if full else 1)))
                in_channels = out_channels
        return blocks

    @staticmethod
    def _block(drop_path_rate, se_ratio, act_cfg, with_cp, layer_cfg,
               in_channels, out_channels, t, **settings):
        return SandglassBlock(
            in_channels,
            out_channels,
            reduction_ratio=t,
            keep_3x3=t == 2,  # both depthwise convs, no shortcut
            hidden_channels=make_divisible(in_channels // t, 2),
            se_channels=int(out_channels / t * se_ratio),
            drop_path_rate=drop_path_rate,
            static_same_padding=True,
            act_cfg=act_cfg,
            with_cp=with_cp,
            **settings,
            **layer_cfg)

    def describe(self):
        return f'EfficientMobileNeXt(arch={self.arch!r})'
