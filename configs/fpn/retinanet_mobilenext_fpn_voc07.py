# RetinaNet with MobileNeXt-1.0 + FPN (P3-P7) on VOC2007.
_base_ = ['mmdet::_base_/models/retinanet_r50_fpn.py', './_base_/voc07_fpn.py']

model = dict(
    backbone={{_base_.mobilenext_backbone}},
    neck=dict(in_channels=[192, 384, 1280], start_level=0),
    bbox_head=dict(num_classes=20))
