"""What an exported file promises, recorded in it and checked against the
config it is run with; the one home of the exported files' format names,
which their writers (the exporters) and readers (the runtimes) share.

An ONNX file of an SSDLite detector runs with any config whose input size
fits, so a file exported from a detector of other classes (or the same
classes in another order) would be scored against the wrong names without
a word. The export writes its contract into the ONNX ``metadata_props``
(keys ``mnx_det.*``): the class names in label order, the input size, the
pixel mean and std, whether images loaded BGR (as mmdet loads them) have
their channels reversed before the file (``bgr_to_rgb``), the score
threshold and NMS settings, the mnx_det version, and in INT8 files the
parts kept fp32 (:mod:`.parts`). :func:`check_contract` compares it with a
config's and refuses a mismatch; a file exported before contracts were
recorded passes with one warning.
"""
import json
import warnings

from ..apis.config_checks import is_number
from ..errors import UserError
from ..version import __version__

# Where each format keeps the contract: ONNX metadata_props keys start
# with PREFIX, an OpenVINO IR's rt_info has a RT_INFO_SECTION, an ExecuTorch
# program a constant method CONTRACT_METHOD (a JSON object of the ONNX
# keys).
PREFIX = 'mnx_det.'
RT_INFO_SECTION = 'mnx_det'
CONTRACT_METHOD = 'mnx_det_contract'
# The graph's outputs: detections when post-processing is inside it, else
# what mnx_det.deploy.postprocess decodes.
OUTPUTS = ('boxes', 'scores', 'labels')
RAW_OUTPUTS = ('cls_logits', 'deltas', 'priors')


class ContractMismatchError(UserError, ValueError):
    """An exported file was made for another config."""


class MalformedContractError(UserError, ValueError):
    """An exported file's contract is not what the exporter writes."""


def _count(value):
    return is_number(value) and isinstance(value, int) and value > 0


def _three_numbers(value):
    return (isinstance(value, list) and len(value) == 3
            and all(map(is_number, value)))


# What the exporter writes under each key (after JSON decoding); keys
# that are not listed (a later version's) are kept unchecked.
CONTRACT_FIELDS = {
    'classes':
    ('a list of class names',
     lambda v: isinstance(v, list) and all(isinstance(c, str) for c in v)),
    'input_size': ('a positive integer', _count),
    'batch_size': ('a positive integer', _count),
    'mean': ('three numbers', _three_numbers),
    'std': ('three numbers', _three_numbers),
    'score_thr': ('a number', is_number),
    'iou_threshold': ('a number', is_number),
    'max_per_img': ('a positive integer', _count),
    'class_scores': ('a name', lambda v: isinstance(v, str)),
    'bbox_coder': ('a config dict', lambda v: isinstance(v, dict)),
    'postprocess': ('true or false', lambda v: isinstance(v, bool)),
    'bgr_to_rgb': ('true or false', lambda v: isinstance(v, bool)),
    # INT8 files: the parts (.parts) kept fp32
    'fp32_parts':
    ('a list of part names',
     lambda v: isinstance(v, list) and all(isinstance(p, str) for p in v)),
    'version': ('a version string', lambda v: isinstance(v, str)),
}


def export_contract(module, classes):
    """The contract of an :class:`~.export.ExportableSSD` as
    ``metadata_props`` entries (str -> str)."""
    contract = dict(
        classes=list(classes) if classes is not None else None,
        input_size=module.input_size,
        mean=module.mean.flatten().tolist(),
        std=module.std.flatten().tolist(),
        bgr_to_rgb=module.bgr_to_rgb,
        score_thr=module.score_thr,
        iou_threshold=module.iou_thr,
        max_per_img=module.max_per_img,
        class_scores=module.class_scores,
        bbox_coder=module.bbox_coder,
        postprocess=module.postprocess,
        version=__version__)
    return {
        PREFIX + key: json.dumps(value)
        for key, value in contract.items() if value is not None
    }


def read_contract(metadata, path):
    """The contract in the metadata map of the file ``path`` (``{}`` for a
    file exported before contracts were recorded).

    Raises:
        MalformedContractError: A value is not JSON, or not what the
            exporter writes under its key; names the file and the key.
    """
    contract = {}
    for key, text in metadata.items():
        if not key.startswith(PREFIX):
            continue
        try:
            value = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise MalformedContractError(
                f'{path}: its contract entry {key} is not JSON ({exc}): '
                f'{str(text)[:80]!r}; export the file again') from None
        name = key[len(PREFIX):]
        expected, valid = CONTRACT_FIELDS.get(name, (None, None))
        if valid is not None and not valid(value):
            raise MalformedContractError(
                f'{path}: its contract entry {key} should be {expected}, '
                f'got {value!r:.80}; export the file again')
        contract[name] = value
    return contract


def read_json_contract(text, path):
    """The contract of a file that keeps it as one JSON object (the
    :data:`CONTRACT_METHOD` of an ExecuTorch program)."""
    try:
        metadata = json.loads(text)
    except ValueError:
        metadata = None
    if not isinstance(metadata, dict):
        raise MalformedContractError(
            f'{path}: its {CONTRACT_METHOD} does not hold a JSON '
            f'object: {str(text)[:80]!r}; export the file again')
    return read_contract(metadata, path)


def check_contract(contract,
                   path,
                   classes=None,
                   mean=None,
                   std=None,
                   bgr_to_rgb=None):
    """Raise unless the file at ``path`` was exported for these classes (in
    this order), this pixel normalisation and this channel order; values
    not given are not checked.

    Raises:
        ContractMismatchError: naming the file and both values.
    """
    if not contract:
        warnings.warn(
            f'{path} records no export contract (it was exported before '
            'files recorded one): its classes cannot be checked against '
            'the config; export it again to have them checked')
        return
    expected = dict(classes=classes, mean=mean, std=std, bgr_to_rgb=bgr_to_rgb)
    for key, value in expected.items():
        if value is None or key not in contract:
            continue
        recorded = contract[key]
        if isinstance(recorded, list):
            recorded, value = tuple(recorded), tuple(value)
        if recorded != value:
            raise ContractMismatchError(
                f'{path} was exported for another {key} than this config '
                f'has:\n  file:   {recorded}\n  config: {value}\nrun it '
                'with the config it was exported from, or export it again')


def channels_reversed(contract, configured=None):
    """Whether BGR images (as mmdet loads them) are reversed to RGB before
    the file: as its contract records; for a file exported before the
    record, as the config says (``configured``), else not (mmdet's
    default)."""
    if 'bgr_to_rgb' in contract:
        return contract['bgr_to_rgb']
    return bool(configured)
