"""Datasets, transforms and data checks (registered into mmdet's
registries on import)."""
from .checked_voc import CheckedVOCDataset, MissingImageError
from .checks import (DatasetNotFoundError, VOCLayout, check_dataset_files,
                     leaf_datasets, voc_layout)
from .toy_voc import TOY_CLASSES, make_toy_voc, make_voc_sized_set
from .transforms import SSDGeometricAugment, SSDRandomCrop
from .voc_annotations import (VOC_CLASSES, AnnotationError, VOCAnnotation,
                              check_annotation_file, read_voc_annotation)
from .voc_to_coco import convert_devkit, voc_to_coco

__all__ = [
    'AnnotationError', 'CheckedVOCDataset', 'DatasetNotFoundError',
    'MissingImageError', 'SSDGeometricAugment', 'SSDRandomCrop', 'TOY_CLASSES',
    'VOC_CLASSES', 'VOCAnnotation', 'VOCLayout', 'check_annotation_file',
    'check_dataset_files', 'convert_devkit', 'leaf_datasets', 'make_toy_voc',
    'make_voc_sized_set', 'read_voc_annotation', 'voc_layout', 'voc_to_coco'
]
