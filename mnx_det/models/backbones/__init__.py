from .mobilenext import MobileNeXt

__all__ = ['MobileNeXt']
