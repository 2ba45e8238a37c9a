# SSDLite320-MobileNetV2 on Pascal VOC, the paper's baseline: VOC07+12
# trainval, VOC07 test, 11-point mAP (paper: 71.7, official README: 71.8).
_base_ = [
    '_base_/models/ssdlite320_mobilenetv2.py',
    '_base_/datasets/voc0712_ssd320.py', '_base_/schedules/ssdlite_240k.py',
    '_base_/default_runtime.py'
]
