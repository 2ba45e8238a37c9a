"""Does a checkpoint fill a model exactly? One check, one error type.

Used wherever weights must fit a network key for key: a ``Pretrained``
backbone (``MobileNeXt.init_weights``), the checkpoint converters, and the
tools before they test or fine-tune a checkpoint.
"""
from collections import OrderedDict

from ..errors import UserError
from .io import load_checkpoint_file


class CheckpointMismatchError(UserError, ValueError):
    """A checkpoint does not fill a model exactly.

    Args:
        what (str): Which checkpoint and model.
        missing (list[str]): Keys the model needs and the file lacks.
        unexpected (list[str]): Keys the file has and the model does not.
        mismatched (list[str]): Keys whose shapes differ, with both shapes.
    """

    def __init__(self, what, missing=(), unexpected=(), mismatched=()):
        self.missing = list(missing)
        self.unexpected = list(unexpected)
        self.mismatched = list(mismatched)
        lines = [f'{what}:']
        for title, keys in (('missing keys', self.missing), ('unexpected keys',
                                                             self.unexpected),
                            ('shape mismatch', self.mismatched)):
            if keys:
                lines.append(f'  {title} ({len(keys)}): ' + ', '.join(keys))
        super().__init__('\n'.join(lines))


def check_fit(what,
              model_state,
              checkpoint_state,
              key_map=None,
              optional_suffixes=()):
    """Raise unless ``checkpoint_state`` fills ``model_state`` exactly.

    Args:
        what (str): Start of the message, e.g. ``'checkpoint X does not fit
            MobileNeXt(widen_factor=1.0)'``.
        model_state (dict): The model's state dict.
        checkpoint_state (dict): The checkpoint's tensors.
        key_map (dict, optional): Model key -> checkpoint key; the same
            names by default.
        optional_suffixes (tuple[str]): Model keys ending so may be absent.

    Raises:
        CheckpointMismatchError: listing missing, unexpected and
            mis-shaped keys (in the checkpoint's names).
    """
    if key_map is None:
        key_map = {key: key for key in model_state}
    missing = [
        theirs for own, theirs in key_map.items()
        if theirs not in checkpoint_state
        and not own.endswith(tuple(optional_suffixes))
    ]
    unexpected = sorted(set(checkpoint_state) - set(key_map.values()))
    mismatched = [
        f'{theirs}: {tuple(checkpoint_state[theirs].shape)} != '
        f'{tuple(model_state[own].shape)}' for own, theirs in key_map.items()
        if theirs in checkpoint_state
        and checkpoint_state[theirs].shape != model_state[own].shape
    ]
    if missing or unexpected or mismatched:
        raise CheckpointMismatchError(what, missing, unexpected, mismatched)


def strip_prefix(state_dict, prefix):
    """Remove ``prefix`` from every key that has it (e.g. the ``module.``
    of a model saved inside a DDP wrapper); other keys stay."""
    return OrderedDict((k[len(prefix):] if k.startswith(prefix) else k, v)
                       for k, v in state_dict.items())


def select_prefix(state_dict, prefix):
    """The keys under ``prefix`` (e.g. ``backbone.`` of a detector), with
    it removed; other keys are left out."""
    prefix = prefix.rstrip('.') + '.'
    return OrderedDict((k[len(prefix):], v) for k, v in state_dict.items()
                       if k.startswith(prefix))


def model_state(checkpoint):
    """The weights of a loaded checkpoint (``state_dict`` or the whole
    dict), without the ``module.`` of a wrapped model."""
    return strip_prefix(checkpoint.get('state_dict', checkpoint), 'module.')


def _loaded(checkpoint, filename):
    """(the checkpoint's dict, its name): a path is read here, a dict a
    caller read is used as it is (one read per checkpoint)."""
    if isinstance(checkpoint, str):
        return load_checkpoint_file(checkpoint, map_location='cpu'), checkpoint
    return checkpoint, filename or 'the checkpoint'


def check_checkpoint_fits(model, checkpoint, filename=None):
    """Raise unless the checkpoint holds exactly the model's weights.

    Args:
        model (nn.Module): The model.
        checkpoint (str | dict): Its file, or what was loaded from it.
        filename (str, optional): The file a loaded ``checkpoint`` came
            from, for the message.

    Raises:
        CheckpointMismatchError: listing missing, unexpected and mis-shaped
            keys, so a number computed from a half-loaded model never
            looks real.
    """
    checkpoint, filename = _loaded(checkpoint, filename)
    state = model_state(checkpoint)
    check_fit(
        f'checkpoint {filename} does not fit the model '
        f'{type(model).__name__} of this config (pass --allow-partial-load '
        'to load what fits on purpose)', model.state_dict(), state)


def check_checkpoint_classes(checkpoint, classes, filename=None):
    """Raise unless the classes the checkpoint was trained on (mmengine
    records them in ``meta.dataset_meta.classes``) are ``classes``, in
    that order: the same number of classes in another order gives the same
    shapes and silently wrong labels. A checkpoint without the record
    passes.

    Args:
        checkpoint (str | dict): The file, or what was loaded from it.
        classes (Sequence[str]): The config's classes.
        filename (str, optional): The file a loaded ``checkpoint`` came
            from, for the message.

    Raises:
        CheckpointMismatchError: listing both class lists.
    """
    checkpoint, filename = _loaded(checkpoint, filename)
    meta = checkpoint.get('meta', {})
    trained = (meta.get('dataset_meta') or {}).get('classes')
    if trained is not None and tuple(trained) != tuple(classes):
        raise CheckpointMismatchError(
            f'checkpoint {filename} was trained on other classes than this '
            f'config\'s (or in another order):\n  checkpoint: '
            f'{tuple(trained)}\n  config:     {tuple(classes)}')
