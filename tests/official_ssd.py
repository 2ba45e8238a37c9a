"""The official SSDLite training targets, loss and post-processing, written
out from the published formulas in plain PyTorch, one image at a time.

Everything is in the official code's units: priors and boxes normalised to
the input side, centre form ``(cx, cy, w, h)`` for priors, class 0 the
background. Tests hold the project's anchor generator, batched loss and
post-processing against these functions.
"""
import itertools
import math

import torch
import torch.nn.functional as F
from torchvision.ops import batched_nms, box_iou

CENTER_VARIANCE, SIZE_VARIANCE = 0.1, 0.2


def official_priors(image_size, feature_maps, strides, min_sizes, max_sizes,
                    aspect_ratios):
    """(A, 4) priors, normalised ``(cx, cy, w, h)``, clamped to [0, 1]."""
    priors = []
    for side, stride, small, large, ratios in zip(feature_maps, strides,
                                                  min_sizes, max_sizes,
                                                  aspect_ratios):
        cells = image_size / stride
        for row, col in itertools.product(range(side), repeat=2):
            cx, cy = (col + 0.5) / cells, (row + 0.5) / cells
            w = small / image_size
            big = math.sqrt(small * large) / image_size
            priors += [[cx, cy, w, w], [cx, cy, big, big]]
            for ratio in ratios:
                r = math.sqrt(ratio)
                priors += [[cx, cy, w * r, w / r], [cx, cy, w / r, w * r]]
    return torch.tensor(priors).clamp_(min=0, max=1)


def corners(center_form):
    return torch.cat([
        center_form[:, :2] - center_form[:, 2:] / 2,
        center_form[:, :2] + center_form[:, 2:] / 2
    ], 1)


def assign(priors, gt_boxes, gt_labels, iou_threshold=0.5):
    """Per-prior (labels, matched boxes); labels 1.. for objects, 0 for
    background. Each ground truth forces its best prior positive; the
    later ground truth wins a shared prior."""
    ious = box_iou(corners(priors), gt_boxes)  # (A, G)
    best_iou, best_gt = ious.max(1)
    best_prior = ious.max(0).indices
    for gt, prior in enumerate(best_prior.tolist()):
        best_gt[prior] = gt
        best_iou[prior] = 2.
    labels = gt_labels[best_gt].clone()
    labels[best_iou < iou_threshold] = 0
    return labels, gt_boxes[best_gt]


def encode(boxes, priors):
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    sizes = boxes[:, 2:] - boxes[:, :2]
    return torch.cat(
        [(centres - priors[:, :2]) / priors[:, 2:] / CENTER_VARIANCE,
         torch.log(sizes / priors[:, 2:]) / SIZE_VARIANCE], 1)


def decode(deltas, priors):
    centres = priors[:, :2] + deltas[:, :2] * CENTER_VARIANCE * priors[:, 2:]
    sizes = priors[:, 2:] * torch.exp(deltas[:, 2:] * SIZE_VARIANCE)
    return torch.cat([centres - sizes / 2, centres + sizes / 2], 1)


def positive_box_loss(locations, matched, priors, positive):
    """Smooth L1 (beta 1) of the positives' encoded boxes, summed."""
    return F.smooth_l1_loss(
        locations[positive],
        encode(matched[positive], priors[positive]),
        beta=1.,
        reduction='sum')


def _batch_loss(confidence, locations, priors, gt_boxes, gt_labels,
                class_loss):
    """(box loss, class loss) summed over the images, each divided by the
    batch's positives; ``class_loss(conf, prior_labels, positive)`` gives
    an image's summed class term."""
    box_sum = cls_sum = confidence.new_zeros(())
    num_pos = 0
    for conf, loc, boxes, labels in zip(confidence, locations, gt_boxes,
                                        gt_labels):
        prior_labels, matched = assign(priors, boxes, labels)
        positive = prior_labels > 0
        cls_sum = cls_sum + class_loss(conf, prior_labels, positive)
        box_sum = box_sum + positive_box_loss(loc, matched, priors, positive)
        num_pos += int(positive.sum())
    return box_sum / num_pos, cls_sum / num_pos


def multibox_loss(confidence,
                  locations,
                  priors,
                  gt_boxes,
                  gt_labels,
                  neg_pos_ratio=3):
    """(box loss, class loss) of a batch.

    Args:
        confidence (Tensor): (B, A, 1 + classes) logits, background first.
        locations (Tensor): (B, A, 4) predicted deltas.
        priors (Tensor): (A, 4) from :func:`official_priors`.
        gt_boxes (list[Tensor]): per image (G, 4) normalised corners.
        gt_labels (list[Tensor]): per image (G, ) labels from 1.
    """

    def hard_negative_cross_entropy(conf, prior_labels, positive):
        background_loss = -F.log_softmax(conf, 1)[:, 0].detach()
        background_loss[positive] = -math.inf
        num_neg = neg_pos_ratio * int(positive.sum())
        hardest = background_loss.argsort(descending=True)[:num_neg]
        negative = torch.zeros_like(positive)
        negative[hardest] = True
        chosen = positive | negative
        return F.cross_entropy(
            conf[chosen], prior_labels[chosen], reduction='sum')

    return _batch_loss(confidence, locations, priors, gt_boxes, gt_labels,
                       hard_negative_cross_entropy)


def focal_loss(confidence,
               locations,
               priors,
               gt_boxes,
               gt_labels,
               alpha=0.25,
               gamma=2.,
               class_weight=5.):
    """(box loss, class loss) of a batch with the official COCO loss.

    Args:
        confidence (Tensor): (B, A, K) logits; object label l (from 1)
            scores in output l - 1, and output K - 1 belongs to no class.
        locations, priors, gt_boxes, gt_labels: as :func:`multibox_loss`.
    """

    def sigmoid_focal(conf, prior_labels, positive):
        # one column wider than the outputs, background column dropped
        target = F.one_hot(prior_labels, conf.size(1) + 1)[:, 1:].bool()
        p = conf.sigmoid()
        return -torch.where(
            target,
            alpha * (1 - p)**gamma * F.logsigmoid(conf),
            (1 - alpha) * p**gamma * F.logsigmoid(-conf)).sum()

    box_loss, cls_loss = _batch_loss(confidence, locations, priors, gt_boxes,
                                     gt_labels, sigmoid_focal)
    return box_loss, class_weight * cls_loss


def post_process(confidence,
                 locations,
                 priors,
                 image_size,
                 score_thr=0.01,
                 iou_threshold=0.45,
                 max_per_img=100):
    """Detections of one image: (boxes in input pixels, scores, labels from
    0 without the background), sorted by score."""
    scores = F.softmax(confidence, 1)[:, 1:]
    boxes = decode(locations, priors) * image_size
    prior_idx, labels = (scores > score_thr).nonzero(as_tuple=True)
    boxes, scores = boxes[prior_idx], scores[prior_idx, labels]
    keep = batched_nms(boxes, scores, labels, iou_threshold)[:max_per_img]
    return boxes[keep], scores[keep], labels[keep]


def warmup_factor(iteration, start_factor, warmup_iters):
    """The official warm-up: linear from start_factor to 1 over
    warmup_iters iterations."""
    if iteration >= warmup_iters:
        return 1.
    alpha = iteration / warmup_iters
    return start_factor * (1 - alpha) + alpha


def multistep_lr(iteration, base_lr, milestones, warmup, gamma=0.1):
    """The official VOC schedule (WarmupMultiStepLR) at an iteration;
    warmup = (start factor, iterations)."""
    steps = sum(iteration >= m for m in milestones)
    return base_lr * warmup_factor(iteration, *warmup) * gamma**steps


def cosine_lr(iteration, base_lr, max_iters, warmup):
    """The official COCO schedule (WarmupCosLR) at an iteration."""
    cosine = (1 + math.cos(math.pi * iteration / max_iters)) / 2
    return base_lr * warmup_factor(iteration, *warmup) * cosine
