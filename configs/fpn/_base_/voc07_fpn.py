# What the MobileNeXt FPN detectors share: VOC2007 at 1000x600, mmdet's
# VOC schedule (4 epochs over a 3x repeated set, lr x0.1 after epoch 3, 2
# images per GPU on 8 GPUs) and the project's runtime, by epoch.
_base_ = [
    '../../_base_/datasets/voc07_1000x600.py',
    '../../_base_/default_runtime.py'
]

# MobileNeXt-1.0 stage outputs at strides 8, 16, 32 (channels 192, 384,
# 1280; MobileNeXt.stage_channels(w) gives them for another width).
mobilenext_backbone = dict(
    _delete_=True,  # replaces the ResNet of mmdet's model bases
    type='MobileNeXt',
    widen_factor=1.0,
    out_indices=(2, 4, 7),
    frozen_stages=1,
    norm_eval=True,
    init_cfg=dict(
        type='Pretrained',
        checkpoint='checkpoints/mobilenext_1.0_imagenet.pth'))
# With a stride-4 level as well (stage 2, 144 channels), for two-stage
# detectors whose RoI levels start at stride 4.
mobilenext_backbone_from_stride4 = dict(
    mobilenext_backbone, out_indices=(1, 2, 4, 7))

max_epochs = 4
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[3],
        gamma=0.1)
]
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001))
auto_scale_lr = dict(enable=False, base_batch_size=16)

default_hooks = dict(
    checkpoint=dict(by_epoch=True, interval=1, max_keep_ckpts=2))
log_processor = dict(by_epoch=True)
