# The bundled toy set in COCO format (the JSON files tools/make_toy_voc.py
# writes beside the VOC layout) with the toy schedule, scored with COCO box
# AP. Toy COCO configs set `model.bbox_head` to `toy_coco_bbox_head`: the
# official COCO head settings with the toy classes and anchor sizes.
_base_ = ['./toy_voc.py']

data_root = 'data/toy_voc/VOCdevkit/'
# In the file's category order (VOC's): mmdet's CocoDataset numbers the
# classes in that order whatever the order given here, so any other order
# would put the wrong names on the labels.
classes = ('bottle', 'sheep', 'tvmonitor')
metainfo = dict(classes=classes)

# The focal head with its default, the official COCO loss, and the COCO
# priors (max sizes 90..315, one ratio pair on the last level) scaled by
# 160 / 320, on the toy input's feature maps.
toy_coco_bbox_head = dict(
    type='SSDLiteFocalHead',
    num_classes=len(classes),
    anchor_generator=dict(
        input_size=160,
        strides=[16, 32, 53, 80, 160, 160],
        ratios=[[2, 3], [2, 3], [2, 3], [2, 3], [2, 3], [2]],
        min_sizes=[22.5, 45, 67.5, 90, 112.5, 135],
        max_sizes=[45, 67.5, 90, 112.5, 135, 157.5]))
toy_coco_test_cfg = dict(score_thr=0.05, nms=dict(iou_threshold=0.5))

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CocoDataset',
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/voc07_trainval.json',
        data_prefix=dict(img=''),
        filter_cfg=dict(filter_empty_gt=True, min_size=0),
        pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    dataset=dict(
        type='CocoDataset',
        ann_file='annotations/voc07_test.json',
        data_prefix=dict(_delete_=True, img='')))
test_dataloader = val_dataloader

val_evaluator = dict(
    _delete_=True,
    type='CocoMetric',
    ann_file=data_root + 'annotations/voc07_test.json',
    metric='bbox')
test_evaluator = val_evaluator
