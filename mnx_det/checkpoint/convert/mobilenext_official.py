"""Official MobileNeXt checkpoints -> :class:`mnx_det.models.MobileNeXt`.

The official network names its layers ``features.N.conv.J``: N counts the
stem (0) and the 20 sandglass blocks, J the block's Sequential, in which
every conv is followed by its BN and, where there is one, its ReLU6 (which
takes an index too). The key map is derived from the backbone's own
modules in that order, so it holds for every width multiplier.
"""
from collections import OrderedDict

from mmcv.cnn import ConvModule

from ..fit import check_fit, strip_prefix

# BatchNorm's step counter is not a learned value; official checkpoints may
# lack it, and it does not change eval or training once momentum is set.
OPTIONAL_SUFFIXES = ('num_batches_tracked', )


def _add_conv_module(mapping, module, prefix, official_prefix, index):
    """Map one ConvModule's keys; return the official index after it."""
    for sub, name, offset in ((module.conv, 'conv', 0), (module.norm,
                                                         module.norm_name, 1)):
        for key in sub.state_dict():
            mapping[f'{prefix}{name}.{key}'] = \
                f'{official_prefix}.{index + offset}.{key}'
    return index + (3 if module.with_activation else 2)


def official_key_map(backbone):
    """Return an ordered dict: backbone key -> official key."""
    mapping = OrderedDict()
    _add_conv_module(mapping, backbone.conv1, 'conv1.', 'features.0', 0)
    number = 0
    for stage in backbone.layers:
        for j, block in enumerate(getattr(backbone, stage)):
            number += 1
            index = 0
            for name, module in block.named_children():
                if isinstance(module, ConvModule):
                    index = _add_conv_module(mapping, module,
                                             f'{stage}.{j}.{name}.',
                                             f'features.{number}.conv', index)
    return mapping


def select_state_dict(checkpoint, use_ema=False):
    """Pick the weights out of any form the official code saves.

    Accepts a timm-style dict (``state_dict``, optionally
    ``state_dict_ema``), a dict with ``model``, or a plain state dict.
    """
    key = 'state_dict_ema' if use_ema else 'state_dict'
    if use_ema and key not in checkpoint:
        raise KeyError('EMA weights were asked for but the checkpoint has no '
                       f"'state_dict_ema' (keys: {sorted(checkpoint)[:10]})")
    for name in (key, 'model'):
        if isinstance(checkpoint.get(name), dict):
            return checkpoint[name]
    return checkpoint


def convert_official(checkpoint, backbone, use_ema=False):
    """Convert an official checkpoint for ``backbone``.

    Args:
        checkpoint (dict): The loaded official file, in any form that
            :func:`select_state_dict` accepts; ``module.`` prefixes are
            removed. The classifier is dropped.
        backbone (MobileNeXt): A backbone of the checkpoint's width.
        use_ema (bool): Take ``state_dict_ema``. Default: False.

    Returns:
        OrderedDict: A state dict that fills every parameter and buffer of
        ``backbone``.

    Raises:
        CheckpointMismatchError: Keys are missing or unexpected, or shapes
            differ; the message lists them.
    """
    return convert_by_map(
        checkpoint, backbone, official_key_map(backbone), use_ema,
        ('classifier.', ), 'the official checkpoint does not fit '
        f'MobileNeXt(widen_factor={backbone.widen_factor})')


def convert_by_map(checkpoint, backbone, mapping, use_ema, dropped_prefixes,
                   message):
    """The official weights of ``checkpoint`` renamed by ``mapping``
    (backbone key -> official key), keys starting with
    ``dropped_prefixes`` left out, the fit checked (``message`` heads the
    error); BN step counters the checkpoint lacks are the backbone's."""
    state_dict = strip_prefix(
        select_state_dict(checkpoint, use_ema), 'module.')
    state_dict = OrderedDict((k, v) for k, v in state_dict.items()
                             if not k.startswith(dropped_prefixes))
    own_state = backbone.state_dict()
    check_fit(
        message,
        own_state,
        state_dict,
        mapping,
        optional_suffixes=OPTIONAL_SUFFIXES)
    return OrderedDict((
        own,
        state_dict[theirs] if theirs in state_dict else own_state[own].clone())
                       for own, theirs in mapping.items())
