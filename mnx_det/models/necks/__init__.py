from .ssdlite_neck import SSDLiteNeck

__all__ = ['SSDLiteNeck']
