# SSDLite320 with the paper's ablation backbone: MobileNetV2 with one more
# (linear) depthwise conv per block, tapped, extended and headed exactly as
# SSDLite-MobileNetV2, so that the two differ in that conv alone. No
# ImageNet weights exist for it (the paper did not publish them): the
# backbone starts from scratch unless init_cfg names weights you trained.
_base_ = './ssdlite320_mobilenetv2.py'

model = dict(backbone=dict(type='MobileNetV2ExtraDepthwise', init_cfg=None))
