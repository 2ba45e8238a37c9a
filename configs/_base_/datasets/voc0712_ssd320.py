# Pascal VOC for SSD at 320x320: VOC2007+2012 trainval for training, VOC2007
# test with the VOC07 11-point mAP. Expects data/VOCdevkit/VOC{2007,2012}/.
# mmdet's VOCDataset, with every annotation and image path checked when
# it is built (mnx_det.datasets.CheckedVOCDataset).
dataset_type = 'CheckedVOCDataset'
data_root = 'data/VOCdevkit/'
backend_args = None
input_size = 320
pixel_mean = [123, 117, 104]

# The official augmentation, in its order: photometric distortion of the
# original image, expand onto a mean-filled canvas (p 0.5, up to 4x), the
# SSD crop (whole image, some object at IoU 0.1/0.3/0.7/0.9, or free),
# flip, resize to 320x320 ignoring aspect. Mean subtraction is the data
# preprocessor's.
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PhotoMetricDistortion',
        brightness_delta=32,
        contrast_range=(0.5, 1.5),
        saturation_range=(0.5, 1.5),
        hue_delta=18),
    dict(
        type='Expand',
        mean=pixel_mean,
        to_rgb=True,
        ratio_range=(1, 4),
        prob=0.5),
    dict(
        type='SSDRandomCrop',
        min_ious=(0.1, 0.3, 0.7, 0.9),
        min_crop_size=0.3,
        aspect_range=(0.5, 2.0),
        max_trials=50),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]

voc07_trainval = dict(
    type=dataset_type,
    data_root=data_root,
    ann_file='VOC2007/ImageSets/Main/trainval.txt',
    data_prefix=dict(sub_data_root='VOC2007/'),
    filter_cfg=dict(filter_empty_gt=True, min_size=0),
    pipeline=train_pipeline,
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
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = val_dataloader

val_evaluator = dict(type='VOCMetric', metric='mAP', eval_mode='11points')
test_evaluator = val_evaluator
