# SSDLite320-MobileNeXt on Pascal VOC, the paper's setup: VOC07+12 trainval,
# VOC07 test, 11-point mAP (paper: 72.6, official README: 72.6).
_base_ = [
    '_base_/models/ssdlite320_mobilenext.py',
    '_base_/datasets/voc0712_ssd320.py', '_base_/schedules/ssdlite_240k.py',
    '_base_/default_runtime.py'
]
