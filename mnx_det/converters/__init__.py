"""Checkpoint converters into the project's and mmdet's backbones."""
from .mobilenext_official import convert_official, official_key_map
from .torchvision_mobilenet_v2 import convert_torchvision, torchvision_key_map
from .utils import CheckpointMismatchError

__all__ = [
    'CheckpointMismatchError', 'convert_official', 'convert_torchvision',
    'official_key_map', 'torchvision_key_map'
]
