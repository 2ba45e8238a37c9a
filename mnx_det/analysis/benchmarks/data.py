"""Is data loading the bottleneck? The training pipeline's time per batch
with several worker counts, against the time of a training step: the table
of ``benchmarks/data_loading_<device>.md``."""
import copy
import statistics
import time

import torch
from mmengine.runner import Runner

from ...apis import build_detector
from ...datasets import TOY_CLASSES, leaf_datasets


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
    """Median ms per batch of the loader with ``workers`` processes, and
    the last batch."""
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
