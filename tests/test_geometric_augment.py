"""SSDGeometricAugment: one warp gives the chain's choices, boxes and (up to
interpolation) images, and the same output distribution."""
import numpy as np
import pytest
from mmdet.registry import TRANSFORMS
from mmdet.structures.bbox import HorizontalBoxes
from mmengine.config import Config

from mnx_det.datasets.transforms.ssd_random_crop import _Overlaps, patch_iou
from helpers import ROOT

BOXES = np.array(
    [
        [30, 40, 200, 300],
        [250, 100, 480, 360],
        [0, 0, 45, 30],  # at the top-left border
        [470, 340, 500, 375],  # at the bottom-right border
    ],
    np.float32)


def augment(fused):
    cfg = Config.fromfile(str(ROOT / 'configs/ssdlite_mobilenext_voc.py'))
    return TRANSFORMS.build(dict(cfg.geometric_augment, fused=fused))


def textured_image(height, width, seed=0):
    """A float32 BGR image with smooth structure, as after the photometric
    distortion."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = 128 + 60 * np.sin(x / 23.) * np.cos(y / 17.)
    noise = rng.normal(0, 8, (height, width, 3))
    return (base[..., None] + noise + np.array([-20., 0., 20.])).clip(
        0, 255).astype(np.float32)


def sample(image, boxes):
    return dict(
        img=image.copy(),
        img_shape=image.shape[:2],
        gt_bboxes=HorizontalBoxes(boxes.copy()),
        gt_bboxes_labels=np.arange(len(boxes)),
        gt_ignore_flags=np.zeros(len(boxes), bool))


def run(transform, image, boxes, seed):
    np.random.seed(seed)
    return transform(sample(image, boxes))


@pytest.mark.parametrize(
    'boxes', [BOXES, BOXES[:0]], ids=['boxes', 'no boxes'])
def test_one_warp_equals_the_chain_with_the_same_draws(boxes):
    image = textured_image(375, 500)
    chain, fused = augment(False), augment(True)
    mean_diffs, worst = [], 0.
    for seed in range(100):
        ours, theirs = run(fused, image, boxes,
                           seed), run(chain, image, boxes, seed)
        assert ours['img'].shape == theirs['img'].shape == (320, 320, 3)
        # the same choices and the same box arithmetic: equal, not close
        assert np.array_equal(ours['gt_bboxes'].numpy(),
                              theirs['gt_bboxes'].numpy())
        assert np.array_equal(ours['gt_bboxes_labels'],
                              theirs['gt_bboxes_labels'])
        assert np.array_equal(ours['gt_ignore_flags'],
                              theirs['gt_ignore_flags'])
        for key in ('img_shape', 'scale_factor', 'flip', 'flip_direction'):
            assert ours[key] == theirs[key], key
        diff = np.abs(ours['img'] - theirs['img'])
        mean_diffs.append(diff.mean())
        worst = max(worst, diff.max())
    print(f'|fused - chain|: mean {np.mean(mean_diffs):.3f} (worst image '
          f'{max(mean_diffs):.3f}), max {worst:.2f}')
    # measured: mean 0.02, worst image 0.12, max 1.6 grey levels, all from
    # windows that hold canvas fill (the others are resized as the chain
    # does): the warp's interpolation weights are fixed-point (1/32 pixel),
    # on a texture with per-pixel noise (sd 8)
    assert max(mean_diffs) < 1
    assert worst <= 2.5


def test_boxes_outside_every_window_are_retried_as_the_chain_does():
    # one tiny box in a corner: most windows miss its centre and are
    # redrawn; the fused draws must retry exactly as the chain
    image = textured_image(150, 200)
    corner = np.array([[190, 140, 200, 150]], np.float32)
    chain, fused = augment(False), augment(True)
    for seed in range(100):
        ours = run(fused, image, corner, seed)
        after_ours = np.random.uniform()  # the same number of draws taken
        theirs = run(chain, image, corner, seed)
        assert np.random.uniform() == after_ours
        assert np.array_equal(ours['gt_bboxes'].numpy(),
                              theirs['gt_bboxes'].numpy())
        assert len(ours['gt_bboxes']) == 1  # a crop never drops every box


def test_crop_iou_is_mmdets():
    # the crop decides in numpy; the same numbers as mmdet's box overlaps
    rng = np.random.default_rng(0)
    corners = rng.uniform(0, 400, (200, 4)).astype(np.float32)
    corners[:, 2:] = corners[:, :2] + rng.uniform(1, 200, (200, 2))
    areas = (corners[:, 2] - corners[:, 0]) * (corners[:, 3] - corners[:, 1])
    for patch in rng.integers(0, 300, (20, 2)):
        patch = np.concatenate([patch, patch + rng.integers(1, 300, 2)])
        expected = HorizontalBoxes.overlaps(
            HorizontalBoxes(patch[None].astype(np.float32)),
            HorizontalBoxes(corners)).numpy()[0]
        assert np.array_equal(patch_iou(patch, corners, areas), expected)
        # and the fast decision is the float32 one at every threshold,
        # the IoUs themselves included
        overlaps = _Overlaps(corners[:3], areas[:3])
        for min_iou in (0.1, 0.3, 0.7, 0.9, float('-inf'),
                        *expected[:3].tolist()):
            assert overlaps.reach(tuple(patch.tolist()), min_iou) == (
                expected[:3].max() >= min_iou)


def statistics(transform, image, boxes, seeds, fill):
    """Per-draw (fraction of boxes kept, mean box area, mean box centre x
    and y, pixel mean, fraction of pure canvas fill)."""
    rows = []
    for seed in seeds:
        out = run(transform, image, boxes, seed)
        kept = out['gt_bboxes'].tensor.numpy()
        centres = (kept[:, :2] + kept[:, 2:]) / 2
        rows.append([
            len(kept) / len(boxes),
            ((kept[:, 2] - kept[:, 0]) * (kept[:, 3] - kept[:, 1])).mean(),
            centres[:, 0].mean(), centres[:, 1].mean(), out['img'].mean(),
            (np.abs(out['img'] - fill) < 1e-3).all(-1).mean()
        ])
    return np.array(rows)


def test_output_distribution_equals_the_chains():
    image = textured_image(150, 200, seed=1)
    boxes = BOXES * 0.4
    chain, fused = augment(False), augment(True)
    fill = np.array(fused.fill, np.float32)
    draws = 1000
    # independent draws: different seeds for the two
    ours = statistics(fused, image, boxes, range(draws), fill)
    theirs = statistics(chain, image, boxes, range(draws, 2 * draws), fill)
    se = np.sqrt(ours.var(0) / draws + theirs.var(0) / draws)
    z = np.abs(ours.mean(0) - theirs.mean(0)) / se
    print('z per statistic (kept, area, cx, cy, pixel mean, fill):',
          np.round(z, 2))
    assert (z < 4).all()
