"""The sandglass block of MobileNeXt: Zhou et al., "Rethinking Bottleneck
Structure for Efficient Mobile Network Design", ECCV 2020,
arXiv:2007.02269.

A sandglass block puts the shortcut between the wide tensors and the
bottleneck in the middle: depthwise 3x3 on the wide input, 1x1 reduction,
1x1 expansion, depthwise 3x3 on the wide output. Which of the two depthwise
convolutions exist follows from the block's arguments, exactly as in the
official implementation (see ``SandglassBlock``).
"""
import math
import warnings
from fractions import Fraction
from functools import partial
from typing import Dict, Optional

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from mmcv.cnn import ConvModule, build_activation_layer
from mmcv.cnn.bricks import DropPath
from mmdet.models.utils import make_divisible
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor
from torchvision.ops import SqueezeExcitation

from ...errors import ConfigError

# Where a block can be tapped, in network order: the wide tensor after the
# 1x1 expansion (+BN+act), before the last depthwise conv; the block output.
TAP_LOCATIONS = ('expansion', 'output')
# Former names, still accepted with a warning. 'bottleneck' was the output's
# name, after timm; in a sandglass block the bottleneck is the narrow middle.
RENAMED_TAP_LOCATIONS = {'bottleneck': 'output'}
_warned_renames = set()


def tap_location(name):
    """The current name of a tap location; a former name warns once."""
    if name in RENAMED_TAP_LOCATIONS:
        if name not in _warned_renames:
            _warned_renames.add(name)
            warnings.warn(
                f'tap location {name!r} is deprecated: it is the block '
                f'output, now {RENAMED_TAP_LOCATIONS[name]!r}', FutureWarning)
        return RENAMED_TAP_LOCATIONS[name]
    if name not in TAP_LOCATIONS:
        raise ConfigError(f'unknown tap location {name!r}, '
                          f'expected one of {TAP_LOCATIONS}')
    return name


def sandglass_hidden_channels(in_channels, out_channels, reduction_ratio):
    """Width of the bottleneck between the two 1x1 convolutions.

    ``in_channels // reduction_ratio``, but never narrower than
    ``out_channels / 6``; when widened, it is rounded to a multiple of 16.
    """
    hidden = in_channels // reduction_ratio
    if hidden < out_channels / 6.:
        hidden = make_divisible(math.ceil(out_channels / 6.), 16)
    return hidden


def _check_arguments(stride, identity_ratio):
    if stride not in (1, 2):
        raise ConfigError(f'stride must be 1 or 2, got {stride}')
    if not 0 < identity_ratio <= 1:
        raise ConfigError(
            f'identity_ratio must be in (0, 1], got {identity_ratio}')


def conv_padding(kernel_size, stride, static_same=False):
    """``(padding, padding_mode)`` for mmcv's ``ConvModule``: ``k // 2`` on
    each side, or, with ``static_same`` and stride 2, ``(k - 2) // 2``
    before and the rest after (TensorFlow's "SAME" for an even input, which
    the official EfficientNet-style code fixes for every input)."""
    if not (static_same and stride == 2):
        return kernel_size // 2, 'zeros'
    before = (kernel_size - 2) // 2
    return (before, kernel_size - 2 - before) * 2, 'zero'


def identity_channels(channels, identity_ratio):
    """The channels of a block's shortcut: ``floor(channels * alpha)``, as
    the official ``channels // identity_div`` with alpha = 1 /
    identity_div. alpha is read as the nearest fraction with a denominator
    up to 1000, so that ``1 / 3`` is a third exactly."""
    alpha = Fraction(identity_ratio).limit_denominator(1000)
    return math.floor(channels * alpha)


class SandglassBlock(BaseModule):
    """Sandglass block.

    The layout follows from the arguments (``dw`` = depthwise k x k,
    ``pw`` = 1x1; BN after every conv, the activation only where marked):

    ====================================  ===================================
    case                                  layers
    ====================================  ===================================
    ``reduction_ratio == 2``, or          dw s1 + act, pw reduce,
    ``keep_3x3``, or in == out            pw expand + act, dw ``stride``
    in != out, ``stride == 2``            pw reduce, pw expand + act, dw s2
    in != out, ``stride == 1``            pw reduce, pw expand + act
    ====================================  ===================================

    Then, if ``se_channels``, squeeze-and-excitation on the output (as the
    official EfficientNet-style MobileNeXt has it: after the last BN). The
    shortcut exists only for in == out, stride 1 and not ``keep_3x3``.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        stride (int): Stride of the block, 1 or 2. Default: 1.
        reduction_ratio (int): The bottleneck is ``in_channels //
            reduction_ratio`` wide (see :func:`sandglass_hidden_channels`).
            Default: 6.
        keep_3x3 (bool): Keep both depthwise convs even though in != out
            (the official network does this for stages of one stride-1
            block), and drop the shortcut. Default: False.
        identity_ratio (float): Identity tensor multiplier alpha in (0, 1]:
            only the first ``floor(out_channels * alpha)`` channels take the
            shortcut (:func:`identity_channels`). Default: 1.0.
        kernel_size (int): Side of the depthwise kernels. Default: 3.
        hidden_channels (int, optional): The bottleneck width, where a
            network has its own rule. Default: the sandglass rule.
        pw_groups (int): Groups of the two 1x1 convs. Default: 1.
        se_channels (int, optional): Squeeze width of a
            squeeze-and-excitation on the output (its activation is
            ``act_cfg``'s); None for none. Default: None.
        drop_path_rate (float): Drop the residual branch of a sample with
            this probability while training (stochastic depth). Default: 0.
        static_same_padding (bool): Pad a stride-2 depthwise conv by
            ``(k - 2) // 2`` before and the rest after, as TensorFlow's
            "SAME" pads an even input and the official EfficientNet-style
            code pads every input (its padding is fixed once, for the
            224 / 240 ImageNet size). Otherwise ``k // 2`` on each side.
            Default: False.
        conv_cfg (dict, optional): Config of the convolutions.
        norm_cfg (dict): Config of the norm layers. Default: dict(type='BN').
        act_cfg (dict): Config of the activations.
            Default: dict(type='ReLU6').
        with_cp (bool): Use gradient checkpointing. Default: False.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int = 1,
                 reduction_ratio: float = 6,
                 keep_3x3: bool = False,
                 identity_ratio: float = 1.0,
                 kernel_size: int = 3,
                 hidden_channels: Optional[int] = None,
                 pw_groups: int = 1,
                 se_channels: Optional[int] = None,
                 drop_path_rate: float = 0.,
                 static_same_padding: bool = False,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: ConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='ReLU6'),
                 with_cp: bool = False,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg)
        _check_arguments(stride, identity_ratio)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.stride = stride
        self.with_cp = with_cp
        self.hidden_channels = hidden_channels or sandglass_hidden_channels(
            in_channels, out_channels, reduction_ratio)
        full = reduction_ratio == 2 or keep_3x3 or in_channels == out_channels
        self.use_identity = (
            in_channels == out_channels and stride == 1 and not keep_3x3)
        self.identity_channels = identity_channels(out_channels,
                                                   identity_ratio)
        self.kernel_size, self.static_same_padding = (kernel_size,
                                                      static_same_padding)
        layer_cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.dw_in = (
            self._depthwise(in_channels, 1, act_cfg, layer_cfg)
            if full else nn.Identity())
        self.reduce = ConvModule(
            in_channels,
            self.hidden_channels,
            1,
            groups=pw_groups,
            act_cfg=None,
            **layer_cfg)
        self.expand = ConvModule(
            self.hidden_channels,
            out_channels,
            1,
            groups=pw_groups,
            act_cfg=act_cfg,
            **layer_cfg)
        self.dw_out = (
            self._depthwise(out_channels, stride, None, layer_cfg)
            if full or stride == 2 else nn.Identity())
        self.se = (
            SqueezeExcitation(out_channels, se_channels,
                              partial(build_activation_layer, act_cfg))
            if se_channels else nn.Identity())
        self.drop_path = DropPath(drop_path_rate)

    def _depthwise(self, channels, stride, act_cfg, layer_cfg):
        padding, mode = conv_padding(self.kernel_size, stride,
                                     self.static_same_padding)
        return ConvModule(
            channels,
            channels,
            self.kernel_size,
            stride,
            padding,
            groups=channels,
            act_cfg=act_cfg,
            padding_mode=mode,
            **layer_cfg)

    def feature_info(self, location):
        """Describe a tap point of this block.

        Args:
            location (str): One of :data:`TAP_LOCATIONS`: ``'expansion'``
                (after the 1x1 expansion + act, before the last depthwise
                conv) or ``'output'`` (the block output).

        Returns:
            dict: ``num_chs`` (channels at that point) and ``stride``
            (its stride relative to the block input).
        """
        strides = dict(zip(TAP_LOCATIONS, (1, self.stride)))
        return dict(
            num_chs=self.out_channels, stride=strides[tap_location(location)])

    def _add_identity(self, out, identity):
        k = self.identity_channels
        if k == 0:
            return out
        if k == self.out_channels:
            return out + identity
        if not torch.is_grad_enabled():
            # No autograd graph: add into the fresh output in place, reading
            # and writing only the k channels (the point of alpha < 1).
            out[:, :k] += identity[:, :k]
            return out
        # With autograd, concatenate: an in-place add on a slice would
        # modify a tensor autograd may still need.
        return torch.cat([out[:, :k] + identity[:, :k], out[:, k:]], dim=1)

    def _forward(self, x):
        """The tensors at :data:`TAP_LOCATIONS`, in that order."""
        expansion = self.expand(self.reduce(self.dw_in(x)))
        out = self.se(self.dw_out(expansion))
        if self.use_identity:
            out = self._add_identity(self.drop_path(out), x)
        return expansion, out

    def forward_taps(self, x: Tensor) -> Dict[str, Tensor]:
        """Every tap point of the block: a dict keyed by
        :data:`TAP_LOCATIONS` (``'output'`` is what ``forward`` returns);
        shapes as :meth:`feature_info` gives them for an (N, C_in, H, W)
        ``x``."""
        if self.with_cp and x.requires_grad:
            tensors = cp.checkpoint(self._forward, x, use_reentrant=False)
        else:
            tensors = self._forward(x)
        return dict(zip(TAP_LOCATIONS, tensors))

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_out, H / stride, W / stride) of an (N, C_in, H, W) ``x``."""
        return self.forward_taps(x)['output']
