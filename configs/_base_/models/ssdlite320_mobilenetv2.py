# SSDLite320 with MobileNetV2-1.0, the paper's baseline, as in the official
# detection code: mmdet's MobileNetV2 tapped at its 96-channel stage (stride
# 16) and its final 1280-channel conv (stride 32, which also feeds the
# extras); inverted-residual extra layers; the same head as MobileNeXt's.
_base_ = './ssdlite320.py'

model = dict(
    backbone=dict(
        type='MobileNetV2',
        widen_factor=1.0,
        out_indices=(4, 7),
        act_cfg=dict(type='ReLU6'),
        # Written by tools/model_converters/torchvision_mobilenet_v2.py;
        # when absent, tools/train.py says so and trains from scratch.
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/mobilenet_v2_imagenet.pth')),
    neck=dict(
        in_channels=(96, 1280),
        out_channels=(96, 1280, 512, 256, 256, 64),
        mid_ratios=(0.2, 0.5, 0.5, 0.5),
        type='SSDLiteNeck',
        extra_block=dict(
            type='InvertedResidualExtraBlock', act_cfg=dict(type='ReLU6'))),
    bbox_head=dict(in_channels=(96, 1280, 512, 256, 256, 64)))
