"""Check a dataset config against the files before training starts.

mmengine builds datasets lazily, deep inside the Runner; a missing VOC or
COCO folder then surfaces as a traceback far from its cause. These checks
run first and name the missing path and the layout that is expected.
"""
import os.path as osp
from typing import NamedTuple

from ..errors import UserError

VOC_LAYOUT = """Pascal VOC is expected in this layout (the data root is
configurable with --cfg-options, e.g. train_dataloader.dataset...data_root):
  {root}
    VOC2007/
      JPEGImages/000001.jpg ...
      Annotations/000001.xml ...
      ImageSets/Main/trainval.txt, test.txt
    VOC2012/          (for the VOC07+12 configs)
      JPEGImages/, Annotations/, ImageSets/Main/trainval.txt"""

COCO_LAYOUT = """COCO-format data is expected in this layout (the data root is
configurable with --cfg-options, e.g. train_dataloader.dataset.data_root, and
the metric's val_evaluator.ann_file with it):
  {root}
    annotations/instances_train2017.json, instances_val2017.json
    train2017/000000000009.jpg ...
    val2017/000000000139.jpg ...
Pascal VOC in COCO format (the *_voc0712cocofmt configs) reads
data/VOCdevkit/annotations/*.json, written by
  python tools/dataset_converters/pascal_voc.py data/VOCdevkit \\
      -o data/VOCdevkit/annotations --out-format coco"""


class DatasetNotFoundError(UserError, FileNotFoundError):
    """A path a dataset config needs does not exist."""


def leaf_datasets(dataset_cfg):
    """Yield the configs of the datasets inside wrappers."""
    if 'datasets' in dataset_cfg:
        for child in dataset_cfg['datasets']:
            yield from leaf_datasets(child)
    elif 'dataset' in dataset_cfg:
        yield from leaf_datasets(dataset_cfg['dataset'])
    else:
        yield dataset_cfg


class VOCLayout(NamedTuple):
    """Where a VOC dataset config points."""
    root: str
    images: str
    annotations: str
    image_list: str


def voc_layout(cfg):
    """The folders and image list of a VOC dataset config."""
    root = cfg.get('data_root') or ''
    sub_root = osp.join(root,
                        cfg.get('data_prefix', {}).get('sub_data_root', ''))
    return VOCLayout(root, osp.join(sub_root, 'JPEGImages'),
                     osp.join(sub_root, 'Annotations'),
                     osp.join(root, cfg['ann_file']))


def _voc_paths(cfg):
    layout = voc_layout(cfg)
    return [
        ('data root', layout.root, osp.isdir),
        ('image folder', layout.images, osp.isdir),
        ('annotation folder', layout.annotations, osp.isdir),
        ('image list', layout.image_list, osp.isfile),
    ]


def _coco_paths(cfg):
    root = cfg.get('data_root') or ''
    return [
        ('data root', root, osp.isdir),
        ('annotation file', osp.join(root, cfg['ann_file']), osp.isfile),
        ('image folder',
         osp.join(root,
                  cfg.get('data_prefix', {}).get('img', '')), osp.isdir),
    ]


# (paths to check, layout to show) per dataset family, found by a name in
# the dataset type (VOCDataset, CheckedVOCDataset, CocoDataset, ...)
LAYOUTS = {
    'VOC': (_voc_paths, VOC_LAYOUT),
    'Coco': (_coco_paths, COCO_LAYOUT),
}


def check_dataset_files(dataset_cfg):
    """Raise :class:`DatasetNotFoundError` if a path of a VOC or COCO
    dataset config is missing.

    Args:
        dataset_cfg (dict): A dataset config, possibly wrapped in
            ``ConcatDataset``/``RepeatDataset``; leaves of other types are
            skipped.
    """
    for cfg in leaf_datasets(dataset_cfg):
        for family, (paths, layout) in LAYOUTS.items():
            if family not in str(cfg.get('type', '')):
                continue
            for what, path, exists in paths(cfg):
                if not exists(path):
                    raise DatasetNotFoundError(
                        f'{what} {path} does not exist.\n' +
                        layout.format(root=cfg.get('data_root')))
