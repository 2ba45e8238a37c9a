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
import copy
import statistics
import tempfile
import time
from pathlib import Path

import torch
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mnx_det.datasets import (TOY_CLASSES, DatasetNotFoundError,
                              check_dataset_files, leaf_datasets, make_toy_voc)


def point_at_toy_set(cfg, root):
    """Read the toy set with the config's own training pipeline."""
    loader = cfg.train_dataloader
    toy = dict(
        next(leaf_datasets(loader.dataset)),
        data_root=root,
        metainfo=dict(classes=TOY_CLASSES),
        ann_file='VOC2007/ImageSets/Main/trainval.txt',
        data_prefix=dict(sub_data_root='VOC2007/'))
    loader.dataset = toy
    loader.sampler = dict(type='DefaultSampler', shuffle=True)
    cfg.model.bbox_head.num_classes = len(TOY_CLASSES)


def time_loader(loader_cfg, workers, batches):
    loader_cfg = copy.deepcopy(loader_cfg)
    loader_cfg.update(num_workers=workers, persistent_workers=workers > 0)
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    times, it = [], iter(loader)
    next(it)  # worker start-up is not a per-batch cost
    for _ in range(batches):
        start = time.perf_counter()
        try:
            batch = next(it)
        except StopIteration:
            it = iter(loader)
            batch = next(it)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), batch


def time_train_step(cfg, batch, repeats, device):
    model = MODELS.build(cfg.model).to(device)
    model.init_weights()
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
    times = []
    for i in range(repeats + 1):
        start = time.perf_counter()
        data = model.data_preprocessor(batch, True)
        loss, _ = model.parse_losses(model(**data, mode='loss'))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if device.startswith('cuda'):
            torch.cuda.synchronize()
        if i:  # the first step warms up
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


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
    cfg.model.backbone.init_cfg = None
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
        f'{args.device}, torch {torch.get_num_threads()} CPU threads; '
        'medians. A loader time per batch above the step time means the '
        'workers are the bottleneck.', '',
        '| workers | loader, ms per batch | training step, ms | '
        'loader / step |', '|---|---|---|---|'
    ]
    for workers, per_batch in rows:
        lines.append(f'| {workers} | {per_batch:.1f} | {step:.1f} | '
                     f'{per_batch / step:.2f} |')
    report = '\n'.join(lines) + '\n'
    print(report)
    tag = 'cuda' if args.device.startswith('cuda') else 'cpu'
    out = Path(args.out_dir) / f'data_loading_{tag}.md'
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    print(f'written to {out}')
    tmp.cleanup()


if __name__ == '__main__':
    main()
