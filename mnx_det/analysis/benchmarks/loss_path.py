"""The SSDLite loss path: targets, hard negative mining, loss and
backward, mmdet's per-image loop vs the batched loss, and a whole training
step with each."""
import torch
from mmengine.structures import InstanceData

from ..timing import measure_spread
from .common import build_ssdlite, train_step


def random_gt(batch, size, gen, device):
    """1 to 5 objects per image, VOC-like sizes."""
    gts = []
    for _ in range(batch):
        count = int(torch.randint(1, 6, (1, ), generator=gen))
        corners = torch.rand(count, 2, 2, generator=gen) * size
        boxes = torch.cat(
            [corners.min(1).values,
             corners.max(1).values + size / 20], 1)
        gts.append(
            InstanceData(
                bboxes=boxes.clamp(max=size).to(device),
                labels=torch.randint(0, 20, (count, ),
                                     generator=gen).to(device)))
    return gts


def loss_step(head, batch, batched, device):
    """Loss + backward of the head on random outputs and ground truths."""
    gen = torch.Generator().manual_seed(batch)
    sides = (20, 10, 5, 3, 2, 1)
    cls_scores = [
        torch.randn(batch, n * head.cls_out_channels, s, s,
                    device=device).requires_grad_()
        for n, s in zip(head.num_base_priors, sides)
    ]
    bbox_preds = [
        torch.randn(batch, n * 4, s, s, device=device).requires_grad_()
        for n, s in zip(head.num_base_priors, sides)
    ]
    gts = random_gt(batch, 320, gen, device)
    metas = [dict(img_shape=(320, 320), pad_shape=(320, 320))] * batch

    def run():
        head.batched_loss = batched
        for output in cls_scores + bbox_preds:
            output.grad = None  # as in training: no accumulation
        losses = head.loss_by_feat(cls_scores, bbox_preds, gts, metas)
        # mmdet's path returns a loss per image, the batched one a sum
        sum(sum(v) if isinstance(v, list) else v
            for v in losses.values()).backward()

    return run


def detector_step(model, batch, batched, device):
    """A whole training step of the detector with either loss path."""
    step = train_step(model, batch, device)

    def run():
        model.bbox_head.batched_loss = batched
        step()

    return run


def bench_loss_path(setup):
    batches = (2, 4) if setup.quick else (8, 32)
    model = build_ssdlite(setup, 'MobileNeXt').train()
    head = model.bbox_head
    paths = {'per-image (mmdet)': False, 'batched': True}
    loss_ms = {}
    for batch in batches:
        loss_ms[batch] = measure_spread(
            {
                name: loss_step(head, batch, batched, setup.device)
                for name, batched in paths.items()
            },
            setup.repeats,
            device=setup.device)
    big = batches[-1]
    step_ms = measure_spread(
        {
            name: detector_step(model, big, batched, setup.device)
            for name, batched in paths.items()
        },
        max(3, setup.repeats // 2),
        warmup=1,
        device=setup.device)
    lines = [
        '| SSDLite-MobileNeXt loss path | per-image (mmdet), ms (min-max) | '
        'batched, ms (min-max) | speed-up |', '|---|---|---|---|'
    ]
    rows = {f'loss + backward, batch {b}': t for b, t in loss_ms.items()}
    rows[f'whole training step, batch {big}'] = step_ms
    slow, fast = paths
    for setting, times in rows.items():
        a, b = times[slow], times[fast]
        lines.append(f'| {setting} | {a} | {b} | '
                     f'{a.median / b.median:.2f}x |')
    a, b = step_ms[slow].median, step_ms[fast].median
    lines.append(f'| images/s, training step, batch {big} | '
                 f'{big * 1000 / a:.1f} | {big * 1000 / b:.1f} | |')
    small = batches[0]
    growth = {
        name: loss_ms[big][name].median / loss_ms[small][name].median
        for name in paths
    }
    saved = {
        'loss path': loss_ms[big][slow].median - loss_ms[big][fast].median,
        'training step': a - b
    }
    lines += [
        '', f'Loss path cost from batch {small} to batch {big} '
        f'({big // small}x the images): per-image x{growth[slow]:.1f}, '
        f'batched x{growth[fast]:.1f}. Time the batched loss saves per '
        f"batch-{big} step: {saved['loss path']:.0f} ms on the loss path "
        f"alone, {saved['training step']:.0f} ms on the whole step."
    ]
    return lines
