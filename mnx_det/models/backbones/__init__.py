from .efficient_mobilenext import EfficientMobileNeXt
from .mobilenext import MobileNeXt

__all__ = ['EfficientMobileNeXt', 'MobileNeXt']
