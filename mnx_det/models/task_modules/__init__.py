from .clamped_ssd_anchor_generator import ClampedSSDAnchorGenerator
from .prior_matching import PriorMatch, match_priors

__all__ = ['ClampedSSDAnchorGenerator', 'PriorMatch', 'match_priors']
