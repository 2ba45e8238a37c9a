"""The bootstrap bound of an INT8 file's mAP drop: its per-image rescoring
is mmdet's VOC mAP exactly, on the images and on any resample of them."""
import numpy as np
import pytest
from mmdet.evaluation import VOCMetric
from mmdet.evaluation.functional import eval_map

from mnx_det.deploy.drop_bound import DropBound, VOCMatches

CLASSES = 3


def boxes(rng, count):
    corner = rng.uniform(0, 200, (count, 2))
    return np.hstack([corner,
                      corner + rng.uniform(10, 80,
                                           (count, 2))]).astype(np.float32)


def image_results(rng, num_images):
    """VOCMetric's per-image (annotation, detections per class): jittered
    copies of the ground truth and false alarms; one image without
    detections, ignored boxes, and no ground truth of the last class."""
    results = []
    for i in range(num_images):
        gts = boxes(rng, rng.integers(1, 5))
        labels = rng.integers(0, CLASSES - 1, len(gts))
        found = gts + rng.normal(0, 6, gts.shape).astype(np.float32)
        alarms = boxes(rng, rng.integers(0, 4))
        dets = np.vstack([found, alarms])
        det_labels = np.concatenate(
            [labels, rng.integers(0, CLASSES, len(alarms))])
        scores = rng.uniform(0.05, 1, len(dets)).astype(np.float32)
        if i == 3:
            dets, det_labels, scores = dets[:0], det_labels[:0], scores[:0]
        ann = dict(
            bboxes=gts,
            labels=labels,
            bboxes_ignore=boxes(rng, i % 2),
            labels_ignore=np.zeros(i % 2, np.int64))
        results.append((ann, [
            np.hstack([dets[det_labels == c], scores[det_labels == c, None]])
            for c in range(CLASSES)
        ]))
    return results


def metric_map(results, iou_thrs=(0.5, ), eval_mode='11points'):
    """VOCMetric's mAP: eval_map's mean over the IoU thresholds."""
    maps = [
        eval_map([d for _, d in results], [a for a, _ in results],
                 iou_thr=thr,
                 eval_mode=eval_mode,
                 use_legacy_coordinate=True,
                 logger='silent',
                 nproc=1)[0] for thr in iou_thrs
    ]
    return sum(maps) / len(maps)


@pytest.mark.parametrize('iou_thrs, eval_mode', [([0.5], '11points'),
                                                 ([0.5, 0.75], 'area')])
def test_rescoring_is_voc_map_on_any_resample(iou_thrs, eval_mode):
    rng = np.random.default_rng(0)
    results = image_results(rng, 24)
    matches = VOCMatches(results, iou_thrs, eval_mode)
    assert matches.map(np.arange(24)) == metric_map(results, iou_thrs,
                                                    eval_mode)
    for images in rng.integers(0, 24, (3, 24)):
        assert matches.map(images) == metric_map([results[i] for i in images],
                                                 iou_thrs, eval_mode)


def test_bound_is_the_quantile_of_the_paired_resampled_drops():
    rng = np.random.default_rng(1)
    fp32 = image_results(rng, 20)
    # the candidate loses every detection on two images
    int8 = [(ann, [d[:0] for d in dets]) if i in (5, 11) else (ann, dets)
            for i, (ann, dets) in enumerate(fp32)]
    metric = VOCMetric(eval_mode='11points')
    bound = DropBound(metric, fp32, resamples=30)
    drops = [
        metric_map([fp32[i]
                    for i in images]) - metric_map([int8[i] for i in images])
        for images in bound.resamples
    ]
    assert bound(int8) == np.quantile(drops, 0.9)
    assert bound(int8) > metric_map(fp32) - metric_map(int8) > 0
    assert bound(fp32) == 0  # paired: the same file never differs
