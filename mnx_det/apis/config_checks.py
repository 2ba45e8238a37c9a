"""Mistakes in a config file or in ``--cfg-options``, named before
anything runs: mmengine 0.10.7 reports a syntax error in a config (or in
one of its ``_base_`` files) as ``File "<unknown>", line N``, and merges an
option whose key does not exist (``train_cfgs.max_iters=2``) as a new key
that nothing reads."""
import ast
import difflib
import os.path as osp

from ..errors import ConfigError

# An option key with this prefix adds a key on purpose.
NEW_KEY_PREFIX = '+'


def _bases(path, tree):
    """The files ``_base_`` names in a parsed config (relative paths only:
    package configs such as ``mmdet::...`` are installed, not edited)."""
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], 'id', None) == '_base_'):
            try:
                names = ast.literal_eval(node.value)
            except ValueError:
                return []
            names = [names] if isinstance(names, str) else names
            return [
                osp.normpath(osp.join(osp.dirname(path), name))
                for name in names if '::' not in name
            ]
    return []


def find_syntax_error(path):
    """``(file, SyntaxError)`` of the first config file in ``path`` and its
    ``_base_`` files that does not parse, or None."""
    try:
        with open(path) as f:
            tree = ast.parse(f.read(), filename=path)
    except SyntaxError as exc:
        return path, exc
    except OSError:
        return None
    for base in _bases(path, tree):
        found = find_syntax_error(base)
        if found:
            return found
    return None


def syntax_error_message(path):
    """One line naming the file and line of the syntax error behind
    loading ``path``, or None."""
    found = find_syntax_error(path)
    if found is None:
        return None
    file, exc = found
    return f'config {file}, line {exc.lineno}: {exc.msg}'


def _child(node, part):
    if isinstance(node, (list, tuple)) and part.isdigit():
        return node[int(part)] if int(part) < len(node) else KeyError
    if isinstance(node, dict) and part in node:
        return node[part]
    return KeyError


def _missing_key_message(key, parts, index, node):
    names = list(node) if isinstance(node, dict) else []
    close = difflib.get_close_matches(parts[index], names, n=1)
    hint = (f"; did you mean '{'.'.join(parts[:index] + close)}'?"
            if close else '')
    return (f"--cfg-options {key}: the config has no "
            f"'{'.'.join(parts[:index + 1])}'{hint} (write "
            f'{NEW_KEY_PREFIX}{key}=... to add a key on purpose)')


def is_number(value):
    """An int or a float, not a bool (which Python counts as an int)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def checked_options(cfg_dict, options):
    """``options`` (``--cfg-options``) ready for ``merge_from_dict``: every
    key must exist in ``cfg_dict``, except keys written with a leading
    ``+``, which add new ones (the ``+`` is dropped); a number stays a
    number (``DictAction`` leaves what does not parse as one a string).

    Raises:
        ConfigError: naming the key and the closest existing one, or the
            key, the config's number and the value given.
    """
    checked = {}
    for key, value in options.items():
        if key.startswith(NEW_KEY_PREFIX):
            checked[key[len(NEW_KEY_PREFIX):]] = value
            continue
        parts, node = key.split('.'), cfg_dict
        for index, part in enumerate(parts):
            child = _child(node, part)
            if child is KeyError:
                raise ConfigError(
                    _missing_key_message(key, parts, index, node))
            node = child
        if is_number(node) and isinstance(value, str):
            raise ConfigError(f'--cfg-options {key}: expected a number (the '
                              f'config has {node}), got {value!r}')
        checked[key] = value
    return checked
