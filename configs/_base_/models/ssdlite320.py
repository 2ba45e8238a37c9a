# SSDLite320 as in the official detection code, less the backbone and its
# extra layers (ssdlite320_mobilenext.py, ssdlite320_mobilenetv2.py): the
# preprocessing, a separable-conv head predicting 6 anchors per location on
# 6 levels, the official priors, matching and post-processing.
model = dict(
    type='SingleStageDetector',
    # Official preprocessing: RGB, subtract the pixel mean, no std division.
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123, 117, 104],
        std=[1, 1, 1],
        bgr_to_rgb=True,
        pad_size_divisor=1),
    bbox_head=dict(
        type='SSDLiteHead',
        num_classes=20,
        # The official priors: clamped to the image in centre form.
        anchor_generator=dict(
            type='ClampedSSDAnchorGenerator',
            input_size=320,
            scale_major=False,
            strides=[16, 32, 64, 120, 160, 320],
            ratios=[[2, 3], [2, 3], [2, 3], [2, 3], [2, 3], [2, 3]],
            min_sizes=[45, 90, 135, 180, 225, 270],
            max_sizes=[120, 180, 220, 260, 300, 320]),
        bbox_coder=dict(
            type='DeltaXYWHBBoxCoder',
            target_means=[0., 0., 0., 0.],
            target_stds=[0.1, 0.1, 0.2, 0.2],
            # The official boxes are not clipped to the image.
            clip_border=False)),
    train_cfg=dict(
        assigner=dict(
            type='MaxIoUAssigner',
            pos_iou_thr=0.5,
            neg_iou_thr=0.5,
            min_pos_iou=0.,
            ignore_iof_thr=-1,
            gt_max_assign_all=False),
        sampler=dict(type='PseudoSampler'),
        smoothl1_beta=1.,
        allowed_border=-1,
        pos_weight=-1,
        neg_pos_ratio=3,
        debug=False),
    # Official post-processing: every (prior, class) pair scoring above
    # score_thr enters class-wise NMS (mmdet's nms_pre is per level; no
    # level has more than 2,400 x 20 pairs), no size filter, top 100.
    test_cfg=dict(
        nms_pre=100000,
        nms=dict(type='nms', iou_threshold=0.45),
        min_bbox_size=-1,
        score_thr=0.01,
        max_per_img=100))
