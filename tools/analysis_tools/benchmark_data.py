"""Is the input pipeline cheap enough for training? Per-transform cost, worker
scaling and loader / training-step ratio of an SSDLite config.

    python tools/analysis_tools/benchmark_data.py [CONFIG] [--images 200]
        [--workers 0 1 2 4] [--batch-size 8] [--device cpu] [--real]

Reads 200 synthetic VOC-sized JPEGs (500x375, about 100 KB each, one to
four objects; mnx_det.datasets.make_voc_sized_set) written to a temporary
folder, with the config's own training pipeline; ``--real`` reads the
config's dataset instead (Pascal VOC must be at its data root). See
mnx_det.analysis.benchmarks.data for what is timed. Writes
``benchmarks/data_loading_<device>.md``.
"""
import argparse
import os
import os.path as osp
import tempfile
from pathlib import Path

from mmengine.config import Config
from mmengine.registry import init_default_scope

from mnx_det.analysis.benchmarks.data import (point_at_set, time_loader,
                                              time_train_step, time_transforms,
                                              transform_lines)
from mnx_det.analysis.report import cpu_description, device_name, write_report
from mnx_det.apis import apply_process_fixes, non_negative_int, positive_int
from mnx_det.datasets import check_dataset_files, make_voc_sized_set


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'config', nargs='?', default='configs/ssdlite_mobilenext_voc.py')
    parser.add_argument('--images', type=positive_int, default=200)
    parser.add_argument(
        '--workers', type=non_negative_int, nargs='+', default=[0, 1, 2, 4])
    parser.add_argument('--batch-size', type=positive_int, default=8)
    parser.add_argument('--batches', type=positive_int, default=20)
    parser.add_argument('--steps', type=positive_int, default=5)
    parser.add_argument(
        '--real',
        action='store_true',
        help="the config's own dataset instead of the synthetic set")
    parser.add_argument(
        '--device', default='cpu', help='where the training step runs')
    parser.add_argument('--out-dir', default='benchmarks')
    return parser.parse_args()


def describe_set(root, count):
    images = Path(root) / 'VOC2007/JPEGImages'
    sizes = [f.stat().st_size for f in images.iterdir()]
    return (f'{count} synthetic VOC-sized JPEGs (500x375, '
            f'{sum(sizes) / len(sizes) / 1024:.0f} KB on average: smooth '
            'structure plus fine texture; one to four objects)')


def main():
    apply_process_fixes()
    args = parse_args()
    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    cfg.train_dataloader.batch_size = args.batch_size
    tmp = tempfile.TemporaryDirectory()
    if args.real:
        check_dataset_files(cfg.train_dataloader.dataset)
        source = f'the training set of {osp.basename(args.config)}'
    else:
        root = make_voc_sized_set(tmp.name, args.images)
        point_at_set(cfg, root)
        source = describe_set(root, args.images)
    print('timing each transform, one thread ...', flush=True)
    per_step = time_transforms(cfg.train_dataloader.dataset, args.images)
    rows = []
    for workers in args.workers:
        print(f'timing the data loader with {workers} workers ...', flush=True)
        rows.append(
            (workers,
             *time_loader(cfg.train_dataloader, workers, args.batches)))
    print('timing training steps ...', flush=True)
    step = time_train_step(cfg, rows[-1][2], args.steps, args.device)
    lines = [
        f'# Input pipeline vs training step: {Path(args.config).name}', '',
        f'CPU: {cpu_description()}, {os.cpu_count()} cores. Data: {source}.',
        '', 'Per transform: mean ms per image, one process, one thread '
        '(OpenCV and torch), the unfused chain and the fused geometric step '
        'on the same images with the same random draws.', ''
    ] + transform_lines(per_step) + [
        '', f'Data loader (the fused pipeline, collation included), batch '
        f'{args.batch_size}: mean of {args.batches} batches after those the '
        'workers prefetch at start; training step on '
        f'{device_name(args.device)}, median of {args.steps}. Loader / step '
        'above 1: the loader sets the pace.', '',
        '| workers | loader, ms per batch | images / s | training step, ms '
        '| loader / step |', '|---|---|---|---|---|'
    ]
    for workers, per_batch, _ in rows:
        lines.append(f'| {workers} | {per_batch:.1f} | '
                     f'{1000 * args.batch_size / per_batch:.0f} | '
                     f'{step:.1f} | {per_batch / step:.2f} |')
    tag = 'cuda' if args.device.startswith('cuda') else 'cpu'
    write_report(lines, Path(args.out_dir) / f'data_loading_{tag}.md')
    tmp.cleanup()


if __name__ == '__main__':
    main()
