from mmdet.models.layers import InvertedResidual
from mmdet.registry import MODELS

from .sandglass_block import (TAP_LOCATIONS, SandglassBlock,
                              sandglass_hidden_channels, tap_location)
from .sandglass_extra import SandglassExtraBlock

__all__ = [
    'SandglassBlock', 'SandglassExtraBlock', 'TAP_LOCATIONS',
    'sandglass_hidden_channels', 'tap_location'
]

# mmdet builds its InvertedResidual directly and never registers it; the
# SSDLite-MobileNetV2 neck names it as its extra layer type.
if MODELS.get('InvertedResidual') is None:
    MODELS.register_module(module=InvertedResidual)
