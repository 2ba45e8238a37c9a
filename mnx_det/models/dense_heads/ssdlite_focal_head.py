"""SSDLite head with the official COCO classification loss: a sigmoid focal
loss over every prior, without hard-negative mining (focal loss: Lin et al.,
ICCV 2017, arXiv:1708.02002)."""
import math

import torch
from mmdet.registry import MODELS
from torch import nn

from ...errors import ConfigError
from .ssdlite_head import SSDLiteHead


@MODELS.register_module()
class SSDLiteFocalHead(SSDLiteHead):
    """SSDLite head of the official COCO detectors.

    Same layers, priors, matching and box loss as :class:`SSDLiteHead`; the
    classes are scored with sigmoids and trained with a focal loss summed
    over all priors and divided by the positives of the batch. The official
    head keeps ``num_classes + 1`` outputs per prior, as the softmax head:
    its one-hot targets are one wider and drop the background column, so
    the last output is a negative for every prior. That layout is kept (it
    is what the official parameter counts include): mmdet's
    ``FocalCustomLoss`` encodes targets the same way when given the extra
    output's index as the background label, and its ``get_activation``
    drops the extra output at test time.

    Args:
        loss_cls (dict): The focal loss; ``num_classes`` defaults to the
            head's. Default: the official one (alpha 0.25, gamma 2,
            weight 5).
        prior_prob (float): Foreground probability of the class branch at
            initialisation: its convs (the depthwise ones too, as in the
            official code) get weights N(0, 0.01) and bias
            -log((1 - p) / p). Default: 0.01.
        **kwargs: The arguments of :class:`SSDLiteHead`. The per-image
            loss (``batched_loss=False``) is mmdet's softmax loss and does
            not apply.
    """

    class_score_function = 'sigmoid'

    def __init__(self,
                 loss_cls=dict(
                     type='FocalCustomLoss',
                     use_sigmoid=True,
                     gamma=2.0,
                     alpha=0.25,
                     loss_weight=5.0),
                 prior_prob=0.01,
                 **kwargs):
        if not kwargs.get('batched_loss', True):
            raise ConfigError(
                'SSDLiteFocalHead has no per-image loss: batched_loss=False '
                "runs mmdet's softmax SSD loss, not the focal loss")
        super().__init__(**kwargs)
        loss_cls = dict(loss_cls)
        loss_cls.setdefault('num_classes', self.num_classes)
        self.loss_cls = MODELS.build(loss_cls)
        if not getattr(self.loss_cls, 'custom_cls_channels', False):
            raise ConfigError(
                'SSDLiteFocalHead needs a loss that scores num_classes of '
                'the num_classes + 1 outputs (FocalCustomLoss); got '
                f"{loss_cls['type']}")
        self.use_sigmoid_cls = True
        self.prior_prob = prior_prob

    def init_weights(self):
        # mmengine's init_cfg override of a named branch would initialise
        # its BatchNorms as well; the official code touches the convs only.
        super().init_weights()
        bias = -math.log((1 - self.prior_prob) / self.prior_prob)
        for module in self.cls_convs.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.normal_(module.weight, std=0.01)
                nn.init.constant_(module.bias, bias)

    def _classification_loss(self, cls_scores, targets):
        """Focal loss of every output of every prior."""
        # No class has the extra output's index, so it is a negative
        # everywhere; so is every output of a negative prior.
        labels = torch.where(targets.match.positive, targets.labels,
                             self.cls_out_channels)
        scores = self.flatten_priors(cls_scores, self.cls_out_channels)
        return self.loss_cls(
            scores.flatten(0, 1),
            labels.flatten(),
            avg_factor=targets.avg_factor)

    def class_scores(self, logits):
        """(..., classes) scores of (..., cls_out_channels) logits:
        sigmoids, the extra output dropped. mmdet's ``FocalCustomLoss
        .get_activation`` computes the same of 2-D logits only (it slices
        dim 1, which in a batched (N, A, C) tensor holds the priors)."""
        return logits[..., :self.num_classes].sigmoid()
