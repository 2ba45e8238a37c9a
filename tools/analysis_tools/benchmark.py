"""Speed of MobileNeXt vs MobileNetV2, measured side by side.

    python tools/analysis_tools/benchmark.py [--device cuda] [--quick]

Sections, each timed interleaved (every case once per round), reported as
median (min-max) with the MobileNeXt / MobileNetV2 ratio of the medians.
Rows that are compared are timed in the same rounds, and a table in which a
whole detector is faster than its own backbone is refused (the machine was
too noisy), not written:

1. backbones with the SSDLite taps (and the official MobileNeXt layout)
   and the SSDLite detectors without and with post-processing, all timed in
   the same interleaved rounds, eager, BN fused and channels_last, batch 1
   and batch N;
2-3. training steps of the backbones and of the whole detectors at batch
   N, in the same rounds (images/s);
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
import sys
import tempfile
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
from mnx_det.analysis.timing import (inference, keep_freed_memory, measure,
                                     measure_spread, variants)
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
    """Markdown rows: MobileNeXt, MobileNetV2 (median and min-max, ms) and
    the ratio of the medians, for every setting in ``results``."""
    lines = [
        f'| {title} | MobileNeXt, ms (min-max) | MobileNetV2, ms (min-max) '
        '| ratio |', '|---|---|---|---|'
    ]
    for setting, times in results.items():
        a, b = times['MobileNeXt'], times['MobileNetV2']
        lines.append(f'| {setting} | {a} | {b} | '
                     f'{a.median / b.median:.2f} |')
    return lines


class InconsistentTimingError(RuntimeError):
    """A whole timed faster than its own part: the rounds were too noisy
    for the table to mean anything."""


def check_whole_vs_part(args, timings, whole, part, setting):
    """Refuse (warn with --quick) when ``whole`` of a family, timed in the
    same rounds, has a lower median than its ``part``."""
    for family in FAMILIES:
        w, p = timings[(whole, family)], timings[(part, family)]
        if w.median < p.median:
            message = (f'{setting}: the {family} {whole} ({w} ms) timed '
                       f'faster than its own {part} ({p} ms) in the same '
                       'rounds; the machine was too noisy')
            if not args.quick:
                raise InconsistentTimingError(
                    message + ': nothing written, run again (more '
                    '--repeats, a quieter machine)')
            print(f'warning: {message}', flush=True)


def by_family(timings, what):
    return {f: timings[(what, f)] for f in FAMILIES}


def ssdlite_backbone(family):
    """The backbone of the SSDLite detector, with its taps."""
    if family == 'MobileNeXt':
        return MobileNeXt(
            out_indices=(7, ),
            taps=('layer6.0.expansion', 'layer8.0.expansion'))
    return MobileNetV2(out_indices=(4, 7))


def inference_cases(args, models, x, kind, samples, with_nms):
    """Backbone, detector and (where NMS runs) detector with
    post-processing of each family, in one dict to time together."""
    cl = kind == 'channels_last'
    cases = {}
    for family, (backbone, detector) in models.items():
        backbone = variants(backbone, (kind, ))[kind]
        detector = variants(detector, (kind, ))[kind]
        cases[('backbone', family)] = inference(backbone, x, cl)
        cases[('detector', family)] = inference(detector, x, cl)
        if with_nms:
            cases[('detector with NMS', family)] = inference(
                detector, x, cl, data_samples=samples, mode='predict')
    return cases


def bench_inference(args):
    """Backbones and whole detectors timed in the same interleaved rounds,
    so that every row compares like with like."""
    models = {
        f: (ssdlite_backbone(f).to(args.device), build_ssdlite(f, args.device))
        for f in FAMILIES
    }
    official = OfficialMobileNeXt().features.to(args.device).eval()
    with_nms = mmcv_ops_available(args.device)
    tables = {'backbone': {}, 'detector': {}, 'detector with NMS': {}}
    vs_official = {}
    # An untrained detector scores every (prior, class) pair above the
    # official 0.01, so its NMS is the worst case: quick runs time it once.
    batches = (1, ) if args.quick else (1, args.batch)
    kinds = ('eager', ) if args.quick else ('eager', 'BN fused',
                                            'channels_last')
    for batch in batches:
        x = torch.rand(batch, 3, args.size, args.size, device=args.device)
        samples = det_samples(batch, args.size)
        for kind in kinds:
            cases = inference_cases(args, models, x, kind, samples, with_nms)
            if kind == 'eager':
                cases[('official', 'MobileNeXt')] = inference(official, x)
            timings = measure_spread(
                cases, repeats_for(args, batch), device=args.device)
            setting = f'{kind}, batch {batch}'
            check_whole_vs_part(args, timings, 'detector', 'backbone', setting)
            for what in tables:
                if (what, FAMILIES[0]) in timings:
                    tables[what][setting] = by_family(timings, what)
            if kind == 'eager':
                vs_official[f'batch {batch}'] = (timings[('backbone',
                                                          'MobileNeXt')],
                                                 timings[('official',
                                                          'MobileNeXt')])
    size = f'{args.size}x{args.size}'
    lines = ratio_rows(tables['backbone'], f'backbone, {size}') + ['']
    lines += ratio_rows(tables['detector'],
                        f'SSDLite detector, no post-processing, {size}')
    if with_nms:
        lines += [''] + ratio_rows(tables['detector with NMS'],
                                   f'SSDLite detector with NMS, {size}')
        lines += [
            '', 'The detectors are untrained: every (prior, class) pair '
            'scores above the official 0.01 and enters NMS, the worst '
            'case of the official post-processing; a trained detector '
            'passes far fewer.'
        ]
    else:
        lines.append('\n(mmcv ops are not compiled for this device: '
                     'post-processing was not timed.)')
    lines += [
        '', '| MobileNeXt vs the official layout (eager) | ours, ms |'
        ' official, ms | ratio |', '|---|---|---|---|'
    ]
    for setting, (ours, theirs) in vs_official.items():
        lines.append(f'| {setting} | {ours} | {theirs} | '
                     f'{ours.median / theirs.median:.2f} |')
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
    """Training steps of each backbone and its whole detector, in the same
    interleaved rounds."""
    x = torch.rand(args.batch, 3, 320, 320, device=args.device)
    cases = {}
    for family in FAMILIES:
        detector = build_ssdlite(family, args.device).train()
        cases[('backbone', family)] = backbone_train_step(
            ssdlite_backbone(family).to(args.device), x)
        cases[('detector', family)] = train_step(detector, args.batch,
                                                 args.device)
    timings = measure_spread(
        cases, max(3, args.repeats // 3), warmup=1, device=args.device)
    check_whole_vs_part(args, timings, 'detector', 'backbone',
                        f'training step, batch {args.batch}')
    lines = ratio_rows(
        {
            f'{what} training step, batch {args.batch}': by_family(
                timings, what)
            for what in ('backbone', 'detector')
        }, 'SSDLite320 training')
    ips = {
        f: args.batch * 1000 / timings[('detector', f)].median
        for f in FAMILIES
    }
    lines += [
        '', '| SSDLite320 training, images/s | MobileNeXt | MobileNetV2 |',
        '|---|---|---|', f"| batch {args.batch} | {ips['MobileNeXt']:.1f} | "
        f"{ips['MobileNetV2']:.1f} |"
    ]
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
        loss_ms[batch] = measure_spread(
            {
                name: loss_step(head, batch, batched, args.device)
                for name, batched in paths.items()
            },
            args.repeats,
            device=args.device)
    big = batches[-1]
    step_ms = measure_spread(
        {
            name: detector_step(model, big, batched, args.device)
            for name, batched in paths.items()
        },
        max(3, args.repeats // 2),
        warmup=1,
        device=args.device)
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
    parser.add_argument(
        '--out-dir',
        help='where to write the tables (default: benchmarks/; a temporary '
        'folder with --quick, so a check never replaces measured tables)')
    args = parser.parse_args()
    if args.quick:
        args.repeats, args.batch = 1, 2
    if args.out_dir is None:
        args.out_dir = (
            tempfile.mkdtemp(
                prefix='mnx_det_quick_') if args.quick else 'benchmarks')
    return args


def main():
    args = parse_args()
    register_all_modules()
    torch.manual_seed(0)
    kept = keep_freed_memory()
    tag = 'cuda' if args.device.startswith('cuda') else 'cpu'
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    png = out_dir / f'latency_vs_madds_{tag}.png'
    text = [
        f'# MobileNeXt vs MobileNetV2: speed on {device_name(args.device)}',
        '', f'torch {torch.__version__}; {args.repeats} interleaved rounds '
        '(5x as many at batch 1; fewer for training steps), cells are '
        'median (min-max) in ms; rows compared with each other were timed '
        'in the same rounds; ratio = MobileNeXt / MobileNetV2 of the medians '
        '(< 1: MobileNeXt is faster). Regenerate with `make benchmarks`.'
    ]
    if kept:
        text[-1] += (' Freed memory stays in the process (glibc mallopt, '
                     '`keep_freed_memory`): otherwise page faults made '
                     'training steps vary twofold between rounds.')
    sections = [('Backbones and detectors', bench_inference),
                ('Training', bench_training),
                ('SSDLite loss path', bench_loss_path),
                ('Identity tensor multiplier', bench_identity_ratio),
                ('Width multipliers', lambda a: bench_widths(a, png))]
    for title, bench in sections:
        print(f'benchmarking: {title} ...', flush=True)
        try:
            text += ['', f'## {title}', ''] + bench(args)
        except InconsistentTimingError as exc:
            sys.exit(f'error: {exc}')
    text += ['', f'![latency vs MAdds]({png.name})', '']
    report = '\n'.join(text)
    print(report)
    out = out_dir / f'benchmark_{tag}.md'
    out.write_text(report)
    print(f'written to {out} and {png}')


if __name__ == '__main__':
    main()
