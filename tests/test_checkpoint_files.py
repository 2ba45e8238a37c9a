"""Checkpoint files: read once and checked against the model and its
classes, written whole or not at all, never lost to max_keep_ckpts, and
resumed from the newest one that loads."""
import errno
import os
import shutil
import signal
import subprocess
import sys

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.runner import Runner
from mmengine.runner import runner as runner_module

from mnx_det.apis import NO_WORKERS, build_detector, load_config
from mnx_det.checkpoint import (CheckpointMismatchError, CheckpointWriteError,
                                CorruptCheckpointError,
                                NonFiniteCheckpointError, ResumeError,
                                check_checkpoint_classes,
                                check_checkpoint_fits)
from mnx_det.checkpoint import io as checkpoint_io
from mnx_det.checkpoint import (latest_loadable_checkpoint,
                                load_checkpoint_file, remove_partial_files,
                                resolve_resume, save_checkpoint_file)
from mnx_det.engine import NonFiniteLossError
from helpers import (ROOT, SHORT, TOY_CLASSES, TOY_CONFIG, as_cli, run_script,
                     run_tool, short_config, toy_cfg_options)


def test_testing_a_checkpoint_reads_it_once(small_toy_voc, tmp_path,
                                            monkeypatch, capsys):
    """The class check, the fit check and the weights come from one read:
    a file replaced between reads cannot pass the checks and then load."""
    checkpoint = str(tmp_path / 'toy.pth')
    model = build_detector(str(TOY_CONFIG))
    save_checkpoint_file(
        dict(
            state_dict=model.state_dict(),
            meta=dict(dataset_meta=dict(classes=TOY_CLASSES))), checkpoint)
    reads = []
    load = torch.load

    def counted_load(f, *args, **kwargs):
        reads.append(str(f))
        return load(f, *args, **kwargs)

    monkeypatch.setattr(torch, 'load', counted_load)
    code = run_script(['tools/test.py', TOY_CONFIG, checkpoint] +
                      as_cli(toy_cfg_options(small_toy_voc, **NO_WORKERS)),
                      monkeypatch)
    assert code == 0, capsys.readouterr().err[-2000:]
    assert reads.count(checkpoint) == 1
    assert 'pascal_voc/mAP' in capsys.readouterr().out


@pytest.mark.parametrize('fits', [True, False])
def test_training_from_a_checkpoint_reads_it_once(fits, small_toy_voc,
                                                  tmp_path, monkeypatch,
                                                  capsys):
    """train.py's load_from: checked for fit on the dict the Runner loaded
    (one read); another detector's weights stop the run before training."""
    other = 'configs/toy/ssdlite_mobilenetv2_toy.py'
    model = build_detector(str(TOY_CONFIG if fits else ROOT / other))
    checkpoint = str(tmp_path / 'start.pth')
    save_checkpoint_file(dict(state_dict=model.state_dict()), checkpoint)
    reads, load = [], torch.load

    def counted_load(f, *args, **kwargs):
        reads.append(str(f))
        return load(f, *args, **kwargs)

    monkeypatch.setattr(torch, 'load', counted_load)
    options = toy_cfg_options(
        small_toy_voc,
        **dict(SHORT, load_from=checkpoint, **{'train_cfg.max_iters': 1}))
    code = run_script(
        ['tools/train.py', TOY_CONFIG, '--work-dir', tmp_path / 'run'] +
        as_cli(options), monkeypatch)
    assert reads.count(checkpoint) == 1
    err = capsys.readouterr().err
    if fits:
        assert code == 0, err[-2000:]
        assert (tmp_path / 'run/iter_1.pth').is_file()
    else:
        assert code == 1
        assert f'error: checkpoint {checkpoint} does not fit the model' in err
        assert 'Traceback' not in err
        assert not (tmp_path / 'run/iter_1.pth').exists()


def test_checkpoint_of_other_class_order_is_refused(tmp_path, small_toy_voc,
                                                    monkeypatch, capsys):
    model = build_detector(str(TOY_CONFIG))
    checkpoint = tmp_path / 'reordered.pth'
    torch.save(
        dict(
            meta=dict(dataset_meta=dict(classes=TOY_CLASSES[::-1])),
            state_dict=model.state_dict()), checkpoint)
    with pytest.raises(CheckpointMismatchError, match='another order'):
        check_checkpoint_classes(str(checkpoint), TOY_CLASSES)
    code = run_script(
        ['tools/test.py', TOY_CONFIG, checkpoint, '--allow-partial-load'] +
        as_cli(toy_cfg_options(small_toy_voc, **NO_WORKERS)), monkeypatch)
    assert code == 1
    err = capsys.readouterr().err
    assert "checkpoint: ('bottle', 'tvmonitor', 'sheep')" in err


def test_max_keep_ckpts_never_leaves_no_checkpoint(small_toy_voc, tmp_path,
                                                   monkeypatch):
    cfg = short_config(
        small_toy_voc, tmp_path, **{
            'default_hooks.checkpoint.interval': 1,
            'default_hooks.checkpoint.max_keep_ckpts': 1
        })
    saves = []
    real_save = torch.save

    def disk_full_at_second_save(obj, f, *args, **kwargs):
        saves.append(f)
        if len(saves) == 2:
            raise OSError(errno.ENOSPC, 'No space left on device')
        return real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(checkpoint_io.torch, 'save', disk_full_at_second_save)
    with pytest.raises(
            CheckpointWriteError,
            match=r'iter_2.pth: No space left on device \(ENOSPC'):
        Runner.from_cfg(cfg).train()
    assert load_checkpoint_file(str(tmp_path /
                                    'iter_1.pth'))['meta']['iter'] == 1
    assert not list(tmp_path.glob('.*.part'))


def test_resume_never_restarts_silently_or_from_another_dir(tmp_path):
    run, copy = tmp_path / 'run', tmp_path / 'copy'
    run.mkdir()
    torch.save(dict(state_dict={}), run / 'iter_4.pth')
    (run / 'last_checkpoint').write_text(str(run / 'iter_4.pth'))
    shutil.copytree(run, copy)
    with pytest.warns(UserWarning, match='outside this work dir'):
        assert latest_loadable_checkpoint(str(copy)) == str(copy /
                                                            'iter_4.pth')
    (copy / 'iter_4.pth').unlink()
    with pytest.raises(ResumeError, match='outside this work dir'):
        latest_loadable_checkpoint(str(copy))
    (run / 'iter_4.pth').unlink()  # every checkpoint lost
    cfg = load_config(str(TOY_CONFIG), work_dir=str(run))
    cfg.resume, cfg.load_from = True, None
    with pytest.raises(ResumeError, match='nothing to resume'):
        resolve_resume(cfg)


def test_diverged_weights_are_never_saved(small_toy_voc, tmp_path):
    cfg = short_config(
        small_toy_voc, tmp_path, **{
            'default_hooks.checkpoint.interval': 1,
            'optim_wrapper.optimizer.lr': 1e6,
            'train_cfg.max_iters': 8,
        })
    with pytest.raises((NonFiniteCheckpointError, NonFiniteLossError)):
        Runner.from_cfg(cfg).train()
    for path in tmp_path.glob('*.pth'):
        state = load_checkpoint_file(str(path))['state_dict']
        assert all(
            torch.isfinite(v).all() for v in state.values()
            if v.is_floating_point()), path
    with pytest.raises(NonFiniteCheckpointError, match='running_var'):
        save_checkpoint_file(
            dict(state_dict={'bn.running_var': torch.tensor([float('inf')])}),
            str(tmp_path / 'x.pth'))
    assert not (tmp_path / 'x.pth').exists()


WRITE_THEN_TERMINATE = """
import os, signal, sys, time
from mnx_det.apis import exit_on_termination
from mnx_det.fileio import atomic_open
exit_on_termination()
with atomic_open(sys.argv[1]) as f:
    f.write('half of it')
    f.flush()
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(30)
"""


def test_a_tool_stopped_while_writing_leaves_nothing(tmp_path):
    """A writer stopped by SIGTERM (a tool calls exit_on_termination)
    leaves neither the file nor its temporary file; one killed outright
    leaves only a hidden temporary file that remove_partial_files clears."""
    target = tmp_path / 'annotations.json'
    result = subprocess.run(
        [sys.executable, '-c', WRITE_THEN_TERMINATE,
         str(target)],
        capture_output=True,
        text=True,
        timeout=60)
    assert result.returncode == 143, result.stderr[-2000:]
    assert list(tmp_path.iterdir()) == []
    killed = subprocess.run([
        sys.executable, '-c',
        WRITE_THEN_TERMINATE.replace('SIGTERM', 'SIGKILL'),
        str(target)
    ],
                            timeout=60)
    assert killed.returncode == -signal.SIGKILL
    (partial, ) = tmp_path.iterdir()
    assert partial.name.startswith('.annotations.json.')
    assert remove_partial_files(str(tmp_path)) == [str(partial)]
    assert list(tmp_path.iterdir()) == []


def test_full_disk_is_one_error_and_modes_follow_the_umask(tmp_path):
    target = tmp_path / 'iter_1.pth'
    umask = os.umask(0o027)
    try:
        save_checkpoint_file({'a': torch.zeros(2)}, str(target))
    finally:
        os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o640
    # a real 'file too large' (EFBIG) in a process with a 100 kB file limit
    script = (
        'import resource, signal, torch\n'
        'from mnx_det.checkpoint import save_checkpoint_file\n'
        'signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n'
        'resource.setrlimit(resource.RLIMIT_FSIZE, (100000, 100000))\n'
        f'save_checkpoint_file({{"a": torch.zeros(100000)}}, "{target}")\n')
    result = subprocess.run([sys.executable, '-c', script],
                            capture_output=True,
                            text=True)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last == ('mnx_det.checkpoint.io.CheckpointWriteError: cannot '
                    f'write checkpoint {target}: File too large (EFBIG); '
                    'the previous checkpoints are intact')
    assert torch.load(target)['a'].shape == (2, )  # the old one
    assert [p.name for p in tmp_path.iterdir()] == ['iter_1.pth']


def test_checkpoints_are_written_atomically(tmp_path, monkeypatch):
    target = tmp_path / 'iter_2.pth'
    runner_module.save_checkpoint({'a': torch.ones(2)}, str(target))
    original = target.read_bytes()

    def dies_midway(obj, f, *args, **kwargs):
        f.write(b'half a checkpoint')
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint_io.torch, 'save', dies_midway)
    with pytest.raises(KeyboardInterrupt):
        runner_module.save_checkpoint({'a': torch.zeros(2)}, str(target))
    assert target.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ['iter_2.pth']


@pytest.mark.parametrize('pointer', ['newest', 'empty'])
def test_resume_falls_back_to_the_newest_checkpoint_that_loads(
        tmp_path, pointer, log_lines):
    for it in (1, 2):
        torch.save({'meta': {'iter': it}}, tmp_path / f'iter_{it}.pth')
    newest = tmp_path / 'iter_2.pth'
    newest.write_bytes(newest.read_bytes()[:100])  # killed while saving
    (tmp_path /
     'last_checkpoint').write_text(str(newest) if pointer == 'newest' else '')
    assert latest_loadable_checkpoint(str(tmp_path)) == str(tmp_path /
                                                            'iter_1.pth')
    assert any(f'cannot resume from {newest}' in line for line in log_lines)


@pytest.mark.parametrize('content', [os.urandom(300), b'epoch 3\nbest map\n'])
def test_a_file_that_is_no_checkpoint_is_named_as_such(tmp_path, content):
    path = tmp_path / 'model.pth'
    path.write_bytes(content)
    with pytest.raises(
            CorruptCheckpointError,
            match=f'checkpoint {path} is truncated or not a PyTorch '
            'checkpoint'):
        load_checkpoint_file(str(path))


def test_test_tool_refuses_another_detectors_checkpoint(
        small_toy_voc, tmp_path):
    cfg = Config.fromfile(str(ROOT / 'configs/toy/ssdlite_mobilenetv2_toy.py'))
    other = MODELS.build(cfg.model)
    path = tmp_path / 'mobilenetv2.pth'
    torch.save({'state_dict': other.state_dict()}, path)
    result = run_tool(['tools/test.py', TOY_CONFIG, path] +
                      as_cli(toy_cfg_options(f'{small_toy_voc}/')))
    assert result.returncode != 0
    assert f'error: checkpoint {path} does not fit the model' in result.stderr
    assert 'missing keys' in result.stderr and 'unexpected keys' in \
        result.stderr
    assert 'pascal_voc/mAP' not in result.stdout
    mnx = MODELS.build(Config.fromfile(str(TOY_CONFIG)).model)
    with pytest.raises(CheckpointMismatchError, match='shape mismatch'):
        check_checkpoint_fits(mnx, str(path))
