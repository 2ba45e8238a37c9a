"""The official SSD random crop: one object overlapping enough suffices."""
import numpy as np
from mmcv.transforms import BaseTransform
from mmdet.registry import TRANSFORMS
from mmdet.structures.bbox import HorizontalBoxes


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
            raise ValueError(
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
        return results if window is None else self._crop(results, *window)

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
        for _ in range(self.max_trials):
            w = np.random.uniform(self.min_crop_size * width, width)
            h = np.random.uniform(self.min_crop_size * height, height)
            if not self.aspect_range[0] <= h / w <= self.aspect_range[1]:
                continue
            left = np.random.uniform(width - w)
            top = np.random.uniform(height - h)
            patch = np.array(
                [int(left), int(top),
                 int(left + w),
                 int(top + h)])
            ious = HorizontalBoxes.overlaps(
                HorizontalBoxes(patch[None].astype(np.float32)), boxes)
            if ious.max() < min_iou:
                continue
            centres = boxes.centers.numpy()
            inside = ((centres > patch[:2]) & (centres < patch[2:])).all(1)
            if inside.any():
                return patch, inside
        return None

    def try_crop(self, results, min_iou):
        """``results`` cropped by :meth:`try_window`; None when no window
        qualifies."""
        window = self.try_window(results['gt_bboxes'],
                                 *results['img'].shape[:2], min_iou)
        return None if window is None else self._crop(results, *window)

    @staticmethod
    def _crop(results, patch, inside):
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
