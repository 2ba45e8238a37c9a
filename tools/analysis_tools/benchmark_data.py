"""Is data loading the bottleneck? Time per batch of the SSDLite training
pipeline, for several worker counts, against the time of a training step.

    python tools/analysis_tools/benchmark_data.py [CONFIG] [--workers 0 2]

Without VOC at the config's data root (or with ``--toy``) the toy VOC set
is generated in a temporary folder and read with the config's own training
pipeline (photometric distortion, Expand, SSDRandomCrop, flip, resize to
320). Writes ``benchmarks/data_loading_<device>.md`` (``--device``, where
the training step runs).
"""
import argparse
import tempfile
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mnx_det.analysis.benchmarks.data import (point_at_toy_set, time_loader,
                                              time_train_step)
from mnx_det.analysis.report import device_name, write_report
from mnx_det.datasets import (DatasetNotFoundError, check_dataset_files,
                              make_toy_voc)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'config', nargs='?', default='configs/ssdlite_mobilenext_voc.py')
    parser.add_argument('--workers', type=int, nargs='+', default=[0, 2])
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--batches', type=int, default=20)
    parser.add_argument('--steps', type=int, default=5)
    parser.add_argument(
        '--toy',
        action='store_true',
        help='use the toy set even if VOC is '
        'there')
    parser.add_argument(
        '--device', default='cpu', help='where the training step runs')
    parser.add_argument('--out-dir', default='benchmarks')
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    cfg.train_dataloader.batch_size = args.batch_size
    source = 'Pascal VOC'
    tmp = tempfile.TemporaryDirectory()
    try:
        if args.toy:
            raise DatasetNotFoundError('toy set requested')
        check_dataset_files(cfg.train_dataloader.dataset)
    except DatasetNotFoundError:
        source = 'the toy VOC set (160x160 images)'
        point_at_toy_set(cfg, make_toy_voc(tmp.name))
    rows = []
    for workers in args.workers:
        print(f'timing the data loader with {workers} workers ...', flush=True)
        per_batch, batch = time_loader(cfg.train_dataloader, workers,
                                       args.batches)
        rows.append((workers, per_batch))
    print('timing training steps ...', flush=True)
    step = time_train_step(cfg, batch, args.steps, args.device)
    lines = [
        f'# Data loading vs training step: {Path(args.config).name}', '',
        f'{source}, batch {args.batch_size}, training step on '
        f'{device_name(args.device)}, torch {torch.get_num_threads()} CPU '
        'threads; '
        'medians. A loader time per batch above the step time means the '
        'workers are the bottleneck.', '',
        '| workers | loader, ms per batch | training step, ms | '
        'loader / step |', '|---|---|---|---|'
    ]
    for workers, per_batch in rows:
        lines.append(f'| {workers} | {per_batch:.1f} | {step:.1f} | '
                     f'{per_batch / step:.2f} |')
    tag = 'cuda' if args.device.startswith('cuda') else 'cpu'
    write_report(lines, Path(args.out_dir) / f'data_loading_{tag}.md')
    tmp.cleanup()


if __name__ == '__main__':
    main()
