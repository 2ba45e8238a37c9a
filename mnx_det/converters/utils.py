"""Helpers shared by the checkpoint converters."""
from collections import OrderedDict


class CheckpointMismatchError(ValueError):
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


def strip_prefix(state_dict, prefix):
    """Remove ``prefix`` from every key that has it."""
    return OrderedDict((k[len(prefix):] if k.startswith(prefix) else k, v)
                       for k, v in state_dict.items())
