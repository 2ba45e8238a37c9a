from .checked_voc import CheckedVOCDataset, MissingImageError
from .checks import (DatasetNotFoundError, VOCLayout, check_dataset_files,
                     leaf_datasets, voc_layout)
from .toy_voc import TOY_CLASSES, make_toy_voc
from .transforms import SSDRandomCrop
from .voc_annotations import (AnnotationError, VOCAnnotation,
                              read_voc_annotation)
from .voc_to_coco import convert_devkit, voc_to_coco

__all__ = [
    'AnnotationError', 'CheckedVOCDataset', 'DatasetNotFoundError',
    'MissingImageError', 'SSDRandomCrop', 'TOY_CLASSES', 'VOCAnnotation',
    'check_dataset_files', 'convert_devkit', 'leaf_datasets', 'make_toy_voc',
    'read_voc_annotation', 'VOCLayout', 'voc_layout', 'voc_to_coco'
]
