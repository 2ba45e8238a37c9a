from .efficient_mobilenext import EfficientMobileNeXt
from .mobilenet_v2_extra_depthwise import MobileNetV2ExtraDepthwise
from .mobilenext import MobileNeXt

__all__ = ['EfficientMobileNeXt', 'MobileNeXt', 'MobileNetV2ExtraDepthwise']
