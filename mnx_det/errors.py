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


class ImageNotFoundError(ImageLoadError, FileNotFoundError):
    """An image file does not exist; the message names it."""


def image_load_error(path, cause):
    """The error naming image ``path`` that ``cause`` (what the reader or
    decoder raised) becomes: an :class:`ImageNotFoundError`, still a
    ``FileNotFoundError``, when the file does not exist."""
    error = (
        ImageNotFoundError
        if isinstance(cause, FileNotFoundError) else ImageLoadError)
    return error(f'failed to load image: {path} '
                 f'({type(cause).__name__}: {str(cause).strip()})')


class ConfigError(UserError, ValueError):
    """A config file is missing, or a value in it cannot work."""


class ConfigNotFoundError(ConfigError, FileNotFoundError):
    """A config file, or a ``_base_`` file it names, does not exist."""


def user_message(exc):
    """The message of a :class:`UserError` for an ``error:`` line.

    A DataLoader worker re-raises an error in the main process with the
    worker's whole traceback in its message; only the error's own last
    line is kept."""
    text = str(exc)
    if 'Original Traceback' not in text:
        return text
    last = text.strip().splitlines()[-1]
    return last.split(f'{type(exc).__name__}: ', 1)[-1]
