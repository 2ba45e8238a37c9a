# The bundled toy VOC set (tools/make_toy_voc.py) with a CPU-sized schedule:
# the real dataset and schedule bases with a smaller input, the toy classes
# and fewer iterations. Toy configs also set `model.bbox_head` to
# `toy_bbox_head` (the classes and anchors for this input size).
_base_ = [
    '../../_base_/datasets/voc0712_ssd320.py',
    '../../_base_/schedules/ssdlite_240k.py', '../../_base_/default_runtime.py'
]

data_root = 'data/toy_voc/VOCdevkit/'
classes = ('sheep', 'tvmonitor', 'bottle')
metainfo = dict(classes=classes)
input_size = 160
max_iters = 200

# The official 320 anchor sizes scaled by 160 / 320, centred on the
# 10, 5, 3, 2, 1, 1 feature maps of a 160 input.
toy_bbox_head = dict(
    num_classes=len(classes),
    anchor_generator=dict(
        input_size=input_size,
        strides=[16, 32, 53, 80, 160, 160],
        min_sizes=[22.5, 45, 67.5, 90, 112.5, 135],
        max_sizes=[60, 90, 110, 130, 150, 160]))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Expand', mean=[123, 117, 104], to_rgb=True, ratio_range=(1, 2)),
    dict(type='SSDRandomCrop'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    dataset=dict(datasets=[
        dict(
            type='CheckedVOCDataset',
            data_root=data_root,
            metainfo=metainfo,
            ann_file='VOC2007/ImageSets/Main/trainval.txt',
            data_prefix=dict(sub_data_root='VOC2007/'),
            filter_cfg=dict(filter_empty_gt=True, min_size=0),
            pipeline=train_pipeline)
    ]))
val_dataloader = dict(
    batch_size=8,
    num_workers=1,
    dataset=dict(
        data_root=data_root, metainfo=metainfo, pipeline=test_pipeline))
test_dataloader = val_dataloader

train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
optim_wrapper = dict(optimizer=dict(lr=0.05))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(
        type='MultiStepLR',
        by_epoch=False,
        begin=0,
        end=max_iters,
        milestones=[140, 180],
        gamma=0.1)
]
auto_scale_lr = dict(base_batch_size=16)

default_hooks = dict(
    logger=dict(interval=20), checkpoint=dict(interval=100, max_keep_ckpts=2))
log_processor = dict(window_size=20)
