"""SSD's geometric augmentation (expand, crop, flip, resize) as one warp."""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmdet.registry import TRANSFORMS

from .ssd_random_crop import SSDRandomCrop, crop_boxes


@TRANSFORMS.register_module()
class SSDGeometricAugment(BaseTransform):
    """Expand -> :class:`SSDRandomCrop` -> flip -> resize, in one warp.

    The four steps of SSD's training augmentation are each an affine map of
    the original image: place it on a mean-filled canvas up to
    ``ratio_range`` times its size (mmdet's ``Expand``), cut a window
    (:class:`SSDRandomCrop`), mirror it (``RandomFlip``), scale it to
    ``scale`` ignoring aspect (``Resize``). Done in turn they allocate the
    canvas (up to 16x the image's pixels, float32 after the photometric
    distortion) and copy it twice; here the same random choices are drawn
    from the canvas and window *sizes* alone, and the output is formed
    from the original image: the chain's own crop + resize when the window
    holds no canvas fill, else one ``cv2.warpAffine`` (bilinear, the mean
    as border value). Boxes go through the same arithmetic as in the
    chain (shift, centre rule, clip, flip, scale, clip), so they are equal
    to the chain's.

    Both modes draw the same numbers in the same order from numpy's
    global generator, so a seed gives the same choices in either. The
    images differ only where the warp runs, by its fixed-point (1/32
    pixel) interpolation weights.

    Args:
        expand (dict): mmdet ``Expand`` settings: ``mean`` (RGB when
            ``to_rgb``, the image being BGR), ``to_rgb``, ``ratio_range``,
            ``prob``.
        crop (dict): :class:`SSDRandomCrop` settings.
        flip_prob (float): Probability of a horizontal flip. Default: 0.5.
        scale (tuple[int]): Output (width, height). Default: (320, 320).
        fused (bool): One warp; False runs the four transforms in turn
            (timing, tests). Default: True.
    """

    def __init__(self,
                 expand,
                 crop,
                 flip_prob=0.5,
                 scale=(320, 320),
                 fused=True):
        self.expand = dict(expand)
        self.cropper = SSDRandomCrop(**crop)
        self.flip_prob = flip_prob
        self.scale = tuple(scale)
        self.fused = fused
        mean = list(self.expand['mean'])
        # the canvas colour in the image's (BGR) channel order
        self.fill = mean[::-1] if self.expand.get('to_rgb', True) else mean
        self.chain = [
            TRANSFORMS.build(dict(type='Expand', **self.expand)),
            self.cropper,
            TRANSFORMS.build(dict(type='RandomFlip', prob=flip_prob)),
            TRANSFORMS.build(
                dict(type='Resize', scale=self.scale, keep_ratio=False)),
        ]

    def transform(self, results):
        if not self.fused:
            for step in self.chain:
                results = step(results)
            return results
        height, width = results['img'].shape[:2]
        left, top, canvas = self._draw_expand(height, width)
        results['gt_bboxes'].translate_([left, top])
        patch = self._draw_crop(results, canvas)
        flip = self._draw_flip()
        crop_w, crop_h = patch[2] - patch[0], patch[3] - patch[1]
        out_w, out_h = self.scale
        scale_factor = (out_w / crop_w, out_h / crop_h)
        boxes = results['gt_bboxes']
        if flip:
            boxes.flip_((crop_h, crop_w), 'horizontal')
        boxes.rescale_(scale_factor)
        boxes.clip_((out_h, out_w))
        results['img'] = self._warp(results['img'], patch, (left, top), flip)
        results.update(
            img_shape=(out_h, out_w),
            scale=self.scale,
            scale_factor=scale_factor,
            keep_ratio=False,
            flip=flip,
            flip_direction='horizontal' if flip else None)
        return results

    def _draw_expand(self, height, width):
        """``Expand`` 's draws: the image's offset on the canvas and the
        canvas (height, width)."""
        if np.random.uniform(0, 1) > self.expand.get('prob', 0.5):
            return 0, 0, (height, width)
        ratio = np.random.uniform(*self.expand.get('ratio_range', (1, 4)))
        left = int(np.random.uniform(0, width * ratio - width))
        top = int(np.random.uniform(0, height * ratio - height))
        return left, top, (int(height * ratio), int(width * ratio))

    def _draw_crop(self, results, canvas):
        """:class:`SSDRandomCrop` 's draws on the canvas; the boxes kept and
        cropped; the window (x1, y1, x2, y2)."""
        whole = np.array([0, 0, canvas[1], canvas[0]])
        if len(results['gt_bboxes']) == 0:
            return whole
        window = self.cropper.draw_window(results['gt_bboxes'], *canvas)
        if window is None:
            return whole
        crop_boxes(results, *window)
        return window[0]

    def _draw_flip(self):
        """``RandomFlip`` 's draw (the same call, the same numbers)."""
        direction = np.random.choice(['horizontal', None],
                                     p=[self.flip_prob, 1. - self.flip_prob])
        return direction is not None

    def _warp(self, image, patch, offset, flip):
        """The output image, read from the part of the original image the
        window holds.

        The chain's resize reads its crop with the edge pixels repeated:
        where the window ends inside the image its edge pixels are
        repeated, where the image ends inside the window the fill is
        (the warp's constant border, and a 1-pixel border on a copy of the
        part when the sides differ). Each output pixel centre then maps
        back through the resize (cv2's half-pixel convention), the flip,
        and the window's offset. A window inside the image is resized as
        the chain resizes it (and mirrored after: the same pixels).
        """
        height, width = image.shape[:2]
        out_w, out_h = self.scale
        # the window in image coordinates, and the part of the image in it
        wx1, wy1, wx2, wy2 = (int(v) for v in np.subtract(patch, offset * 2))
        x1, y1 = max(wx1, 0), max(wy1, 0)
        x2, y2 = min(wx2, width), min(wy2, height)
        fill = tuple(float(v) for v in self.fill)
        beyond = (wx1 < 0, wx2 > width, wy1 < 0, wy2 > height)
        source, pad = image[y1:y2, x1:x2], 0
        if not any(beyond):
            # a window inside the image: the chain's own resize of it
            out = cv2.resize(
                source, (out_w, out_h), interpolation=cv2.INTER_LINEAR)
            return cv2.flip(out, 1) if flip else out
        if not all(beyond):
            # edge pixels repeated on some sides, the fill on the others:
            # a bordered copy (when the image lies inside the window on
            # every side, the warp's constant border is the fill)
            source, pad = cv2.copyMakeBorder(source, 1, 1, 1, 1,
                                             cv2.BORDER_REPLICATE), 1
            for side, edge in zip(beyond,
                                  ((slice(None), 0), (slice(None), -1),
                                   (0, slice(None)), (-1, slice(None)))):
                if side:
                    source[edge] = fill
        sx, sy = (wx2 - wx1) / out_w, (wy2 - wy1) / out_h
        # window x of output column u: s * (u + 0.5) - 0.5, mirrored
        # w - 0.5 - s * (u + 0.5); source x = window x + wx1 - x1 + pad
        shift_x, shift_y = wx1 - x1 + pad, wy1 - y1 + pad
        if flip:
            a, bx = -sx, (wx2 - wx1) - 0.5 - 0.5 * sx + shift_x
        else:
            a, bx = sx, 0.5 * sx - 0.5 + shift_x
        by = 0.5 * sy - 0.5 + shift_y
        return cv2.warpAffine(
            source,
            np.array([[a, 0, bx], [0, sy, by]]), (out_w, out_h),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=fill)

    def __repr__(self):
        return (f'{self.__class__.__name__}(expand={self.expand}, '
                f'crop={self.cropper!r}, flip_prob={self.flip_prob}, '
                f'scale={self.scale}, fused={self.fused})')
