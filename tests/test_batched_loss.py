"""SSDLiteHead's batched loss equals mmdet's per-image SSD loss."""
import pytest
import torch
from mmengine.structures import InstanceData

from mnx_det.models import match_priors
from helpers import build_head, random_outputs

CONFIG = 'ssdlite_mobilenext_voc.py'


def instances(boxes, labels):
    return InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        labels=torch.tensor(labels, dtype=torch.long))


def random_boxes(gen, count):
    corners = torch.rand(count, 2, 2, generator=gen) * 320
    return torch.cat([corners.min(1).values,
                      corners.max(1).values + 4], 1).clamp(max=320)


def batch_cases():
    gen = torch.Generator().manual_seed(0)
    many = random_boxes(gen, 60)
    return [
        instances([], []),  # no ground truth at all
        instances([[40., 50., 90., 170.]], [5]),
        # touching the border, and the whole image
        instances([[0., 0., 60., 45.], [250., 280., 320., 320.],
                   [0., 0., 320., 320.]], [0, 19, 7]),
        # 60 objects: more than their best priors can keep apart
        InstanceData(
            bboxes=many, labels=torch.randint(0, 20, (60, ), generator=gen)),
    ]


def losses_and_grads(head, batched, gts, seed):
    head.batched_loss = batched
    cls_scores, bbox_preds = random_outputs(head, len(gts), seed)
    losses = head.loss_by_feat(
        cls_scores, bbox_preds, gts,
        [dict(img_shape=(320, 320), pad_shape=(320, 320))] * len(gts))
    total = {
        k: sum(v) if isinstance(v, list) else v
        for k, v in losses.items()
    }
    sum(total.values()).backward()
    return total, [t.grad for t in cls_scores + bbox_preds]


@pytest.mark.parametrize('seed', [0, 1])
def test_batched_loss_equals_per_image_loss(seed):
    head = build_head(CONFIG)
    gts = batch_cases()
    per_image, per_image_grads = losses_and_grads(head, False, gts, seed)
    batched, batched_grads = losses_and_grads(head, True, gts, seed)
    for key in ('loss_cls', 'loss_bbox'):
        assert batched[key].item() == pytest.approx(
            per_image[key].item(), rel=1e-5), key
    for ours, theirs in zip(batched_grads, per_image_grads):
        assert torch.allclose(ours, theirs, rtol=1e-4, atol=1e-8)


def test_batch_without_objects():
    head = build_head(CONFIG)
    cls_scores, bbox_preds = random_outputs(head, 2, seed=3)
    losses = head.loss_by_feat(
        cls_scores, bbox_preds, [instances([], [])] * 2,
        [dict(img_shape=(320, 320), pad_shape=(320, 320))] * 2)
    # no positives, so no negatives are mined either
    assert losses['loss_cls'].item() == 0 and losses['loss_bbox'].item() == 0


def test_shared_best_prior_goes_to_the_later_object():
    priors = torch.tensor([[0., 0., 10., 10.], [0., 0., 100., 100.],
                           [50., 50., 60., 60.]])
    # two objects whose best prior is prior 0; the second one keeps it, as
    # in mmdet's MaxIoUAssigner and the official assign_priors loops
    gt = torch.tensor([[[0., 0., 9., 9.], [1., 1., 10., 10.], [0., 0., 0.,
                                                               0.]]])
    match = match_priors(priors, gt, torch.tensor([[True, True, False]]))
    assert match.positive.tolist() == [[True, False, False]]
    assert match.gt_index[0, 0] == 1
    # padding claims nothing, even where its IoU would tie
    assert not match.positive[0, 2]


def test_other_assigners_need_the_per_image_path():
    head = build_head(CONFIG)
    head.train_cfg['assigner']['neg_iou_thr'] = 0.4
    cls_scores, bbox_preds = random_outputs(head, 1, seed=0)
    with pytest.raises(ValueError, match='batched_loss=False'):
        head.loss_by_feat(cls_scores, bbox_preds,
                          [instances([[0., 0., 50., 50.]], [1])],
                          [dict(img_shape=(320, 320), pad_shape=(320, 320))])
