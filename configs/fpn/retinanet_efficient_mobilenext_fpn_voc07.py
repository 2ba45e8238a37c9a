# RetinaNet with the EfficientNet-style MobileNeXt (b0) + FPN (P3-P7) on
# VOC2007: its stage outputs at strides 8, 16, 32 have the channels of
# MobileNeXt-1.0's (192, 384, 1280), so the neck and head are unchanged.
_base_ = './retinanet_mobilenext_fpn_voc07.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='EfficientMobileNeXt',
        arch='b0',
        out_indices=(2, 4, 7),
        frozen_stages=1,
        norm_eval=True,
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/mnext_s_imagenet.pth')))
