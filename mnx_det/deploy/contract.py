"""What an exported file promises, recorded in it and checked against the
config it is run with.

An ONNX file of an SSDLite detector runs with any config whose input size
fits, so a file exported from a detector of other classes (or the same
classes in another order) would be scored against the wrong names without
a word. The export writes its contract into the ONNX ``metadata_props``
(keys ``mnx_det.*``): the class names in label order, the input size, the
pixel mean and std, the score threshold and NMS settings, and the mnx_det
version. :func:`check_contract` compares it with a config's and refuses a
mismatch; a file exported before contracts were recorded passes with one
warning.
"""
import json
import warnings

from ..errors import UserError
from ..version import __version__

PREFIX = 'mnx_det.'


class ContractMismatchError(UserError, ValueError):
    """An exported file was made for another config."""


def export_contract(module, classes):
    """The contract of an :class:`~.export.ExportableSSD` as
    ``metadata_props`` entries (str -> str)."""
    contract = dict(
        classes=list(classes) if classes is not None else None,
        input_size=module.input_size,
        mean=module.mean.flatten().tolist(),
        std=module.std.flatten().tolist(),
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


def read_contract(metadata):
    """The contract in a file's metadata map (``{}`` for a file exported
    before contracts were recorded)."""
    return {
        key[len(PREFIX):]: json.loads(value)
        for key, value in metadata.items() if key.startswith(PREFIX)
    }


def check_contract(contract, path, classes=None, mean=None, std=None):
    """Raise unless the file at ``path`` was exported for these classes (in
    this order) and this pixel normalisation; values not given are not
    checked.

    Raises:
        ContractMismatchError: naming the file and both values.
    """
    if not contract:
        warnings.warn(
            f'{path} records no export contract (it was exported before '
            'files recorded one): its classes cannot be checked against '
            'the config; export it again to have them checked')
        return
    expected = dict(classes=classes, mean=mean, std=std)
    for key, value in expected.items():
        if value is None or key not in contract:
            continue
        recorded = list(contract[key])
        if recorded != list(value):
            raise ContractMismatchError(
                f'{path} was exported for other {key} than this config '
                f'has:\n  file:   {tuple(recorded)}\n  config: '
                f'{tuple(value)}\nrun it with the config it was exported '
                'from, or export it again')
