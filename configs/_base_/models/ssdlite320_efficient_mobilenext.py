# SSDLite320 with the EfficientNet-style MobileNeXt ("mnext-b0", the official
# mnext_s), tapped for the strides and channels of SSDLite-MobileNeXt's two
# taps: inside the first block of stage 6 (576 channels, stride 16, before
# its stride-2 depthwise conv) and at the end of stage 8 (1280 channels,
# stride 32), which also feeds the four sandglass extra layers.
_base_ = './ssdlite320_mobilenext.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='EfficientMobileNeXt',
        arch='b0',
        out_indices=(7, ),
        taps=('layer6.0.expansion', ),
        # Written by tools/model_converters/mobilenext_efficient.py; when
        # the file is absent, tools/train.py says so.
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/mnext_s_imagenet.pth')),
    neck=dict(in_channels=(576, 1280)))
