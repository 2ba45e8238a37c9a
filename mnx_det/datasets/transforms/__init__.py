from .ssd_geometric_augment import SSDGeometricAugment
from .ssd_random_crop import SSDRandomCrop

__all__ = ['SSDGeometricAugment', 'SSDRandomCrop']
