"""VOCDataset that checks every annotation and image path when it is built."""
import os.path as osp

from mmdet.datasets import VOCDataset
from mmdet.registry import DATASETS
from mmengine.logging import print_log

from ..errors import ConfigError, UserError
from .voc_annotations import (AnnotationError, annotation_from_xml,
                              read_voc_annotation)


class MissingImageError(UserError, FileNotFoundError):
    """An image listed in a dataset's image list does not exist."""


@DATASETS.register_module()
class CheckedVOCDataset(VOCDataset):
    """:class:`mmdet.datasets.VOCDataset` that refuses bad annotations.

    While the dataset is built (mmdet parses every XML then anyway), each
    file is checked (:func:`read_voc_annotation`): boxes with xmax <= xmin
    or ymax <= ymin, coordinates that are not numbers, boxes outside the
    image by more than a pixel, objects without a box or a name, class names
    that are neither the dataset's nor VOC's (typos; other VOC classes are a
    deliberate subset and dropped as mmdet does), and images listed in the
    image list that do not exist. One bad box would otherwise turn a long
    training run into NaN.

    Args:
        invalid_objects (str): ``'error'`` stops with an
            :class:`AnnotationError` naming the file, the object, its class
            and the values; ``'skip'`` drops the bad objects and logs one
            summary line. Files that cannot be read at all always stop.
            Default: 'error'.
        **kwargs: The arguments of :class:`VOCDataset`.
    """

    def __init__(self, invalid_objects='error', **kwargs):
        if invalid_objects not in ('error', 'skip'):
            raise ConfigError("invalid_objects must be 'error' or 'skip', "
                              f'got {invalid_objects!r}')
        self.invalid_objects = invalid_objects
        self._skipped = {}  # annotation file -> its problems
        super().__init__(**kwargs)

    def load_data_list(self):
        data_list = super().load_data_list()
        if self._skipped:
            files = sorted(self._skipped)
            problems = [p for lines in self._skipped.values() for p in lines]
            print_log(
                f'{self.__class__.__name__}: skipped {len(problems)} '
                f'invalid objects in {len(files)} files (' +
                ', '.join(files[:3]) + (', ...' if len(files) > 3 else '') +
                f'); first: {problems[0]}',
                logger='current')
        return data_list

    def parse_data_info(self, img_info):
        img_path = osp.join(self.sub_data_root, img_info['file_name'])
        if not osp.isfile(img_path):
            raise MissingImageError(
                f"image {img_path} of id {img_info['img_id']!r} in "
                f'{self.ann_file} does not exist')
        annotation = read_voc_annotation(img_info['xml_path'],
                                         self._metainfo['classes'])
        if annotation.problems:
            raise AnnotationError('\n'.join(annotation.all_problems()))
        bad = [obj for obj in annotation.objects if obj.problems]
        if bad and self.invalid_objects == 'error':
            raise AnnotationError(
                'invalid annotation (dataset option invalid_objects=\'skip\' '
                'drops such objects):\n' +
                '\n'.join(annotation.all_problems()))
        if bad:
            self._skipped[annotation.path] = annotation.all_problems()
        return super().parse_data_info(img_info)

    def _parse_instance_info(self, raw_ann_info, minus_one=True):
        """mmdet's parsing, less the objects that :meth:`parse_data_info`
        found invalid (only with ``invalid_objects='skip'``: otherwise it
        stopped)."""
        root = raw_ann_info.getroot()
        annotation = annotation_from_xml(
            None, root, self._metainfo['classes'], check_size=False)
        elements = root.findall('object')
        for obj in annotation.objects:
            if obj.problems:
                root.remove(elements[obj.index])
        return super()._parse_instance_info(raw_ann_info, minus_one)
