# The SSD320 pipelines of the official detection code, shared by the VOC and
# COCO dataset configs.
backend_args = None
input_size = 320
pixel_mean = [123, 117, 104]

# The official augmentation, in its order: photometric distortion of the
# original image, expand onto a mean-filled canvas (p 0.5, up to 4x), the
# SSD crop (whole image, some object at IoU 0.1/0.3/0.7/0.9, or free),
# flip, resize to 320x320 ignoring aspect. Mean subtraction is the data
# preprocessor's. The four geometric steps run as one warp
# (SSDGeometricAugment: same random choices and boxes, no 4x canvas);
# `fused=False` on it, or `unfused_train_pipeline`, runs them in turn, as
# mmdet's transforms.
photometric_distortion = dict(
    type='PhotoMetricDistortion',
    brightness_delta=32,
    contrast_range=(0.5, 1.5),
    saturation_range=(0.5, 1.5),
    hue_delta=18)
geometric_augment = dict(
    type='SSDGeometricAugment',
    expand=dict(mean=pixel_mean, to_rgb=True, ratio_range=(1, 4), prob=0.5),
    crop=dict(
        min_ious=(0.1, 0.3, 0.7, 0.9),
        min_crop_size=0.3,
        aspect_range=(0.5, 2.0),
        max_trials=50),
    flip_prob=0.5,
    scale=(input_size, input_size),
    fused=True)
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True), photometric_distortion,
    geometric_augment,
    dict(type='PackDetInputs')
]
unfused_train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True), photometric_distortion,
    dict(type='Expand', **geometric_augment['expand']),
    dict(type='SSDRandomCrop', **geometric_augment['crop']),
    dict(type='RandomFlip', prob=geometric_augment['flip_prob']),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
