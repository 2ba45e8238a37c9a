"""tools/train.py, tools/test.py and tools/dist_train.sh on the toy set,
and the errors users get for missing or broken data."""
import json
import os
import shutil
import subprocess
import sys
import time

import pytest
from mmdet.registry import DATASETS
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mnx_det.apis import NO_WORKERS
from mnx_det.datasets import AnnotationError
from helpers import ROOT, TOY_CONFIG, as_cli, run_tool, toy_cfg_options

PYTHON = sys.executable
# A few fast iterations: batch 4, validation and checkpoints as asked.
FAST = dict(
    NO_WORKERS, **{
        'train_dataloader.batch_size': 4,
        'default_hooks.logger.interval': 2,
    })


def fast_options(data_root, **extra):
    return as_cli(toy_cfg_options(data_root, **dict(FAST, **extra)))


def scalars(work_dir):
    """Every line of mmengine's scalars.json under work_dir."""
    (path, ) = work_dir.glob('*/vis_data/scalars.json')
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize('config, iters', [
    (TOY_CONFIG, 8),
    (ROOT / 'configs/toy/ssdlite_efficient_mobilenext_toy.py', 2),
    (ROOT / 'configs/toy/ssdlite_mobilenetv2_extra_dw_toy.py', 2),
])
def test_train_then_test_reproduces_map(config, iters, small_toy_voc,
                                        tmp_path):
    work_dir = tmp_path / 'train'
    train = run_tool(['tools/train.py', config, '--work-dir', work_dir] +
                     fast_options(
                         small_toy_voc, **{
                             'train_cfg.max_iters': iters,
                             'train_cfg.val_interval': iters,
                             'default_hooks.checkpoint.interval': iters
                         }))
    assert train.returncode == 0, train.stderr[-3000:]
    trained_map = [s for s in scalars(work_dir)
                   if 'pascal_voc/mAP' in s][-1]['pascal_voc/mAP']

    test_dir = tmp_path / 'test'
    test = run_tool([
        'tools/test.py', config, work_dir /
        f'iter_{iters}.pth', '--work-dir', test_dir, '--out', tmp_path /
        'results.pkl'
    ] + fast_options(small_toy_voc))
    assert test.returncode == 0, test.stderr[-3000:]
    (metrics, ) = test_dir.glob('*/*.json')
    assert json.loads(metrics.read_text())['pascal_voc/mAP'] == trained_map
    assert (tmp_path / 'results.pkl').stat().st_size > 0


def test_resume_after_kill(small_toy_voc, tmp_path):
    work_dir = tmp_path / 'run'
    args = ['tools/train.py', TOY_CONFIG, '--work-dir', work_dir]
    options = fast_options(
        small_toy_voc, **{
            'train_cfg.max_iters': 40,
            'train_cfg.val_interval': 1000,
            'default_hooks.checkpoint.interval': 4
        })
    proc = subprocess.Popen(
        [PYTHON] + [str(a) for a in args + options],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        last_checkpoint = work_dir / 'last_checkpoint'
        for _ in range(1200):
            if (last_checkpoint.exists() and 'iter_8'
                    in last_checkpoint.read_text()) or proc.poll() is not None:
                break
            time.sleep(0.1)
    finally:
        proc.kill()
        proc.wait()
    assert not (work_dir / 'iter_40.pth').exists(), 'finished before kill'
    last = (work_dir / 'last_checkpoint').read_text().strip()
    done = int(last.rsplit('iter_', 1)[1].split('.')[0])
    assert done >= 8

    resumed = run_tool(args + ['--resume'] + options)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f'resumed epoch: 0, iter: {done}' in resumed.stdout + \
        resumed.stderr
    assert (work_dir / 'iter_40.pth').exists()
    # the resumed run logged only the remaining iterations
    logged = [s['iter'] for s in last_run_losses(work_dir)]
    assert min(logged) > done and max(logged) == 40
    # resuming the finished run would train nothing: said, not a silent 0
    finished = run_tool(args + ['--resume'] + options)
    assert finished.returncode == 1
    assert finished.stderr.strip().splitlines()[-1] == (
        'error: cannot resume: the checkpoint is at iteration 40 and this '
        'run ends at train_cfg.max_iters=40: nothing would train. Set a '
        'max_iters above 40, or train without --resume.')


def last_run_losses(work_dir):
    runs = sorted(work_dir.glob('*/vis_data/scalars.json'))
    lines = runs[-1].read_text().splitlines()
    return [json.loads(line) for line in lines if '"loss"' in line]


def test_missing_data_root_stops_with_layout(tmp_path):
    missing = tmp_path / 'nowhere' / 'VOCdevkit'
    result = run_tool(['tools/train.py', TOY_CONFIG, '--work-dir', tmp_path] +
                      as_cli(toy_cfg_options(f'{missing}/')))
    assert result.returncode != 0
    assert f'data root {missing}/ does not exist' in result.stderr
    assert 'ImageSets/Main/trainval.txt' in result.stderr
    assert 'Traceback' not in result.stderr


def test_incomplete_data_root_names_missing_folder(small_toy_voc, tmp_path):
    root = tmp_path / 'VOCdevkit'
    shutil.copytree(small_toy_voc, root)
    shutil.rmtree(root / 'VOC2007' / 'Annotations')
    result = run_tool(['tools/train.py', TOY_CONFIG, '--work-dir', tmp_path] +
                      as_cli(toy_cfg_options(f'{root}/')))
    assert result.returncode != 0
    assert f'annotation folder {root}/VOC2007/Annotations does not exist' \
        in result.stderr


def toy_dataset(data_root):
    init_default_scope('mmdet')
    cfg = Config.fromfile(str(TOY_CONFIG))
    dataset_cfg = cfg.train_dataloader.dataset.datasets[0]
    dataset_cfg.data_root = str(data_root) + '/'
    return DATASETS.build(dataset_cfg)


def test_malformed_xml_is_named(small_toy_voc, tmp_path):
    root = tmp_path / 'VOCdevkit'
    shutil.copytree(small_toy_voc, root)
    broken = root / 'VOC2007' / 'Annotations' / '000005.xml'
    broken.write_text('<annotation><object><name>sheep</name>')
    with pytest.raises(AnnotationError, match=str(broken)):
        toy_dataset(root)


def schedule_line(result):
    """The 'schedule: ...' line tools/train.py logs."""
    (line, ) = [
        line.split('schedule: ', 1)[1]
        for line in (result.stdout + result.stderr).splitlines()
        if 'schedule: ' in line
    ]
    return line


def test_two_processes_share_the_one_process_recipe(small_toy_voc, tmp_path):
    """Same images and lr per image on 1 and 2 processes; 2 processes run
    half the iterations; resuming with another count is refused."""
    # Seeded: unseeded, 2 images at lr up to 0.05 now and then diverge (NaN,
    # stopped by NonFiniteLossHook).
    options = fast_options(
        small_toy_voc, **{
            'train_dataloader.batch_size': 2,
            'randomness.seed': 0,
            'train_cfg.max_iters': 8,
            'train_cfg.val_interval': 8,
            'default_hooks.checkpoint.interval': 8
        })
    single = run_tool(
        ['tools/train.py', TOY_CONFIG, '--work-dir', tmp_path / 'single'] +
        options)
    assert single.returncode == 0, single.stderr[-3000:]

    work_dir = tmp_path / 'dist'
    env = dict(os.environ, PORT='29571', OMP_NUM_THREADS='1')
    dist = subprocess.run(
        [
            'bash', 'tools/dist_train.sh',
            str(TOY_CONFIG), '2', '--work-dir',
            str(work_dir)
        ] + options,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True)
    assert dist.returncode == 0, dist.stderr[-3000:]
    assert 'Distributed launcher: pytorch' in dist.stdout + dist.stderr

    assert schedule_line(single).startswith(
        '1 process x 2 images: 8 iterations (16 images), lr 0.05 '
        '(0.025 per image)')
    assert schedule_line(dist).startswith(
        '2 processes x 2 images: 4 iterations (16 images), lr 0.1 '
        '(0.025 per image)')
    trained = [
        max(s['iter'] for s in scalars(d) if 'loss' in s)
        for d in (tmp_path / 'single', work_dir)
    ]
    assert trained == [8, 4]
    # rank 0 alone writes: one run folder, one checkpoint, one metric
    assert len(list(work_dir.glob('2*'))) == 1
    assert sorted(p.name for p in work_dir.glob('*.pth')) == ['iter_4.pth']
    assert len([s for s in scalars(work_dir) if 'pascal_voc/mAP' in s]) == 1

    resumed = run_tool(
        ['tools/train.py', TOY_CONFIG, '--work-dir', work_dir, '--resume'] +
        options)
    assert resumed.returncode != 0
    assert ('cannot resume: the checkpoint was trained with 2 processes and '
            'this run has 1') in resumed.stderr


@pytest.mark.parametrize('script, args, tool_args', [
    ('slurm_train.sh', ['configs/x.py', 'work_dirs/x', '--resume'], [
        'configs/x.py', '--work-dir=work_dirs/x', '--resume',
        '--launcher=slurm'
    ]),
    ('slurm_test.sh', ['configs/x.py', 'x.pth', '--show-dir', 'vis'],
     ['configs/x.py', 'x.pth', '--show-dir', 'vis', '--launcher=slurm']),
])
def test_slurm_scripts_hand_srun_mmdets_arguments(tmp_path, script, args,
                                                  tool_args):
    fake = tmp_path / 'srun'
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$SRUN_LOG"\n')
    fake.chmod(0o755)
    log = tmp_path / 'srun.log'
    env = dict(
        os.environ,
        PATH=f'{tmp_path}:{os.environ["PATH"]}',
        SRUN_LOG=str(log),
        GPUS='16',
        GPUS_PER_NODE='8',
        CPUS_PER_TASK='4',
        SRUN_ARGS='--quotatype=auto')
    result = subprocess.run(
        ['bash', f'tools/{script}', 'gpu', 'mnx'] + args,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True)
    assert result.returncode == 0, result.stderr
    tool = script.replace('slurm_', '').replace('.sh', '.py')
    logged = log.read_text().splitlines()
    assert (ROOT / logged.pop(11)).resolve() == ROOT / 'tools' / tool
    assert logged == [
        '-p', 'gpu', '--job-name=mnx', '--gres=gpu:8', '--ntasks=16',
        '--ntasks-per-node=8', '--cpus-per-task=4', '--kill-on-bad-exit=1',
        '--quotatype=auto', 'python', '-u'
    ] + tool_args


def test_paper_config_without_imagenet_weights_stops(small_toy_voc, tmp_path):
    work_dir = tmp_path / 'run'
    result = run_tool([
        'tools/train.py', ROOT /
        'configs/ssdlite_mobilenext_voc.py', '--work-dir', work_dir
    ] + fast_options(small_toy_voc))
    assert result.returncode != 0
    assert ('error: ImageNet weights checkpoints/mobilenext_1.0_imagenet.pth '
            'not found') in result.stderr
    assert ('.venv/bin/python tools/model_converters/mobilenext_official.py '
            'model_best.pth.tar checkpoints/mobilenext_1.0_imagenet.pth'
            ) in result.stderr
    assert ('or train from scratch on purpose: --cfg-options '
            'model.backbone.init_cfg=None') in result.stderr
    assert 'Iter(train)' not in result.stdout + result.stderr
    assert not work_dir.exists() or not list(work_dir.rglob('*.pth'))
