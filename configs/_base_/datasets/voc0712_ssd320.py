# Pascal VOC for SSD at 320x320: VOC2007+2012 trainval for training, VOC2007
# test with the VOC07 11-point mAP. Expects data/VOCdevkit/VOC{2007,2012}/.
# mmdet's VOCDataset, with every annotation and image path checked when
# it is built (mnx_det.datasets.CheckedVOCDataset).
_base_ = './ssd320_pipelines.py'

dataset_type = 'CheckedVOCDataset'
data_root = 'data/VOCdevkit/'
backend_args = None

voc07_trainval = dict(
    type=dataset_type,
    data_root=data_root,
    ann_file='VOC2007/ImageSets/Main/trainval.txt',
    data_prefix=dict(sub_data_root='VOC2007/'),
    filter_cfg=dict(filter_empty_gt=True, min_size=0),
    pipeline={{_base_.train_pipeline}},
    backend_args=backend_args)
voc12_trainval = dict(
    voc07_trainval,
    ann_file='VOC2012/ImageSets/Main/trainval.txt',
    data_prefix=dict(sub_data_root='VOC2012/'))

# 24 images per process, as in the official recipe (see the schedule).
train_dataloader = dict(
    batch_size=24,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='ConcatDataset',
        ignore_keys=['dataset_type'],
        datasets=[voc07_trainval, voc12_trainval]))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='VOC2007/ImageSets/Main/test.txt',
        data_prefix=dict(sub_data_root='VOC2007/'),
        test_mode=True,
        pipeline={{_base_.test_pipeline}},
        backend_args=backend_args))
test_dataloader = val_dataloader

val_evaluator = dict(type='VOCMetric', metric='mAP', eval_mode='11points')
test_evaluator = val_evaluator
