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
"""
import numpy as np
import torch
from mmdet.registry import TASK_UTILS
from torchvision.ops import batched_nms

CLASS_SCORES = {
    'softmax': lambda logits: logits.softmax(-1)[..., :-1],
    'sigmoid': lambda logits: logits[..., :-1].sigmoid(),
}
# a head's ``class_score_function`` -> what its ``class_scores`` computes
RAW_KEYS = ('class_scores', 'bbox_coder', 'score_thr', 'iou_threshold',
            'max_per_img')


def select_detections(logits, deltas, priors, contract):
    """(boxes (N, K, 4), scores (N, K), labels (N, K)) numpy arrays of raw
    ``logits`` (N, A, C + 1), box ``deltas`` (N, A, 4) and ``priors``
    (A, 4), K being the contract's ``max_per_img``."""
    logits, deltas, priors = (
        torch.from_numpy(np.asarray(a, np.float32))
        for a in (logits, deltas, priors))
    coder = TASK_UTILS.build(contract['bbox_coder'])
    # decoded as one (N * A, 4) set: mmdet's batched decode is deprecated
    boxes = coder.decode(priors.repeat(len(deltas), 1),
                         deltas.reshape(-1, 4)).view(len(deltas), -1, 4)
    scores = CLASS_SCORES[contract['class_scores']](logits)
    k = contract['max_per_img']
    out_boxes = np.zeros((len(boxes), k, 4), np.float32)
    out_scores = np.zeros((len(boxes), k), np.float32)
    out_labels = np.full((len(boxes), k), -1, np.int64)
    for image, (image_boxes, image_scores) in enumerate(zip(boxes, scores)):
        prior, label = (image_scores
                        > contract['score_thr']).nonzero(as_tuple=True)
        candidates = image_scores[prior, label]
        keep = batched_nms(image_boxes[prior], candidates, label,
                           contract['iou_threshold'])[:k]
        count = len(keep)
        out_boxes[image, :count] = image_boxes[prior[keep]].numpy()
        out_scores[image, :count] = candidates[keep].numpy()
        out_labels[image, :count] = label[keep].numpy()
    return out_boxes, out_scores, out_labels
