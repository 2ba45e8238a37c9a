# SSDLite with the EfficientNet-style MobileNeXt (b0) on the bundled toy VOC
# set, trained from scratch. The ImageNet recipe's batch-norm momentum (0.01)
# and stochastic depth are made for 350 epochs: in 200 toy iterations the
# running statistics would not settle, so the toy run uses torch's default
# momentum, no drop path and a lower learning rate (at the toy's 0.05 this
# Swish/SE network does not learn the toy set; README, "The paper's other
# networks").
_base_ = [
    '../_base_/models/ssdlite320_efficient_mobilenext.py',
    './_base_/toy_voc.py'
]

model = dict(
    backbone=dict(
        init_cfg=None,
        drop_path_rate=0.0,
        norm_cfg=dict(type='BN', eps=1e-3, momentum=0.1)),
    bbox_head={{_base_.toy_bbox_head}})
optim_wrapper = dict(optimizer=dict(lr=0.01))
