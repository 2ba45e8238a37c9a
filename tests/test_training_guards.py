"""Training that must not start or go on: config mistakes, values a
model refuses, a non-finite loss or lr, a busy work dir."""
import os
import re
import subprocess
import sys
import types

import pytest
import torch

from mnx_det.apis import WorkDirBusyError, WorkDirLock, load_config
from mnx_det.engine import NonFiniteLossHook
from mnx_det.errors import ConfigError
from helpers import TOY_CONFIG, iterations_run, run_script, train_toy


def test_bad_model_value_is_one_error_line(small_toy_voc, tmp_path):
    """A value the model's constructor refuses (a typo in ``taps``) is a
    ConfigError: one line, as for any bad config value."""
    result = train_toy(small_toy_voc, tmp_path / 'run',
                       **{'model.backbone.taps': "['layer6.0.expanson']"})
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ') and "'expanson'" in last, last
    assert 'Traceback' not in result.stderr


def test_nan_lr_stops_before_the_first_step(small_toy_voc, tmp_path):
    result = train_toy(small_toy_voc, tmp_path / 'run',
                       **{'optim_wrapper.optimizer.lr': 'nan'})
    assert result.returncode != 0
    assert 'error: learning rate [nan] at iteration 1 is not finite' in \
        result.stderr
    assert iterations_run(result) == []
    assert not list((tmp_path / 'run').glob('*.pth'))


def test_nan_loss_stops_before_it_reaches_the_weights(small_toy_voc, tmp_path):
    # a zero std turns the inputs into inf: the very first loss is NaN
    result = train_toy(small_toy_voc, tmp_path / 'run',
                       **{'model.data_preprocessor.std': '[0,0,0]'})
    assert result.returncode != 0
    assert re.search(
        r'error: non-finite loss at iteration 1: loss nan, loss_cls nan, '
        r"loss_bbox [\w.]+; lr \[[\d.e-]+\]; images \['\d+', '\d+'\]\. "
        r'Training stopped before applying it', result.stderr)
    assert not list((tmp_path / 'run').glob('*.pth'))


def test_skip_action_applies_no_gradient():
    model = torch.nn.Linear(3, 1)
    runner = types.SimpleNamespace(
        iter=4,
        logger=types.SimpleNamespace(warning=lambda m: messages.append(m)),
        optim_wrapper=types.SimpleNamespace(get_lr=lambda: {'lr': [0.1]}))
    messages = []
    hook = NonFiniteLossHook(action='skip')
    loss = hook._checked(runner, model, torch.tensor(float('nan')),
                         {'loss': torch.tensor(float('nan'))})
    loss.backward()
    assert loss.item() == 0
    assert all((p.grad == 0).all() for p in model.parameters())
    assert 'non-finite loss at iteration 5' in messages[0]


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


def test_second_run_on_a_busy_work_dir_is_refused(small_toy_voc, tmp_path):
    work_dir = tmp_path / 'run'
    with WorkDirLock(str(work_dir)):
        result = train_toy(small_toy_voc, work_dir)
    assert result.returncode != 0
    assert (f'error: work dir {work_dir} is in use by training process '
            f'{os.getpid()}') in result.stderr
    assert not (work_dir / '.train.lock').exists()


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    dead = subprocess.Popen([sys.executable, '-c', 'pass'])
    dead.wait()
    lock_file = tmp_path / '.train.lock'
    lock_file.write_text(str(dead.pid))
    with WorkDirLock(str(tmp_path)):
        assert lock_file.read_text().split()[0] == str(os.getpid())
    assert not lock_file.exists()
    lock_file.write_text('1')  # a live process (init)
    with pytest.raises(WorkDirBusyError, match='training process 1'):
        WorkDirLock(str(tmp_path)).acquire()
