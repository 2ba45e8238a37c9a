# configs/fpn/retinanet_efficient_mobilenext_fpn_voc07.py on the bundled toy
# VOC set, trained from scratch (see ./_base_/toy_fpn.py).
_base_ = [
    '../fpn/retinanet_efficient_mobilenext_fpn_voc07.py', './_base_/toy_fpn.py'
]

model = dict(
    backbone={{_base_.toy_backbone}},
    neck={{_base_.toy_neck}},
    bbox_head={{_base_.toy_dense_head}})
train_dataloader = {{_base_.toy_train_dataloader}}
val_dataloader = {{_base_.toy_val_dataloader}}
test_dataloader = val_dataloader
train_cfg = {{_base_.toy_train_cfg}}
param_scheduler = {{_base_.toy_param_scheduler}}
