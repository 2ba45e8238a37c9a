"""Fixes for mmdet 3.3.0 (``SSDHead``'s missing ``loss_cls`` is fixed on
this project's own subclass, :class:`mnx_det.models.SSDLiteHead`).

1. ``VOCMetric`` labels its per-class table with the 20 VOC names whenever
   the dataset is VOC2007/2012, even when ``metainfo`` sets other classes:
   the rows are mislabelled. The table now uses the dataset's own class
   names. Test: ``tests/test_compat.py::
   test_voc_metric_labels_rows_with_the_dataset_classes``.
2. ``XMLDataset.parse_data_info`` (and so ``VOCDataset``) lets a bad
   annotation file fail with a bare ``ParseError``, ``AttributeError``,
   ``ValueError`` or ``TypeError`` (e.g. ``int() argument must be ... not
   'NoneType'``) that does not say which of thousands of files is broken.
   When parsing fails, the file is handed to a checker (the project's VOC
   reader, given to :func:`apply`): if it finds the problem it raises an
   error naming the file; an error it cannot explain by the file propagates
   unchanged (a bug, not bad data). Test: ``tests/test_bad_datasets.py::
   test_plain_vocdataset_names_bad_files_but_not_bugs``.
"""
import xml.etree.ElementTree as ET

from mmdet.datasets import VOCDataset, XMLDataset
from mmdet.evaluation import VOCMetric

from .patching import patch

VERSION = '3.3.0'


def _compute_metrics_with_class_names(compute_metrics):
    voc_classes = tuple(VOCDataset.METAINFO['classes'])

    def compute_metrics_with_class_names(self, results):
        meta = self.dataset_meta
        if tuple(meta.get('classes', ())) == voc_classes:
            return compute_metrics(self, results)
        # Without 'dataset_type' the metric labels rows with meta['classes'].
        self.dataset_meta = {
            k: v
            for k, v in meta.items() if k != 'dataset_type'
        }
        try:
            return compute_metrics(self, results)
        finally:
            self.dataset_meta = meta

    return compute_metrics_with_class_names


def _parse_data_info_naming_file(check_annotation_file):

    def make_wrapper(parse_data_info):

        def parse_data_info_naming_file(self, img_info):
            try:
                return parse_data_info(self, img_info)
            except (ET.ParseError, AttributeError, TypeError, ValueError):
                # raises, naming the file, when the file explains the error
                check_annotation_file(img_info['xml_path'],
                                      self.metainfo['classes'])
                raise

        return parse_data_info_naming_file

    return make_wrapper


def apply(check_annotation_file):
    """Apply the fixes above (idempotent).

    Args:
        check_annotation_file (callable): ``(xml_path, classes)``; raises
            an error naming the file when the file is bad, returns
            otherwise (fix 2).
    """
    patch(VOCMetric, 'compute_metrics', 'mmdet', VERSION,
          _compute_metrics_with_class_names)
    patch(XMLDataset, 'parse_data_info', 'mmdet', VERSION,
          _parse_data_info_naming_file(check_annotation_file))
