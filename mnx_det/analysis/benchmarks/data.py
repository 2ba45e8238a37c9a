"""Is the input pipeline cheap enough for training? The tables of
``benchmarks/data_loading_<device>.md``.

- Per transform: milliseconds per image of each step of the config's
  training pipeline, one process, one thread, the fused geometric step
  (:class:`~mnx_det.datasets.SSDGeometricAugment`) and the unfused chain
  timed on the same images with the same random draws, in the same rounds.
- Worker scaling: images per second through the real DataLoader (workers,
  collation) for several worker counts.
- Loader / step: the loader's time per batch against a training step of
  the config's detector on the same batch.
"""
import copy
import statistics
import time
from collections import defaultdict

import cv2
import numpy as np
import torch
from mmdet.registry import DATASETS, TRANSFORMS
from mmengine.runner import Runner

from ...apis import build_detector
from ...datasets import TOY_CLASSES, leaf_datasets

FUSED = 'SSDGeometricAugment'


def point_at_set(cfg, root):
    """Read the toy-class VOC2007 trainval set at ``root`` with the
    config's own training pipeline."""
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


def pipeline_steps(pipeline, fused):
    """(name, transform) of each step of ``pipeline``; the geometric step
    fused, or as the four transforms of its chain."""
    steps = []
    for step_cfg in pipeline:
        if step_cfg['type'] == FUSED:
            augment = TRANSFORMS.build(dict(step_cfg, fused=fused))
            chain = [] if fused else augment.chain
            steps += [(type(t).__name__, t)
                      for t in chain] or [(FUSED, augment)]
        else:
            steps.append((step_cfg['type'], TRANSFORMS.build(step_cfg)))
    return steps


def time_transforms(dataset_cfg, num_images):
    """Mean ms per image of each step, fused and unfused, one thread:
    ``{'fused': {step: ms}, 'unfused': {step: ms}}`` (steps in order)."""
    dataset_cfg = copy.deepcopy(dataset_cfg)
    pipeline = dataset_cfg.pop('pipeline')
    dataset = DATASETS.build(dict(dataset_cfg, pipeline=[]))
    modes = {
        'unfused': pipeline_steps(pipeline, False),
        'fused': pipeline_steps(pipeline, True)
    }
    threads = cv2.getNumThreads(), torch.get_num_threads()
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    totals = {mode: defaultdict(float) for mode in modes}
    count = min(num_images, len(dataset))
    try:
        for index in range(count):
            for mode, steps in modes.items():
                np.random.seed(index)  # the same draws in both
                results = dataset.get_data_info(index)
                for name, step in steps:
                    start = time.perf_counter()
                    results = step(results)
                    totals[mode][name] += time.perf_counter() - start
    finally:
        cv2.setNumThreads(threads[0])
        torch.set_num_threads(threads[1])
    return {
        mode: {
            name: 1000 * t / count
            for name, t in steps.items()
        }
        for mode, steps in totals.items()
    }


def time_loader(loader_cfg, workers, batches):
    """Mean ms per batch of the loader with ``workers`` processes in steady
    state, and the last batch: the batches the workers prefetch while
    starting are taken first, untimed (they would make a loader look
    faster than its workers are)."""
    loader_cfg = copy.deepcopy(loader_cfg)
    loader_cfg.update(
        num_workers=workers,
        persistent_workers=workers > 0,
        sampler=dict(type='InfiniteSampler', shuffle=True))
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    it = iter(loader)
    prefetched = workers * (loader.prefetch_factor or 0)
    for _ in range(max(1, prefetched)):
        next(it)
    start = time.perf_counter()
    for _ in range(batches):
        batch = next(it)
    return (time.perf_counter() - start) * 1000 / batches, batch


def time_train_step(cfg, batch, repeats, device):
    """Median ms of a training step of the config's detector on ``batch``."""
    model = build_detector(cfg, device=device).train()
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


def transform_lines(per_step):
    """The per-transform table: steps of the unfused chain and of the fused
    pipeline side by side, the whole pipeline, and its multiple of the
    decode time."""
    unfused, fused = per_step['unfused'], per_step['fused']
    lines = [
        '| transform | unfused chain, ms / image | fused, ms / image |',
        '|---|---|---|'
    ]
    for name in dict.fromkeys(list(unfused) + list(fused)):
        cells = [
            f'{m[name]:.2f}' if name in m else '' for m in per_step.values()
        ]
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    totals = [sum(m.values()) for m in (unfused, fused)]
    decode = [m['LoadImageFromFile'] for m in (unfused, fused)]
    lines.append('| **whole pipeline** | ' +
                 ' | '.join(f'**{t:.2f}** ({1000 / t:.0f} images/s)'
                            for t in totals) + ' |')
    lines.append('| whole pipeline / decode | ' +
                 ' | '.join(f'{t / d:.1f}x'
                            for t, d in zip(totals, decode)) + ' |')
    return lines
