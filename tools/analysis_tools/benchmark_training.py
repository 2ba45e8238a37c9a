"""End-to-end training speed with the real data loader, MobileNeXt vs
MobileNetV2: images/s and the time spent waiting for data.

    python tools/analysis_tools/benchmark_training.py --device cuda \
        [--batch-sizes 24 32] [--workers 4] [--iters 30] [--images 400] \
        [--channels-last]

Trains each SSDLite VOC config as the Runner does (its training pipeline,
``--workers`` loader processes, collation, ``model.train_step``) on
synthetic VOC-sized JPEGs (mnx_det.datasets.make_voc_sized_set), in fp32
and, on CUDA, with AMP (what ``tools/train.py --amp`` sets). The data wait
is the fraction of the wall time blocked on the loader: above a few
percent, more workers would speed training up. Writes
``benchmarks/training_<device>.md``.
"""
import argparse
import os
import tempfile
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mnx_det.analysis.benchmarks.data import point_at_set
from mnx_det.analysis.benchmarks.loaded_training import bench_loaded_training
from mnx_det.analysis.report import (FAMILIES, cpu_description, device_name,
                                     write_report)
from mnx_det.apis import apply_process_fixes, non_negative_int, positive_int
from mnx_det.datasets import make_voc_sized_set

ROOT = Path(__file__).resolve().parents[2]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cuda')
    parser.add_argument(
        '--batch-sizes', type=positive_int, nargs='+', default=[24, 32])
    parser.add_argument(
        '--workers', type=non_negative_int, default=4, help='loader processes')
    parser.add_argument('--iters', type=positive_int, default=30)
    parser.add_argument('--images', type=positive_int, default=400)
    parser.add_argument(
        '--channels-last',
        action='store_true',
        help='train in channels_last memory format (written to '
        'training_<device>_channels_last.md)')
    parser.add_argument('--out-dir', default=str(ROOT / 'benchmarks'))
    return parser.parse_args()


def main():
    apply_process_fixes()
    args = parse_args()
    cuda = args.device.startswith('cuda')
    if cuda:
        torch.backends.cudnn.benchmark = True
    with tempfile.TemporaryDirectory(prefix='train_bench_') as tmp:
        root = make_voc_sized_set(tmp, args.images)
        configs = {}
        for family in FAMILIES:
            cfg = Config.fromfile(
                str(ROOT / f'configs/ssdlite_{family.lower()}_voc.py'))
            init_default_scope(cfg.get('default_scope', 'mmdet'))
            point_at_set(cfg, root)
            cfg.train_dataloader.update(
                num_workers=args.workers, persistent_workers=args.workers > 0)
            configs[family] = cfg
        lines = bench_loaded_training(configs, args.device, args.batch_sizes,
                                      args.iters, ('fp32', 'AMP') if cuda else
                                      ('fp32', ))
    header = [
        f'# SSDLite320 training with the real loader on '
        f'{device_name(args.device)}', '',
        f'CPU: {cpu_description()}, {os.cpu_count()} cores; '
        f'{args.workers} loader workers; torch {torch.__version__}'
        f'{"; channels_last" if args.channels_last else ""}. '
        f'{args.images} synthetic VOC-sized JPEGs (500x375) through the '
        "configs' training pipeline (fused geometric augmentation); "
        f'{args.iters} iterations after 3 warm-up ones, as the Runner trains '
        '(`model.train_step`, mmengine optimizer wrapper). Data wait: the '
        'fraction of the wall time blocked on the loader.', ''
    ]
    name = f'training_{"cuda" if cuda else "cpu"}' + (
        '_channels_last' if args.channels_last else '')
    write_report(header + lines, Path(args.out_dir) / f'{name}.md')


if __name__ == '__main__':
    main()
