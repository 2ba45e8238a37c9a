"""Where the configs and tools shipped with the package are.

The wheel carries them in OpenMMLab's layout, ``mnx_det/.mim/configs`` and
``mnx_det/.mim/tools`` (what ``mim`` looks for); in a clone of the
repository ``mnx_det/.mim`` links to its own ``configs/`` and ``tools/``,
so each config has one source either way.
"""
import difflib
import glob
import os.path as osp

from .errors import ConfigError

MIM_ROOT = osp.join(osp.dirname(osp.abspath(__file__)), '.mim')


def config_path(name):
    """The absolute path of a config shipped with the package.

    Args:
        name (str): The config's path under ``configs/``, ``.py`` optional,
            e.g. ``'ssdlite_mobilenext_voc'`` or
            ``'fpn/retinanet_mobilenext_fpn_voc07.py'``.

    Raises:
        ConfigError: No such config; the message lists the closest names.

    A config of another project inherits one with
    ``_base_ = __import__('mnx_det').config_path('ssdlite_mobilenext_voc')``
    (mmengine evaluates ``_base_`` as an expression, with the builtins).
    """
    root = osp.join(MIM_ROOT, 'configs')
    if not name.endswith('.py'):
        name += '.py'
    path = osp.join(root, name)
    if osp.isfile(path):
        return osp.realpath(path)
    shipped = [
        osp.relpath(found, root)
        for found in glob.glob(osp.join(root, '**', '*.py'), recursive=True)
        if '_base_' not in found
    ]
    close = difflib.get_close_matches(name, shipped, n=3, cutoff=0.5)
    raise ConfigError(f'mnx_det ships no config {name} (under {root}); ' +
                      (f'closest: {", ".join(close)}'
                       if close else f'{len(shipped)} configs there'))
