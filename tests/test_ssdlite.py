"""SSDLite detectors built from the real configs."""

import pytest
import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmdet.utils import register_all_modules
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData

import mnx_det  # noqa: F401  (registers the modules, applies compat)
from helpers import build

# (total, backbone, extras, head) of the official detectors, 21 classes.
OFFICIAL_PARAMS = {
    'ssdlite_mobilenext_voc.py': (3_476_308, 2_254_416, 700_672, 521_220),
    'ssdlite_mobilenetv2_voc.py': (3_425_988, 2_223_872, 774_016, 428_100),
}
# Level channels and feature-map sides at 320x320.
LEVELS = {
    'ssdlite_mobilenext_voc.py': (576, 1280, 512, 256, 256, 128),
    'ssdlite_mobilenetv2_voc.py': (96, 1280, 512, 256, 256, 64),
}
SIDES_320 = (20, 10, 5, 3, 2, 1)

register_all_modules()


def num_params(module):
    return sum(p.numel() for p in module.parameters())


def batch(model, size=320, num_images=2, seed=0):
    gen = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(num_images):
        inputs.append(
            torch.randint(0, 255, (3, size, size),
                          generator=gen).to(torch.uint8))
        sample = DetDataSample(
            metainfo=dict(
                img_shape=(size, size),
                ori_shape=(size * 2, size * 3),
                scale_factor=(1 / 3, 1 / 2),
                pad_shape=(size, size)))
        sample.gt_instances = InstanceData(
            bboxes=torch.tensor([[30., 40., 150., 200.],
                                 [100., 120., 300., 310.]]),
            labels=torch.tensor([3, 14]))
        samples.append(sample)
    return model.data_preprocessor(
        dict(inputs=inputs, data_samples=samples), training=True)


@pytest.mark.parametrize('config', sorted(OFFICIAL_PARAMS))
def test_official_parameter_counts(config):
    model = build(config)
    counts = (num_params(model), num_params(model.backbone),
              num_params(model.neck), num_params(model.bbox_head))
    assert counts == OFFICIAL_PARAMS[config]


@pytest.mark.parametrize('config', sorted(OFFICIAL_PARAMS))
def test_levels_and_anchors(config):
    model = build(config).eval()
    data = batch(model)
    with torch.no_grad():
        feats = model.extract_feat(data['inputs'])
    assert [f.shape[1:] for f in feats
            ] == [(c, s, s) for c, s in zip(LEVELS[config], SIDES_320)]
    head = model.bbox_head
    assert head.num_base_priors == [6] * 6
    anchors = head.prior_generator.grid_priors([f.shape[-2:] for f in feats],
                                               device='cpu')
    assert [len(a) for a in anchors] == [s * s * 6 for s in SIDES_320]
    # first level, first location: centre (8, 8); min size 45 and
    # sqrt(45 * 120) squares, and 45 * sqrt(r) by 45 / sqrt(r) boxes for
    # r in 2, 3, both ways round.
    first = anchors[0][:6]
    sizes = sorted(
        zip((first[:, 2] - first[:, 0]).tolist(),
            (first[:, 3] - first[:, 1]).tolist()))
    square = (45 * 120)**0.5
    expected = sorted([(45, 45), (square, square)] +
                      [(45 * r**0.5, 45 / r**0.5)
                       for r in (2, 3)] + [(45 / r**0.5, 45 * r**0.5)
                                           for r in (2, 3)])
    assert [s for pair in sizes for s in pair
            ] == pytest.approx([s for pair in expected for s in pair],
                               rel=1e-4)
    centres = (first[:, :2] + first[:, 2:]) / 2
    assert torch.allclose(centres, torch.full_like(centres, 8.))
    # the 3x3 level uses the official stride 120: centres 60, 180, 300.
    xs = ((anchors[3][:, 0] + anchors[3][:, 2]) / 2).unique().tolist()
    assert xs == pytest.approx([60, 180, 300])


@pytest.mark.parametrize('config', sorted(OFFICIAL_PARAMS))
def test_training_step_and_inference(config):
    torch.manual_seed(0)
    model = build(config)
    model.train()
    data = batch(model)
    losses = model(**data, mode='loss')
    total = sum(sum(v) if isinstance(v, list) else v for v in losses.values())
    assert torch.isfinite(total) and total > 0
    total.backward()
    assert model.backbone.conv1.conv.weight.grad is not None

    model.eval()
    data = batch(model, num_images=1)
    with torch.no_grad():
        (result, ) = model(**data, mode='predict')
    boxes = result.pred_instances.bboxes
    assert 0 < len(boxes) <= 100
    assert (result.pred_instances.scores >= 0.01).all()
    # boxes come back in the original image's coordinates (640 x 960):
    # those of the 320 x 320 input, scaled by 3 and 2
    data['data_samples'][0].set_metainfo(dict(scale_factor=(1., 1.)))
    with torch.no_grad():
        (unscaled, ) = model(**data, mode='predict')
    assert torch.allclose(
        boxes, unscaled.pred_instances.bboxes * torch.tensor([3., 2., 3., 2.]))


def test_ssdlite_head_can_predict_where_mmdet_ssdhead_cannot():
    """mmdet 3.3.0's SSDHead has no ``loss_cls`` for ``predict_by_feat``;
    SSDLiteHead defines it without touching SSDHead."""
    from mmdet.models.dense_heads import SSDHead
    assert 'loss_cls' not in vars(SSDHead)
    head = MODELS.build(
        ConfigDict(
            type='SSDLiteHead',
            num_classes=3,
            in_channels=(8, 8),
            anchor_generator=dict(
                type='SSDAnchorGenerator',
                scale_major=False,
                strides=[16, 32],
                ratios=([2], [2]),
                min_sizes=[16, 32],
                max_sizes=[32, 64]),
            test_cfg=dict(
                nms=dict(type='nms', iou_threshold=0.45),
                min_bbox_size=0,
                score_thr=0.0,
                max_per_img=10)))
    feats = (torch.rand(1, 8, 4, 4), torch.rand(1, 8, 2, 2))
    (result, ) = head.predict(
        feats, [DetDataSample(metainfo=dict(img_shape=(64, 64)))],
        rescale=False)
    assert len(result.bboxes) == 10


def test_neck_checks_passthrough_channels():
    with pytest.raises(ValueError, match='out_channels'):
        MODELS.build(
            dict(
                type='SSDLiteNeck',
                in_channels=(96, 1280),
                out_channels=(576, 1280, 512),
                mid_ratios=(0.2, )))
