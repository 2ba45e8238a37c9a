"""The training targets of a batch of images, in batch tensors: ground
truths padded to one count per batch, and what the SSD loss needs of them."""
from typing import NamedTuple

import torch
from mmdet.structures.bbox import get_box_tensor
from torch.nn.utils.rnn import pad_sequence

from .prior_matching import PriorMatch


class BatchTargets(NamedTuple):
    """The training targets of a batch.

    Attributes:
        priors (Tensor): (A, 4) priors, corner form, in input pixels.
        gt_boxes (Tensor): (B, G, 4) ground truths, padded.
        match (PriorMatch): Positives and matched ground truth per prior.
        labels (Tensor): (B, A) class of the matched ground truth
            (meaningful on the positives only).
        avg_factor (Tensor): The positives of the batch, the divisor of
            both losses.
    """
    priors: torch.Tensor
    gt_boxes: torch.Tensor
    match: PriorMatch
    labels: torch.Tensor
    avg_factor: torch.Tensor


def pad_gt_instances(batch_gt_instances, like):
    """Ground-truth boxes (B, G, 4), labels (B, G) and a validity mask
    (B, G), padded to the largest image's count (at least 1, so that a
    batch without objects still indexes).

    Args:
        batch_gt_instances (list[InstanceData]): Each image's ``bboxes``
            and ``labels``.
        like (Tensor): The boxes take its dtype and device.

    Returns:
        tuple[Tensor, Tensor, Tensor]: boxes, labels, valid.
    """
    boxes = [like.new_zeros((1, 4))] + [
        get_box_tensor(g.bboxes).to(like.dtype) for g in batch_gt_instances
    ]
    labels = [like.new_zeros(1, dtype=torch.long)
              ] + [g.labels.long() for g in batch_gt_instances]
    valid = [like.new_zeros(1, dtype=torch.bool)] + [
        torch.ones_like(g.labels, dtype=torch.bool) for g in batch_gt_instances
    ]
    # The leading padding entry is dropped again.
    return (pad_sequence(boxes, batch_first=True)[1:],
            pad_sequence(labels, batch_first=True)[1:],
            pad_sequence(valid, batch_first=True)[1:])
