from .checks import DatasetNotFoundError, check_voc_dataset, leaf_datasets
from .toy_voc import TOY_CLASSES, make_toy_voc
from .transforms import SSDRandomCrop

__all__ = [
    'DatasetNotFoundError', 'SSDRandomCrop', 'TOY_CLASSES',
    'check_voc_dataset', 'leaf_datasets', 'make_toy_voc'
]
