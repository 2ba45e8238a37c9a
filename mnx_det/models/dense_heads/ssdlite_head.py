"""SSDLite head with the official predictor layout and a batched loss.

SSD: Liu et al., ECCV 2016, arXiv:1512.02325; SSDLite (depthwise separable
predictors): Sandler et al., CVPR 2018, arXiv:1801.04381.
"""
import warnings

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmdet.models.dense_heads import SSDHead
from mmdet.models.losses import smooth_l1_loss
from mmdet.registry import MODELS
from torch import nn

from ...errors import ConfigError
from ..task_modules import BatchTargets, match_priors, pad_gt_instances


@MODELS.register_module()
class SSDLiteHead(SSDHead):
    """SSDLite head of the official MobileNeXt and MobileNetV2 detectors.

    mmdet's ``SSDHead(use_depthwise=True)`` puts a bias-free depthwise conv
    on every level. The official head differs in two places, so it is
    built here: each level but the last predicts with a separable conv
    (depthwise 3x3 *with* bias + BN + act, then a 1x1 conv), and the last
    (1x1) level with a plain 1x1 conv. Anchors, box coding and
    post-processing are ``SSDHead``'s.

    The loss is SSD's (IoU matching with forced best priors, hard negative
    mining, cross-entropy and smooth L1 summed over the batch and divided by
    its positives), computed for the whole batch in tensor ops by default;
    mmdet's per-image loop gives the same values and gradients (tests) at a
    cost that grows with every image.

    Args:
        norm_cfg (dict): Norm after the depthwise convs.
            Default: dict(type='BN').
        act_cfg (dict): Activation after it. Default: dict(type='ReLU6').
        batched_loss (bool): Compute targets and loss for the whole batch at
            once. False runs ``SSDHead.loss_by_feat``. Default: True.
        **kwargs: The other arguments of :class:`mmdet.models.SSDHead`
            (``stacked_convs`` and ``use_depthwise`` do not apply).
    """

    # how :meth:`class_scores` turns logits into scores, by name, for
    # exported files that decode outside the graph (mnx_det.deploy)
    class_score_function = 'softmax'

    def __init__(self,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU6'),
                 batched_loss=True,
                 **kwargs):
        super().__init__(
            use_depthwise=True, norm_cfg=norm_cfg, act_cfg=act_cfg, **kwargs)
        self.batched_loss = batched_loss
        self._priors_key = self._priors = None

    @property
    def loss_cls(self):
        """The classification loss module, None for SSD's built-in loss.

        mmdet 3.3.0's ``BaseDenseHead.predict_by_feat`` reads
        ``self.loss_cls``, which ``SSDHead`` never sets (``AttributeError``;
        mmdetection issues 11063, 11305, 11780); None takes its softmax
        branch. A subclass that assigns a loss module (as
        :class:`SSDLiteFocalHead` does) is read back here: modules live in
        ``_modules``, which a plain class attribute would hide.
        """
        return self._modules.get('loss_cls')

    @loss_cls.setter
    def loss_cls(self, module):
        self._modules['loss_cls'] = module

    def _init_layers(self):
        self.cls_convs = nn.ModuleList()
        self.reg_convs = nn.ModuleList()
        last = len(self.in_channels) - 1
        for i, (channels, num_priors) in enumerate(
                zip(self.in_channels, self.num_base_priors)):
            self.cls_convs.append(
                self._predictor(
                    channels,
                    num_priors * self.cls_out_channels,
                    separable=i != last))
            self.reg_convs.append(
                self._predictor(channels, num_priors * 4, separable=i != last))

    def _predictor(self, channels, out_channels, separable):
        layers = [nn.Conv2d(channels, out_channels, 1)]
        if separable:
            with warnings.catch_warnings():
                # The official depthwise conv has a bias before its BN.
                warnings.filterwarnings('ignore', 'Unnecessary conv bias')
                depthwise = ConvModule(
                    channels,
                    channels,
                    3,
                    padding=1,
                    groups=channels,
                    bias=True,
                    conv_cfg=self.conv_cfg,
                    norm_cfg=self.norm_cfg,
                    act_cfg=self.act_cfg)
            layers.insert(0, depthwise)
        return nn.Sequential(*layers)

    def loss_by_feat(self,
                     cls_scores,
                     bbox_preds,
                     batch_gt_instances,
                     batch_img_metas,
                     batch_gt_instances_ignore=None):
        """SSD's loss of a batch.

        Args:
            cls_scores (list[Tensor]): Per level, (N, A * (C + 1), H, W)
                class logits (A priors per location, C classes and the
                background).
            bbox_preds (list[Tensor]): Per level, (N, A * 4, H, W) box
                deltas.
            batch_gt_instances (list[InstanceData]): Each image's
                ``bboxes`` (G, 4) in input pixels and ``labels`` (G, ).
            batch_img_metas (list[dict]): Each image's meta (unused by the
                batched loss).
            batch_gt_instances_ignore (list[InstanceData], optional):
                Ignored boxes; SSD ignores none.

        Returns:
            dict[str, Tensor]: ``loss_cls`` and ``loss_bbox``, scalars,
            each summed over the batch and divided by its positives.
        """
        if not self.batched_loss:
            return super().loss_by_feat(cls_scores, bbox_preds,
                                        batch_gt_instances, batch_img_metas,
                                        batch_gt_instances_ignore)
        targets = self._batch_targets(cls_scores, batch_gt_instances)
        return dict(
            loss_cls=self._classification_loss(cls_scores, targets),
            loss_bbox=self._box_loss(bbox_preds, targets))

    def _batch_targets(self, cls_scores, batch_gt_instances):
        """Match the priors of every image to its ground truths."""
        pos_iou_thr, min_pos_iou = self._matching_thresholds()
        priors = self._flat_priors([s.shape[-2:] for s in cls_scores],
                                   cls_scores[0].dtype, cls_scores[0].device)
        gt_boxes, gt_labels, gt_valid = pad_gt_instances(
            batch_gt_instances, priors)
        match = match_priors(priors, gt_boxes, gt_valid, pos_iou_thr,
                             min_pos_iou)
        # The positives of the batch; an image without any counts as one, as
        # in mmdet's SamplingResult (the official code never meets one).
        avg_factor = match.positive.sum(1).clamp(min=1).sum()
        return BatchTargets(priors, gt_boxes, match,
                            gt_labels.gather(1, match.gt_index), avg_factor)

    def _classification_loss(self, cls_scores, targets):
        """Cross-entropy of the positives and 3x as many hard negatives.

        Mining ranks the negatives by their loss without gradients; only
        the chosen priors enter the differentiable loss, which is what makes
        it cheap.
        """
        positive = targets.match.positive
        labels = torch.where(positive, targets.labels, self.num_classes)
        with torch.no_grad():
            # (N, A, C, H * W) views of the convs' outputs: the softmax over
            # their class dim is as fast as over a contiguous last dim
            background_loss = torch.cat([
                -F.log_softmax(
                    self._split_anchor_channels(s, self.cls_out_channels),
                    2)[:, :, self.num_classes].transpose(1, 2).flatten(1)
                for s in cls_scores
            ], 1)
        chosen = positive | self._hardest_negatives(background_loss, positive)
        logits, image, prior = self._gather_priors(cls_scores,
                                                   self.cls_out_channels,
                                                   chosen)
        return F.cross_entropy(
            logits, labels[image, prior], reduction='sum') / targets.avg_factor

    def _box_loss(self, bbox_preds, targets):
        """Smooth L1 of the encoded boxes of the positives."""
        deltas, image, prior = self._gather_priors(bbox_preds, 4,
                                                   targets.match.positive)
        encoded = self.bbox_coder.encode(
            targets.priors[prior],
            targets.gt_boxes[image, targets.match.gt_index[image, prior]])
        return smooth_l1_loss(
            deltas,
            encoded,
            beta=self.train_cfg['smoothl1_beta'],
            reduction='sum') / targets.avg_factor

    @classmethod
    def _gather_priors(cls, outputs, channels, mask):
        """The (K, channels) outputs of the K priors set in the (N, priors)
        ``mask``, with their image and prior indices.

        Gathered from the convs' own layout, so that the backward pass
        writes the gradient straight into it: going through a permuted
        copy (:meth:`flatten_priors`) cost a copy of every level's gradient.
        """
        rows, images, priors = [], [], []
        offset = 0
        for output in outputs:
            level = cls._split_anchor_channels(output, channels)
            num_images, per_location, _, locations = level.shape
            size = per_location * locations
            # priors of a level are ordered by location, then prior
            image, location, prior = mask[:, offset:offset + size].view(
                num_images, locations, per_location).nonzero(as_tuple=True)
            rows.append(level[image, prior, :, location])
            images.append(image)
            priors.append(offset + location * per_location + prior)
            offset += size
        return torch.cat(rows), torch.cat(images), torch.cat(priors)

    @staticmethod
    def _split_anchor_channels(output, channels):
        """(N, A * channels, H, W) -> its (N, A, channels, H * W) view."""
        n, _, h, w = output.shape
        return output.view(n, -1, channels, h * w)

    @staticmethod
    def flatten_priors(outputs, channels):
        """Per-level (N, A * channels, H, W) outputs -> one (N, priors,
        channels) tensor, in the order of the priors."""
        n = outputs[0].size(0)
        return torch.cat(
            [o.permute(0, 2, 3, 1).reshape(n, -1, channels) for o in outputs],
            1)

    def class_scores(self, logits):
        """(..., classes) scores of (..., cls_out_channels) logits, as
        mmdet's prediction computes them: softmax, background dropped."""
        return logits.softmax(-1)[..., :-1]

    def _flat_priors(self, featmap_sizes, dtype, device):
        """All priors, (A, 4), remembered for the last sizes asked for
        (they depend on nothing else)."""
        key = (tuple(tuple(size) for size in featmap_sizes), dtype, device)
        if self._priors_key != key:
            self._priors = torch.cat(
                self.prior_generator.grid_priors(
                    featmap_sizes, dtype=dtype, device=device))
            self._priors_key = key
        return self._priors

    def _hardest_negatives(self, background_loss, positive):
        """Mask of the ``neg_pos_ratio`` x (positives) negatives of each
        image with the highest loss (all its negatives if it has fewer)."""
        num_pos = positive.sum(1, keepdim=True)
        num_neg = torch.minimum(self.train_cfg['neg_pos_ratio'] * num_pos,
                                positive.size(1) - num_pos)
        negative = torch.zeros_like(positive)
        most = int(num_neg.max())
        if most == 0:
            return negative
        _, hardest = background_loss.masked_fill(positive, float('-inf')).topk(
            most, dim=1)
        rank = torch.arange(most, device=positive.device)
        return negative.scatter_(1, hardest, rank < num_neg)

    def _matching_thresholds(self):
        """(pos_iou_thr, min_pos_iou) of the configured assigner, which the
        batched loss implements only in SSD's form."""
        assigner = self.train_cfg['assigner']
        ssd_form = (
            assigner.get('type') == 'MaxIoUAssigner'
            and assigner.get('neg_iou_thr') == assigner.get('pos_iou_thr')
            and not assigner.get('gt_max_assign_all', True)
            and assigner.get('ignore_iof_thr', -1) < 0
            and self.train_cfg.get('allowed_border', -1) < 0
            and self.train_cfg.get('pos_weight', -1) <= 0)
        if not ssd_form:
            raise ConfigError(
                'SSDLiteHead(batched_loss=True) implements SSD matching only: '
                'MaxIoUAssigner with neg_iou_thr == pos_iou_thr, '
                'gt_max_assign_all=False, ignore_iof_thr=-1, and '
                'allowed_border=-1, pos_weight=-1; got assigner='
                f'{dict(assigner)}. Set batched_loss=False for mmdet\'s '
                'per-image path.')
        return assigner['pos_iou_thr'], assigner.get('min_pos_iou', 0.)
