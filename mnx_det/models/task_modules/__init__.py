from .batch_targets import BatchTargets, pad_gt_instances
from .clamped_ssd_anchor_generator import ClampedSSDAnchorGenerator
from .prior_matching import PriorMatch, match_priors

__all__ = [
    'BatchTargets', 'ClampedSSDAnchorGenerator', 'PriorMatch', 'match_priors',
    'pad_gt_instances'
]
