"""torchvision ``mobilenet_v2`` weights -> mmdet's ``MobileNetV2`` backbone.

torchvision names the stem ``features.0``, the 17 inverted residual blocks
``features.1`` to ``features.17`` and the last 1x1 conv ``features.18``.
Inside a block (``features.N.conv``) every conv + BN + ReLU6 is one
sub-module (``conv.I.0`` conv, ``conv.I.1`` BN) except the last, linear
projection, whose conv and BN sit side by side (``conv.I``, ``conv.I+1``).
mmdet names these ``conv1``, ``layer{i}.{j}.{expand,depthwise,linear}_conv``
and ``conv2``, with one ConvModule per conv.
"""
from collections import OrderedDict

from mmcv.cnn import ConvModule

from ..fit import check_fit, model_state


def _add(mapping, module, prefix, conv_key, norm_key):
    for sub, name, official in ((module.conv, 'conv', conv_key),
                                (module.bn, 'bn', norm_key)):
        for key in sub.state_dict():
            mapping[f'{prefix}{name}.{key}'] = f'{official}.{key}'


def torchvision_key_map(backbone):
    """Return an ordered dict: mmdet MobileNetV2 key -> torchvision key."""
    mapping = OrderedDict()
    _add(mapping, backbone.conv1, 'conv1.', 'features.0.0', 'features.0.1')
    number = 0
    for stage in backbone.layers[:-1]:
        for j, block in enumerate(getattr(backbone, stage)):
            number += 1
            convs = [(name, m) for name, m in block.named_children()
                     if isinstance(m, ConvModule)]
            for i, (name, module) in enumerate(convs):
                base = f'features.{number}.conv'
                keys = ((f'{base}.{i}.0',
                         f'{base}.{i}.1') if i < len(convs) - 1 else
                        (f'{base}.{i}', f'{base}.{i + 1}'))
                _add(mapping, module, f'{stage}.{j}.{name}.', *keys)
    _add(mapping, backbone.conv2, 'conv2.', f'features.{number + 1}.0',
         f'features.{number + 1}.1')
    return mapping


def convert_torchvision(state_dict, backbone):
    """Convert a torchvision ``mobilenet_v2`` state dict for ``backbone``.

    The classifier is dropped; anything else that does not map, or a shape
    that differs, raises
    :class:`~mnx_det.checkpoint.fit.CheckpointMismatchError`.
    """
    state_dict = model_state(state_dict)
    state_dict = OrderedDict((k, v) for k, v in state_dict.items()
                             if not k.startswith('classifier.'))
    mapping = torchvision_key_map(backbone)
    check_fit(
        'the torchvision checkpoint does not fit MobileNetV2('
        f'widen_factor={backbone.widen_factor})', backbone.state_dict(),
        state_dict, mapping)
    return OrderedDict(
        (own, state_dict[theirs]) for own, theirs in mapping.items())
