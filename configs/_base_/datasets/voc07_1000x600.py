# mmdet's Pascal VOC base for FPN detectors (1000x600, keep ratio, flip;
# VOC07 11-point mAP on VOC2007 test), trained on VOC2007 trainval alone.
_base_ = 'mmdet::_base_/datasets/voc0712.py'

voc07_trainval = dict(
    type='CheckedVOCDataset',
    data_root='data/VOCdevkit/',
    ann_file='VOC2007/ImageSets/Main/trainval.txt',
    data_prefix=dict(sub_data_root='VOC2007/'),
    filter_cfg=dict(filter_empty_gt=True, min_size=32, bbox_min_size=32),
    pipeline={{_base_.train_pipeline}},
    backend_args=None)
train_dataloader = dict(dataset=dict(dataset=dict(datasets=[voc07_trainval])))
# mmdet's VOCDataset, with every annotation and image path checked when it
# is built (mnx_det.datasets.CheckedVOCDataset).
val_dataloader = dict(dataset=dict(type='CheckedVOCDataset'))
test_dataloader = val_dataloader
