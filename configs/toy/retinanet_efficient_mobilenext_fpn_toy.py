# configs/fpn/retinanet_efficient_mobilenext_fpn_voc07.py on the bundled toy
# VOC set, trained from scratch: the MobileNeXt toy RetinaNet with the
# EfficientNet-style backbone (see ./_base_/toy_fpn.py).
_base_ = ['./retinanet_mobilenext_fpn_toy.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='EfficientMobileNeXt',
        arch='b0',
        out_indices=(2, 4, 7),
        frozen_stages=-1,
        norm_eval=False,
        init_cfg=None))
