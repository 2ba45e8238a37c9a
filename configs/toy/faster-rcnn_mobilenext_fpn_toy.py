# configs/fpn/faster-rcnn_mobilenext_fpn_voc07.py on the bundled toy VOC set,
# trained from scratch (see ./_base_/toy_fpn.py).
_base_ = ['../fpn/faster-rcnn_mobilenext_fpn_voc07.py', './_base_/toy_fpn.py']

model = dict(
    backbone={{_base_.toy_backbone}},
    neck={{_base_.toy_neck}},
    rpn_head=dict(in_channels=64, feat_channels=64),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=64),
        bbox_head=dict(
            in_channels=64,
            fc_out_channels=256,
            num_classes={{_base_.toy_num_classes}})))
train_dataloader = {{_base_.toy_train_dataloader}}
val_dataloader = {{_base_.toy_val_dataloader}}
test_dataloader = val_dataloader
train_cfg = {{_base_.toy_train_cfg}}
param_scheduler = {{_base_.toy_param_scheduler}}
