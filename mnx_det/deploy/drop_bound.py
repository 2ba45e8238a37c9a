"""How large an INT8 file's mAP drop may be on images the measurement did
not see: a paired bootstrap over the selection images.

A drop measured on a few dozen images is one draw: on a toy
SSDLite-MobileNetV2 the ExecuTorch set chosen at -0.012 on 80 training
images lost 0.035 on the test split (``benchmarks/deploy_cpu.md``).
Resampling the images with replacement and scoring the fp32 file and the
candidate on the same resample (paired) gives the drop's spread; the
sensitivity search (:mod:`.sensitivity`) accepts a set when the drop's
:data:`CONFIDENCE` quantile stays within the budget.

VOC mAP only (``VOCMetric``, without ``scale_ranges``): matching each
image's detections to its ground truth (mmdet's ``tpfp_default``) does not
depend on the resample, so it is done once; each resample re-sorts and
re-accumulates the matches as mmdet's ``eval_map`` does, which this
reproduces exactly on the images themselves (tested). COCO's metric has
no such per-image split; there the search judges by the drop alone.
"""
import numpy as np
from mmdet.evaluation import VOCMetric
from mmdet.evaluation.functional.mean_ap import (average_precision,
                                                 get_cls_results, tpfp_default)

CONFIDENCE = 0.9  # one-sided: a set passes if 90% of resamples keep it
RESAMPLES = 200


class VOCMatches:
    """One file's detections on a set of images, matched to the ground
    truth per image and class, scored on any multiset of those images.

    Args:
        results (list[tuple]): ``VOCMetric``'s per-image ``(annotation,
            detections per class)``.
        iou_thrs (list[float]): The metric's IoU thresholds (its mAP is
            their mean).
        eval_mode (str): ``'11points'`` (VOC07) or ``'area'``.
    """

    def __init__(self, results, iou_thrs, eval_mode):
        annotations = [ann for ann, _ in results]
        detections = [dets for _, dets in results]
        classes = range(len(detections[0]))
        self.eval_mode = eval_mode
        # ground-truth boxes (not ignored) per image and class
        self.num_gts = np.array([[np.sum(ann['labels'] == c) for c in classes]
                                 for ann in annotations])
        self.matches = [[
            self._match(detections, annotations, c, thr) for c in classes
        ] for thr in iou_thrs]

    @staticmethod
    def _match(detections, annotations, class_id, iou_thr):
        """Per image: (scores, true positives, false positives)."""
        matches = []
        for dets, gts, ignored in zip(
                *get_cls_results(detections, annotations, class_id)):
            tp, fp = tpfp_default(
                dets, gts, ignored, iou_thr, use_legacy_coordinate=True)
            matches.append((dets[:, -1], tp[0], fp[0]))
        return matches

    def map(self, images):
        """mAP on ``images`` (indices; repeats count again), as
        ``VOCMetric`` computes it on those images."""
        num_gts = self.num_gts[images].sum(0)
        maps = []
        for per_class in self.matches:
            aps = [
                self._ap(matches, images, n)
                for matches, n in zip(per_class, num_gts) if n > 0
            ]
            maps.append(np.array(aps).mean().item() if aps else 0.)
        return sum(maps) / len(maps)

    def _ap(self, matches, images, num_gts):
        scores, tp, fp = (
            np.concatenate([matches[i][k] for i in images]) for k in range(3))
        order = np.argsort(-scores)
        tp, fp = np.cumsum(tp[order]), np.cumsum(fp[order])
        eps = np.finfo(np.float32).eps
        recalls = tp / np.maximum(num_gts, eps)
        precisions = tp / np.maximum(tp + fp, eps)
        return average_precision(recalls, precisions, self.eval_mode)


class DropBound:
    """The :data:`CONFIDENCE` quantile of fp32 mAP - candidate mAP over
    paired bootstrap resamples of the images the fp32 file was scored on.

    Args:
        metric: The ``VOCMetric`` that scored the images.
        reference (list[tuple]): The fp32 file's per-image results (as
            :class:`VOCMatches`).
        confidence (float): The quantile.
        resamples (int): Bootstrap resamples, the same (seeded) for every
            candidate.
    """

    def __init__(self,
                 metric,
                 reference,
                 confidence=CONFIDENCE,
                 resamples=RESAMPLES):
        self.settings = (list(metric.iou_thrs), metric.eval_mode)
        self.confidence = confidence
        count = len(reference)
        self.resamples = np.random.default_rng(0).integers(
            0, count, (resamples, count))
        fp32 = VOCMatches(reference, *self.settings)
        self.reference = np.array([fp32.map(i) for i in self.resamples])

    @staticmethod
    def supports(metric):
        """Whether ``metric`` has the per-image split this needs."""
        return (isinstance(metric, VOCMetric) and metric.metric == 'mAP'
                and metric.scale_ranges is None)

    def __call__(self, results):
        """The bound of a candidate with these per-image results (the same
        images, in the same order)."""
        candidate = VOCMatches(results, *self.settings)
        drops = self.reference - [candidate.map(i) for i in self.resamples]
        return float(np.quantile(drops, self.confidence))
