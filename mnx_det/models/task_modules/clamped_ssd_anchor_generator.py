"""SSD anchors clamped to the image, as the official SSDLite priors are."""
import torch
from mmdet.models.task_modules.prior_generators import SSDAnchorGenerator
from mmdet.registry import TASK_UTILS

from ...errors import ConfigError


@TASK_UTILS.register_module()
class ClampedSSDAnchorGenerator(SSDAnchorGenerator):
    """:class:`SSDAnchorGenerator` whose priors are clamped like the official
    SSDLite code's.

    The official code builds its priors in normalised centre form
    ``(cx, cy, w, h)`` and clamps all four values to ``[0, 1]``. In pixels
    that is: centres into ``[0, input_size]`` and widths and heights at most
    ``input_size``, the centre staying where it is (so a clamped prior may
    still reach past the image border). At 320x320 this changes 12 of the
    3,234 priors (the ratio-2 and ratio-3 priors of the 2x2 and 1x1 levels);
    every other prior is returned exactly as mmdet builds it.

    Args:
        input_size (int): Side of the square network input, in pixels.
        **kwargs: The arguments of :class:`SSDAnchorGenerator`, with
            ``min_sizes`` and ``max_sizes`` given.
    """

    def __init__(self, input_size, **kwargs):
        if kwargs.get('use_box_type'):
            raise ConfigError('ClampedSSDAnchorGenerator returns plain '
                              'tensors; use_box_type must be False')
        if kwargs.get('min_sizes') is None:
            raise ConfigError('ClampedSSDAnchorGenerator needs min_sizes and '
                              'max_sizes (the official priors name them)')
        super().__init__(input_size=input_size, **kwargs)
        self.input_size = input_size

    def single_level_grid_priors(self,
                                 featmap_size,
                                 level_idx,
                                 dtype=torch.float32,
                                 device='cuda'):
        """(H * W * A, 4) corner-form priors of one level, clamped to
        the input as the official priors are."""
        priors = super().single_level_grid_priors(featmap_size, level_idx,
                                                  dtype, device)
        return clamp_center_form(priors, self.input_size)


def clamp_center_form(priors, size):
    """Clamp ``(x1, y1, x2, y2)`` priors in centre form to ``[0, size]``.

    Rows that need no clamp are returned bit for bit unchanged (a round trip
    through centre form would move them by float rounding).
    """
    centres = (priors[:, :2] + priors[:, 2:]) / 2
    sizes = priors[:, 2:] - priors[:, :2]
    clamped_centres = centres.clamp(0, size)
    clamped_sizes = sizes.clamp(0, size)
    clamped = torch.cat([
        clamped_centres - clamped_sizes / 2,
        clamped_centres + clamped_sizes / 2
    ], 1)
    changed = ((clamped_centres != centres) | (clamped_sizes != sizes)).any(
        1, keepdim=True)
    return torch.where(changed, clamped, priors)
