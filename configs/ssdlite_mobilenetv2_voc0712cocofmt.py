# SSDLite320-MobileNetV2 on Pascal VOC in COCO format: the paper's VOC setup
# (official README: 71.8 mAP), scored with the VOC07 11-point mAP and
# COCO box AP. Needs the JSON files of tools/dataset_converters/pascal_voc.py.
_base_ = [
    '_base_/models/ssdlite320_mobilenetv2.py',
    '_base_/datasets/voc0712cocofmt_ssd320.py',
    '_base_/schedules/ssdlite_240k.py', '_base_/default_runtime.py'
]
