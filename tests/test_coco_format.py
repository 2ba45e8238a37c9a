"""COCO-format data: VOC converted to COCO (tool and function), missing
data named, the COCO configs evaluated by pycocotools, and the toy COCO
setup learning."""
import json
import os

import pytest
from mmdet.registry import DATASETS
from mmengine.config import Config
from mmengine.runner import Runner

from mnx_det.apis import check_datasets, toy_run_config
from mnx_det.datasets import (AnnotationError, DatasetNotFoundError,
                              convert_devkit, make_toy_voc, voc_to_coco)
from helpers import ROOT, run_script

# mmdet numbers the classes of a COCO file in the file's category order
TOY_COCO_CLASSES = ('bottle', 'sheep', 'tvmonitor')


def test_missing_coco_data_names_the_file_and_the_layout(tmp_path):
    cfg = Config.fromfile(str(ROOT / 'configs/ssdlite_mobilenext_coco.py'))
    cfg.train_dataloader.dataset.data_root = f'{tmp_path}/'
    with pytest.raises(DatasetNotFoundError) as error:
        check_datasets(cfg, ('train', ))
    message = str(error.value)
    assert message.startswith(
        f'annotation file {tmp_path}/annotations/instances_train2017.json '
        'does not exist')
    assert 'annotations/instances_train2017.json, instances_val2017.json' \
        in message


def test_coco_json_gives_the_voc_datasets_ground_truth(small_toy_voc):
    voc = DATASETS.build(
        dict(
            type='CheckedVOCDataset',
            data_root=small_toy_voc,
            ann_file='VOC2007/ImageSets/Main/test.txt',
            data_prefix=dict(sub_data_root='VOC2007/'),
            metainfo=dict(classes=('sheep', 'tvmonitor', 'bottle')),
            test_mode=True,
            pipeline=[]))
    coco = DATASETS.build(
        dict(
            type='CocoDataset',
            data_root=small_toy_voc,
            ann_file='annotations/voc07_test.json',
            data_prefix=dict(img=''),
            metainfo=dict(classes=TOY_COCO_CLASSES),
            test_mode=True,
            pipeline=[]))
    assert len(voc) == len(coco) == 8
    difficult = 0
    for i in range(len(voc)):
        expected, got = voc.get_data_info(i), coco.get_data_info(i)
        assert got['img_path'] == expected['img_path']
        objects = [(o['bbox'], voc.metainfo['classes'][o['bbox_label']],
                    o['ignore_flag']) for o in expected['instances']]
        assert [(o['bbox'], TOY_COCO_CLASSES[o['bbox_label']],
                 o['ignore_flag']) for o in got['instances']] == objects
        difficult += sum(flag for _, _, flag in objects)
    assert difficult > 0  # difficult objects became ignored crowd boxes


def test_converter_tool_writes_mmdets_files_and_stops_on_bad_xml(
        tmp_path, monkeypatch):
    root = make_toy_voc(tmp_path / 'toy', num_trainval=4, num_test=2)
    out = tmp_path / 'annotations'
    umask = os.umask(0o022)
    try:
        assert run_script([
            'tools/dataset_converters/pascal_voc.py', root, '-o', out,
            '--out-format', 'coco'
        ], monkeypatch) == 0
    finally:
        os.umask(umask)
    assert sorted(p.name for p in out.iterdir()) == [
        'voc07_test.json', 'voc07_trainval.json'
    ]
    # the mode any new file gets (the temporary file's was 0600)
    assert {p.stat().st_mode & 0o777 for p in out.iterdir()} == {0o644}
    written = json.loads((out / 'voc07_test.json').read_text())
    assert written == voc_to_coco(root, ('2007', ), 'test', progress=False)
    assert [c['name'] for c in written['categories']
            ][:3] == ['aeroplane', 'bicycle', 'bird']
    xml = tmp_path / 'toy/VOCdevkit/VOC2007/Annotations/000005.xml'
    xml.write_text(xml.read_text().replace('<xmin>', '<xmin>9999', 1))
    with pytest.raises(AnnotationError, match=r'000005.xml: object 0 .*xmax'):
        convert_devkit(root, str(out), verbose=False)
    # the files of the last good conversion are kept whole
    assert json.loads((out / 'voc07_test.json').read_text()) == written


@pytest.mark.parametrize(
    'config',
    ['ssdlite_mobilenext_coco_toy.py', 'ssdlite_mobilenetv2_coco_toy.py'])
def test_coco_configs_train_and_evaluate_with_pycocotools(
        config, small_toy_voc, tmp_path):
    runner = Runner.from_cfg(
        toy_run_config(
            ROOT / 'configs/toy' / config,
            small_toy_voc,
            tmp_path,
            train_cfg=dict(max_iters=2, val_interval=2),
            train_dataloader=dict(batch_size=4),
            # every prior scores about 0.01 (the focal init) at first
            model=dict(test_cfg=dict(score_thr=0.))))
    runner.train()
    metrics = runner.val()
    assert set(metrics) >= {
        'coco/bbox_mAP', 'coco/bbox_mAP_50', 'coco/bbox_mAP_75'
    }


# 60 iterations of the head and extras on the frozen toy backbone.
FINE_TUNING = dict(
    model=dict(backbone=dict(frozen_stages=8, norm_eval=True)),
    train_cfg=dict(max_iters=60, val_interval=60),
    param_scheduler=[
        dict(type='LinearLR', start_factor=0.1, by_epoch=False, end=10),
        dict(type='MultiStepLR', by_epoch=False, end=60, milestones=[50])
    ])


@pytest.fixture(scope='session')
def trained_toy_coco_detector(toy_voc, trained_toy_detector, tmp_path_factory):
    """Toy SSDLite-MobileNeXt with the COCO head and loss, fine-tuned as
    detectors are from ImageNet weights: backbone and extras from the toy
    VOC detector (the toy set's stand-in for them), backbone frozen, head
    from scratch. Scored on the toy test set by pycocotools and by
    VOCMetric's area mAP, on the same detections."""
    checkpoint, _ = trained_toy_detector
    cfg = toy_run_config(ROOT / 'configs/toy/ssdlite_mobilenext_coco_toy.py',
                         toy_voc, tmp_path_factory.mktemp('toy_coco_training'),
                         **FINE_TUNING)
    for part in ('backbone', 'neck'):
        cfg.model[part].init_cfg = dict(
            type='Pretrained', checkpoint=checkpoint, prefix=f'{part}.')
    cfg.val_evaluator = [
        cfg.val_evaluator,
        dict(type='VOCMetric', metric='mAP', eval_mode='area')
    ]
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner.val()


def test_ssdlite_mobilenext_learns_the_toy_set_with_the_coco_setup(
        trained_toy_coco_detector):
    """The head learns from scratch on the frozen toy backbone (0.001 AP50
    untrained). The bound holds on every machine measured: AP50 0.46-0.70
    here over the instruction-set caps, thread counts and training seeds
    0-3, 0.42 uncapped on an Intel Xeon with AMX (issue 27)."""
    ap50 = trained_toy_coco_detector['coco/bbox_mAP_50']
    assert ap50 >= 0.3, f'COCO AP50 {ap50:.3f} after training'


def test_pycocotools_ap50_agrees_with_the_voc_area_map(
        trained_toy_coco_detector):
    """Same detections, same IoU 0.5, difficult objects ignored by both:
    only the interpolation (101 recall points vs the exact area) and the
    crowd matching rule differ."""
    coco = trained_toy_coco_detector['coco/bbox_mAP_50']
    voc = trained_toy_coco_detector['pascal_voc/mAP']
    assert abs(coco - voc) <= 0.02, (coco, voc)
