"""Official EfficientNet-style MobileNeXt checkpoints (``mnext_s``,
``mnext_l``) -> :class:`mnx_det.models.EfficientMobileNeXt`.

The official network keeps EfficientNet-PyTorch's names: the stem is
``_conv_stem`` and ``_bn0``; block N (counted over the whole network from
0) is ``_blocks.N.features.J``, a Sequential in which every conv is followed
by its BN and, where there is one, its Swish (which takes an index too),
and ``_blocks.N._se_reduce`` / ``_se_expand`` for its squeeze-and-excitation;
``_bn1`` (a BatchNorm the official forward never uses) and the classifier
``_fc`` are dropped. The key map is derived from the backbone's own
modules in that order, so it holds for both variants.
"""
from collections import OrderedDict

from mmcv.cnn import ConvModule

from ..fit import CheckpointMismatchError, strip_prefix
from .mobilenext_official import (_add_conv_module, convert_by_map,
                                  select_state_dict)

# What the official model has and the backbone does not need.
DROPPED_PREFIXES = ('_fc.', '_bn1.')


def efficient_key_map(backbone):
    """Return an ordered dict: backbone key -> official key."""
    mapping = OrderedDict()
    stem = backbone.conv1
    for key in stem.conv.state_dict():
        mapping[f'conv1.conv.{key}'] = f'_conv_stem.{key}'
    for key in stem.norm.state_dict():
        mapping[f'conv1.{stem.norm_name}.{key}'] = f'_bn0.{key}'
    number = 0
    for stage in backbone.layers:
        for j, block in enumerate(getattr(backbone, stage)):
            index, prefix = 0, f'{stage}.{j}.'
            for name, module in block.named_children():
                if isinstance(module, ConvModule):
                    index = _add_conv_module(mapping, module,
                                             f'{prefix}{name}.',
                                             f'_blocks.{number}.features',
                                             index)
            for ours, theirs in (('fc1', '_se_reduce'), ('fc2', '_se_expand')):
                for key in getattr(block.se, ours).state_dict():
                    mapping[f'{prefix}se.{ours}.{key}'] = \
                        f'_blocks.{number}.{theirs}.{key}'
            number += 1
    return mapping


def official_arch(checkpoint, arch_blocks):
    """The variant of an official checkpoint, by its number of blocks.

    Args:
        checkpoint (dict): The loaded official file (any form).
        arch_blocks (dict[str, int]): Variant -> its number of blocks.

    Raises:
        CheckpointMismatchError: No variant has that many blocks.
    """
    state_dict = strip_prefix(select_state_dict(checkpoint), 'module.')
    blocks = {k.split('.')[1] for k in state_dict if k.startswith('_blocks.')}
    for arch, count in arch_blocks.items():
        if count == len(blocks):
            return arch
    raise CheckpointMismatchError(
        f'the checkpoint has {len(blocks)} _blocks, which fits no official '
        f'EfficientNet-style MobileNeXt (blocks by variant: {arch_blocks})')


def convert_efficient(checkpoint, backbone, use_ema=False):
    """Convert an official ``mnext_s`` / ``mnext_l`` checkpoint.

    Args:
        checkpoint (dict): The loaded official file, in any form that
            :func:`.mobilenext_official.select_state_dict` accepts;
            ``module.`` prefixes are removed.
        backbone (EfficientMobileNeXt): Of the checkpoint's variant.
        use_ema (bool): Take ``state_dict_ema``. Default: False.

    Returns and raises as :func:`.mobilenext_official.convert_official`.
    """
    return convert_by_map(
        checkpoint, backbone, efficient_key_map(backbone), use_ema,
        DROPPED_PREFIXES,
        f'the official checkpoint does not fit {backbone.describe()}')
