"""Read one VOC annotation file and say everything that is wrong with it.

mmdet's XML parser trusts its input: a box with xmin and xmax swapped, or
one outside its image, goes into training and turns the loss into NaN; an
object whose class name has a typo is dropped without a word. These checks
name the file, the object and the values instead. They serve the dataset
(:class:`CheckedVOCDataset`) and the dataset doctor (:mod:`.doctor`).
"""
import math
import xml.etree.ElementTree as ET
from typing import List, NamedTuple, Optional

from mmdet.datasets import VOCDataset

from ..errors import UserError

VOC_CLASSES = tuple(VOCDataset.METAINFO['classes'])
COORDINATES = ('xmin', 'ymin', 'xmax', 'ymax')


class AnnotationError(UserError, ValueError):
    """An annotation file cannot be used; the message names the file."""


class VOCObject(NamedTuple):
    """One ``<object>`` of an annotation file.

    Attributes:
        index (int): Its position among the file's objects, from 0.
        name (str | None): Its class name.
        bbox (tuple | None): (xmin, ymin, xmax, ymax), the integer part of
            the values written (1-based), as mmdet reads them.
        problems (list[str]): What is wrong with it; empty when usable.
        difficult (bool): Marked ``<difficult>1</difficult>``.
    """
    index: int
    name: Optional[str]
    bbox: Optional[tuple]
    problems: List[str]
    difficult: bool = False


class VOCAnnotation(NamedTuple):
    """An annotation file as far as it could be read.

    Attributes:
        path (str): The XML file.
        width, height (int | None): From ``<size>``, when it is usable.
        objects (list[VOCObject]): Every ``<object>``, in file order.
        problems (list[str]): What is wrong with the file as a whole
            (unreadable, no usable ``<size>``).
    """
    path: str
    width: Optional[int]
    height: Optional[int]
    objects: List[VOCObject]
    problems: List[str]

    def all_problems(self):
        """Every problem, each a line naming the file (and object)."""
        lines = [f'{self.path}: {p}' for p in self.problems]
        for obj in self.objects:
            lines += [
                f'{self.path}: object {obj.index} ({obj.name}): {p}'
                for p in obj.problems
            ]
        return lines


def _number(element, tag):
    """(value, problem) of a numeric child element."""
    child = None if element is None else element.find(tag)
    if child is None or child.text is None or not child.text.strip():
        return None, f'no <{tag}>'
    try:
        value = float(child.text)
    except ValueError:
        return None, f'<{tag}> is not a number: {child.text.strip()!r}'
    if not math.isfinite(value):  # nan, inf, or too large (1e999)
        return None, f'<{tag}> is not a finite number: {child.text.strip()!r}'
    return value, None


def read_voc_annotation(path, classes, check_size=True):
    """Parse and check a VOC XML file; never raises for a bad file.

    Args:
        path (str): The XML file.
        classes (Sequence[str]): The dataset's classes. A name outside them
            that is one of VOC's 20 classes is a deliberate subset and not a
            problem; any other name is reported (almost always a typo).
        check_size (bool): Require a usable ``<size>`` (mmdet otherwise
            decodes the image to learn it). Default: True.

    Returns:
        VOCAnnotation
    """
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        return VOCAnnotation(path, None, None, [],
                             [f'unreadable XML: {type(exc).__name__}: {exc}'])
    return annotation_from_xml(path, root, classes, check_size)


def annotation_from_xml(path, root, classes, check_size=True):
    """:func:`read_voc_annotation` of an already parsed ``<annotation>``
    element ``root`` of the file ``path``."""
    problems = []
    size = root.find('size')
    width, width_problem = _number(size, 'width')
    height, height_problem = _number(size, 'height')
    if width is None or height is None or width <= 0 or height <= 0:
        width = height = None
        if check_size:
            problems.append('no usable <size>: ' + (
                width_problem or height_problem or 'width or height <= 0'))
    if width is not None:
        width, height = int(width), int(height)  # mmdet's reading
    objects = [
        _read_object(i, obj, set(classes), width, height)
        for i, obj in enumerate(root.findall('object'))
    ]
    return VOCAnnotation(path, width, height, objects, problems)


def _read_object(index, obj, classes, width, height):
    name_element = obj.find('name')
    name = None if name_element is None else (name_element.text or '').strip()
    problems = []
    if not name:
        problems.append('no <name>')
    elif name not in classes and name not in VOC_CLASSES:
        problems.append(f'class {name!r} is not in the class list '
                        f'{tuple(sorted(classes))}')
    difficult_element = obj.find('difficult')
    difficult = '0' if difficult_element is None else (difficult_element.text
                                                       or '0').strip()
    if difficult not in ('0', '1'):
        problems.append(
            f'<difficult> is {difficult_element.text!r}, not 0 or 1')
    difficult = difficult == '1'
    box = obj.find('bndbox')
    if box is None:
        return VOCObject(index, name, None, problems + ['no <bndbox>'],
                         difficult)
    values = [_number(box, tag) for tag in COORDINATES]
    problems += [problem for _, problem in values if problem]
    if any(value is None for value, _ in values):
        return VOCObject(index, name, None, problems, difficult)
    # mmdet keeps the integer part; check what it will use.
    x1, y1, x2, y2 = (int(value) for value, _ in values)
    problems += _box_problems(x1, y1, x2, y2, width, height)
    return VOCObject(index, name, (x1, y1, x2, y2), problems, difficult)


def _box_problems(x1, y1, x2, y2, width, height):
    problems = []
    if x2 <= x1:
        problems.append(f'xmax {x2} <= xmin {x1}')
    if y2 <= y1:
        problems.append(f'ymax {y2} <= ymin {y1}')
    # VOC counts pixels from 1, so [1, width] is inside; a pixel of slack.
    if width is not None and (min(x1, y1) < 0 or x2 > width + 1
                              or y2 > height + 1):
        problems.append(f'box ({x1}, {y1}, {x2}, {y2}) is outside the '
                        f'{width}x{height} image by more than a pixel')
    return problems


def check_annotation_file(path, classes):
    """Raise :class:`AnnotationError` naming ``path`` and every problem
    :func:`read_voc_annotation` finds in it; return if it finds none."""
    problems = read_voc_annotation(path, classes).all_problems()
    if problems:
        raise AnnotationError(f'malformed annotation file {path}:\n' +
                              '\n'.join(problems))
