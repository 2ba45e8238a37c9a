# SSDLite320 with MobileNeXt-1.0, as in the official detection code: the
# backbone is tapped inside the first block of stage 6 (576 channels,
# stride 16) and inside the stage-8 block (1280 channels, stride 32); four
# sandglass extra layers grow from the backbone's final output.
_base_ = './ssdlite320.py'

model = dict(
    backbone=dict(
        type='MobileNeXt',
        widen_factor=1.0,
        out_indices=(7, ),
        taps=('layer6.0.expansion', 'layer8.0.expansion'),
        # Written by tools/model_converters/mobilenext_official.py; when the
        # file is absent, tools/train.py says so and trains from scratch.
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/mobilenext_1.0_imagenet.pth')),
    neck=dict(
        type='SSDLiteNeck',
        in_channels=(576, 1280, 1280),
        out_channels=(576, 1280, 512, 256, 256, 128),
        mid_ratios=(0.2, 0.25, 0.5, 0.5),
        extra_block=dict(type='SandglassExtraBlock')),
    bbox_head=dict(in_channels=(576, 1280, 512, 256, 256, 128)))
