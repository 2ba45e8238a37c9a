"""Check a config's VOC datasets before a long training: every image and
every annotation, all problems at once.

    python tools/misc/check_dataset.py configs/ssdlite_mobilenext_voc.py
    python tools/misc/check_dataset.py CONFIG --split test

Decodes every image and checks every annotation file of the split's
datasets (with a progress bar), then prints each problem (file, problem),
objects per class, objects per image and image sizes. Exits 1 if anything
is wrong.
"""
import argparse
import collections
import os.path as osp
import statistics
import sys

import mmcv
from mmengine.config import DictAction
from mmengine.utils import track_iter_progress

from mnx_det.datasets import leaf_datasets, read_voc_annotation, voc_layout
from mnx_det.datasets.voc_annotations import VOC_CLASSES
from mnx_det.engine import load_config


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--split', choices=['train', 'val', 'test'], default='train')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    return parser.parse_args()


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


class Report:
    """Problems and statistics gathered over the datasets."""

    def __init__(self):
        self.problems = []
        self.per_class = collections.Counter()
        self.per_image = []
        self.sizes = []

    def add(self, annotation, classes):
        names = [
            obj.name for obj in annotation.objects
            if not obj.problems and obj.name in classes
        ]
        self.per_class.update(names)
        self.per_image.append(len(names))
        if annotation.width:
            self.sizes.append((annotation.width, annotation.height))

    def lines(self, num_images):
        lines = [f'{num_images} images checked.']
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
        return lines


def check_leaf(cfg, report):
    """Check one VOC dataset config; return the number of images."""
    layout = voc_layout(cfg)
    classes = tuple(
        cfg.get('metainfo', {}).get('classes') or sorted(VOC_CLASSES))
    image_list = layout.image_list
    if not osp.isfile(image_list):
        report.problems.append(f'{image_list}: image list does not exist')
        return 0
    with open(image_list) as f:
        ids = [line.strip() for line in f if line.strip()]
    print(f'{image_list}: {len(ids)} images', flush=True)
    for img_id in track_iter_progress(ids):
        annotation = read_voc_annotation(
            osp.join(layout.annotations, f'{img_id}.xml'), classes)
        report.problems += annotation.all_problems()
        report.problems += image_problems(
            osp.join(layout.images, f'{img_id}.jpg'), annotation)
        report.add(annotation, classes)
    return len(ids)


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    loader = cfg.get(f'{args.split}_dataloader')
    if not loader:
        sys.exit(f'error: {args.config} has no {args.split}_dataloader')
    report, num_images = Report(), 0
    for leaf in leaf_datasets(loader['dataset']):
        if 'VOC' not in str(leaf.get('type', '')):
            print(f"skipping a {leaf.get('type')} dataset: VOC only")
            continue
        num_images += check_leaf(leaf, report)
    print('\n'.join([''] + report.lines(num_images)))
    if report.problems:
        print(f'\n{len(report.problems)} problems:')
        print('\n'.join(report.problems))
        sys.exit(1)
    print('no problems found.')


if __name__ == '__main__':
    main()
