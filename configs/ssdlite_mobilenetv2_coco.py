# SSDLite320-MobileNetV2 on COCO 2017, the official COCO setup: focal loss,
# 81 outputs per prior, COCO priors, SyncBN under a launcher, cosine
# schedule; val2017 box AP (official README: 22.3).
_base_ = [
    '_base_/models/ssdlite320_mobilenetv2.py',
    '_base_/models/ssdlite320_coco_head.py', '_base_/datasets/coco_ssd320.py',
    '_base_/schedules/ssdlite_cosine_1600k.py', '_base_/default_runtime.py'
]

model = dict(
    bbox_head={{_base_.coco_bbox_head}}, test_cfg={{_base_.coco_test_cfg}})
