"""One training run per work dir."""
import os
import os.path as osp
import warnings

from ..errors import UserError


class WorkDirBusyError(UserError, RuntimeError):
    """Another live training run uses the work dir."""


def _start_time(pid):
    """When process ``pid`` started (clock ticks since boot, from
    /proc/PID/stat), '' where /proc has no such process or no /proc."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            # the command name (field 2) may hold spaces: split after it
            return f.read().rsplit(')', 1)[1].split()[19]
    except (OSError, IndexError):
        return ''


def _alive(pid, start_time):
    """Process ``pid`` runs and is the one that started at
    ``start_time`` (a reused pid is another process)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        pass
    return not start_time or _start_time(pid) in ('', start_time)


class WorkDirLock:
    """A lock file in the work dir, held for the length of a run.

    Two runs on one work dir would interleave their logs and overwrite each
    other's checkpoints and ``last_checkpoint``. The lock file holds the
    owner's process id and start time; a lock whose process is gone
    (killed, crashed), whose pid now belongs to another process, or that
    cannot be read (a write cut short) is stale and taken over, with a
    warning.

    Args:
        work_dir (str): The run's work dir.
    """

    name = '.train.lock'

    def __init__(self, work_dir):
        self.path = osp.join(work_dir, self.name)

    def acquire(self):
        """Take the lock (creating the work dir), taking over a stale
        one; returns ``self``.

        Raises:
            WorkDirBusyError: A live process holds it.
        """
        os.makedirs(osp.dirname(self.path), exist_ok=True)
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                self._check_owner()
                os.remove(self.path)  # stale
                continue
            with os.fdopen(fd, 'w') as f:
                f.write(f'{os.getpid()} {_start_time(os.getpid())}')
            return self
        raise WorkDirBusyError(f'cannot take the lock {self.path}')

    def _check_owner(self):
        """Raise if a live run holds the lock; warn if it is stale."""
        owner = self._owner()
        if owner is None:
            warnings.warn(f'taking over the unreadable lock {self.path}')
            return
        pid, start_time = owner
        if pid != os.getpid() and _alive(pid, start_time):
            raise WorkDirBusyError(
                f'work dir {osp.dirname(self.path)} is in use by training '
                f'process {pid} (lock {self.path}); wait for it, stop it, or '
                'choose another --work-dir')
        warnings.warn(f'taking over the stale lock {self.path} of process '
                      f'{pid}, which is gone')

    def release(self):
        """Remove the lock if this process holds it."""
        owner = self._owner()
        if owner is not None and owner[0] == os.getpid():
            os.remove(self.path)

    def _owner(self):
        """(pid, start time) of the lock's owner; None if unreadable."""
        try:
            with open(self.path) as f:
                fields = f.read().split()
            pid = int(fields[0])
        except (OSError, ValueError, IndexError):
            return None
        if pid <= 0:
            return None
        return pid, fields[1] if len(fields) > 1 else ''

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
