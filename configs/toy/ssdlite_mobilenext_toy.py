# SSDLite-MobileNeXt on the bundled toy VOC set, trained from scratch.
_base_ = [
    '../_base_/models/ssdlite320_mobilenext.py', './_base_/toy_voc.py',
    '../_base_/default_runtime.py'
]

model = dict(backbone=dict(init_cfg=None), bbox_head={{_base_.toy_bbox_head}})
default_hooks = dict(
    logger=dict(interval=20), checkpoint=dict(interval=200,
                                              max_keep_ckpts=2))
log_processor = dict(window_size=20)
