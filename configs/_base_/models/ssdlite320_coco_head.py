# The official COCO head settings, applied to either SSDLite model base by
# the COCO configs (model = dict(bbox_head={{_base_.coco_bbox_head}},
# test_cfg={{_base_.coco_test_cfg}})): 80 classes scored by sigmoids with a
# focal loss (alpha 0.25, gamma 2, x5, no hard-negative mining) and 81
# outputs per prior, the extra one trained as a negative everywhere, as in
# the official head (mnx_det.models.SSDLiteFocalHead); max prior sizes
# 90..315 and a single ratio pair on the 1x1 level (4 priors there).
coco_bbox_head = dict(
    type='SSDLiteFocalHead',
    num_classes=80,
    loss_cls=dict(
        type='FocalCustomLoss',
        use_sigmoid=True,
        gamma=2.0,
        alpha=0.25,
        loss_weight=5.0),
    anchor_generator=dict(
        ratios=[[2, 3], [2, 3], [2, 3], [2, 3], [2, 3], [2]],
        max_sizes=[90, 135, 180, 225, 270, 315]))
# score > 0.05, class-wise NMS at IoU 0.5, top 100
coco_test_cfg = dict(score_thr=0.05, nms=dict(iou_threshold=0.5))
