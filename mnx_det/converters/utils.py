"""Helpers shared by the checkpoint converters."""
from collections import OrderedDict


def strip_prefix(state_dict, prefix):
    """Remove ``prefix`` from every key that has it."""
    return OrderedDict((k[len(prefix):] if k.startswith(prefix) else k, v)
                       for k, v in state_dict.items())
