"""Decode and select detections outside the graph, for exported files that
return raw outputs (``--no-postprocess`` ONNX files, ExecuTorch programs).

The same arithmetic as the post-processing inside a full export
(:meth:`.export.ExportableSSD.forward`): class scores (softmax with the
background dropped, or sigmoids for the focal head), boxes decoded from the
priors by the config's ``DeltaXYWHBBoxCoder`` (not clipped, as the official
code), then the pairs scoring above the score threshold, class-wise NMS
(IoU above the threshold suppresses) and the ``max_per_img`` best, padded
with score 0 and label -1. Every setting is read from the file's contract,
so the file alone says how its outputs decode.

Scores and the threshold are computed in numpy, single-threaded: PyTorch's
softmax of a toy detector's logits woke its OpenMP pool, whose workers then
spun on the cores while the runtime's own pool ran the next image
(ExecuTorch took half as long again per image, back to back). Only the few
candidates above the threshold reach PyTorch.
"""
import numpy as np
import torch
from mmdet.registry import TASK_UTILS
from torchvision.ops import batched_nms


def _softmax(logits):
    exp = np.exp(logits - logits.max(-1, keepdims=True))
    return exp / exp.sum(-1, keepdims=True)


# a head's ``class_score_function`` -> what its ``class_scores`` computes,
# of numpy logits
CLASS_SCORES = {
    'softmax': lambda logits: _softmax(logits)[..., :-1],
    # 1 / (1 + exp(-x)) without overflowing exp for very negative x
    'sigmoid': lambda logits: np.exp(-np.logaddexp(0, -logits[..., :-1])),
}
RAW_KEYS = ('class_scores', 'bbox_coder', 'score_thr', 'iou_threshold',
            'max_per_img')


def select_detections(logits, deltas, priors, contract):
    """(boxes (N, K, 4), scores (N, K), labels (N, K)) numpy arrays of raw
    ``logits`` (N, A, C + 1), box ``deltas`` (N, A, 4) and ``priors``
    (A, 4), K being the contract's ``max_per_img``."""
    logits, deltas, priors = (
        np.asarray(a, np.float32) for a in (logits, deltas, priors))
    coder = TASK_UTILS.build(contract['bbox_coder'])
    scores = CLASS_SCORES[contract['class_scores']](logits)
    k = contract['max_per_img']
    out_boxes = np.zeros((len(scores), k, 4), np.float32)
    out_scores = np.zeros((len(scores), k), np.float32)
    out_labels = np.full((len(scores), k), -1, np.int64)
    for image, image_scores in enumerate(scores):
        prior, label = np.nonzero(image_scores > contract['score_thr'])
        candidates = torch.from_numpy(image_scores[prior, label])
        # only the candidates' boxes are decoded
        boxes = coder.decode(
            torch.from_numpy(priors[prior]),
            torch.from_numpy(deltas[image, prior]))
        keep = best_survivors(boxes, candidates, torch.from_numpy(label),
                              contract['iou_threshold'], k).numpy()
        count = len(keep)
        out_boxes[image, :count] = boxes.numpy()[keep]
        out_scores[image, :count] = candidates.numpy()[keep]
        out_labels[image, :count] = label[keep]
    return out_boxes, out_scores, out_labels


def best_survivors(boxes, scores, labels, iou_threshold, k):
    """Indices of the ``k`` best boxes that survive class-wise NMS, best
    first: what NMS of every box, then the top ``k``, gives.

    Greedy NMS decides a box by the better boxes of its class alone, so NMS
    of the best M boxes keeps exactly the survivors among them. M starts at
    4 k and grows until k survive: the k best survivors are then known
    without running NMS on all candidates (thousands for an undertrained
    detector, whose NMS then cost more than the network).
    """
    order = scores.argsort(descending=True, stable=True)
    head = 4 * k
    while True:
        best = order[:head]
        keep = batched_nms(boxes[best], scores[best], labels[best],
                           iou_threshold)
        if len(keep) >= k or head >= len(order):
            return best[keep[:k]]
        head *= 4
