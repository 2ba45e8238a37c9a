"""The official SSDLite recipe around the network: priors, losses,
post-processing, augmentation, the missing-weights stop (the schedule:
test_schedule_scaling.py)."""

import numpy as np
import pytest
import torch
from mmdet.registry import TASK_UTILS, TRANSFORMS
from mmdet.structures.bbox import HorizontalBoxes
from mmengine.config import Config

from mnx_det.apis import PretrainedNotFoundError, check_pretrained, load_config
from mnx_det.models import SSDLiteHead
import official_ssd
from helpers import (ROOT, build_head, center_form, loss_test_batch,
                     model_config, official_prior_args, random_outputs)

VOC_CONFIGS = ('ssdlite_mobilenext_voc.py', 'ssdlite_mobilenetv2_voc.py')
SIDES = (20, 10, 5, 3, 2, 1)


@pytest.mark.parametrize('config', VOC_CONFIGS)
def test_every_prior_equals_the_official_prior(config):
    head = build_head(config)
    ours = center_form(
        torch.cat(
            head.prior_generator.grid_priors([(s, s) for s in SIDES],
                                             device='cpu')), 320)
    official = official_ssd.official_priors(320, SIDES,
                                            **official_prior_args())
    assert ours.shape == official.shape == (3234, 4)
    assert (ours - official).abs().max() < 1e-6
    # mmdet's unclamped generator differs on exactly 12 priors
    cfg = dict(
        model_config(config).bbox_head.anchor_generator,
        type='SSDAnchorGenerator')
    del cfg['input_size']
    plain = center_form(
        torch.cat(
            TASK_UTILS.build(cfg).grid_priors([(s, s) for s in SIDES],
                                              device='cpu')), 320)
    changed = ((plain - official).abs() > 1e-6).any(1)
    assert int(changed.sum()) == 12
    assert (plain - official).abs().max() == pytest.approx(0.46, abs=0.01)


def official_layout(scores):
    """mmdet's background is the last column; the official code's, the
    first."""
    return torch.cat([scores[..., -1:], scores[..., :-1]], -1)


def test_losses_equal_the_official_formulas():
    head = build_head('ssdlite_mobilenext_voc.py')
    cls_scores, bbox_preds = random_outputs(head, num_images=3, seed=1)
    gts = loss_test_batch([3, 14, 0, 7, 19, 11])
    ours = head.loss_by_feat(
        cls_scores, bbox_preds, gts,
        [dict(img_shape=(320, 320), pad_shape=(320, 320))] * 3)
    confidence = official_layout(
        SSDLiteHead.flatten_priors(cls_scores, head.cls_out_channels))
    loss_box, loss_cls = official_ssd.multibox_loss(
        confidence, SSDLiteHead.flatten_priors(bbox_preds, 4),
        official_ssd.official_priors(320, SIDES, **official_prior_args()),
        [g.bboxes / 320 for g in gts], [g.labels + 1 for g in gts])
    assert ours['loss_cls'].item() == pytest.approx(loss_cls.item(), rel=1e-5)
    assert ours['loss_bbox'].item() == pytest.approx(loss_box.item(), rel=1e-5)


def test_post_processing_equals_the_official_procedure():
    head = build_head('ssdlite_mobilenext_voc.py').eval()
    cls_scores, bbox_preds = random_outputs(head, num_images=1, seed=2)
    (ours, ) = head.predict_by_feat(
        cls_scores,
        bbox_preds,
        batch_img_metas=[dict(img_shape=(320, 320), pad_shape=(320, 320))],
        rescale=False)
    boxes, scores, labels = official_ssd.post_process(
        official_layout(
            SSDLiteHead.flatten_priors(cls_scores, head.cls_out_channels))[0],
        SSDLiteHead.flatten_priors(bbox_preds, 4)[0],
        official_ssd.official_priors(320, SIDES, **official_prior_args()), 320)
    # thousands of pairs pass 0.01 here: a per-level cut (nms_pre) or a
    # clip to the image would change the result
    assert len(ours) == len(boxes) == 100
    assert torch.equal(ours.labels, labels)
    assert torch.allclose(ours.scores, scores, atol=1e-6)
    assert torch.allclose(ours.bboxes, boxes, atol=1e-3)
    assert boxes.min() < 0 or boxes.max() > 320  # unclipped, as official


def test_training_pipeline_is_the_official_augmentation():
    cfg = Config.fromfile(str(ROOT / 'configs/ssdlite_mobilenext_voc.py'))
    fused = cfg.train_dataloader.dataset.datasets[0].pipeline
    assert [t['type'] for t in fused] == [
        'LoadImageFromFile', 'LoadAnnotations', 'PhotoMetricDistortion',
        'SSDGeometricAugment', 'PackDetInputs'
    ]
    # the fused step runs the official chain with the same settings
    assert [type(t).__name__ for t in TRANSFORMS.build(fused[3]).chain
            ] == ['Expand', 'SSDRandomCrop', 'RandomFlip', 'Resize']
    pipeline = cfg.unfused_train_pipeline
    assert [t['type'] for t in pipeline] == [
        'LoadImageFromFile', 'LoadAnnotations', 'PhotoMetricDistortion',
        'Expand', 'SSDRandomCrop', 'RandomFlip', 'Resize', 'PackDetInputs'
    ]
    assert fused[:3] == pipeline[:3]
    steps = {t['type']: t for t in pipeline}
    assert steps['PhotoMetricDistortion'] == dict(
        type='PhotoMetricDistortion',
        brightness_delta=32,
        contrast_range=(0.5, 1.5),
        saturation_range=(0.5, 1.5),
        hue_delta=18)
    assert (steps['Expand']['mean'], steps['Expand']['ratio_range'],
            steps['Expand']['prob']) == ([123, 117, 104], (1, 4), 0.5)
    crop = TRANSFORMS.build(steps['SSDRandomCrop'])
    assert crop.choices == (None, 0.1, 0.3, 0.7, 0.9, float('-inf'))
    assert (crop.min_crop_size, crop.aspect_range,
            crop.max_trials) == (0.3, (0.5, 2.0), 50)
    assert steps['RandomFlip']['prob'] == 0.5
    assert steps['Resize']['scale'] == (320, 320)
    assert steps['Resize']['keep_ratio'] is False
    preprocessor = cfg.model.data_preprocessor
    assert (preprocessor.mean, preprocessor.std) == ([123, 117,
                                                      104], [1, 1, 1])


def test_ssd_crop_needs_one_object_not_all():
    crop = TRANSFORMS.build(dict(type='SSDRandomCrop'))
    boxes = np.array([[20., 20., 280., 280.], [285., 285., 298., 298.]],
                     dtype=np.float32)
    np.random.seed(0)
    worst = []
    for _ in range(40):
        window = crop.try_window(HorizontalBoxes(boxes), 300, 300, 0.7)
        assert window is not None
        results = crop.crop_to(
            dict(
                img=np.zeros((300, 300, 3), np.float32),
                gt_bboxes=HorizontalBoxes(boxes),
                gt_bboxes_labels=np.array([1, 2]),
                gt_ignore_flags=np.array([False, False])), *window)
        h, w = results['img_shape']
        assert min(h, w) >= 0.3 * 300 - 1 and 0.5 <= h / w <= 2
        crop_box = results['gt_bboxes'].tensor
        assert (crop_box >= 0).all() and (crop_box[:, 2] <= w).all()
        assert len(results['gt_bboxes_labels']) == len(crop_box)
        worst.append(len(crop_box))
    # the small box's IoU with any such crop is far below 0.7: mmdet's
    # all-objects rule would never accept these crops
    assert min(worst) == 1


def test_missing_weights_message_for_frozen_backbones():
    cfg = load_config(
        str(ROOT / 'configs/fpn/retinanet_mobilenext_fpn_voc07.py'))
    convert = 'python tools/model_converters/mobilenext_official.py ' \
        'model_best.pth.tar'
    with pytest.raises(PretrainedNotFoundError) as error:
        check_pretrained(cfg, {'MobileNeXt': convert})
    message = str(error.value)
    assert 'checkpoints/mobilenext_1.0_imagenet.pth not found' in message
    assert ('tools/model_converters/mobilenext_official.py '
            'model_best.pth.tar checkpoints/mobilenext_1.0_imagenet.pth'
            ) in message
    assert ('--cfg-options model.backbone.init_cfg=None '
            'model.backbone.frozen_stages=-1 model.backbone.norm_eval=False'
            ) in message
    cfg.model.backbone.init_cfg = None
    check_pretrained(cfg)  # from scratch on purpose
    # the toy configs train from scratch by design
    check_pretrained(
        load_config(str(ROOT / 'configs/toy/ssdlite_mobilenetv2_toy.py')))
