"""Files that appear whole under their final name or not at all.

Every file the package and its tools write goes through
:func:`atomic_path` (or :func:`atomic_open`): the writer fills a temporary
file beside the target, which is flushed to disk, given the mode the
user's umask gives any new file (``mkstemp``'s is 0600) and renamed over
the target; if the writer fails, the temporary file is removed and the
target is untouched. A process killed midway leaves only a hidden
``.NAME.XXXX.part.EXT`` file, which :func:`remove_partial_files` clears.

This module imports nothing of the project: every layer may use it.
"""
import contextlib
import glob
import os
import os.path as osp
import tempfile

# In the name of a file being written (before the extension, which
# writers such as OpenCV read to choose a format).
PARTIAL_SUFFIX = '.part'


def umask_mode():
    """The mode the user's umask gives a new file."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path to write in place of ``path``; on leaving
    without an error, it becomes ``path``.

    The temporary path is in the same folder (a rename within one file
    system is atomic) and ends with ``path``'s extension.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    name = osp.basename(path)
    fd, partial = tempfile.mkstemp(
        prefix=f'.{name}.',
        suffix=PARTIAL_SUFFIX + osp.splitext(name)[1],
        dir=folder)
    os.close(fd)
    try:
        yield partial
        with open(partial, 'rb') as f:
            os.fsync(f.fileno())
        os.chmod(partial, umask_mode())
        os.replace(partial, path)
    finally:
        if osp.exists(partial):
            os.remove(partial)


@contextlib.contextmanager
def atomic_open(path, mode='w', **kwargs):
    """``open(path, mode)`` for writing, through :func:`atomic_path`."""
    with atomic_path(path) as partial, open(partial, mode, **kwargs) as f:
        yield f


def remove_partial_files(folder):
    """Remove what writes killed midway left in ``folder``; return their
    paths."""
    partial = glob.glob(osp.join(folder, f'.*{PARTIAL_SUFFIX}*'))
    for path in partial:
        os.remove(path)
    return partial
