"""Preemption: SIGTERM to a training run saves, stops with its code, and
a resume continues exactly; forked children die with the run."""
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import torch
from mmengine.runner import Runner

from mnx_det.checkpoint import load_checkpoint_file, resolve_resume
from mnx_det.engine import PreemptionHook
from mnx_det.errors import ConfigError
from helpers import (ROOT, SHORT, TOY_CONFIG, as_cli, short_config,
                     toy_cfg_options)


def _sleep_when_ready(ready):
    ready.set()  # the child's fork handlers have run
    time.sleep(60)


def test_forked_children_die_of_sigterm_after_a_failed_run():
    # a run that failed never restores the handler it replaced; the next
    # run then restores that stale one: forked children (a pool's workers)
    # must still die of the SIGTERM their pool ends them with, and survive
    # one that the scheduler sends to every process (from another pid)
    previous = signal.getsignal(signal.SIGTERM)
    failed, later = PreemptionHook(), PreemptionHook()
    try:
        failed.before_train(None)
        later.before_train(None)
        later.after_train(None)
        assert signal.getsignal(signal.SIGTERM) == failed._receive
        context = multiprocessing.get_context('fork')
        ready = context.Event()
        child = context.Process(target=_sleep_when_ready, args=(ready, ))
        child.start()
        assert ready.wait(20)
        subprocess.run(['kill', '-TERM', str(child.pid)], check=True)
        child.join(1)
        assert child.is_alive()
        child.terminate()
        child.join(20)
        assert child.exitcode == -signal.SIGTERM
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_preemption_check_waits_for_the_device_only_every_interval(
        monkeypatch):
    """One process reads a flag; under a launcher the processes all-reduce
    (a device sync) every sync_interval iterations, not every one."""
    from types import SimpleNamespace

    from mnx_det.engine.hooks import preemption
    reduced = []

    def all_reduce(tensor, op):
        reduced.append(int(tensor.item()))

    monkeypatch.setattr(preemption, 'all_reduce', all_reduce)
    hook = PreemptionHook(sync_interval=4)
    runner = SimpleNamespace(iter=0, model=torch.nn.Linear(1, 1))

    def stop_after(world_size, signal_at):
        monkeypatch.setattr(preemption, 'get_world_size', lambda: world_size)
        hook.received = 0
        for runner.iter in range(12):
            if runner.iter == signal_at:
                hook.received = signal.SIGTERM
            if hook._agreed_signal(runner):
                return runner.iter + 1  # the checkpoint's iteration

    assert stop_after(1, signal_at=5) == 6
    assert reduced == []
    assert stop_after(2, signal_at=5) == 8  # the next multiple of 4
    assert reduced == [0, signal.SIGTERM]  # after iterations 4 and 8
    with pytest.raises(ConfigError, match='sync_interval'):
        PreemptionHook(sync_interval=0)


def _stopped_run(small_toy_voc, work_dir, delivery, **options):
    """tools/train.py on 12 iterations, sent SIGTERM at the third: to the
    main process, to its process group, or to ``timeout`` running it (which
    signals the main process and then the group). (output, exit code)."""
    options = toy_cfg_options(
        small_toy_voc,
        **dict(SHORT, **{
            'train_cfg.max_iters': 12,
            'randomness.seed': 0
        }, **options))
    command = [
        sys.executable, 'tools/train.py', TOY_CONFIG, '--work-dir', work_dir
    ] + as_cli(options)
    if delivery == 'timeout':
        command = ['timeout', '600'] + command
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        start_new_session=True)
    for line in process.stdout:
        if 'Iter(train) [ 3/12]' in line:
            if delivery == 'process group':
                os.killpg(process.pid, signal.SIGTERM)
            else:
                process.send_signal(signal.SIGTERM)
            break
    output = process.communicate(timeout=300)[0]
    return output, process.returncode


def _assert_resume_continues_exactly(small_toy_voc, work_dir, tmp_path,
                                     output):
    """The run stopped with a checkpoint of its next iteration, and the
    resumed run's next iteration equals an uninterrupted run's."""
    stopped = int(
        re.search(r'training stopped after iteration (\d+)', output)[1])
    assert 3 <= stopped < 12
    checkpoint = work_dir / f'iter_{stopped}.pth'
    assert (work_dir / 'last_checkpoint').read_text() == str(checkpoint)
    assert load_checkpoint_file(str(checkpoint))['meta']['iter'] == stopped
    assert not (work_dir / '.train.lock').exists()
    losses = {}
    for name, resume in (('resumed', True), ('uninterrupted', False)):
        cfg = short_config(small_toy_voc,
                           work_dir if resume else tmp_path / name,
                           **{'train_cfg.max_iters': stopped + 1})
        cfg.resume = resume
        resolve_resume(cfg)
        runner = Runner.from_cfg(cfg)
        runner.train()
        losses[name] = runner.message_hub.get_scalar('train/loss').current()
    assert losses['resumed'] == pytest.approx(
        losses['uninterrupted'], rel=1e-5)


def test_sigterm_saves_stops_and_resume_continues_exactly(
        small_toy_voc, tmp_path):
    work_dir = tmp_path / 'run'
    work_dir.mkdir()
    stale = work_dir / '.iter_2.pth.x1y2.part'  # a save SIGKILLed earlier
    stale.write_bytes(b'half')
    output, code = _stopped_run(small_toy_voc, work_dir, 'main process')
    assert code == 143, output[-3000:]
    assert not stale.exists()
    _assert_resume_continues_exactly(small_toy_voc, work_dir, tmp_path, output)


@pytest.mark.parametrize('delivery', ['process group', 'timeout'])
def test_sigterm_to_every_process_with_loader_workers(small_toy_voc, tmp_path,
                                                      delivery):
    """Slurm signals every process of the job step, timeout(1) and container
    runtimes the process group: the loader workers get SIGTERM too."""
    work_dir = tmp_path / 'run'
    output, code = _stopped_run(
        small_toy_voc, work_dir, delivery, **{
            'train_dataloader.num_workers': 1,
            'train_dataloader.persistent_workers': True
        })
    assert code == 143, output[-3000:]
    assert 'killed by signal' not in output
    _assert_resume_continues_exactly(small_toy_voc, work_dir, tmp_path, output)
