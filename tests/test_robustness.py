"""Bad data and crashes: every fault a user can make to a VOC set, a config
or a work dir stops with a message naming it, or is survived."""
import logging
import os
import re
import shutil
import subprocess
import sys
import types

import pytest
import torch
from mmdet.datasets import VOCDataset
from mmdet.registry import DATASETS, MODELS
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.runner import runner as runner_module

from mnx_det.apis import NO_WORKERS, WorkDirBusyError, WorkDirLock
from mnx_det.checkpoint import (CheckpointMismatchError,
                                CorruptCheckpointError, check_checkpoint_fits)
from mnx_det.checkpoint import io as checkpoint_io
from mnx_det.checkpoint import latest_loadable_checkpoint, load_checkpoint_file
from mnx_det.datasets import AnnotationError, MissingImageError
from mnx_det.engine import NonFiniteLossHook
from mnx_det.errors import ImageLoadError
from helpers import ROOT, TOY_CONFIG, as_cli, run_tool, toy_cfg_options

PYTHON = sys.executable
SHORT_RUN = dict(
    NO_WORKERS, **{
        'train_dataloader.batch_size': 2,
        'train_cfg.max_iters': 10,
        'train_cfg.val_interval': 10,
        'default_hooks.checkpoint.interval': 1,
        'default_hooks.logger.interval': 1,
    })


@pytest.fixture
def log_lines():
    """What mmengine's current logger writes during the test."""
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


@pytest.fixture
def toy_copy(small_toy_voc, tmp_path):
    """A copy of the small toy set to damage."""
    root = tmp_path / 'VOCdevkit'
    shutil.copytree(small_toy_voc, root)
    return root


def xml(root, img_id):
    return root / 'VOC2007' / 'Annotations' / f'{img_id}.xml'


def jpeg(root, img_id):
    return root / 'VOC2007' / 'JPEGImages' / f'{img_id}.jpg'


def edit_xml(root, img_id, old, new, count=1):
    path = xml(root, img_id)
    text = path.read_text()
    assert re.search(old, text), (old, text)
    path.write_text(re.sub(old, new, text, count=count))
    return path


def swap_x(root, img_id):
    """Swap the first object's xmin and xmax."""
    text = xml(root, img_id).read_text()
    x1 = re.search(r'<xmin>(\d+)</xmin>', text).group(1)
    x2 = re.search(r'<xmax>(\d+)</xmax>', text).group(1)
    return edit_xml(root, img_id, f'<xmin>{x1}</xmin>(.*?)<xmax>{x2}</xmax>',
                    f'<xmin>{x2}</xmin>\\1<xmax>{x1}</xmax>')


def toy_dataset(root, **changes):
    cfg = Config.fromfile(str(TOY_CONFIG))
    dataset_cfg = cfg.train_dataloader.dataset.datasets[0]
    dataset_cfg.update(data_root=f'{root}/', **changes)
    return DATASETS.build(dataset_cfg)


def train(root, work_dir, **options):
    return run_tool(
        ['tools/train.py', TOY_CONFIG, '--work-dir', work_dir] +
        as_cli(toy_cfg_options(f'{root}/', **SHORT_RUN, **options)))


def iterations_run(result):
    return [
        int(i)
        for i in re.findall(r'Iter\(train\) \[\s*(\d+)/', result.stdout +
                            result.stderr)
    ]


# -- annotations, checked when the dataset is built --------------------------


def test_swapped_box_stops_training_before_it_starts(toy_copy, tmp_path):
    path = swap_x(toy_copy, '000002')
    result = train(toy_copy, tmp_path / 'run')
    assert result.returncode != 0
    assert re.search(
        rf'error: invalid annotation .*\n{re.escape(str(path))}: object 0 '
        r'\(\w+\): xmax \d+ <= xmin \d+', result.stderr)
    assert iterations_run(result) == []
    assert not list((tmp_path / 'run').glob('*.pth'))


@pytest.mark.parametrize('old, new, message', [
    (r'<xmin>\d+</xmin>', '<xmin>500</xmin>', 'xmax .* <= xmin 500'),
    (r'<xmin>\d+</xmin><ymin>\d+</ymin><xmax>\d+</xmax><ymax>\d+</ymax>',
     '<xmin>300</xmin><ymin>300</ymin><xmax>400</xmax><ymax>400</ymax>',
     r'box \(300, 300, 400, 400\) is outside the 160x160 image'),
    (r'<ymin>\d+</ymin>', '<ymin>abc</ymin>', "<ymin> is not a number: 'abc'"),
    (r'<xmax>\d+</xmax>', '<xmax>nan</xmax>',
     "<xmax> is not a finite number: 'nan'"),
    (r'<xmin>\d+</xmin>', '<xmin>-inf</xmin>',
     "<xmin> is not a finite number: '-inf'"),
    (r'<ymax>\d+</ymax>', '<ymax>1e999</ymax>',
     "<ymax> is not a finite number: '1e999'"),
    (r'<bndbox>.*</bndbox>', '', 'no <bndbox>'),
    (r'<name>\w+</name>', '<name>tvmonitr</name>',
     "class 'tvmonitr' is not in the class list")
])
def test_bad_objects_are_named(toy_copy, old, new, message):
    path = edit_xml(toy_copy, '000003', old, new)
    with pytest.raises(AnnotationError) as error:
        toy_dataset(toy_copy)
    assert re.search(rf'{re.escape(str(path))}: object 0 \(\w+\): {message}',
                     str(error.value)), str(error.value)


@pytest.mark.parametrize('value', ['nan', 'inf', '1e999'])
def test_size_that_is_not_finite_is_named(toy_copy, value):
    path = edit_xml(toy_copy, '000003', r'<width>\d+</width>',
                    f'<width>{value}</width>')
    with pytest.raises(AnnotationError) as error:
        toy_dataset(toy_copy)
    assert (f"{path}: no usable <size>: <width> is not a finite number: "
            f"'{value}'") in str(error.value)


def test_invalid_objects_can_be_skipped(toy_copy, log_lines):
    swap_x(toy_copy, '000002')
    edit_xml(toy_copy, '000004', r'<name>\w+</name>', '<name>tvmonitr</name>')
    dataset = toy_dataset(toy_copy, invalid_objects='skip')
    counts = {
        dataset.get_data_info(i)['img_id']:
        len(dataset.get_data_info(i)['instances'])
        for i in range(len(dataset))
    }
    log = '\n'.join(log_lines)
    assert 'skipped 2 invalid objects in 2 files' in log
    assert str(xml(toy_copy, '000002')) in log
    # the objects are gone; images left without any leave training
    for img_id in ('000002', '000004'):
        assert counts.get(img_id, 0) < _objects(toy_copy, img_id)


def _objects(root, img_id):
    return xml(root, img_id).read_text().count('<object>')


def test_other_voc_classes_are_a_subset_not_an_error(toy_copy):
    edit_xml(toy_copy, '000003', r'<name>\w+</name>', '<name>dog</name>')
    dataset = toy_dataset(toy_copy)  # 'dog' is VOC's: dropped, as mmdet does
    assert len(dataset) > 0


def test_listed_image_that_is_missing_stops_the_build(toy_copy):
    jpeg(toy_copy, '000005').unlink()
    with pytest.raises(MissingImageError, match='000005.jpg of id'):
        toy_dataset(toy_copy)


def test_plain_vocdataset_names_bad_files_but_not_bugs(toy_copy, monkeypatch):
    cfg = Config.fromfile(str(TOY_CONFIG)).train_dataloader.dataset.datasets[0]
    cfg.update(type='VOCDataset', data_root=f'{toy_copy}/')
    path = edit_xml(toy_copy, '000003', r'<xmax>\d+</xmax>', '<xmax></xmax>')
    with pytest.raises(AnnotationError, match=re.escape(str(path))):
        DATASETS.build(cfg)  # mmdet's TypeError, explained by the file
    edit_xml(toy_copy, '000003', '<xmax></xmax>', '<xmax>60</xmax>')

    def broken(*args, **kwargs):
        raise AttributeError('a bug, not a bad file')

    monkeypatch.setattr(VOCDataset, '_parse_instance_info', broken)
    with pytest.raises(AttributeError, match='a bug'):
        DATASETS.build(cfg)


# -- images ------------------------------------------------------------------


@pytest.mark.parametrize('content', [b'', b'not a jpeg at all'])
def test_undecodable_image_is_named(toy_copy, content):
    path = jpeg(toy_copy, '000003')
    path.write_bytes(content)
    dataset = toy_dataset(toy_copy)
    index = [dataset.get_data_info(i)['img_id']
             for i in range(len(dataset))].index('000003')
    with pytest.raises(ImageLoadError, match=f'failed to load image: {path}'):
        dataset[index]


# -- the dataset doctor ------------------------------------------------------


def test_doctor_finds_every_fault_in_one_pass(toy_copy):
    swapped = swap_x(toy_copy, '000002')
    outside = edit_xml(
        toy_copy, '000003',
        r'<xmin>\d+</xmin><ymin>\d+</ymin><xmax>\d+</xmax><ymax>\d+</ymax>',
        '<xmin>300</xmin><ymin>300</ymin><xmax>400</xmax><ymax>400</ymax>')
    typo = edit_xml(toy_copy, '000004', r'<name>\w+</name>',
                    '<name>tvmonitr</name>')
    no_box = edit_xml(toy_copy, '000006', r'<bndbox>.*</bndbox>', '')
    malformed = xml(toy_copy, '000007')
    malformed.write_text('<annotation><object><name>sheep</name>')
    empty = jpeg(toy_copy, '000008')
    empty.write_bytes(b'')
    missing = jpeg(toy_copy, '000009')
    missing.unlink()
    result = run_tool(['tools/misc/check_dataset.py', TOY_CONFIG] +
                      as_cli(toy_cfg_options(f'{toy_copy}/')))
    assert result.returncode == 1
    out = result.stdout
    for path, problem in [(swapped, 'xmax'), (outside, 'outside'),
                          (typo, "class 'tvmonitr'"), (no_box, 'no <bndbox>'),
                          (malformed, 'unreadable XML'),
                          (empty, 'cannot decode image'),
                          (missing, 'image does not exist')]:
        assert re.search(rf'{re.escape(str(path))}: .*{problem}', out), path
    assert '7 problems:' in out
    assert 'objects per class:' in out and '16 images checked' in out


def _test_split(root):
    return root / 'VOC2007' / 'ImageSets' / 'Main' / 'test.txt'


@pytest.mark.parametrize('fault, problem', [
    ('typo', r"no object of the class 'botle' \(a typo of 'bottle'\? "
     r'It has \d+ objects here\)'),
    ('string', "metainfo.classes is the string 'sheep', which the dataset "
     r"reads letter by letter: write classes=\('sheep', \)"),
    ('empty', 'test.txt: lists no images'),
    ('twice', r'test.txt: lists \d{6} 2 times'),
])
def test_doctor_finds_split_and_class_faults(toy_copy, fault, problem):
    split = _test_split(toy_copy)
    classes = {'typo': '(sheep,tvmonitor,botle)', 'string': 'sheep'}
    if fault == 'empty':
        split.write_text('')
    if fault == 'twice':
        split.write_text(split.read_text() + split.read_text().split()[0] +
                         '\n')
    options = toy_cfg_options(f'{toy_copy}/')
    if fault in classes:
        options['test_dataloader.dataset.metainfo.classes'] = classes[fault]
    result = run_tool(
        ['tools/misc/check_dataset.py', TOY_CONFIG, '--split', 'test'] +
        as_cli(options))
    assert result.returncode == 1, result.stdout[-2000:]
    assert re.search(problem, result.stdout), result.stdout[-2000:]
    assert 'no problems found' not in result.stdout


def test_doctor_passes_a_clean_set(small_toy_voc):
    result = run_tool(
        ['tools/misc/check_dataset.py', TOY_CONFIG, '--split', 'test'] +
        as_cli(toy_cfg_options(f'{small_toy_voc}')))
    assert result.returncode == 0, result.stdout[-2000:]
    assert 'no problems found' in result.stdout


# -- training that goes wrong ------------------------------------------------


def test_bad_model_value_is_one_error_line(small_toy_voc, tmp_path):
    """A value the model's constructor refuses (a typo in ``taps``) is a
    ConfigError: one line, as for any bad config value."""
    result = train(small_toy_voc, tmp_path / 'run',
                   **{'model.backbone.taps': "['layer6.0.expanson']"})
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ') and "'expanson'" in last, last
    assert 'Traceback' not in result.stderr


def test_nan_lr_stops_before_the_first_step(small_toy_voc, tmp_path):
    result = train(small_toy_voc, tmp_path / 'run',
                   **{'optim_wrapper.optimizer.lr': 'nan'})
    assert result.returncode != 0
    assert 'error: learning rate [nan] at iteration 1 is not finite' in \
        result.stderr
    assert iterations_run(result) == []
    assert not list((tmp_path / 'run').glob('*.pth'))


def test_nan_loss_stops_before_it_reaches_the_weights(small_toy_voc, tmp_path):
    # a zero std turns the inputs into inf: the very first loss is NaN
    result = train(small_toy_voc, tmp_path / 'run',
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


# -- checkpoints -------------------------------------------------------------


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


# -- one run per work dir ----------------------------------------------------


def test_second_run_on_a_busy_work_dir_is_refused(small_toy_voc, tmp_path):
    work_dir = tmp_path / 'run'
    with WorkDirLock(str(work_dir)):
        result = train(small_toy_voc, work_dir)
    assert result.returncode != 0
    assert (f'error: work dir {work_dir} is in use by training process '
            f'{os.getpid()}') in result.stderr
    assert not (work_dir / '.train.lock').exists()


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    dead = subprocess.Popen([PYTHON, '-c', 'pass'])
    dead.wait()
    lock_file = tmp_path / '.train.lock'
    lock_file.write_text(str(dead.pid))
    with WorkDirLock(str(tmp_path)):
        assert lock_file.read_text().split()[0] == str(os.getpid())
    assert not lock_file.exists()
    lock_file.write_text('1')  # a live process (init)
    with pytest.raises(WorkDirBusyError, match='training process 1'):
        WorkDirLock(str(tmp_path)).acquire()
