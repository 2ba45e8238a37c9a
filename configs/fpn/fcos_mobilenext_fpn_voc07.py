# FCOS with MobileNeXt-1.0 + FPN (P3-P7, GN head) on VOC2007: the RetinaNet
# config with FCOS's neck options, head and losses (those of mmdet's
# fcos_r50-caffe_fpn_gn-head_1x_coco.py). The test settings are the same.
_base_ = './retinanet_mobilenext_fpn_voc07.py'

model = dict(
    type='FCOS',
    neck=dict(add_extra_convs='on_output', relu_before_extra_convs=True),
    bbox_head=dict(
        _delete_=True,
        type='FCOSHead',
        num_classes=20,
        in_channels=256,
        stacked_convs=4,
        feat_channels=256,
        strides=[8, 16, 32, 64, 128],
        loss_cls=dict(
            type='FocalLoss',
            use_sigmoid=True,
            gamma=2.0,
            alpha=0.25,
            loss_weight=1.0),
        loss_bbox=dict(type='IoULoss', loss_weight=1.0),
        loss_centerness=dict(
            type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)),
    # FCOS assigns targets itself, without anchors.
    train_cfg=None)

param_scheduler = [
    dict(type='ConstantLR', factor=1.0 / 3, by_epoch=False, begin=0, end=500),
    dict(
        type='MultiStepLR',
        begin=0,
        end={{_base_.max_epochs}},
        by_epoch=True,
        milestones=[3],
        gamma=0.1)
]
optim_wrapper = dict(
    paramwise_cfg=dict(bias_lr_mult=2., bias_decay_mult=0.),
    clip_grad=dict(max_norm=35, norm_type=2))
