"""Converters of other projects' checkpoints into the backbones used here."""
from .files import convert_file
from .mobilenext_efficient import (convert_efficient, efficient_key_map,
                                   official_arch)
from .mobilenext_official import convert_official, official_key_map
from .torchvision_mobilenet_v2 import convert_torchvision, torchvision_key_map

__all__ = [
    'convert_efficient', 'convert_file', 'convert_official',
    'convert_torchvision', 'efficient_key_map', 'official_arch',
    'official_key_map', 'torchvision_key_map'
]
