# The paper's ablation in detection: SSDLite320 with MobileNetV2 + one more
# depthwise conv per block on Pascal VOC, the setup of
# ssdlite_mobilenetv2_voc.py. Its backbone has no ImageNet weights (see the
# model base): compare it with the other detectors trained the same way.
_base_ = [
    '_base_/models/ssdlite320_mobilenetv2_extra_dw.py',
    '_base_/datasets/voc0712_ssd320.py', '_base_/schedules/ssdlite_240k.py',
    '_base_/default_runtime.py'
]
