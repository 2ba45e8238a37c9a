# Pascal VOC in COCO format for SSD at 320x320, as mmdet's
# configs/pascal_voc/*cocofmt*: VOC07+12 trainval for training, VOC07 test
# scored twice, with the VOC07 11-point mAP and with COCO box AP
# (AP@[.5:.95] and the rest, pycocotools). Difficult objects are ignored by
# both. The JSON files come from
#   python tools/dataset_converters/pascal_voc.py data/VOCdevkit \
#       -o data/VOCdevkit/annotations --out-format coco
_base_ = './coco_ssd320.py'

data_root = 'data/VOCdevkit/'
metainfo = dict(
    classes=('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car',
             'cat', 'chair', 'cow', 'diningtable', 'dog', 'horse', 'motorbike',
             'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor'))

# 24 images per process, as in the official VOC recipe.
train_dataloader = dict(
    batch_size=24,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/voc0712_trainval.json',
        data_prefix=dict(img='')))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/voc07_test.json',
        data_prefix=dict(img='')))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='VOCMetric', metric='mAP', eval_mode='11points'),
    dict(
        type='CocoMetric',
        ann_file=data_root + 'annotations/voc07_test.json',
        metric='bbox')
]
test_evaluator = val_evaluator
