from mmdet.models.layers import InvertedResidual
from mmdet.registry import MODELS

from .extra_depthwise_inverted_residual import ExtraDepthwiseInvertedResidual
from .sandglass_block import (TAP_LOCATIONS, SandglassBlock, conv_padding,
                              identity_channels, sandglass_hidden_channels,
                              tap_location)
from .sandglass_extra import SandglassExtraBlock

__all__ = [
    'ExtraDepthwiseInvertedResidual', 'SandglassBlock', 'SandglassExtraBlock',
    'TAP_LOCATIONS', 'conv_padding', 'identity_channels',
    'sandglass_hidden_channels', 'tap_location'
]

# The extra layer of SSDLite-MobileNetV2 is mmdet's InvertedResidual, which
# mmdet builds directly and never registers. It is registered under a name
# of this project's: the name InvertedResidual stays free for mmdet and for
# the projects that import this one.
MODELS.register_module(
    name='InvertedResidualExtraBlock', module=InvertedResidual)
