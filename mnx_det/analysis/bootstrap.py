"""How much a VOC mAP measured on few test images can be trusted: bootstrap
intervals over the test images, for one detector and for the difference of
two measured on the same images."""
import numpy as np
from mmdet.evaluation import VOCMetric
from mmdet.evaluation.functional import eval_map


def voc_results(samples, classes):
    """(annotation, detections) per image, exactly as ``VOCMetric`` builds
    them from predicted data samples (with their ground truth)."""
    metric = VOCMetric(metric='mAP', eval_mode='11points')
    metric.dataset_meta = dict(classes=classes)
    metric.process({}, [s.to_dict() for s in samples])
    return metric.results


def voc_map(results, classes, indices=None):
    """VOC07 11-point mAP (as ``VOCMetric`` computes it) of the images at
    ``indices`` (all by default)."""
    if indices is not None:
        results = [results[i] for i in indices]
    mean_ap, _ = eval_map([dets for _, dets in results],
                          [ann for ann, _ in results],
                          iou_thr=0.5,
                          dataset=list(classes),
                          logger='silent',
                          eval_mode='11points',
                          use_legacy_coordinate=True,
                          nproc=1)
    return mean_ap


def bootstrap_maps(results_by_name, classes, rounds=200, seed=0):
    """mAP of every detector on ``rounds`` resamplings of the test images
    (the same resamplings for all, so differences are paired).

    Returns:
        dict[str, np.ndarray]: (rounds, ) mAPs per detector.
    """
    num_images = len(next(iter(results_by_name.values())))
    rng = np.random.default_rng(seed)
    draws = [rng.integers(0, num_images, num_images) for _ in range(rounds)]
    return {
        name: np.array([voc_map(results, classes, draw) for draw in draws])
        for name, results in results_by_name.items()
    }


def interval(values, level=0.95):
    """The central ``level`` interval of bootstrap values."""
    tail = (1 - level) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return float(low), float(high)
