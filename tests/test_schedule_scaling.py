"""The official schedule on any number of processes: the one-process
recipe scaled by the launcher's world size, every iteration's lr equal to
the official scheduler's, and resumes that would change the schedule
refused."""
from functools import partial
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import PARAM_SCHEDULERS

from mnx_det.apis import load_config
from mnx_det.engine import (ScheduleScalingError, ScheduleScalingHook,
                            launcher_world_size, scale_schedule)
import official_ssd
from helpers import ROOT

VOC_CONFIGS = ('ssdlite_mobilenext_voc.py', 'ssdlite_mobilenetv2_voc.py')


def scaled(config, world_size, **options):
    cfg = load_config(str(ROOT / 'configs' / config), options)
    return cfg, scale_schedule(cfg, world_size)


def test_one_gpu_config_holds_the_official_recipe():
    cfg, line = scaled('ssdlite_mobilenext_voc.py', 1)
    assert cfg.train_dataloader.batch_size == 24
    assert cfg.train_cfg.max_iters == 240000
    assert cfg.optim_wrapper.optimizer == dict(
        type='SGD', lr=1e-3, momentum=0.9, weight_decay=5e-4)
    warmup, steps = cfg.param_scheduler
    assert (warmup.type, warmup.start_factor, warmup.end) == ('LinearLR',
                                                              0.1333, 1001)
    assert (steps.milestones, steps.gamma, steps.end) == ([160000, 200000],
                                                          0.1, 240000)
    assert line == ('1 process x 24 images: 240000 iterations (5760000 '
                    'images), lr 0.001 (4.16667e-05 per image), steps '
                    '[160000, 200000], warm-up 1000 iterations from 0.1333')


@pytest.mark.parametrize('config', VOC_CONFIGS)
def test_four_processes_get_the_papers_schedule(config):
    cfg, line = scaled(config, 4)
    assert cfg.train_cfg.max_iters == 60000
    assert cfg.train_cfg.val_interval == 10000
    assert cfg.default_hooks.checkpoint.interval == 2500
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(4e-3)
    warmup, steps = cfg.param_scheduler
    assert warmup.end == 1001 and warmup.start_factor == 0.1333
    assert (steps.milestones, steps.end) == ([40000, 50000], 60000)
    assert line.startswith('4 processes x 24 images: 60000 iterations '
                           '(5760000 images), lr 0.004 (4.16667e-05 per '
                           'image), steps [40000, 50000], warm-up 1000')
    assert cfg.custom_hooks[-1] == dict(
        type='ScheduleScalingHook', world_size=4, check_resume=False)
    # applied once: a config that carries the result is refused
    with pytest.raises(ScheduleScalingError, match='already scaled for 4'):
        scale_schedule(cfg, 4)


def official_lr(config, n):
    """The official scheduler of ``config`` on n processes."""
    if 'coco' in config:
        return partial(
            official_ssd.cosine_lr,
            base_lr=0.01 * n,
            max_iters=1600000 // n,
            warmup=(1 / 3, 500))
    return partial(
        official_ssd.multistep_lr,
        base_lr=1e-3 * n,
        milestones=[160000 // n, 200000 // n],
        warmup=(0.1333, 1000))


@pytest.mark.parametrize('config, n', [('ssdlite_mobilenext_voc.py', 80),
                                       ('ssdlite_mobilenext_coco.py', 800)])
def test_lr_of_every_iteration_equals_the_official_scheduler(config, n):
    """mmengine's chained schedulers, as the configs set them, give the
    official warm-up x step (VOC) and warm-up x cosine (COCO) lr at every
    iteration (n processes shorten the run to 3000 and 2000 iterations,
    warm-up included)."""
    cfg, _ = scaled(config, n)
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=cfg.optim_wrapper.optimizer.lr)
    schedulers = [
        PARAM_SCHEDULERS.build(
            dict(s), default_args=dict(optimizer=optimizer))
        for s in cfg.param_scheduler
    ]
    expected = official_lr(config, n)
    for iteration in range(cfg.train_cfg.max_iters):
        assert optimizer.param_groups[0]['lr'] == pytest.approx(
            expected(iteration), rel=1e-9, abs=1e-15), iteration
        optimizer.step()
        for scheduler in schedulers:
            scheduler.step()


def test_scaling_is_a_switch():
    cfg, line = scaled('ssdlite_mobilenext_voc.py', 4,
                       **{'schedule_scaling.enable': False})
    assert line is None and cfg.train_cfg.max_iters == 240000
    assert cfg.optim_wrapper.optimizer.lr == 1e-3


def test_rescaled_schedules_keep_their_shape():
    """One function moves every schedule position: a toy run's rescaling
    stretches the warm-up and moves the lr steps, and a cosine schedule's
    length follows (its T_max stayed at 1.6M before)."""
    from mnx_det.apis.toy_run import rescale_schedule
    step = Config.fromfile(str(ROOT / 'configs/ssdlite_mobilenext_voc.py'))
    rescale_schedule(step, 2400)  # 1/100 of 240k
    warmup, steps = step.param_scheduler
    assert (warmup.end, steps.end, steps.milestones) == (10, 2400,
                                                         [1600, 2000])
    assert step.train_cfg.max_iters == 2400
    cosine = Config.fromfile(str(ROOT / 'configs/ssdlite_mobilenext_coco.py'))
    rescale_schedule(cosine, 16000)  # 1/100 of 1.6M
    warmup, decay = cosine.param_scheduler
    assert (warmup.end, decay.end, decay.T_max) == (5, 16000, 16000)
    # scaling to processes keeps the warm-up's length
    cosine = Config.fromfile(str(ROOT / 'configs/ssdlite_mobilenext_coco.py'))
    scale_schedule(cosine, 8)
    warmup, decay = cosine.param_scheduler
    assert (warmup.end, decay.end, decay.T_max) == (501, 200000, 200000)


def test_world_size_comes_from_the_launcher():
    assert launcher_world_size('none', {}) == 1
    assert launcher_world_size('pytorch', {'WORLD_SIZE': '8'}) == 8
    assert launcher_world_size('slurm', {'SLURM_NTASKS': '2'}) == 2
    with pytest.raises(ScheduleScalingError, match='WORLD_SIZE is not set'):
        launcher_world_size('pytorch', {})


def test_slurm_world_size_is_mmengines(monkeypatch):
    """The schedule is scaled for the processes mmengine's slurm launcher
    counts: after its set-up the slurm and pytorch names agree."""
    import os

    from mmengine.dist import utils as dist_utils
    environ = dict(
        os.environ,
        SLURM_PROCID='3',
        SLURM_NTASKS='16',
        SLURM_NODELIST='node[1-2]',
        SLURM_LOCALID='3',
        MASTER_ADDR='node1')
    environ.pop('WORLD_SIZE', None)
    monkeypatch.setattr(os, 'environ', environ)  # mmengine writes to it
    monkeypatch.setattr(dist_utils.torch_dist, 'init_process_group',
                        lambda **kwargs: None)
    monkeypatch.setattr(torch.cuda, 'set_device', lambda device: None)
    scaled_for = launcher_world_size('slurm')
    dist_utils._init_dist_slurm('nccl')
    assert scaled_for == launcher_world_size('pytorch') == 16


def fake_runner(max_iters=10, batch_size=2):
    """What ScheduleScalingHook reads of a Runner; warnings go to
    ``.logged``."""
    logged = []
    return SimpleNamespace(
        train_loop=SimpleNamespace(max_iters=max_iters),
        train_dataloader=SimpleNamespace(batch_size=batch_size),
        logger=SimpleNamespace(warning=logged.append),
        logged=logged)


def test_resume_with_another_process_count_is_refused():
    hook = ScheduleScalingHook(world_size=1, check_resume=True)
    checkpoint = dict(meta=dict(iter=4))
    ScheduleScalingHook(world_size=2).before_save_checkpoint(
        fake_runner(), checkpoint)
    assert checkpoint['meta']['world_size'] == 2
    with pytest.raises(
            ScheduleScalingError,
            match='trained with 2 processes and this run has 1'):
        hook.after_load_checkpoint(fake_runner(), checkpoint)
    ScheduleScalingHook(
        world_size=2,
        check_resume=True).after_load_checkpoint(fake_runner(), checkpoint)
    # loading weights for a new run (load_from) is not resuming
    ScheduleScalingHook(world_size=1).after_load_checkpoint(None, checkpoint)


def test_resume_past_the_end_is_refused_and_another_batch_said():
    checkpoint = dict(meta=dict(iter=6))
    ScheduleScalingHook(world_size=1).before_save_checkpoint(
        fake_runner(batch_size=2), checkpoint)
    hook = ScheduleScalingHook(world_size=1, check_resume=True)
    for max_iters in (3, 6):
        with pytest.raises(
                ScheduleScalingError,
                match=f'at iteration 6 and this run ends at '
                f'train_cfg.max_iters={max_iters}: nothing would train'):
            hook.after_load_checkpoint(fake_runner(max_iters), checkpoint)
    runner = fake_runner(max_iters=12, batch_size=4)
    hook.after_load_checkpoint(runner, checkpoint)
    assert runner.logged == [
        'resuming with 4 images per process where the checkpoint was '
        'trained with 2: the iterations and lr stay as configured, so each '
        'now sees 4 images'
    ]
    same = fake_runner(max_iters=12, batch_size=2)
    hook.after_load_checkpoint(same, checkpoint)
    assert same.logged == []
