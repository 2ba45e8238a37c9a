"""The config of a short run on the toy VOC set, as the demo, the
benchmarks and the tests make it."""
import os.path as osp

from mmengine.config import Config

from ..engine import move_schedule
from .config import set_data_root

# Data loaders without worker processes: short runs start faster.
NO_WORKERS = {
    f'{split}_dataloader.{key}': value
    for split in ('train', 'val', 'test')
    for key, value in (('num_workers', 0), ('persistent_workers', False))
}


def rescale_schedule(cfg, max_iters):
    """Stretch or shrink an iteration-based schedule to ``max_iters``: the
    warm-up, lr steps, cosine length, validation and checkpoints keep their
    place in it (:func:`mnx_det.engine.move_schedule`)."""
    factor = max_iters / cfg.train_cfg.max_iters
    move_schedule(
        cfg,
        max_iters,
        lambda position: max(1, round(position * factor)),
        stretch_warmup=True)


def toy_run_config(config,
                   data_root,
                   work_dir,
                   seed=0,
                   in_process=True,
                   final_checkpoint_only=True,
                   max_iters=None,
                   **changes):
    """A toy config ready for mmengine's Runner.

    Args:
        config (str): A config of ``configs/toy/``.
        data_root (str): Where :func:`mnx_det.datasets.make_toy_voc` wrote
            the toy set.
        work_dir (str): The run's work dir.
        seed (int): The run's seed. Default: 0.
        in_process (bool): Load data in the main process: toy images cost
            little to load, while the worker processes of an
            iteration-based loop outlive a short run and cost seconds when
            collected later. Default: True.
        final_checkpoint_only (bool): One checkpoint at the end and no
            validation during training (callers validate once, with
            ``runner.val()``). Default: True.
        max_iters (int, optional): The schedule rescaled to this length
            (:func:`rescale_schedule`); the config's by default.
        **changes: Config keys to merge first (``merge_from_dict``).
    """
    cfg = Config.fromfile(str(config))
    cfg.merge_from_dict(changes)
    set_data_root(cfg, str(data_root))
    cfg.work_dir = str(work_dir)
    cfg.randomness = dict(seed=seed)
    # The visualizer is a named singleton: one per run, or a second run in
    # the process would log into the first one's folder.
    cfg.visualizer.name = f'visualizer_{osp.abspath(work_dir)}'
    if max_iters is not None:
        rescale_schedule(cfg, max_iters)
    if final_checkpoint_only:
        cfg.default_hooks.checkpoint.interval = cfg.train_cfg.max_iters
        cfg.train_cfg.val_begin = cfg.train_cfg.max_iters + 1
    if in_process:
        cfg.merge_from_dict(NO_WORKERS)
    return cfg
