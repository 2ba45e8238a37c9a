"""The dataset doctor: every image and annotation of a config's VOC
datasets checked in one pass, all problems reported at once, with the
statistics worth a look before a long run (objects per class and per image,
image sizes). ``tools/misc/check_dataset.py`` is its command line."""
import collections
import difflib
import os.path as osp
import statistics

import mmcv
from mmengine.utils import track_iter_progress

from .checks import leaf_datasets, voc_layout
from .voc_annotations import VOC_CLASSES, read_voc_annotation


def image_problems(img_path, annotation):
    """Problems of one image file: missing, undecodable, or another size
    than its annotation says."""
    if not osp.isfile(img_path):
        return [f'{img_path}: image does not exist']
    try:
        with open(img_path, 'rb') as f:
            img = mmcv.imfrombytes(f.read())
    except Exception as exc:  # whatever the decoder raises, name the file
        return [
            f'{img_path}: cannot decode image: {type(exc).__name__}: '
            f'{exc}'.strip()
        ]
    if img is None:
        return [f'{img_path}: cannot decode image (empty or not an image)']
    height, width = img.shape[:2]
    if annotation.width and (annotation.width, annotation.height) != (width,
                                                                      height):
        return [
            f'{img_path}: image is {width}x{height}, its annotation '
            f'{annotation.path} says {annotation.width}x{annotation.height}'
        ]
    return []


def split_problems(image_list, ids):
    """Problems of a split's image list: no images, or an id listed twice
    (a test split would score that image twice)."""
    if not ids:
        return [f'{image_list}: lists no images']
    return [
        f'{image_list}: lists {img_id} {count} times'
        for img_id, count in collections.Counter(ids).items() if count > 1
    ]


def class_problems(image_list, classes, names):
    """A configured class without any object among ``names`` (the class of
    every object in the split): most often a typo, and then the objects of
    the class meant are dropped without a word (they are another VOC class,
    outside the subset)."""
    counts = collections.Counter(names)
    problems = []
    for name in classes:
        if counts[name]:
            continue
        close = difflib.get_close_matches(name, list(counts), n=1)
        hint = (f' (a typo of {close[0]!r}? It has {counts[close[0]]} '
                'objects here)' if close else '')
        problems.append(f'{image_list}: no object of the class {name!r}{hint}')
    return problems


def configured_classes(cfg, report):
    """The classes of a dataset config; a bare string (read letter by
    letter by the dataset) is a problem, and taken as one name."""
    classes = cfg.get('metainfo', {}).get('classes') or VOC_CLASSES
    if isinstance(classes, str):
        report.problems.append(
            f'metainfo.classes is the string {classes!r}, which the dataset '
            f'reads letter by letter: write classes=({classes!r}, )')
        return (classes, )
    return tuple(classes)


class DatasetReport:
    """Problems and statistics gathered over the datasets."""

    def __init__(self):
        self.problems = []
        self.num_images = 0
        self.per_class = collections.Counter()
        self.per_image = []
        self.sizes = []

    def add(self, annotation, classes):
        names = [
            obj.name for obj in annotation.objects
            if not obj.problems and obj.name in classes
        ]
        self.num_images += 1
        self.per_class.update(names)
        self.per_image.append(len(names))
        if annotation.width:
            self.sizes.append((annotation.width, annotation.height))

    def lines(self):
        """The statistics, then the problems (or that there are none)."""
        lines = [f'{self.num_images} images checked.']
        if self.per_image:
            lines.append('objects per image: min {}, median {}, max {}; '
                         '{} images without objects'.format(
                             min(self.per_image),
                             statistics.median(self.per_image),
                             max(self.per_image), self.per_image.count(0)))
        if self.sizes:
            widths, heights = zip(*self.sizes)
            lines.append(f'image sizes: width {min(widths)}-{max(widths)}, '
                         f'height {min(heights)}-{max(heights)}')
        lines.append('objects per class: ' + ', '.join(
            f'{name} {count}'
            for name, count in sorted(self.per_class.items())))
        if not self.problems:
            return lines + ['no problems found.']
        return lines + ['', f'{len(self.problems)} problems:'] + self.problems


def check_voc_dataset(cfg, report):
    """Check one VOC dataset config into ``report``, with a progress bar."""
    layout = voc_layout(cfg)
    classes = configured_classes(cfg, report)
    image_list = layout.image_list
    if not osp.isfile(image_list):
        report.problems.append(f'{image_list}: image list does not exist')
        return
    with open(image_list) as f:
        ids = [line.strip() for line in f if line.strip()]
    print(f'{image_list}: {len(ids)} images', flush=True)
    report.problems += split_problems(image_list, ids)
    if not ids:
        return
    names = []
    for img_id in track_iter_progress(ids):
        annotation = read_voc_annotation(
            osp.join(layout.annotations, f'{img_id}.xml'), classes)
        report.problems += annotation.all_problems()
        report.problems += image_problems(
            osp.join(layout.images, f'{img_id}.jpg'), annotation)
        report.add(annotation, classes)
        names += [obj.name for obj in annotation.objects if obj.name]
    report.problems += class_problems(image_list, classes, names)


def check_datasets(dataset_cfg):
    """A :class:`DatasetReport` of every VOC dataset inside ``dataset_cfg``
    (wrappers included); other dataset types are skipped with a line."""
    report = DatasetReport()
    for leaf in leaf_datasets(dataset_cfg):
        if 'VOC' not in str(leaf.get('type', '')):
            print(f"skipping a {leaf.get('type')} dataset: VOC only")
            continue
        check_voc_dataset(leaf, report)
    return report
