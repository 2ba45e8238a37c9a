from .ssd_random_crop import SSDRandomCrop

__all__ = ['SSDRandomCrop']
