from .ssdlite_focal_head import SSDLiteFocalHead
from .ssdlite_head import SSDLiteHead

__all__ = ['SSDLiteFocalHead', 'SSDLiteHead']
