"""The official rule for training on N processes.

A config holds the recipe for one process (the official SSDLite config:
24 images, lr 1e-3, 240k iterations). The official launcher keeps that
recipe fixed in *images*: with N processes of 24 images each it runs
iterations / N, lr steps / N, at lr x N, and leaves the warm-up as it is.
:func:`scale_schedule` applies that rule to an mmengine config once, before
the Runner is built; :class:`ScheduleScalingHook` records N in every
checkpoint and refuses to resume one written with another N, whose lr and
steps would no longer fit.
"""
import os

from mmdet.registry import HOOKS
from mmengine.hooks import Hook

from ...errors import UserError

# The variable each mmengine launcher sets to the number of processes.
WORLD_SIZE_VARIABLES = {
    'pytorch': 'WORLD_SIZE',
    'slurm': 'SLURM_NTASKS',
    'mpi': 'OMPI_COMM_WORLD_SIZE',
}


class ScheduleScalingError(UserError, RuntimeError):
    """The schedule cannot be scaled, or a checkpoint does not fit it."""


def launcher_world_size(launcher, environ=None):
    """Number of processes the launcher started (1 without a launcher)."""
    environ = os.environ if environ is None else environ
    if launcher in (None, 'none'):
        return 1
    name = WORLD_SIZE_VARIABLES[launcher]
    if name not in environ:
        raise ScheduleScalingError(
            f'--launcher {launcher}, but {name} is not set: start the '
            'processes with tools/dist_train.sh (torchrun) or srun')
    return int(environ[name])


def scale_schedule(cfg, world_size):
    """Scale a one-process schedule to ``world_size`` processes, in place.

    Divides ``train_cfg.max_iters``, ``val_interval``, the checkpoint
    interval and every scheduler's milestones by N (and an ``end`` or a
    cosine ``T_max`` equal to ``max_iters`` with it), and multiplies the lr
    by N. Schedulers that end earlier (the warm-up) keep their length. Does
    nothing unless the config's ``schedule_scaling.enable`` is true.

    Returns:
        str | None: One line for the log, None when scaling is off.
    """
    scaling = cfg.get('schedule_scaling')
    if not (scaling and scaling.get('enable')):
        return None
    if scaling.get('world_size') is not None:
        raise ScheduleScalingError(
            'this config was already scaled for '
            f"{scaling['world_size']} processes (a config dumped by a run?); "
            'train from the original config')
    if cfg.train_cfg.get('type') != 'IterBasedTrainLoop':
        raise ScheduleScalingError(
            'schedule_scaling needs an IterBasedTrainLoop, got '
            f"{cfg.train_cfg.get('type')}; set schedule_scaling.enable=False")
    n = world_size
    cfg.optim_wrapper.optimizer.lr *= n
    move_schedule(
        cfg,
        cfg.train_cfg.max_iters // n,
        lambda position: max(1, position // n),
        stretch_warmup=False)
    scaling.world_size = n
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(
            type='ScheduleScalingHook',
            world_size=n,
            check_resume=bool(cfg.get('resume')))
    ]
    return describe_schedule(cfg, n)


def move_schedule(cfg, max_iters, position, stretch_warmup):
    """Give an iteration-based schedule ``max_iters`` iterations, in place:
    the one home of what a schedule's positions are.

    Args:
        cfg (Config): The config.
        max_iters (int): The new length.
        position (callable): Old position -> new one, for the lr steps
            (``milestones``), ``val_interval`` and the checkpoint interval.
        stretch_warmup (bool): Move the schedulers that end before the
            schedule (the warm-up) by ``position`` too; False keeps their
            length. A scheduler's ``end`` or a cosine ``T_max`` equal to the
            old length becomes ``max_iters`` either way.
    """
    old = cfg.train_cfg.max_iters
    for scheduler in cfg.param_scheduler:
        if 'milestones' in scheduler:
            scheduler['milestones'] = [
                position(m) for m in scheduler['milestones']
            ]
        for key in ('end', 'T_max'):
            value = scheduler.get(key)
            if value == old:
                scheduler[key] = max_iters
            elif value is not None and stretch_warmup:
                scheduler[key] = position(value)
    cfg.train_cfg.val_interval = position(cfg.train_cfg.val_interval)
    checkpoint = cfg.default_hooks.checkpoint
    checkpoint.interval = position(checkpoint.interval)
    cfg.train_cfg.max_iters = max_iters


def describe_schedule(cfg, world_size):
    """'4 processes x 24 images: 60000 iterations (5760000 images), ...'"""
    batch = cfg.train_dataloader.batch_size
    iters = cfg.train_cfg.max_iters
    lr = cfg.optim_wrapper.optimizer.lr
    steps = [m for s in cfg.param_scheduler for m in s.get('milestones', [])]
    decay = [f'steps {steps}'] if steps else []
    decay += [
        f"cosine decay over {s['T_max']} iterations"
        for s in cfg.param_scheduler if s['type'] == 'CosineAnnealingLR'
    ]
    # LinearLR reaches its end factor at iteration end - 1
    warmups = [
        f"warm-up {s['end'] - s.get('begin', 0) - 1} iterations from "
        f"{s['start_factor']:g}" for s in cfg.param_scheduler
        if s['type'] == 'LinearLR'
    ]
    processes = 'process' if world_size == 1 else 'processes'
    return (f'{world_size} {processes} x {batch} images: {iters} iterations '
            f'({iters * world_size * batch} images), lr {lr:g} '
            f'({lr / (world_size * batch):.6g} per image), ' +
            ', '.join(decay + (warmups or ['no warm-up'])))


@HOOKS.register_module()
class ScheduleScalingHook(Hook):
    """Records the process count in checkpoints; refuses to resume one
    written with another count.

    Args:
        world_size (int): Processes of this run.
        check_resume (bool): This run resumes; compare the checkpoint's
            count. Default: False.
    """

    priority = 'VERY_HIGH'

    def __init__(self, world_size, check_resume=False):
        self.world_size = world_size
        self.check_resume = check_resume

    def before_save_checkpoint(self, runner, checkpoint):
        meta = checkpoint.setdefault('meta', {})
        meta['world_size'] = self.world_size
        meta['batch_size'] = runner.train_dataloader.batch_size

    def after_load_checkpoint(self, runner, checkpoint):
        if not self.check_resume:
            return
        meta = checkpoint.get('meta', {})
        saved = meta.get('world_size')
        if saved not in (None, self.world_size):
            raise ScheduleScalingError(
                f'cannot resume: the checkpoint was trained with {saved} '
                f'processes and this run has {self.world_size}; its '
                'iterations, lr and lr steps were scaled for '
                f'{saved}. Resume with {saved} processes, or start a new '
                'run (load_from) to change the count.')
        max_iters = runner.train_loop.max_iters
        if meta.get('iter', 0) >= max_iters:
            raise ScheduleScalingError(
                f"cannot resume: the checkpoint is at iteration {meta['iter']}"
                f' and this run ends at train_cfg.max_iters={max_iters}: '
                'nothing would train. Set a max_iters above '
                f"{meta['iter']}, or train without --resume.")
        trained_batch = meta.get('batch_size')
        batch = runner.train_dataloader.batch_size
        if trained_batch not in (None, batch):
            runner.logger.warning(
                f'resuming with {batch} images per process where the '
                f'checkpoint was trained with {trained_batch}: the iterations '
                f'and lr stay as configured, so each now sees {batch} images')
