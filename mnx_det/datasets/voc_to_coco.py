"""Pascal VOC annotations as COCO JSON, for COCO-style evaluation of VOC.

The files follow mmdet's ``tools/dataset_converters/pascal_voc.py`` (names
``voc07_trainval.json``, ``voc0712_trainval.json``, ..., image paths relative
to the devkit), so mmdet's ``*_voc0712cocofmt`` configs read them. Boxes are
the ones mmdet's ``VOCDataset`` loads (1-based corners minus one), so a
``CocoDataset`` on these files yields the same ground truth. Difficult
objects become ``iscrowd`` annotations: mmdet then ignores them in training
and pycocotools ignores the detections that hit them, as the VOC metric
does. Every file is checked while it is read; a bad one stops the
conversion with its problems (the dataset doctor,
``tools/misc/check_dataset.py``, lists them all).
"""
import json
import os
import os.path as osp

from mmengine.utils import track_iter_progress

from ..fileio import atomic_open
from .checks import DatasetNotFoundError
from .voc_annotations import VOC_CLASSES, AnnotationError, read_voc_annotation

SPLITS = ('train', 'val', 'trainval', 'test')
# Output name prefix per set of years, as mmdet names them.
YEAR_PREFIXES = {
    ('2007', ): 'voc07',
    ('2012', ): 'voc12',
    ('2007', '2012'): 'voc0712'
}


def read_image_list(devkit, year, split):
    """Image names of ``VOC<year>/ImageSets/Main/<split>.txt``."""
    path = osp.join(devkit, f'VOC{year}', 'ImageSets', 'Main', f'{split}.txt')
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def voc_to_coco(devkit, years, split, progress=True):
    """The COCO dict of one split of one or more VOC years.

    Args:
        devkit (str): The ``VOCdevkit`` folder.
        years (Sequence[str]): e.g. ``('2007', '2012')``.
        split (str): ``train``, ``val``, ``trainval`` or ``test``.
        progress (bool): Show a progress bar. Default: True.

    Returns:
        dict: ``info``, ``images``, ``annotations`` and ``categories`` (all
        20 VOC classes, ids from 1), ids counted from 1.

    Raises:
        AnnotationError: An annotation file has problems, or its image is
            missing; the message names them.
    """
    coco = dict(
        # pycocotools >= 2.0.8 copies 'info' into every result set
        info=dict(description=f'Pascal VOC {"+".join(years)} {split}, '
                  'converted by mnx_det'),
        images=[],
        annotations=[],
        categories=[
            dict(id=i, name=name, supercategory='none')
            for i, name in enumerate(VOC_CLASSES, 1)
        ])
    names = [(year, name) for year in years
             for name in read_image_list(devkit, year, split)]
    for year, name in track_iter_progress(names) if progress else names:
        image_id = len(coco['images']) + 1
        file_name = f'VOC{year}/JPEGImages/{name}.jpg'
        annotation = _checked_annotation(devkit, year, name, file_name)
        coco['images'].append(
            dict(
                id=image_id,
                file_name=file_name,
                width=annotation.width,
                height=annotation.height))
        for obj in annotation.objects:
            coco['annotations'].append(
                _coco_object(obj, image_id,
                             len(coco['annotations']) + 1))
    return coco


def _checked_annotation(devkit, year, name, file_name):
    path = osp.join(devkit, f'VOC{year}', 'Annotations', f'{name}.xml')
    annotation = read_voc_annotation(path, VOC_CLASSES)
    problems = annotation.all_problems()
    if not osp.isfile(osp.join(devkit, file_name)):
        problems.append(f'{path}: its image {file_name} does not exist')
    if problems:
        raise AnnotationError('cannot convert ' + '; '.join(problems) +
                              ' (tools/misc/check_dataset.py lists every '
                              'problem of a dataset)')
    return annotation


def _coco_object(obj, image_id, annotation_id):
    x1, y1, x2, y2 = obj.bbox
    # mmdet's VOC boxes: (xmin - 1, ymin - 1, xmax - 1, ymax - 1)
    width, height = x2 - x1, y2 - y1
    return dict(
        id=annotation_id,
        image_id=image_id,
        category_id=VOC_CLASSES.index(obj.name) + 1,
        bbox=[x1 - 1, y1 - 1, width, height],
        area=width * height,
        iscrowd=int(obj.difficult))


def convertible_sets(devkit):
    """(years, split, output name) of every split list the devkit has."""
    years = [
        year for year in ('2007', '2012')
        if osp.isdir(osp.join(devkit, f'VOC{year}'))
    ]
    if not years:
        raise DatasetNotFoundError(
            f'{devkit} holds neither VOC2007/ nor VOC2012/: give the '
            'VOCdevkit folder (e.g. data/VOCdevkit)')
    year_sets = [(year, ) for year in years]
    if len(years) == 2:
        year_sets.append(tuple(years))
    for year_set in year_sets:
        for split in SPLITS:
            # VOC2012's test annotations are not public; VOC07+12 is for
            # training only.
            if split == 'test' and len(year_set) == 2:
                continue
            lists = [
                osp.join(devkit, f'VOC{year}', 'ImageSets', 'Main',
                         f'{split}.txt') for year in year_set
            ]
            if all(osp.isfile(path) for path in lists):
                yield year_set, split, f'{YEAR_PREFIXES[year_set]}_{split}'


def convert_devkit(devkit, out_dir=None, verbose=True):
    """Write the COCO JSON of every split list of the devkit.

    Args:
        devkit (str): The ``VOCdevkit`` folder.
        out_dir (str, optional): Where to write; default ``devkit``.
        verbose (bool): Show progress and one line per file written.

    Returns:
        list[str]: The files written.
    """
    out_dir = out_dir or devkit
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for years, split, name in list(convertible_sets(devkit)):
        coco = voc_to_coco(devkit, years, split, progress=verbose)
        path = osp.join(out_dir, f'{name}.json')
        with atomic_open(path) as f:  # a complete file or none
            json.dump(coco, f)
        if verbose:
            print(f"{path}: {len(coco['images'])} images, "
                  f"{len(coco['annotations'])} objects")
        written.append(path)
    return written
