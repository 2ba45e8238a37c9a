# SSDLite with the EfficientNet-style MobileNeXt (b0) on the bundled toy VOC
# set, trained from scratch.
_base_ = [
    '../_base_/models/ssdlite320_efficient_mobilenext.py',
    './_base_/toy_voc.py'
]

model = dict(backbone=dict(init_cfg=None), bbox_head={{_base_.toy_bbox_head}})
