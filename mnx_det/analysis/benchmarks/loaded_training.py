"""End-to-end training speed with the real data loader: images per second of
the SSDLite detectors trained as the Runner trains them (loader workers,
collation, ``model.train_step`` with mmengine's optimizer wrapper, AMP
through ``AmpOptimWrapper``), and the fraction of the time spent waiting
for the next batch; the table of ``benchmarks/training_<device>.md``."""
import copy
import time
from typing import NamedTuple

import torch
from mmengine.optim import build_optim_wrapper
from mmengine.runner import Runner

from ...apis import build_detector
from ..report import FAMILIES
from ..timing import synchronize


class LoadedTraining(NamedTuple):
    images_per_s: float
    data_wait: float  # fraction of the wall time blocked on the loader


def batches(loader):
    """The loader's batches, epoch after epoch."""
    while True:
        yield from loader


def train_with_loader(cfg,
                      device,
                      iters,
                      warmup=3,
                      amp=False,
                      channels_last=False):
    """Train the config's detector for ``warmup + iters`` iterations with
    its own training loader; the last ``iters`` measured."""
    model = build_detector(cfg, device=device).train()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    # as tools/train.py --amp sets it
    wrapper = (
        dict(type='AmpOptimWrapper', loss_scale='dynamic') if amp else dict(
            type='OptimWrapper'))
    optim_wrapper = build_optim_wrapper(
        model,
        dict(wrapper, optimizer=copy.deepcopy(cfg.optim_wrapper.optimizer)))
    data = batches(Runner.build_dataloader(cfg.train_dataloader, seed=0))
    wait = total = 0.
    for i in range(warmup + iters):
        start = time.perf_counter()
        batch = next(data)
        loaded = time.perf_counter()
        model.train_step(batch, optim_wrapper)
        synchronize(device)
        if i >= warmup:
            wait += loaded - start
            total += time.perf_counter() - start
    return LoadedTraining(iters * cfg.train_dataloader.batch_size / total,
                          wait / total)


def bench_loaded_training(configs,
                          device,
                          batch_sizes,
                          iters,
                          precisions,
                          channels_last=False):
    """The table: images/s and data wait of each family, batch size and
    precision (``'fp32'``, ``'AMP'``), MobileNeXt and MobileNetV2 side by
    side. ``configs``: family -> its config, loader set up."""
    lines = [
        '| batch | precision | MobileNeXt images/s | MobileNetV2 images/s | '
        'MobileNeXt / MobileNetV2 | data wait, MobileNeXt | data wait, '
        'MobileNetV2 |', '|---|---|---|---|---|---|---|'
    ]
    for batch_size in batch_sizes:
        for precision in precisions:
            runs = {}
            for family in FAMILIES:
                cfg = copy.deepcopy(configs[family])
                cfg.train_dataloader.batch_size = batch_size
                print(
                    f'training {family}, batch {batch_size}, {precision} '
                    '...',
                    flush=True)
                runs[family] = train_with_loader(
                    cfg,
                    device,
                    iters,
                    amp=precision == 'AMP',
                    channels_last=channels_last)
            mnx, mv2 = runs['MobileNeXt'], runs['MobileNetV2']
            lines.append(
                f'| {batch_size} | {precision} | {mnx.images_per_s:.1f} | '
                f'{mv2.images_per_s:.1f} | '
                f'{mnx.images_per_s / mv2.images_per_s:.2f} | '
                f'{mnx.data_wait:.0%} | {mv2.data_wait:.0%} |')
    return lines
