from .checks import DatasetNotFoundError, check_voc_dataset
from .toy_voc import TOY_CLASSES, make_toy_voc

__all__ = [
    'DatasetNotFoundError', 'TOY_CLASSES', 'check_voc_dataset', 'make_toy_voc'
]
