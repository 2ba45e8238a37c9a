"""SSDLite neck: backbone levels for the head plus stride-2 extra levels
(SSDLite: Sandler et al., CVPR 2018, arXiv:1801.04381)."""
from typing import Sequence, Tuple

from mmdet.registry import MODELS
from mmdet.utils import ConfigType, OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor, nn

from ...errors import ConfigError


@MODELS.register_module()
class SSDLiteNeck(BaseModule):
    """Pass backbone features to the head and grow the extra levels.

    The first ``len(out_channels) - len(mid_ratios)`` inputs go to the head
    unchanged. The extra levels grow from the *last* input, each from the
    one before. So SSDLite-MobileNeXt feeds in its two expansion taps and
    the backbone's final output (which only the extras see), and
    SSDLite-MobileNetV2 its two stage outputs (the second also feeds the
    extras).

    Args:
        in_channels (Sequence[int]): Channels of the backbone outputs.
        out_channels (Sequence[int]): Channels of every level passed to the
            head; the leading ones must equal ``in_channels``.
        mid_ratios (Sequence[float]): One per extra level: its bottleneck is
            ``int(level_in_channels * ratio)`` wide.
        extra_block (dict): Config of the extra layer, built from ``MODELS``
            with ``in_channels``, ``out_channels``, ``mid_channels`` and
            ``stride=2``. Default: ``dict(type='SandglassExtraBlock')``.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    def __init__(
        self,
        in_channels: Sequence[int],
        out_channels: Sequence[int],
        mid_ratios: Sequence[float],
        extra_block: ConfigType = dict(type='SandglassExtraBlock'),
        init_cfg: OptMultiConfig = [
            dict(
                type='Kaiming',
                layer='Conv2d',
                mode='fan_out',
                distribution='normal'),
            dict(type='Constant', val=1, layer='_BatchNorm')
        ]
    ) -> None:
        super().__init__(init_cfg)
        self.num_passed = len(out_channels) - len(mid_ratios)
        if tuple(in_channels[:self.num_passed]) != tuple(
                out_channels[:self.num_passed]):
            raise ConfigError(
                f'the first {self.num_passed} out_channels {out_channels} '
                f'must be the backbone channels, got in_channels '
                f'{in_channels}')
        self.extra_layers = nn.ModuleList()
        channels = in_channels[-1]
        for out, ratio in zip(out_channels[self.num_passed:], mid_ratios):
            self.extra_layers.append(
                MODELS.build(
                    dict(
                        extra_block,
                        in_channels=channels,
                        out_channels=out,
                        mid_channels=int(channels * ratio),
                        stride=2)))
            channels = out

    def forward(self, inputs: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """The head's levels: the first ``len(out_channels) -
        len(mid_ratios)`` backbone features as they are, then one
        stride-2 extra level per ``mid_ratios`` entry, each (N,
        out_channels[k], H_k, W_k)."""
        outs = list(inputs[:self.num_passed])
        x = inputs[-1]
        for layer in self.extra_layers:
            x = layer(x)
            outs.append(x)
        return tuple(outs)
