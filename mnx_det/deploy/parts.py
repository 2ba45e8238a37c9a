"""The parts of an SSDLite detector that INT8 quantization keeps in fp32 or
not, one name each, the same for every runtime's quantizer.

A part is a group of convolutions named after where they live: the
backbone's stem and each of its stages (``backbone.conv1``,
``backbone.layer1``, ...; any direct child of the backbone), the neck's
extra layers (``neck``), the head's depthwise towers
(``bbox_head.towers``) and the head's 1x1 predictors of class logits and
box deltas (``bbox_head.predictors``). ONNX node names
(``/backbone/layer2/layer2.0/expand_conv/conv/Conv``) and the module paths
that ``torch.export`` records (``detector.backbone.layer2.0.expand.conv``)
both map to them, so a choice measured with one quantizer can be given to
the other, and the files' contracts record it
(:data:`.contract.CONTRACT_FIELDS`, ``fp32_parts``).

Where one conv matters more than its stage, a finer name keeps less fp32:
any module path that holds convs (a block, ``backbone.layer1.0``, or one
conv's module, ``backbone.layer1.0.dw_in``) keeps the convs under it.
"""
from ..errors import UserError

NECK = 'neck'
TOWERS = 'bbox_head.towers'
PREDICTORS = 'bbox_head.predictors'
# What stays fp32 unless a measured choice is given: every part that a
# sensitivity search of the deploy benchmark chose (both toy detectors,
# three runtimes: the first two stages; benchmarks/deploy_int8_parts.json,
# a test keeps the default a superset of it), and the stem and the
# predictors. No search found those two costly in int8 (at most 0.005 toy
# mAP), but OpenVINO running a QDQ file with only the first two stages
# fp32 collapsed to 0.003 toy mAP (fp32 0.82; tests/test_runtimes.py), not
# traced, likely the fusion fault that made OpenVINO's INT8 files NNCF's.
DEFAULT_FP32_PARTS = ('backbone.conv1', 'backbone.layer1', 'backbone.layer2',
                      PREDICTORS)


class UnknownPartError(UserError, ValueError):
    """A part name that the detector does not have."""


def part_of(module_path, pointwise):
    """The part of the conv at ``module_path`` (dotted, from the detector:
    ``backbone.layer2.0.expand.conv``); ``pointwise``: its kernel is 1x1.
    ``None`` for a conv outside backbone, neck and head."""
    top, _, rest = module_path.partition('.')
    if top == 'backbone' and rest:
        return f'backbone.{rest.split(".")[0]}'
    if top == 'neck':
        return NECK
    if top == 'bbox_head':
        return PREDICTORS if pointwise else TOWERS
    return None


def onnx_module_path(node_name):
    """``/backbone/layer2/layer2.0/conv/Conv`` -> ``backbone.layer2...``:
    the exporter's scope names, less the op."""
    return '.'.join(node_name.strip('/').split('/')[:-1])


def _modules_above(module_path):
    """``a.b.c`` -> ``a``, ``a.b``, ``a.b.c``: the module and those that
    hold it, each a name that keeps it fp32."""
    names = module_path.split('.')
    return ['.'.join(names[:i]) for i in range(1, len(names) + 1)]


def keeps_fp32(module_path, pointwise, fp32_parts):
    """Whether ``fp32_parts`` keep the conv at ``module_path`` fp32: its
    part or a module above it (or itself) is named."""
    return part_of(module_path, pointwise) in fp32_parts or any(
        name in fp32_parts for name in _modules_above(module_path))


def kept_fp32(convs, fp32_parts):
    """Names of the convs (``{name: (module path, pointwise)}``) that
    ``fp32_parts`` keep fp32 (:func:`keeps_fp32`)."""
    return [
        name for name, conv in convs.items() if keeps_fp32(*conv, fp32_parts)
    ]


def conv_unit(module_path):
    """The finest name for one conv: its module, less the ``conv`` of an
    mmcv ConvModule (``backbone.layer1.0.dw_in.conv`` ->
    ``backbone.layer1.0.dw_in``)."""
    return module_path[:-len('.conv')] if module_path.endswith(
        '.conv') else module_path


def detector_convs(detector):
    """(module path, pointwise) of each conv of ``detector``, in network
    order."""
    return [(name, tuple(module.kernel_size) == (1, 1))
            for name, module in detector.named_modules()
            if type(module).__name__ in ('Conv2d', 'Conv2dAdaptivePadding')]


def conv_units(detector):
    """{part: its convs' :func:`conv_unit` names}, in network order."""
    units = {}
    for path, pointwise in detector_convs(detector):
        part = part_of(path, pointwise)
        if part is not None:
            units.setdefault(part, []).append(conv_unit(path))
    return units


def detector_parts(detector):
    """The parts of ``detector`` in the order of the network: the
    backbone's children that hold convs, then neck and head."""
    return list(conv_units(detector))


def check_parts(names, convs, source):
    """Raise unless every one of ``names`` is a part of ``convs`` ((module
    path, pointwise) pairs) or a module that holds some; names ``source``
    (the detector or file) and its parts."""
    parts = dict.fromkeys(part_of(*conv) for conv in convs)
    parts.pop(None, None)
    known = set(parts)
    for path, _ in convs:
        known.update(_modules_above(path))
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UnknownPartError(
            f'{source} has no part {", ".join(unknown)}; its parts are: '
            f'{", ".join(parts)} (or a module path that holds convs, as '
            f'{conv_unit(convs[0][0])})')
    return list(names)
