"""The official COCO setup: focal-loss head, COCO priors, cosine schedule,
SyncBN switch (COCO-format data and pycocotools: test_coco_format.py)."""
import math

import pytest
import torch
from mmengine.config import Config
from mmengine.model import convert_sync_batchnorm
from mmengine.structures import InstanceData
from torch import nn

from mnx_det.apis import use_gloo_without_cuda
from mnx_det.engine import scale_schedule
from mnx_det.models import SSDLiteHead
import official_ssd
from helpers import (ROOT, build, build_head, center_form, loss_test_batch,
                     random_outputs)

COCO_CONFIGS = ('ssdlite_mobilenext_coco.py', 'ssdlite_mobilenetv2_coco.py')
SIDES = (20, 10, 5, 3, 2, 1)
COCO_PRIORS = dict(
    strides=(16, 32, 64, 120, 160, 320),
    min_sizes=(45, 90, 135, 180, 225, 270),
    max_sizes=(90, 135, 180, 225, 270, 315),
    aspect_ratios=[(2, 3)] * 5 + [(2, )])
# The official COCO models: (backbone, extras, head).
OFFICIAL_COUNTS = {
    'ssdlite_mobilenext_coco.py': (2254416, 700672, 1584330),
    'ssdlite_mobilenetv2_coco.py': (2223872, 774016, 1306250),
}


def params(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize('config', COCO_CONFIGS)
def test_coco_detectors_have_the_official_parameter_counts(config):
    model = build(config)
    counts = (params(model.backbone), params(model.neck),
              params(model.bbox_head))
    assert counts == OFFICIAL_COUNTS[config]
    assert params(model) == sum(OFFICIAL_COUNTS[config])
    # 81 outputs per prior, 6 priors per location but 4 on the 1x1 level
    assert model.bbox_head.num_base_priors == [6, 6, 6, 6, 6, 4]
    assert model.bbox_head.cls_convs[5][0].out_channels == 4 * 81


def test_coco_priors_equal_the_official_priors():
    head = build_head('ssdlite_mobilenext_coco.py')
    ours = center_form(
        torch.cat(
            head.prior_generator.grid_priors([(s, s) for s in SIDES],
                                             device='cpu')), 320)
    official = official_ssd.official_priors(320, SIDES, **COCO_PRIORS)
    assert ours.shape == official.shape == (3232, 4)
    assert (ours - official).abs().max() < 1e-6


def test_focal_loss_equals_the_official_formula():
    head = build_head('ssdlite_mobilenext_coco.py')
    cls_scores, bbox_preds = random_outputs(head, num_images=3, seed=3)
    gts = loss_test_batch([3, 79, 0, 7, 56, 11])
    ours = head.loss_by_feat(
        cls_scores, bbox_preds, gts,
        [dict(img_shape=(320, 320), pad_shape=(320, 320))] * 3)
    # same output order as the official head: class l (from 0) is the
    # official label l + 1, the 81st output belongs to no class
    loss_box, loss_cls = official_ssd.focal_loss(
        SSDLiteHead.flatten_priors(cls_scores, 81),
        SSDLiteHead.flatten_priors(bbox_preds, 4),
        official_ssd.official_priors(320, SIDES, **COCO_PRIORS),
        [g.bboxes / 320 for g in gts], [g.labels + 1 for g in gts])
    assert ours['loss_cls'].item() == pytest.approx(loss_cls.item(), rel=1e-5)
    assert ours['loss_bbox'].item() == pytest.approx(loss_box.item(), rel=1e-5)


def test_focal_head_never_reports_its_extra_output():
    head = build_head('ssdlite_mobilenext_coco.py').eval()
    cls_scores, bbox_preds = random_outputs(head, num_images=1, seed=4)
    with torch.no_grad():
        for level, num_priors in zip(cls_scores, head.num_base_priors):
            # the extra output of every prior far above any class
            level.view(1, num_priors, 81, -1)[:, :, 80] = 10.
    (result, ) = head.predict_by_feat(
        cls_scores,
        bbox_preds,
        batch_img_metas=[dict(img_shape=(320, 320), pad_shape=(320, 320))],
        rescale=False)
    assert len(result) == 100
    assert int(result.labels.max()) < 80
    best = SSDLiteHead.flatten_priors(cls_scores, 81)[0, :, :80].max()
    assert result.scores[0].item() == pytest.approx(
        torch.sigmoid(best).item(), rel=1e-6)
    assert result.scores.min() > 0.05


def test_focal_head_scores_a_batch_as_each_of_its_images():
    # the exported graph scores (N, priors, 81) logits at once; mmdet's
    # get_activation scores one image's (priors, 81)
    head = build_head('ssdlite_mobilenext_coco.py')
    logits = torch.randn(2, 7, 81)
    scores = head.class_scores(logits)
    assert scores.shape == (2, 7, 80)
    for image in range(2):
        assert torch.equal(scores[image],
                           head.loss_cls.get_activation(logits[image]))


def test_focal_head_initialisation_is_the_official_one():
    head = build_head('ssdlite_mobilenext_coco.py')
    class_convs = [
        m for m in head.cls_convs.modules() if isinstance(m, nn.Conv2d)
    ]
    assert len(class_convs) == 11  # 5 depthwise + 5 pointwise + 1 plain
    for conv in class_convs:
        assert torch.allclose(conv.bias,
                              torch.full_like(conv.bias, -math.log(99)))
    weights = torch.cat([c.weight.flatten() for c in class_convs])
    assert weights.std().item() == pytest.approx(0.01, rel=0.02)
    assert weights.mean().abs() < 1e-3
    # BN and the box branch keep their usual initialisation
    for bn in (m for m in head.cls_convs.modules()
               if isinstance(m, nn.BatchNorm2d)):
        assert torch.equal(bn.weight, torch.ones_like(bn.weight))
    for conv in (m for m in head.reg_convs.modules()
                 if isinstance(m, nn.Conv2d)):
        assert torch.equal(conv.bias, torch.zeros_like(conv.bias))


def coco_config(name='ssdlite_mobilenext_coco.py'):
    return Config.fromfile(str(ROOT / 'configs' / name))


def test_coco_schedule_is_the_official_one_per_process():
    cfg = coco_config()
    assert cfg.optim_wrapper.optimizer.lr == 1e-2
    assert cfg.optim_wrapper.optimizer.weight_decay == 4e-5
    assert cfg.train_dataloader.batch_size == 32
    line = scale_schedule(cfg, 8)
    assert line == ('8 processes x 32 images: 200000 iterations (51200000 '
                    'images), lr 0.08 (0.0003125 per image), cosine decay '
                    'over 200000 iterations, warm-up 500 iterations from '
                    '0.333333')
    warmup, cosine = cfg.param_scheduler
    assert (warmup.end, cosine.end, cosine.T_max) == (501, 200000, 200000)


def test_sync_bn_turns_on_only_under_a_gpu_launcher():
    cfg = coco_config()
    assert cfg.sync_bn == 'torch'  # mmengine converts when it wraps for DDP
    one_process = coco_config()
    use_gloo_without_cuda(one_process)
    if not torch.cuda.is_available():
        # PyTorch's SyncBatchNorm cannot run on CPU
        assert one_process.sync_bn is None
    model = convert_sync_batchnorm(build(COCO_CONFIGS[0]), 'torch')
    norms = [
        m for m in model.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm)
    ]
    assert norms and all(isinstance(m, nn.SyncBatchNorm) for m in norms)


@pytest.mark.parametrize('config', COCO_CONFIGS)
def test_paper_coco_configs_take_a_training_step(config):
    model = build(config).train()
    data = dict(
        inputs=[torch.randint(0, 255, (3, 320, 320), dtype=torch.uint8)] * 2,
        data_samples=[])
    from mmdet.structures import DetDataSample
    for _ in range(2):
        sample = DetDataSample(
            metainfo=dict(img_shape=(320, 320), pad_shape=(320, 320)))
        sample.gt_instances = InstanceData(
            bboxes=torch.tensor([[20., 30., 200., 250.]]),
            labels=torch.tensor([17]))
        data['data_samples'].append(sample)
    losses = model(**model.data_preprocessor(data, True), mode='loss')
    total = losses['loss_cls'] + losses['loss_bbox']
    total.backward()
    assert torch.isfinite(total)
    assert model.bbox_head.cls_convs[0][1].weight.grad.abs().sum() > 0
