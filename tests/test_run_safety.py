"""Run safety, second pass: no silent wrong-class results, no lost
checkpoints, preemption-safe training, robust inference (one test per
fault; the README's fault table lists them)."""
import errno
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import warnings

import cv2
import numpy as np
import onnx
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mnx_det.apis import NO_WORKERS, WorkDirLock, build_detector, load_config
from mnx_det.checkpoint import (CheckpointMismatchError, CheckpointWriteError,
                                NonFiniteCheckpointError, ResumeError,
                                check_checkpoint_classes)
from mnx_det.checkpoint import io as checkpoint_io
from mnx_det.checkpoint import (latest_loadable_checkpoint,
                                load_checkpoint_file, remove_partial_files,
                                resolve_resume, save_checkpoint_file)
from mnx_det.deploy import ORTDetector, export_onnx
from mnx_det.deploy.contract import (ContractMismatchError,
                                     MalformedContractError)
from mnx_det.engine import NonFiniteLossError, PreemptionHook
from mnx_det.errors import ConfigError
from helpers import ROOT, TOY_CONFIG, as_cli, run_script, toy_cfg_options

TOY_CLASSES = ('sheep', 'tvmonitor', 'bottle')
SHORT = dict(
    NO_WORKERS, **{
        'train_dataloader.batch_size': 2,
        'train_cfg.max_iters': 6,
        'train_cfg.val_interval': 100,
        'default_hooks.logger.interval': 1,
        'log_processor.window_size': 1,
    })


def short_config(data_root, work_dir, **options):
    """The toy config as tools/train.py builds it from these options."""
    cfg = load_config(
        str(TOY_CONFIG), toy_cfg_options(data_root, **dict(SHORT, **options)),
        str(work_dir))
    cfg.randomness = dict(seed=0)
    return cfg


@pytest.fixture(scope='module')
def untrained_export(tmp_path_factory):
    """An ONNX export of the untrained toy detector recorded for 3 other
    classes, and the same file without any record (an old export)."""
    folder = tmp_path_factory.mktemp('exports')
    detector = build_detector(str(TOY_CONFIG)).eval()
    other = export_onnx(
        detector, str(folder / 'other.onnx'), 160, classes=('a', 'b', 'c'))
    model = onnx.load(other)
    del model.metadata_props[:]
    old = str(folder / 'old.onnx')
    onnx.save(model, old)
    return other, old


# -- results for the wrong classes --------------------------------------------


def test_onnx_file_of_other_classes_is_refused(untrained_export, small_toy_voc,
                                               monkeypatch, capsys):
    other, old = untrained_export
    with pytest.raises(ContractMismatchError, match=r"\('a', 'b', 'c'\)"):
        ORTDetector(other, classes=TOY_CLASSES)
    code = run_script(['tools/test.py', TOY_CONFIG, other] +
                      as_cli(toy_cfg_options(small_toy_voc, **NO_WORKERS)),
                      monkeypatch)
    assert code == 1
    err = capsys.readouterr().err
    assert "file:   ('a', 'b', 'c')" in err
    assert "config: ('sheep', 'tvmonitor', 'bottle')" in err
    with pytest.warns(UserWarning, match='records no export contract'):
        ORTDetector(old, classes=TOY_CLASSES)


@pytest.mark.parametrize('key, value, message', [
    ('classes', '[sheep', 'is not JSON'),
    ('classes', '"sheep"', 'should be a list of class names'),
    ('mean', '[1, 2]', 'should be three numbers'),
    ('max_per_img', '-3', 'should be a positive integer'),
])
def test_malformed_contract_is_named(untrained_export, small_toy_voc, tmp_path,
                                     monkeypatch, capsys, key, value, message):
    other, _ = untrained_export
    model = onnx.load(other)
    (entry, ) = [p for p in model.metadata_props if p.key == f'mnx_det.{key}']
    entry.value = value
    edited = str(tmp_path / 'edited.onnx')
    onnx.save(model, edited)
    expected = f'{edited}: its contract entry mnx_det.{key} {message}'
    with pytest.raises(MalformedContractError, match=re.escape(expected)):
        ORTDetector(edited, classes=TOY_CLASSES)
    code = run_script(['tools/test.py', TOY_CONFIG, edited] +
                      as_cli(toy_cfg_options(small_toy_voc, **NO_WORKERS)),
                      monkeypatch)
    assert code == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(f'error: {expected}')


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


# -- checkpoints and their files ----------------------------------------------


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


def test_export_appears_with_its_contract_or_not_at_all(tmp_path, monkeypatch):
    from mnx_det.deploy import export as export_module

    def fails(*args, **kwargs):
        raise KeyboardInterrupt  # stopped between the graph and contract

    monkeypatch.setattr(export_module, 'export_contract', fails)
    with pytest.raises(KeyboardInterrupt):
        export_onnx(
            build_detector(str(TOY_CONFIG)).eval(),
            str(tmp_path / 'model.onnx'), 160)
    assert list(tmp_path.iterdir()) == []


def test_quantize_needs_a_batch_of_images(small_toy_voc, tmp_path):
    """ONNX Runtime collects no batch from fewer images than an export's
    batch ('No data is collected'): refused by name first."""
    from mnx_det.deploy.quantize import CalibrationError, quantize_detector
    batch4 = export_onnx(
        build_detector(str(TOY_CONFIG)).eval(),
        str(tmp_path / 'batch4.onnx'),
        160,
        batch_size=4)
    cfg = load_config(str(TOY_CONFIG), toy_cfg_options(small_toy_voc))
    with pytest.raises(
            CalibrationError,
            match='takes batches of 4 images: calibrate with at least 4 '
            'images, got 1'):
        quantize_detector(batch4, str(tmp_path / 'int8.onnx'), cfg, 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['batch4.onnx']


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


# -- preemption ---------------------------------------------------------------


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


# -- the work-dir lock --------------------------------------------------------


@pytest.mark.parametrize('content', ['', 'garbage', '-1'])
def test_unreadable_lock_is_taken_over(tmp_path, content):
    (tmp_path / '.train.lock').write_text(content)
    with pytest.warns(UserWarning, match='unreadable lock'):
        WorkDirLock(str(tmp_path)).acquire().release()


def test_lock_of_a_reused_pid_is_taken_over(tmp_path):
    # init (pid 1) lives, but did not start at tick 1
    (tmp_path / '.train.lock').write_text('1 999999999999')
    with pytest.warns(UserWarning, match='stale lock'):
        WorkDirLock(str(tmp_path)).acquire().release()


# -- config mistakes ----------------------------------------------------------


def test_config_syntax_errors_name_the_file_and_line(tmp_path):
    base = tmp_path / 'base.py'
    base.write_text('model = dict(\n    type="X",\n')
    child = tmp_path / 'child.py'
    child.write_text("_base_ = './base.py'\nx = 1\n")
    with pytest.raises(ConfigError, match=rf'config {base}, line 1: '):
        load_config(str(child))
    child.write_text('x = = 1\n')
    with pytest.raises(
            ConfigError, match=rf'config {child}, line 1: invalid syntax'):
        load_config(str(child))


def test_unknown_cfg_options_keys_are_refused(monkeypatch, capsys, tmp_path):
    with pytest.raises(
            ConfigError, match="no 'train_cfgs'; did you mean 'train_cfg'"):
        load_config(str(TOY_CONFIG), {'train_cfgs.max_iters': 2})
    cfg = load_config(str(TOY_CONFIG), {'+my_note.text': 'kept'})
    assert cfg.my_note.text == 'kept'
    code = run_script([
        'tools/train.py', TOY_CONFIG, '--work-dir', tmp_path / 'run',
        '--cfg-options', 'default_hooks.checkpoint.intervall=1'
    ], monkeypatch)
    assert code == 1
    assert ("did you mean 'default_hooks.checkpoint.interval'"
            in capsys.readouterr().err)
    assert not (tmp_path / 'run').exists()  # nothing ran


# -- images and tools ---------------------------------------------------------


def test_corrupt_image_in_training_is_one_error_line(small_toy_voc, tmp_path,
                                                     monkeypatch, capsys):
    root = tmp_path / 'VOCdevkit'
    shutil.copytree(small_toy_voc, root)
    for jpeg in (root / 'VOC2007/JPEGImages').glob('*.jpg'):
        jpeg.write_bytes(b'')  # whichever image comes first
    # a loader worker re-raises the error with its whole traceback
    options = toy_cfg_options(
        f'{root}/', **{
            'train_dataloader.batch_size': 2,
            'train_dataloader.num_workers': 1,
            'train_dataloader.persistent_workers': False,
        })
    code = run_script(
        ['tools/train.py', TOY_CONFIG, '--work-dir', tmp_path / 'run'] +
        as_cli(options), monkeypatch)
    assert code == 1
    err = capsys.readouterr().err.strip()
    assert err.splitlines()[-1].startswith(
        f'error: failed to load image: {root}/VOC2007/JPEGImages/')
    assert 'Traceback' not in err


def test_infer_goes_past_bad_images_with_unique_names(untrained_export,
                                                      tmp_path, monkeypatch,
                                                      capsys):
    _, old = untrained_export
    photos = tmp_path / 'photos'
    photos.mkdir()
    image = np.full((120, 160, 3), 90, np.uint8)
    cv2.imwrite(str(photos / 'a.jpg'), image)
    cv2.imwrite(str(photos / 'a.png'), image)
    cv2.imwrite(
        str(photos / 'huge.jpg'), np.full((6000, 8000, 3), 90, np.uint8))
    (photos / 'empty.jpg').write_bytes(b'')
    (photos / 'notes.txt').write_text('not an image')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # the old file's missing contract
        code = run_script([
            'tools/infer.py', photos, TOY_CONFIG, old, '--out-dir',
            tmp_path / 'out'
        ], monkeypatch)
    assert code == 1
    out = capsys.readouterr().out
    assert f'error: failed to load image: {photos}/empty.jpg' in out
    assert '4 images, 3 written, 1 failed' in out
    preds = sorted(p.name for p in (tmp_path / 'out/preds').iterdir())
    assert preds == ['a.jpg.json', 'a.png.json', 'huge.jpg.json']
    vis = cv2.imread(str(tmp_path / 'out/vis/huge.jpg'))
    assert vis.shape == (6000, 8000, 3)


def test_checkpoint_inference_runs_where_torch_sees_a_device(monkeypatch):
    """infer.py with a .pth: on the device mmengine finds (the GPU when
    PyTorch sees one), or on --device (it ran on the CPU whatever the
    machine had)."""
    from mnx_det.deploy import image_inference
    devices = []

    def build(config, checkpoint, device, classes):
        devices.append(device)
        return torch.nn.Module()

    monkeypatch.setattr(image_inference, 'build_detector', build)
    monkeypatch.setattr(image_inference, 'image_pipeline', lambda cfg: None)
    for found, device in (('cuda', None), ('cuda', 'cpu'), ('cpu', None),
                          ('cpu', 'cuda:1')):
        monkeypatch.setattr(image_inference, 'get_device', lambda: found)
        image_inference.CheckpointImageDetector(Config(), 'x.pth', (), 0.3,
                                                device)
    assert devices == ['cuda', 'cpu', 'cpu', 'cuda:1']


def test_infer_keeps_one_output_per_image_of_a_glob(untrained_export, tmp_path,
                                                    monkeypatch, capsys):
    """Two folders holding an x.jpg each: two outputs, under the path each
    has below the folder they share."""
    _, old = untrained_export
    for folder in ('1', '2'):
        (tmp_path / 'g' / folder).mkdir(parents=True)
        cv2.imwrite(
            str(tmp_path / 'g' / folder / 'x.jpg'),
            np.full((120, 160, 3), 90, np.uint8))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # the old file's missing contract
        code = run_script([
            'tools/infer.py', f'{tmp_path}/g/*/x.jpg', TOY_CONFIG, old,
            '--out-dir', tmp_path / 'out'
        ], monkeypatch)
    assert code == 0
    assert '2 images, 2 written' in capsys.readouterr().out
    assert sorted(
        str(p.relative_to(tmp_path / 'out'))
        for p in (tmp_path / 'out').rglob('x.jpg*')) == [
            'preds/1/x.jpg.json', 'preds/2/x.jpg.json', 'vis/1/x.jpg',
            'vis/2/x.jpg'
        ]


@pytest.mark.parametrize('num_images', ['0', '-90'])
def test_quantize_refuses_bad_arguments(untrained_export, tmp_path,
                                        monkeypatch, capsys, num_images):
    other, _ = untrained_export
    code = run_script([
        'tools/deployment/quantize.py', other, '--calib-config', TOY_CONFIG,
        '--num-images', num_images, '--out', tmp_path / 'int8.onnx'
    ], monkeypatch)
    assert code == 2
    assert f'must be at least 1, got {num_images}' in capsys.readouterr().err


def test_quantize_checks_the_calibration_data_root(untrained_export, tmp_path,
                                                   monkeypatch, capsys):
    other, _ = untrained_export
    code = run_script([
        'tools/deployment/quantize.py', other, '--calib-config', TOY_CONFIG,
        '--out', tmp_path / 'int8.onnx', '--cfg-options',
        f'train_dataloader.dataset.datasets.0.data_root={tmp_path}/none/'
    ], monkeypatch)
    assert code == 1
    assert f'error: data root {tmp_path}/none/ does not exist' in \
        capsys.readouterr().err
