"""Stop training cleanly when the job is told to stop."""
import functools
import multiprocessing.util
import os
import os.path as osp
import signal
import threading

import torch
from mmdet.registry import HOOKS
from mmengine.dist import all_reduce, get_world_size, is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ...errors import ConfigError
from ...fileio import atomic_open


class TrainingPreempted(Exception):
    """Training stopped on a signal after saving a checkpoint.

    Attributes:
        signum (int): The signal.
        checkpoint (str): The checkpoint written.
        exit_code (int): What the process should exit with: 128 + the
            signal's number, as for a process the signal ended.
    """

    def __init__(self, signum, checkpoint):
        self.signum = signum
        self.checkpoint = checkpoint
        self.exit_code = 128 + signum
        super().__init__(
            f'{signal.Signals(signum).name}: training stopped after '
            f'iteration {_iteration(checkpoint)}, checkpoint {checkpoint} '
            'written; continue with --resume')


def _iteration(checkpoint):
    return osp.splitext(osp.basename(checkpoint))[0].split('_')[-1]


# Signals a PreemptionHook ever handled in this process. A forked child (a
# loader worker, the VOC metric's pool) must not run the hook's handler.
# Whether a hook's handler is still installed is asked at fork time: a run
# that failed never restores the handler it replaced, and the next run then
# restores that stale one.
_HANDLED = set()


def _default_handlers_in_child():
    for signum in _HANDLED:
        handler = signal.getsignal(signum)
        if getattr(handler, '__func__', None) is PreemptionHook._receive:
            signal.signal(signum, signal.SIG_DFL)


def _die_of_the_parents_signals(parent, signals):
    """In a multiprocessing child: wait for ``signals`` (blocked in every
    thread), die of one the parent sent, ignore the others."""
    while True:
        info = signal.sigwaitinfo(signals)
        if info.si_pid == parent:
            # unblocked in this thread alone, the default action ends the
            # process as the parent asked
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {info.si_signo})
            os.kill(os.getpid(), info.si_signo)
            return


def _survive_the_schedulers_signals(hook):
    """A loader worker (or a pool's worker) forked while ``hook`` lives.

    Slurm signals every process of a job step, ``timeout`` and container
    runtimes the whole process group: a worker that died of that signal
    would fail the main process (``DataLoader worker ... is killed by
    signal``) before it saves. The worker ignores the hook's signals from
    anyone but its parent, and still dies of the ones its parent sends (a
    pool terminating its workers, a loader shutting one down), which the
    sender's pid tells apart. A program a worker starts with ``subprocess``
    inherits the blocked mask: it must unblock the signals it needs.
    """
    signals = set(hook.signals)
    signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    threading.Thread(
        target=_die_of_the_parents_signals,
        args=(os.getppid(), signals),
        name='preemption-signals',
        daemon=True).start()


def _unblock_in_child():
    # a child forked by a worker (other than a multiprocessing one, which
    # gets its own guard) starts with the signals unblocked
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HANDLED)


@functools.cache  # once per process
def _install_fork_handlers():
    os.register_at_fork(after_in_child=_default_handlers_in_child)
    os.register_at_fork(after_in_child=_unblock_in_child)


@HOOKS.register_module()
class PreemptionHook(Hook):
    """Finish the iteration, save, stop: training that survives SIGTERM.

    Slurm, Kubernetes and most schedulers send SIGTERM some time before
    they kill a job (Slurm can send SIGUSR1 earlier, with ``--signal``).
    On one of ``signals`` the current iteration finishes, a checkpoint of
    the next iteration is written (atomically, like every checkpoint, and
    named in ``last_checkpoint``) and :class:`TrainingPreempted` is raised;
    ``tools/train.py`` logs it, releases the work-dir lock and exits with
    128 + the signal's number. ``--resume`` continues at exactly the next
    iteration of an iteration-based loop (every SSDLite config); an
    epoch-based loop runs the interrupted epoch again.

    With one process the check reads a Python flag: no device sync. Under a
    launcher the processes must stop after the same iteration, so they
    agree (one all-reduce of one number, which waits for the device) every
    ``sync_interval`` iterations: a signal is acted on within that many
    iterations (10 SSDLite iterations take a few seconds on a GPU; Slurm's
    default grace between SIGTERM and SIGKILL is 30 s).

    The signal may reach every process of the job (Slurm signals a whole
    job step, ``timeout`` and container runtimes a process group): the
    loader workers forked while the hook exists ignore it unless their
    parent sends it, so the main process can finish the iteration and save
    (:func:`_survive_the_schedulers_signals`).

    Args:
        signals (Sequence[str]): Signal names. Default: ('SIGTERM', ).
        sync_interval (int): Iterations between the processes' agreements
            under a launcher. Default: 10.
    """

    priority = 'LOWEST'  # after the param scheduler and CheckpointHook

    def __init__(self, signals=('SIGTERM', ), sync_interval=10):
        if not isinstance(sync_interval, int) or sync_interval < 1:
            raise ConfigError('PreemptionHook: sync_interval must be a '
                              f'positive integer, got {sync_interval!r}')
        self.signals = [signal.Signals[name] for name in signals]
        self.sync_interval = sync_interval
        self.received = 0
        self._previous = {}
        _HANDLED.update(self.signals)
        _install_fork_handlers()
        # The Runner forks the training loader's workers before the first
        # hook call, so the guard is registered here; it goes with the hook.
        multiprocessing.util.register_after_fork(
            self, _survive_the_schedulers_signals)

    def before_train(self, runner):
        for signum in self.signals:
            self._previous[signum] = signal.signal(signum, self._receive)

    def after_train(self, runner):
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _receive(self, signum, frame):
        self.received = signum

    def _agreed_signal(self, runner):
        """The signal every process stops for after this iteration, 0 to
        go on."""
        if get_world_size() == 1:
            return self.received
        if (runner.iter + 1) % self.sync_interval:
            return 0
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        device = next(model.parameters()).device
        received = torch.tensor([self.received], device=device)
        all_reduce(received, op='max')
        return int(received.item())

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        received = self._agreed_signal(runner)
        if not received:
            return
        filename = f'iter_{runner.iter + 1}.pth'
        # the epoch under way: an epoch-based loop runs it again on resume
        runner.save_checkpoint(
            runner.work_dir,
            filename,
            meta=dict(epoch=runner.epoch, iter=runner.iter + 1),
            by_epoch=False)
        checkpoint = osp.join(runner.work_dir, filename)
        if is_main_process():
            with atomic_open(osp.join(runner.work_dir,
                                      'last_checkpoint')) as f:
                f.write(checkpoint)
        self.after_train(runner)
        stop = TrainingPreempted(received, checkpoint)
        runner.logger.info(str(stop))
        raise stop
