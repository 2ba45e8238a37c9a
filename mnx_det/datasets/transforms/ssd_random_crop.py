"""The official SSD random crop: one object overlapping enough suffices."""
import numpy as np
from mmcv.transforms import BaseTransform
from mmdet.registry import TRANSFORMS

from ...errors import ConfigError


@TRANSFORMS.register_module()
class SSDRandomCrop(BaseTransform):
    """Random crop of the official SSDLite training augmentation.

    Each call draws one of: the whole image, a crop in which *some* object
    has IoU >= t for t in ``min_ious``, or an unconstrained crop. Crop sides
    are drawn in ``[min_crop_size, 1]`` of the image's, with height / width
    in ``aspect_range``; after ``max_trials`` failed draws a new choice is
    made. Objects whose centre falls outside the crop are dropped, the
    others clipped to it; a crop that would keep no object is redrawn.

    mmdet's ``MinIoURandomCrop`` differs in the criterion (*every* object
    must overlap the crop by t), which rejects most crops of images with
    several objects; its default thresholds also include 0.5, which the
    official code does not.

    Required keys: img, gt_bboxes (HorizontalBoxes), gt_bboxes_labels,
    gt_ignore_flags (optional). Modified keys: img, img_shape, gt_bboxes,
    gt_bboxes_labels, gt_ignore_flags.

    Args:
        min_ious (tuple[float]): IoU thresholds to choose from.
            Default: (0.1, 0.3, 0.7, 0.9).
        min_crop_size (float): Smallest crop side, as a fraction of the
            image's. Default: 0.3.
        aspect_range (tuple[float]): Allowed crop height / width.
            Default: (0.5, 2.0).
        max_trials (int): Draws per choice. Default: 50.
    """

    def __init__(self,
                 min_ious=(0.1, 0.3, 0.7, 0.9),
                 min_crop_size=0.3,
                 aspect_range=(0.5, 2.0),
                 max_trials=50):
        if not 0 < min_crop_size <= 1:
            raise ConfigError(
                f'min_crop_size must be in (0, 1], got {min_crop_size}')
        self.min_ious = tuple(min_ious)
        self.min_crop_size = min_crop_size
        self.aspect_range = aspect_range
        self.max_trials = max_trials
        # None keeps the image; -inf is the unconstrained crop.
        self.choices = (None, *self.min_ious, float('-inf'))

    def transform(self, results):
        if len(results['gt_bboxes']) == 0:
            return results
        window = self.draw_window(results['gt_bboxes'],
                                  *results['img'].shape[:2])
        return results if window is None else self.crop_to(results, *window)

    def draw_window(self, boxes, height, width):
        """The random draws of one call on an image of ``height`` x
        ``width`` with ``boxes``: None (keep the whole image) or the crop
        ``(patch, inside)``: (x1, y1, x2, y2) ints and the mask of the
        boxes whose centre it holds."""
        while True:
            min_iou = self.choices[np.random.randint(len(self.choices))]
            if min_iou is None:
                return None
            window = self.try_window(boxes, height, width, min_iou)
            if window is not None:
                return window

    def try_window(self, boxes, height, width, min_iou):
        """Up to ``max_trials`` draws of a crop in which some object has
        IoU >= ``min_iou``: ``(patch, inside)``, or None when none
        qualifies."""
        corners = boxes.numpy().astype(np.float32)
        areas = (corners[:, 2] - corners[:, 0]) * (
            corners[:, 3] - corners[:, 1])
        overlaps = _Overlaps(corners, areas)
        for _ in range(self.max_trials):
            w = np.random.uniform(self.min_crop_size * width, width)
            h = np.random.uniform(self.min_crop_size * height, height)
            if not self.aspect_range[0] <= h / w <= self.aspect_range[1]:
                continue
            left = np.random.uniform(width - w)
            top = np.random.uniform(height - h)
            patch = (int(left), int(top), int(left + w), int(top + h))
            if not overlaps.reach(patch, min_iou):
                continue
            patch = np.array(patch)
            centres = (corners[:, :2] + corners[:, 2:]) / 2
            inside = ((centres > patch[:2]) & (centres < patch[2:])).all(1)
            if inside.any():
                return patch, inside
        return None

    @staticmethod
    def crop_to(results, patch, inside):
        """``results`` cut to the window ``(patch, inside)`` that
        :meth:`try_window` drew."""
        x1, y1, x2, y2 = patch
        results['img'] = results['img'][y1:y2, x1:x2]
        results['img_shape'] = results['img'].shape[:2]
        crop_boxes(results, patch, inside)
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(min_ious={self.min_ious}, '
                f'min_crop_size={self.min_crop_size}, '
                f'aspect_range={self.aspect_range}, '
                f'max_trials={self.max_trials})')


class _Overlaps:
    """Whether a crop overlaps some box by an IoU threshold, decided as
    mmdet's float32 ``bbox_overlaps`` decides it, at a fraction of its
    cost: up to 50 trials per crop make it most of the pipeline's time
    (data benchmark). Python floats decide; within 1e-5 of the threshold,
    :func:`patch_iou` does."""

    def __init__(self, corners, areas):
        self.corners, self.areas = corners, areas
        self.boxes = list(zip(corners.tolist(), areas.tolist()))

    def reach(self, patch, min_iou):
        px1, py1, px2, py2 = patch
        patch_area = (px2 - px1) * (py2 - py1)
        best = 0.
        for (x1, y1, x2, y2), area in self.boxes:
            w = min(px2, x2) - max(px1, x1)
            h = min(py2, y2) - max(py1, y1)
            if w > 0 and h > 0:
                best = max(best, w * h / (patch_area + area - w * h))
        if abs(best - min_iou) > 1e-5:
            return best >= min_iou
        return patch_iou(np.array(patch), self.corners,
                         self.areas).max() >= min_iou


def patch_iou(patch, corners, areas):
    """IoU of an (x1, y1, x2, y2) crop with (N, 4) float32 boxes of
    ``areas``, as mmdet's ``bbox_overlaps`` computes it (float32, union
    at least 1e-6)."""
    patch = patch.astype(np.float32)
    lt = np.maximum(patch[:2], corners[:, :2])
    rb = np.minimum(patch[2:], corners[:, 2:])
    wh = np.clip(rb - lt, 0, None)
    overlap = wh[:, 0] * wh[:, 1]
    union = (patch[2] - patch[0]) * (patch[3] - patch[1]) + areas - overlap
    return overlap / np.maximum(union, np.float32(1e-6))


def crop_boxes(results, patch, inside):
    """The boxes (and their labels and flags) of ``results`` whose centre
    the crop ``patch`` holds (``inside``), in its coordinates, clipped."""
    x1, y1, x2, y2 = patch
    boxes = results['gt_bboxes'][inside]
    boxes.translate_([-x1, -y1])
    boxes.clip_((y2 - y1, x2 - x1))
    results['gt_bboxes'] = boxes
    for key in ('gt_bboxes_labels', 'gt_ignore_flags'):
        if key in results:
            results[key] = results[key][inside]
