"""The errors a user can cause, and nothing else.

Every error that bad input can raise (a missing or corrupt file, a config
value that cannot work, a checkpoint that does not fit) derives from
:class:`UserError`. The tools catch ``UserError`` alone and print its
message as one ``error:`` line; any other exception is a bug and keeps its
traceback. Each subclass also derives from the builtin type that says what
went wrong (``FileNotFoundError``, ``ValueError``, ...), so code that
catches those keeps working.

This module imports nothing of the project: every layer may use it.
"""


class UserError(Exception):
    """Bad input: the message names the file, key or value, and what to
    do about it."""


class ImageLoadError(UserError, OSError):
    """An image file cannot be read or decoded; the message names it."""


class ConfigError(UserError, ValueError):
    """A config file is missing, or a value in it cannot work."""
