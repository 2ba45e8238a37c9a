"""One training run per work dir."""
import os
import os.path as osp

from ..errors import UserError


class WorkDirBusyError(UserError, RuntimeError):
    """Another live training run uses the work dir."""


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class WorkDirLock:
    """A lock file in the work dir, held for the length of a run.

    Two runs on one work dir would interleave their logs and overwrite each
    other's checkpoints and ``last_checkpoint``. The lock file holds the
    owner's process id; a lock whose process is gone (killed, crashed) is
    stale and taken over.

    Args:
        work_dir (str): The run's work dir.
    """

    name = '.train.lock'

    def __init__(self, work_dir):
        self.path = osp.join(work_dir, self.name)

    def acquire(self):
        os.makedirs(osp.dirname(self.path), exist_ok=True)
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                owner = self._owner()
                if owner is not None and owner != os.getpid() and _alive(
                        owner):
                    raise WorkDirBusyError(
                        f'work dir {osp.dirname(self.path)} is in use by '
                        f'training process {owner} (lock {self.path}); wait '
                        'for it, stop it, or choose another --work-dir')
                os.remove(self.path)  # stale: its process is gone
                continue
            with os.fdopen(fd, 'w') as f:
                f.write(str(os.getpid()))
            return self
        raise WorkDirBusyError(f'cannot take the lock {self.path}')

    def release(self):
        if self._owner() == os.getpid():
            os.remove(self.path)

    def _owner(self):
        try:
            with open(self.path) as f:
                return int(f.read().strip() or -1)
        except (OSError, ValueError):
            return None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
