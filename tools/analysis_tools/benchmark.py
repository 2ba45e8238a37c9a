"""Speed of MobileNeXt vs MobileNetV2, measured side by side.

    python tools/analysis_tools/benchmark.py [--device cuda] [--quick]

Sections, each timed interleaved (MobileNeXt and MobileNetV2 alternate) and
reported as medians with the MobileNeXt / MobileNetV2 ratio:

1. backbones with the SSDLite taps (and the official MobileNeXt layout),
   eager, BN fused and channels_last, batch 1 and batch N, and a training
   step at batch N;
2. the SSDLite320 detectors: forward without and with post-processing;
3. training throughput of a full SSDLite step (images/s);
4. the SSDLite loss path: targets, hard negative mining, loss and backward,
   mmdet's per-image loop vs the batched loss, at batch 8 and 32, and a
   whole SSDLite-MobileNeXt training step at batch 32 with each;
5. the identity tensor multiplier sweep (alpha 1 to 1/6);
6. latency vs MAdds of the ImageNet networks at every width (PNG chart).

Writes ``benchmarks/benchmark_<device>.md`` and
``benchmarks/latency_vs_madds_<device>.png``.
"""
import argparse
import copy
import platform
from pathlib import Path

import matplotlib
import torch
from mmdet.models.backbones import MobileNetV2
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmdet.utils import register_all_modules
from mmengine.config import Config
from mmengine.structures import InstanceData

from mnx_det.analysis.complexity import WIDTHS, count, imagenet_classifier
from mnx_det.analysis.timing import inference, measure, variants
from mnx_det.models import MobileNeXt
from mnx_det.testing import OfficialMobileNeXt

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FAMILIES = ('MobileNeXt', 'MobileNetV2')
SSDLITE = {
    'MobileNeXt': 'configs/ssdlite_mobilenext_voc.py',
    'MobileNetV2': 'configs/ssdlite_mobilenetv2_voc.py',
}
# Paper / official README: ImageNet top-1 for identity multipliers.
PAPER_ALPHA_TOP1 = {1: 74.02, 2: 74.09, 3: 73.91, 4: 73.68, 6: None}


def mmcv_ops_available(device):
    try:
        from mmcv.ops import nms
        boxes = torch.tensor([[0., 0., 1., 1.]], device=device)
        nms(boxes, torch.ones(1, device=device), 0.5)
        return True
    except Exception:
        return False


def repeats_for(args, batch):
    """Batch-1 runs are short and noisy: five times the rounds."""
    return args.repeats * 5 if batch == 1 else args.repeats


def ratio_rows(results, title):
    """Markdown rows: a, b and a / b for every setting in ``results``."""
    lines = [
        f'| {title} | MobileNeXt (ms) | MobileNetV2 (ms) | ratio |',
        '|---|---|---|---|'
    ]
    for setting, times in results.items():
        a, b = times['MobileNeXt'], times['MobileNetV2']
        lines.append(f'| {setting} | {a:.2f} | {b:.2f} | {a / b:.2f} |')
    return lines


def bench_backbones(args):
    backbones = {
        'MobileNeXt':
        MobileNeXt(
            out_indices=(7, ),
            taps=('layer6.0.expansion', 'layer8.0.expansion')),
        'MobileNetV2':
        MobileNetV2(out_indices=(4, 7)),
    }
    official = OfficialMobileNeXt().features.to(args.device).eval()
    results, vs_official = {}, {}
    for batch in (1, args.batch):
        x = torch.rand(batch, 3, args.size, args.size, device=args.device)
        for kind in ('eager', 'BN fused', 'channels_last'):
            cases = {
                name:
                inference(
                    variants(m.to(args.device), (kind, ))[kind],
                    x,
                    channels_last=kind == 'channels_last')
                for name, m in backbones.items()
            }
            if kind == 'eager':
                cases['official'] = inference(official, x)
            times = measure(
                cases, repeats_for(args, batch), device=args.device)
            results[f'{kind}, batch {batch}'] = times
            if kind == 'eager':
                vs_official[f'batch {batch}'] = (times['MobileNeXt'],
                                                 times['official'])
    x = torch.rand(args.batch, 3, args.size, args.size, device=args.device)
    results[f'training step, batch {args.batch}'] = measure(
        {
            n: backbone_train_step(m, x)
            for n, m in backbones.items()
        },
        max(3, args.repeats // 3),
        warmup=1,
        device=args.device)
    lines = ratio_rows(results, f'backbone, {args.size}x{args.size}')
    lines += [
        '', '| MobileNeXt vs the official layout (eager) | ours (ms) |'
        ' official (ms) | ratio |', '|---|---|---|---|'
    ]
    for setting, (ours, theirs) in vs_official.items():
        lines.append(f'| {setting} | {ours:.2f} | {theirs:.2f} | '
                     f'{ours / theirs:.2f} |')
    return lines


def backbone_train_step(backbone, x):
    model = copy.deepcopy(backbone)
    model.train()  # mmdet's MobileNetV2.train() returns None
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)

    def run():
        loss = sum(out.mean() for out in model(x))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return run


def build_ssdlite(family, device):
    cfg = Config.fromfile(str(ROOT / SSDLITE[family]))
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model).to(device)
    model.init_weights()
    return model


def det_samples(batch, size, with_gt=False, device='cpu'):
    samples = []
    for _ in range(batch):
        sample = DetDataSample(
            metainfo=dict(
                img_shape=(size, size),
                ori_shape=(size, size),
                scale_factor=(1., 1.),
                pad_shape=(size, size)))
        if with_gt:
            sample.gt_instances = InstanceData(
                bboxes=torch.tensor(
                    [[20., 30., 140., 200.], [100., 90., 300., 310.]],
                    device=device),
                labels=torch.tensor([4, 11], device=device))
        samples.append(sample)
    return samples


def bench_detectors(args):
    models = {f: build_ssdlite(f, args.device) for f in FAMILIES}
    with_nms = mmcv_ops_available(args.device)
    results = {}
    # An untrained detector scores every (prior, class) pair above the
    # official 0.01, so its NMS is the worst case: quick runs time it once.
    batches = (1, ) if args.quick else (1, args.batch)
    kinds = ('eager', ) if args.quick else ('eager', 'BN fused',
                                            'channels_last')
    for batch in batches:
        x = torch.rand(batch, 3, 320, 320, device=args.device)
        samples = det_samples(batch, 320)
        for kind in kinds:
            fused = {f: variants(m, (kind, ))[kind] for f, m in models.items()}
            cl = kind == 'channels_last'
            results[f'no post-processing, {kind}, batch {batch}'] = measure(
                {
                    f: inference(m, x, cl)
                    for f, m in fused.items()
                },
                repeats_for(args, batch),
                device=args.device)
            if with_nms:
                results[f'with NMS, {kind}, batch {batch}'] = measure(
                    {
                        f:
                        inference(
                            m, x, cl, data_samples=samples, mode='predict')
                        for f, m in fused.items()
                    },
                    repeats_for(args, batch),
                    device=args.device)
    lines = ratio_rows(results, 'SSDLite320 detector')
    lines += [
        '', 'The detectors are untrained: every (prior, class) pair scores '
        'above the official 0.01 and enters NMS (64,680 per image), the '
        'worst case of the official post-processing; a trained detector '
        'passes far fewer.'
    ]
    if not with_nms:
        lines.append('\n(mmcv ops are not compiled for this device: '
                     'post-processing was not timed.)')
    return lines


def train_step(model, batch, device):
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
    x = torch.rand(batch, 3, 320, 320, device=device)
    samples = det_samples(batch, 320, with_gt=True, device=device)

    def run():
        data = model.data_preprocessor(
            dict(inputs=list(x.mul(255).byte()), data_samples=samples), True)
        loss, _ = model.parse_losses(model(**data, mode='loss'))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return run


def bench_training(args):
    models = {f: build_ssdlite(f, args.device) for f in FAMILIES}
    for model in models.values():
        model.train()
    times = measure(
        {
            f: train_step(m, args.batch, args.device)
            for f, m in models.items()
        },
        max(3, args.repeats // 3),
        warmup=1,
        device=args.device)
    lines = [
        f'| SSDLite320 training step, batch {args.batch} | ms | images/s |',
        '|---|---|---|'
    ]
    for family, ms in times.items():
        lines.append(f'| {family} | {ms:.1f} | '
                     f'{args.batch * 1000 / ms:.1f} |')
    mnx, mv2 = times['MobileNeXt'], times['MobileNetV2']
    lines.append(f'| ratio (MobileNeXt / MobileNetV2) | {mnx / mv2:.2f} |'
                 f' {mv2 / mnx:.2f} |')
    return lines


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


def bench_loss_path(args):
    batches = (2, 4) if args.quick else (8, 32)
    model = build_ssdlite('MobileNeXt', args.device).train()
    head = model.bbox_head
    paths = {'per-image (mmdet)': False, 'batched': True}
    loss_ms = {}
    for batch in batches:
        loss_ms[batch] = measure(
            {
                name: loss_step(head, batch, batched, args.device)
                for name, batched in paths.items()
            },
            args.repeats,
            device=args.device)
    big = batches[-1]
    step_ms = measure(
        {
            name: detector_step(model, big, batched, args.device)
            for name, batched in paths.items()
        },
        max(3, args.repeats // 4),
        warmup=1,
        device=args.device)
    lines = [
        '| SSDLite-MobileNeXt loss path | per-image (ms) | batched (ms) | '
        'speed-up |', '|---|---|---|---|'
    ]
    for batch, times in loss_ms.items():
        a, b = times['per-image (mmdet)'], times['batched']
        lines.append(f'| loss + backward, batch {batch} | {a:.1f} | {b:.1f} '
                     f'| {a / b:.1f}x |')
    a, b = step_ms['per-image (mmdet)'], step_ms['batched']
    lines.append(f'| whole training step, batch {big} | {a:.0f} | {b:.0f} | '
                 f'{a / b:.2f}x |')
    lines.append(f'| images/s, training step, batch {big} | '
                 f'{big * 1000 / a:.1f} | {big * 1000 / b:.1f} | |')
    small = batches[0]
    growth = {
        name: loss_ms[big][name] / loss_ms[small][name]
        for name in paths
    }
    lines += [
        '', f'Loss path cost from batch {small} to batch {big} '
        f'({big // small}x the images): per-image '
        f"x{growth['per-image (mmdet)']:.1f}, batched "
        f"x{growth['batched']:.1f}."
    ]
    return lines


def bench_identity_ratio(args):
    x = torch.rand(args.batch, 3, 224, 224, device=args.device)
    cases = {
        div:
        inference(
            MobileNeXt(identity_ratio=1 / div).to(args.device).eval(), x)
        for div in PAPER_ALPHA_TOP1
    }
    times = measure(cases, args.repeats, device=args.device)
    lines = [
        f'| identity multiplier alpha (batch {args.batch}, 224x224) | ms |'
        ' latency / alpha=1 | paper top-1 |', '|---|---|---|---|'
    ]
    for div, ms in times.items():
        top1 = PAPER_ALPHA_TOP1[div]
        lines.append(f'| 1/{div} | {ms:.2f} | {ms / times[1]:.3f} | '
                     f"{'-' if top1 is None else top1} |")
    return lines


def bench_widths(args, png):
    x = torch.rand(1, 3, 224, 224, device=args.device)
    models, madds = {}, {}
    for family in FAMILIES:
        for width in WIDTHS:
            model = imagenet_classifier(family, width)
            madds[(family, width)] = count(model, (x.cpu(), ))[1]
            models[(family, width)] = model.to(args.device)
    times = measure({
        k: inference(m, x)
        for k, m in models.items()
    },
                    args.repeats,
                    device=args.device)
    fig, ax = plt.subplots(figsize=(6, 4))
    for family in FAMILIES:
        keys = [(family, w) for w in WIDTHS]
        ax.plot([madds[k] / 1e6 for k in keys], [times[k] for k in keys],
                'o-',
                label=family)
        for k in keys:
            ax.annotate(f'{k[1]}', (madds[k] / 1e6, times[k]), fontsize=7)
    ax.set_xlabel('MAdds (M), 224x224, 1000 classes')
    ax.set_ylabel(f'latency, batch 1 (ms, {args.device})')
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)
    lines = ['| width | family | MAdds | latency (ms) |', '|---|---|---|---|']
    for (family, width), ms in times.items():
        lines.append(f'| {width} | {family} | '
                     f'{madds[(family, width)] / 1e6:.0f}M | {ms:.2f} |')
    return lines


def device_name(device):
    if device.startswith('cuda'):
        return torch.cuda.get_device_name(torch.device(device))
    return f'CPU ({platform.machine()}, {torch.get_num_threads()} threads)'


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--size', type=int, default=320)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--repeats', type=int, default=20)
    parser.add_argument(
        '--quick',
        action='store_true',
        help='tiny run to check the tool: 1 repeat, batch 2')
    parser.add_argument('--out-dir', default='benchmarks')
    args = parser.parse_args()
    if args.quick:
        args.repeats, args.batch = 1, 2
    return args


def main():
    args = parse_args()
    register_all_modules()
    torch.manual_seed(0)
    tag = 'cuda' if args.device.startswith('cuda') else 'cpu'
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    png = out_dir / f'latency_vs_madds_{tag}.png'
    text = [
        f'# MobileNeXt vs MobileNetV2: speed on {device_name(args.device)}',
        '', f'torch {torch.__version__}; medians of {args.repeats} '
        'interleaved runs (5x as many at batch 1); ratio = MobileNeXt / '
        'MobileNetV2 (< 1: MobileNeXt is faster). Regenerate with '
        '`make benchmarks`.'
    ]
    sections = [('Backbones', bench_backbones), ('Detectors', bench_detectors),
                ('Training', bench_training),
                ('SSDLite loss path', bench_loss_path),
                ('Identity tensor multiplier', bench_identity_ratio),
                ('Width multipliers', lambda a: bench_widths(a, png))]
    for title, bench in sections:
        print(f'benchmarking: {title} ...', flush=True)
        text += ['', f'## {title}', ''] + bench(args)
    text += ['', f'![latency vs MAdds]({png.name})', '']
    report = '\n'.join(text)
    print(report)
    out = out_dir / f'benchmark_{tag}.md'
    out.write_text(report)
    print(f'written to {out} and {png}')


if __name__ == '__main__':
    main()
