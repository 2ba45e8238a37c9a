"""Parameters and MAdds of backbones and detectors, beside the paper's.

Counting is mmengine's (``mmengine.analysis``, fvcore-style: one
multiply-add counts once, which is what the paper calls MAdds), restricted
to convolutions and linear layers as in the paper.
"""
import torch
from mmdet.models.backbones import MobileNetV2
from mmengine.analysis import FlopAnalyzer
from torch import nn

from ..models import EfficientMobileNeXt, MobileNetV2ExtraDepthwise, MobileNeXt

WIDTHS = (1.4, 1.0, 0.75, 0.5, 0.35)
# The paper's ImageNet table and the official code's counts (facts file
# section 1): width -> (params, MAdds, top-1), None where not given.
PAPER_IMAGENET = {
    'MobileNeXt': {
        1.4: (6.13e6, 588e6, 76.1),
        1.0: (3.4e6, 300e6, 74.0),
        0.75: (2.77e6, 208e6, 72.0),
        0.5: (2.15e6, 103e6, 67.7),
        0.35: (1.91e6, 75e6, 64.7),
    },
    'MobileNetV2': {
        1.4: (None, None, 74.9),
        1.0: (3.5e6, 300e6, 72.3),
        0.75: (None, None, 69.9),
        0.5: (None, None, 65.4),
        0.35: (None, None, 60.3),
    },
}
# The paper's other networks (facts file section 4): name -> (input side,
# params, MAdds, ImageNet top-1) as the official code builds them (params
# include a BatchNorm(1280) its forward never uses) or as published.
OFFICIAL_OTHER_NETWORKS = {
    'EfficientMobileNeXt b0 (mnext_s)': (224, 3937011, 330.2e6, 76.06),
    'EfficientMobileNeXt b1 (mnext_l)': (240, 4287498, 464.1e6, 76.59),
    'EfficientNet-b0 (its paper)': (224, 5.3e6, 0.39e9, 76.3),
    'MobileNetV2 + extra depthwise (paper)': (224, None, None, 73.0),
}
# The paper's VOC table (SSDLite320): name -> (params, MAdds, mAP).
PAPER_VOC = {
    'SSDLite320-MobileNeXt': (4.3e6, 0.8e9, 72.6),
    'SSDLite320-MobileNetV2': (4.3e6, 0.8e9, 71.7),
}
# The official COCO models (detection repository): parameters, val2017 AP.
OFFICIAL_COCO = {
    'SSDLite320-MobileNeXt': (4539418, 23.3),
    'SSDLite320-MobileNetV2': (4304138, 22.3),
}

# Operators mmengine counts that the paper's MAdds leave out.
NOT_MADDS = ('aten::batch_norm', 'aten::adaptive_avg_pool2d')


class ImageNetClassifier(nn.Module):
    """A backbone's last stage, global pooling and a linear head, as the
    paper counts its ImageNet networks (dropout has no parameters)."""

    def __init__(self, backbone, channels, num_classes=1000):
        super().__init__()
        self.backbone = backbone
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x):
        x = self.backbone(x)[-1]
        return self.fc(x.mean((2, 3)))


def imagenet_classifier(family, width=1.0):
    """MobileNeXt, mmdet's MobileNetV2 (at ``width``), the EfficientNet-style
    MobileNeXt (``'EfficientMobileNeXt b0'`` or ``b1``) or the extra
    depthwise ablation (``'MobileNetV2ExtraDepthwise'``) with a 1000-way
    head."""
    if family.startswith('EfficientMobileNeXt'):
        return ImageNetClassifier(
            EfficientMobileNeXt(family.split()[1]), 1280).eval()
    if family == 'MobileNetV2ExtraDepthwise':
        return ImageNetClassifier(
            MobileNetV2ExtraDepthwise(out_indices=(7, )), 1280).eval()
    if family == 'MobileNeXt':
        backbone = MobileNeXt(widen_factor=width, out_indices=(7, ))
        channels = backbone.out_channels[-1]
    else:
        backbone = MobileNetV2(widen_factor=width, out_indices=(7, ))
        channels = backbone.out_channel
    return ImageNetClassifier(backbone, channels).eval()


def count(model, inputs):
    """Return (parameters, MAdds) of ``model`` on ``inputs``.

    MAdds are those of convolutions and linear layers, as the paper counts
    them (mmengine would also count BatchNorm, 5% more for MobileNeXt, and
    the pooling of squeeze-and-excitation).
    """
    params = sum(p.numel() for p in model.parameters())
    analyzer = FlopAnalyzer(model, inputs)
    # A None handle does not override mmengine's defaults: a zero one does.
    analyzer.set_op_handle(**{
        op: lambda inputs, outputs: 0
        for op in NOT_MADDS
    })
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return params, analyzer.total()


def detector_complexity(model, shape):
    """Counts of a detector (forward without post-processing) and its
    backbone at ``shape`` (H, W)."""
    x = torch.rand(1, 3, *shape)
    model.eval()
    with torch.no_grad():
        return dict(
            detector=count(model, (x, )),
            backbone=count(model.backbone, (x, )))
