# Faster R-CNN with MobileNeXt-1.0 + FPN on VOC2007. Its RoI levels need
# strides 4, 8, 16, 32: stages 2, 3, 5 and 8 (144, 192, 384, 1280 channels).
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py', './_base_/voc07_fpn.py'
]

model = dict(
    backbone={{_base_.mobilenext_backbone_from_stride4}},
    neck=dict(in_channels=[144, 192, 384, 1280]),
    roi_head=dict(bbox_head=dict(num_classes=20)))
