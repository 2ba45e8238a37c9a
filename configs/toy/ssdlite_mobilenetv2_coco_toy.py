# SSDLite-MobileNetV2 with the official COCO head and loss on the bundled toy
# set in COCO format, trained from scratch, scored with COCO box AP.
_base_ = ['../_base_/models/ssdlite320_mobilenetv2.py', './_base_/toy_coco.py']

model = dict(
    backbone=dict(init_cfg=None),
    bbox_head={{_base_.toy_coco_bbox_head}},
    test_cfg={{_base_.toy_coco_test_cfg}})
