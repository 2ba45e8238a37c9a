"""A small, deterministic dataset in the exact Pascal VOC layout.

Each image shows one to three clearly separable objects on a textured
background: red discs labelled ``sheep``, green squares labelled
``tvmonitor`` and blue triangles labelled ``bottle`` (real VOC class names,
so mmdet's ``VOCDataset`` and ``VOCMetric`` read it unchanged). Small
objects are marked ``difficult``, as VOC does, and the metric ignores them.
The same annotations are also written as COCO JSON
(``VOCdevkit/annotations/voc07_{trainval,test}.json``, the VOC converter's
output) for the COCO-format toy configs.
"""
import os.path as osp
from pathlib import Path
from xml.sax.saxutils import escape

import cv2
import numpy as np

from .voc_to_coco import convert_devkit

TOY_CLASSES = ('sheep', 'tvmonitor', 'bottle')
# BGR colours, one per class.
_COLOURS = ((40, 40, 220), (40, 180, 40), (220, 90, 30))
# An object whose shorter side is below this is marked difficult.
DIFFICULT_BELOW = 16


def _draw(image, label, box):
    x0, y0, x1, y1 = box
    colour = _COLOURS[label]
    if label == 0:
        centre = ((x0 + x1) // 2, (y0 + y1) // 2)
        axes = ((x1 - x0) // 2, (y1 - y0) // 2)
        cv2.ellipse(image, centre, axes, 0, 0, 360, colour, -1)
    elif label == 1:
        cv2.rectangle(image, (x0, y0), (x1 - 1, y1 - 1), colour, -1)
    else:
        points = np.array([[(x0 + x1) // 2, y0], [x0, y1 - 1],
                           [x1 - 1, y1 - 1]])
        cv2.fillPoly(image, [points], colour)


def _overlaps(box, boxes):
    return any(
        box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
        for b in boxes)


def _plain_background(rng, width, height):
    image = rng.integers(150, 230, (height, width, 3), dtype=np.uint8)
    return cv2.GaussianBlur(image, (5, 5), 0)


def _natural_background(rng, width, height):
    """Smooth structure plus fine texture: JPEGs of about the size of
    natural photos (500x375 at quality 95: about 110 KB, VOC's average
    is about 106 KB)."""
    texture = cv2.GaussianBlur(
        rng.normal(0, 80, (height, width, 3)), (5, 5), 0)
    y, x = np.mgrid[0:height, 0:width]
    waves = 128 + 50 * np.sin(x / rng.uniform(20, 80) + rng.uniform(0, 6)
                              ) * np.cos(y / rng.uniform(20, 80))
    return np.clip(texture + waves[..., None] + rng.uniform(-30, 30, 3), 0,
                   255).astype(np.uint8)


def _sample_image(rng, size, max_objects, background=_plain_background):
    width, height = size
    image = background(rng, width, height)
    objects = []
    for _ in range(rng.integers(1, max_objects + 1)):
        for _attempt in range(20):
            side = int(rng.uniform(0.1, 0.5) * min(width, height))
            aspect = rng.uniform(0.8, 1.25)
            w, h = max(6, int(side * aspect)), max(6, int(side / aspect))
            x0, y0 = rng.integers(0, width - w), rng.integers(0, height - h)
            box = (int(x0), int(y0), int(x0 + w), int(y0 + h))
            if not _overlaps(box, [b for _, b in objects]):
                objects.append((int(rng.integers(len(TOY_CLASSES))), box))
                break
    for label, box in objects:
        _draw(image, label, box)
    return image, objects


def _annotation_xml(name, size, objects):
    lines = [
        '<annotation>', '  <folder>VOC2007</folder>',
        f'  <filename>{name}.jpg</filename>',
        '  <source><database>mnx_det toy VOC</database></source>',
        f'  <size><width>{size[0]}</width><height>{size[1]}</height>'
        '<depth>3</depth></size>', '  <segmented>0</segmented>'
    ]
    for label, (x0, y0, x1, y1) in objects:
        difficult = int(min(x1 - x0, y1 - y0) < DIFFICULT_BELOW)
        # VOC boxes are 1-based and inclusive.
        lines += [
            '  <object>', f'    <name>{escape(TOY_CLASSES[label])}</name>',
            '    <pose>Unspecified</pose>', '    <truncated>0</truncated>',
            f'    <difficult>{difficult}</difficult>',
            f'    <bndbox><xmin>{x0 + 1}</xmin><ymin>{y0 + 1}</ymin>'
            f'<xmax>{x1}</xmax><ymax>{y1}</ymax></bndbox>', '  </object>'
        ]
    return '\n'.join(lines + ['</annotation>', ''])


def make_toy_voc(root,
                 num_trainval=160,
                 num_test=40,
                 image_size=160,
                 max_objects=3,
                 seed=0,
                 natural=False):
    """Write a toy VOC2007 under ``root/VOCdevkit`` and return its path.

    Args:
        root (str): Folder to write into (created if needed).
        num_trainval (int): Images in ``trainval.txt``. Default: 160.
        num_test (int): Images in ``test.txt``. Default: 40.
        image_size (int | tuple[int]): Side of the square images, or
            (width, height). Default: 160.
        max_objects (int): Most objects per image. Default: 3.
        seed (int): Seed; the same arguments give the same files.
        natural (bool): Backgrounds with the fine texture of photos, whose
            JPEGs cost what photos cost to decode (see
            :func:`make_voc_sized_set`); default a smooth plain texture.

    Returns:
        str: The ``VOCdevkit`` folder (use it as ``data_root``); its
        ``annotations/`` holds the COCO JSON.
    """
    devkit = Path(root) / 'VOCdevkit'
    voc = devkit / 'VOC2007'
    for sub in ('JPEGImages', 'Annotations', 'ImageSets/Main'):
        (voc / sub).mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    size = ((image_size,
             image_size) if isinstance(image_size, int) else tuple(image_size))
    background = _natural_background if natural else _plain_background
    names = [f'{i:06d}' for i in range(1, num_trainval + num_test + 1)]
    for name in names:
        image, objects = _sample_image(rng, size, max_objects, background)
        cv2.imwrite(
            str(voc / 'JPEGImages' / f'{name}.jpg'), image,
            [cv2.IMWRITE_JPEG_QUALITY, 95])
        (voc / 'Annotations' / f'{name}.xml').write_text(
            _annotation_xml(name, size, objects))
    splits = dict(trainval=names[:num_trainval], test=names[num_trainval:])
    for split, split_names in splits.items():
        (voc / 'ImageSets' / 'Main' /
         f'{split}.txt').write_text('\n'.join(split_names) + '\n')
    convert_devkit(str(devkit), str(devkit / 'annotations'), verbose=False)
    return osp.join(str(devkit), '')


# Pascal VOC's typical image and object count (VOC07 trainval: 2.4
# objects per image on average)
VOC_IMAGE_SIZE = (500, 375)


def make_voc_sized_set(root, num_images=200, seed=0):
    """A training set of VOC-sized photos-like JPEGs (500x375, about 110 KB
    each, one to four objects of the toy classes) in the VOC layout, for
    timing the input pipeline as real training runs it; its
    ``VOCdevkit`` path."""
    return make_toy_voc(
        root,
        num_trainval=num_images,
        num_test=0,
        image_size=VOC_IMAGE_SIZE,
        max_objects=4,
        seed=seed,
        natural=True)
