# ssdlite_efficient_mobilenext_voc.py with "mnext-b1" (the official mnext_l:
# 1.1x the blocks, grouped 1x1 convs); the same taps and strides.
_base_ = './ssdlite_efficient_mobilenext_voc.py'

model = dict(
    backbone=dict(
        arch='b1',
        init_cfg=dict(checkpoint='checkpoints/mnext_l_imagenet.pth')))
