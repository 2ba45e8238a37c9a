from .checked_voc import CheckedVOCDataset, MissingImageError
from .checks import DatasetNotFoundError, check_voc_dataset, leaf_datasets
from .toy_voc import TOY_CLASSES, make_toy_voc
from .transforms import SSDRandomCrop
from .voc_annotations import (AnnotationError, VOCAnnotation,
                              read_voc_annotation)

__all__ = [
    'AnnotationError', 'CheckedVOCDataset', 'DatasetNotFoundError',
    'MissingImageError', 'SSDRandomCrop', 'TOY_CLASSES', 'VOCAnnotation',
    'check_voc_dataset', 'leaf_datasets', 'make_toy_voc', 'read_voc_annotation'
]
