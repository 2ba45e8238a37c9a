# The toy VOC set for the FPN detectors: 160x160 input, the toy classes and
# a CPU-sized schedule. The names are prefixed with `toy_` so that a toy
# config can list this file beside its VOC config and pick what it needs.
toy_data_root = 'data/toy_voc/VOCdevkit/'
toy_classes = ('sheep', 'tvmonitor', 'bottle')
toy_num_classes = 3
toy_backbone = dict(init_cfg=None, frozen_stages=-1, norm_eval=False)
# Trained from scratch on a CPU: a 64-channel FPN and head, with GroupNorm,
# since detectors trained from scratch need normalization throughout to
# learn within a few hundred iterations (mmdet's plain RetinaNet head does
# not find the toy objects in that budget).
toy_norm = dict(type='GN', num_groups=16)
toy_neck = dict(out_channels=64, norm_cfg=toy_norm)
toy_dense_head = dict(
    num_classes=toy_num_classes,
    in_channels=64,
    feat_channels=64,
    stacked_convs=2,
    norm_cfg=toy_norm)

toy_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(160, 160), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
toy_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(160, 160), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
toy_train_dataloader = dict(
    _delete_=True,
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='CheckedVOCDataset',
        data_root=toy_data_root,
        metainfo=dict(classes=toy_classes),
        ann_file='VOC2007/ImageSets/Main/trainval.txt',
        data_prefix=dict(sub_data_root='VOC2007/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=0),
        pipeline=toy_train_pipeline))
toy_val_dataloader = dict(
    batch_size=8,
    num_workers=1,
    dataset=dict(
        data_root=toy_data_root,
        metainfo=dict(classes=toy_classes),
        pipeline=toy_test_pipeline))
toy_train_cfg = dict(max_epochs=12, val_interval=12)
toy_param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(
        type='MultiStepLR',
        begin=0,
        end=12,
        by_epoch=True,
        milestones=[9],
        gamma=0.1)
]
