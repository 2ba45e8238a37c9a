# SSDLite with MobileNetV2 + one more depthwise conv per block (the paper's
# ablation) on the bundled toy VOC set, trained from scratch.
_base_ = [
    '../_base_/models/ssdlite320_mobilenetv2_extra_dw.py',
    './_base_/toy_voc.py'
]

model = dict(bbox_head={{_base_.toy_bbox_head}})
