"""MobileNeXt inside mmdet's FPN detectors: RetinaNet, FCOS, Faster R-CNN."""
import copy

import pytest
import torch
from mmdet.registry import DATASETS, MODELS
from mmdet.utils import register_all_modules
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mnx_det.apis import set_data_root
from mnx_det.models import MobileNeXt
from helpers import ROOT

DETECTORS = ('retinanet', 'fcos', 'faster-rcnn')

register_all_modules()


def voc07_config(detector):
    return Config.fromfile(
        str(ROOT / f'configs/fpn/{detector}_mobilenext_fpn_voc07.py'))


def toy_config(detector, data_root, backbone='mobilenext'):
    cfg = Config.fromfile(
        str(ROOT / f'configs/toy/{detector}_{backbone}_fpn_toy.py'))
    set_data_root(cfg, data_root)
    return cfg


def neck_in_channels(cfg):
    neck = cfg.model.neck
    return neck.in_channels


@pytest.mark.parametrize('width', [0.5, 1.0, 1.4])
@pytest.mark.parametrize('detector', DETECTORS)
def test_builds_at_every_width(detector, width):
    cfg = voc07_config(detector)
    backbone = cfg.model.backbone
    backbone.update(widen_factor=width, init_cfg=None)
    channels = MobileNeXt.stage_channels(width)
    cfg.model.neck.in_channels = [channels[i] for i in backbone.out_indices]
    model = MODELS.build(cfg.model).eval()
    assert model.backbone.out_channels == tuple(cfg.model.neck.in_channels)
    with torch.no_grad():
        feats = model.extract_feat(torch.rand(1, 3, 128, 160))
    assert len(feats) == 5
    assert all(f.shape[1] == 256 for f in feats)


def test_config_channels_match_width_1():
    for detector in DETECTORS:
        cfg = voc07_config(detector)
        channels = MobileNeXt.stage_channels(1.0)
        indices = cfg.model.backbone.out_indices
        assert list(neck_in_channels(cfg)) == [channels[i] for i in indices]


def toy_batch(cfg, num_images=2):
    init_default_scope('mmdet')
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    return pseudo_collate([dataset[i] for i in range(num_images)])


@pytest.mark.parametrize('detector, backbone',
                         [(d, 'mobilenext') for d in DETECTORS] +
                         [('retinanet', 'efficient_mobilenext')])
def test_training_step_and_inference_on_toy_set(detector, backbone,
                                                small_toy_voc):
    torch.manual_seed(0)
    cfg = toy_config(detector, small_toy_voc, backbone)
    # untrained scores are low: keep every box to check the output
    test_cfg = cfg.model.test_cfg.get('rcnn', cfg.model.test_cfg)
    test_cfg.score_thr = 0.0
    model = MODELS.build(cfg.model)
    model.init_weights()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    model.train()
    data = model.data_preprocessor(toy_batch(cfg), True)
    # a learning signal: a few steps on one batch lower its loss
    first = None
    for _ in range(3):
        loss, _ = model.parse_losses(model(**data, mode='loss'))
        assert torch.isfinite(loss)
        first = loss.item() if first is None else first
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    loss, _ = model.parse_losses(model(**data, mode='loss'))
    assert loss.item() < first

    model.eval()
    data = model.data_preprocessor(toy_batch(cfg, 1), False)
    with torch.no_grad():
        (result, ) = model(**data, mode='predict')
    pred = result.pred_instances
    num = len(pred.bboxes)
    assert 0 < num <= test_cfg.get('max_per_img', 100)
    assert pred.bboxes.shape == (num, 4) and pred.scores.shape == (num, )
    assert pred.labels.shape == (num, ) and pred.labels.dtype == torch.long
    assert ((pred.labels >= 0) & (pred.labels < 3)).all()
    assert (pred.bboxes[:, 2:] >= pred.bboxes[:, :2]).all()
    assert (pred.scores[:-1] >= pred.scores[1:]).all()  # sorted
    assert result.img_id == data['data_samples'][0].img_id


def test_frozen_stages_and_norm_eval_in_detector(small_toy_voc):
    cfg = toy_config('retinanet', small_toy_voc)
    cfg.model.backbone.update(frozen_stages=2, norm_eval=True)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    backbone_before = copy.deepcopy(model.backbone.state_dict())
    optimizer = torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=0.1)
    data = model.data_preprocessor(toy_batch(cfg), True)
    loss, _ = model.parse_losses(model(**data, mode='loss'))
    loss.backward()
    optimizer.step()
    after = model.backbone.state_dict()
    for key, value in backbone_before.items():
        frozen = key.startswith(('conv1.', 'layer1.', 'layer2.'))
        running = 'running_' in key or 'num_batches' in key
        if frozen or running:
            # frozen stages do not move; norm_eval keeps all BN statistics
            assert torch.equal(value, after[key]), key
    assert not torch.equal(backbone_before['layer3.0.reduce.conv.weight'],
                           after['layer3.0.reduce.conv.weight'])


def test_retinanet_learns_on_toy_set(tmp_path):
    from mnx_det.datasets import make_toy_voc
    data_root = make_toy_voc(tmp_path / 'toy')

    def runner_for(name, epochs):
        cfg = toy_config('retinanet', data_root)
        cfg.work_dir = str(tmp_path / name)
        cfg.randomness = dict(seed=0)
        cfg.train_cfg.update(max_epochs=epochs, val_interval=epochs)
        cfg.param_scheduler[1].update(end=epochs, milestones=[epochs - 1])
        # no workers left for the garbage collector to stop, slowly, later
        cfg.train_dataloader.persistent_workers = False
        cfg.val_dataloader.persistent_workers = False
        return Runner.from_cfg(cfg)

    untrained = runner_for('untrained', 1)
    untrained.model.init_weights()
    before = untrained.val()['pascal_voc/mAP']
    trained = runner_for('trained', 4)
    trained.train()
    after = trained.val()['pascal_voc/mAP']
    assert after > before + 0.2, (before, after)
