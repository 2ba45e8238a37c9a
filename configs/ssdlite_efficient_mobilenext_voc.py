# SSDLite320 with the EfficientNet-style MobileNeXt (mnext-b0) on Pascal VOC,
# the setup of ssdlite_mobilenext_voc.py: VOC07+12 trainval, VOC07 test,
# 11-point mAP. The paper reports this backbone on ImageNet only.
_base_ = [
    '_base_/models/ssdlite320_efficient_mobilenext.py',
    '_base_/datasets/voc0712_ssd320.py', '_base_/schedules/ssdlite_240k.py',
    '_base_/default_runtime.py'
]
