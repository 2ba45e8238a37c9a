"""SSD's prior matching for a whole batch at once.

The rule is mmdet's ``MaxIoUAssigner`` as SSD configures it (and the
official SSDLite code's ``assign_priors``): a prior is positive when its
best IoU with a ground truth reaches ``pos_iou_thr``, and every ground truth
also claims its own best prior, whatever the IoU. When two ground truths
share a best prior, the later one (higher index) keeps it, as in both
references, which loop over the ground truths in order.
"""
from typing import NamedTuple

import torch
from torch import Tensor


class PriorMatch(NamedTuple):
    """Result of :func:`match_priors` for a batch of B images, A priors.

    Attributes:
        positive (Tensor): (B, A) bool, the positive priors.
        gt_index (Tensor): (B, A) long, the matched ground truth of each
            prior (meaningful where ``positive``).
    """
    positive: Tensor
    gt_index: Tensor


def match_priors(priors: Tensor,
                 gt_boxes: Tensor,
                 gt_valid: Tensor,
                 pos_iou_thr: float = 0.5,
                 min_pos_iou: float = 0.) -> PriorMatch:
    """Match priors to padded ground truths, all images in one tensor op.

    Args:
        priors (Tensor): (A, 4) priors, x1y1x2y2.
        gt_boxes (Tensor): (B, G, 4) ground truths, padded to the most
            boxes of any image in the batch.
        gt_valid (Tensor): (B, G) bool, False for padding.
        pos_iou_thr (float): IoU from which a prior is positive.
        min_pos_iou (float): IoU a ground truth's best prior needs to be
            claimed by it (0: always, as in SSD).

    Returns:
        PriorMatch
    """
    num_images, num_gts = gt_valid.shape
    num_priors = priors.size(0)
    if num_gts == 0:
        empty = priors.new_zeros((num_images, num_priors), dtype=torch.long)
        return PriorMatch(empty.bool(), empty)
    ious = pairwise_iou(gt_boxes, priors)
    ious.masked_fill_(~gt_valid[..., None], -1)  # (B, G, A)
    best_iou, gt_index = ious.max(dim=1)
    best_prior_iou, best_prior = ious.max(dim=2)
    claims = torch.arange(num_gts, device=priors.device).expand_as(gt_valid)
    claims = claims.masked_fill(~gt_valid | (best_prior_iou < min_pos_iou), -1)
    # 'amax' gives a shared best prior to the later ground truth,
    # deterministically (a plain scatter would not say which wins).
    claimed = gt_index.new_full(gt_index.shape, -1).scatter_reduce_(
        1, best_prior, claims, reduce='amax')
    positive = (best_iou >= pos_iou_thr) | (claimed >= 0)
    return PriorMatch(positive, torch.where(claimed >= 0, claimed, gt_index))


def pairwise_iou(boxes, priors, eps=1e-6):
    """(B, G, A) IoU of (B, G, 4) boxes with (A, 4) priors.

    The arithmetic of mmdet's ``bbox_overlaps``, step for step, so the
    values are equal to the per-image path's (ties in the matching then
    break alike), with one (B, G, A) tensor per coordinate instead of its
    (B, G, A, 2) intermediates.
    """
    bx1, by1, bx2, by2 = (boxes[..., i, None] for i in range(4))
    px1, py1, px2, py2 = priors.unbind(1)
    # In place from here: each (B, G, A) tensor is a fresh allocation, and
    # at batch 32 fresh memory costs more than the arithmetic; values are
    # bit-identical (the loss-path benchmark, benchmarks/training_*.md,
    # times the whole target assignment).
    overlap = torch.minimum(bx2, px2).sub_(torch.maximum(bx1,
                                                         px1)).clamp_(min=0)
    overlap.mul_(
        torch.minimum(by2, py2).sub_(torch.maximum(by1, py1)).clamp_(min=0))
    union = ((bx2 - bx1) * (by2 - by1) + (px2 - px1) *
             (py2 - py1)).sub_(overlap)
    return overlap.div_(union.clamp_(min=eps))
