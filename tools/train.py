"""Train a detector with mmengine's Runner (mmdet's tools/train.py flags).

    python tools/train.py configs/ssdlite_mobilenext_voc.py
    bash tools/dist_train.sh configs/ssdlite_mobilenext_voc.py 4

Exit codes: 0 done; 1 an error (one ``error:`` line); 128 + N stopped by
signal N (SIGTERM: 143) after writing a checkpoint to resume from
(mnx_det.engine.PreemptionHook).
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import DictAction
from mmengine.runner import Runner

from mnx_det.apis import (WorkDirLock, add_launcher_args, add_partial_load_arg,
                          apply_process_fixes, check_datasets,
                          check_pretrained, load_config, parse_launcher_args,
                          use_gloo_without_cuda, use_portable_kernels)
from mnx_det.checkpoint import (CheckpointNotFoundError, remove_partial_files,
                                resolve_resume)
from mnx_det.engine import (CheckpointFitHook, TrainingPreempted,
                            launcher_world_size, scale_schedule)
from mnx_det.errors import UserError, user_message

# How each backbone's ImageNet weights are made (README, "Reproducing").
CONVERTERS = {
    'MobileNeXt': ('mobilenext_official.py', 'model_best.pth.tar'),
    'EfficientMobileNeXt': ('mobilenext_efficient.py', 'model_best.pth.tar'),
    'MobileNetV2':
    ('torchvision_mobilenet_v2.py', 'mobilenet_v2-b0353104.pth'),
}


def parse_args():
    parser = argparse.ArgumentParser(description='Train a detector')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='mmdet\'s linear lr scaling by the total batch (auto_scale_lr) '
        'instead of the official per-process schedule scaling')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from CKPT, or from the latest checkpoint in the work '
        'dir when CKPT is not given')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value (e.g. '
        'train_cfg.max_iters=100)')
    parser.add_argument(
        '--portable-kernels',
        action='store_true',
        help='CPU kernels capped at AVX2 with 2 threads: the same weights on '
        'every x86-64 CPU with AVX2, slower on AVX-512 machines '
        '(mnx_det.apis.portable_kernels)')
    add_partial_load_arg(parser)
    add_launcher_args(parser)
    return parse_launcher_args(parser)


def apply_args(cfg, args):
    cfg.launcher = args.launcher
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
        if cfg.get('schedule_scaling'):
            cfg.schedule_scaling.enable = False
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume


def is_first_process():
    """Rank 0 of a launcher (torchrun, slurm), or a single process."""
    return os.environ.get('RANK', os.environ.get('SLURM_PROCID', '0')) == '0'


def converter_commands():
    """Backbone type -> the command that makes its ImageNet weights, with
    this Python."""
    python = osp.relpath(sys.executable)
    folder = osp.relpath(osp.join(osp.dirname(__file__), 'model_converters'))
    return {
        backbone: f'{python} {osp.join(folder, script)} {source}'
        for backbone, (script, source) in CONVERTERS.items()
    }


def check_inputs(cfg):
    """What the run reads, checked before it writes anything (the work dir
    included)."""
    check_pretrained(cfg, converter_commands())
    check_datasets(cfg, ('train', 'val'))
    load_from = cfg.get('load_from')
    if load_from and '://' not in load_from and not osp.isfile(load_from):
        raise CheckpointNotFoundError(f'checkpoint {load_from} does not exist')


def train(cfg, args):
    schedule = scale_schedule(cfg, launcher_world_size(args.launcher))
    resolve_resume(cfg)
    runner = Runner.from_cfg(cfg)
    if schedule:
        runner.logger.info(f'schedule: {schedule}')
    if cfg.load_from and not cfg.resume and not args.allow_partial_load:
        runner.register_hook(CheckpointFitHook(cfg.load_from))
    runner.train()


def main():
    apply_process_fixes()
    args = parse_args()
    if args.portable_kernels:
        use_portable_kernels()
    lock, exit_code = None, 0
    try:
        cfg = load_config(args.config, args.cfg_options, args.work_dir)
        apply_args(cfg, args)
        use_gloo_without_cuda(cfg)
        check_inputs(cfg)
        if is_first_process():
            lock = WorkDirLock(cfg.work_dir).acquire()
            for path in remove_partial_files(cfg.work_dir):
                print(f'removed {path}, left by a save that was cut short')
        train(cfg, args)
    except TrainingPreempted as stop:
        print(f'stopped: {stop}', file=sys.stderr)
        exit_code = stop.exit_code
    except UserError as exc:
        exit_code = f'error: {user_message(exc)}'
    finally:
        if lock:
            lock.release()
    sys.exit(exit_code)


if __name__ == '__main__':
    main()
