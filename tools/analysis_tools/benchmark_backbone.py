"""Backbone latency: MobileNeXt vs MobileNetV2 (SSDLite taps) and the
official MobileNeXt layout, eager and with BN fused, measured interleaved.

    python tools/analysis_tools/benchmark_backbone.py [--repeats 30]

Prints a table of medians and ratios and writes it to
``benchmarks/backbone_<device>.md``.
"""
import argparse
import copy
import platform
import statistics
import time
from pathlib import Path

import torch
from mmcv.cnn import fuse_conv_bn
from mmdet.models.backbones import MobileNetV2

from mnx_det.models import MobileNeXt
from mnx_det.testing import OfficialMobileNeXt

SSDLITE_TAPS = ('layer6.0.expansion', 'layer8.0.expansion')


def build_models():
    """name -> backbone in eval mode, all at width 1.0."""
    mobilenext = MobileNeXt(out_indices=(7, ), taps=SSDLITE_TAPS)
    mobilenetv2 = MobileNetV2(out_indices=(4, 7))
    official = OfficialMobileNeXt().features
    models = {
        'MobileNeXt': mobilenext,
        'MobileNeXt (official layout)': official,
        'MobileNetV2': mobilenetv2,
    }
    for name in ('MobileNeXt', 'MobileNetV2'):
        models[f'{name} (BN fused)'] = fuse_conv_bn(
            copy.deepcopy(models[name]).eval())
    return {name: model.eval() for name, model in models.items()}


def time_call(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def inference(model, x):

    def run():
        with torch.no_grad():
            model(x)

    return run


def train_step(model, x):
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)

    def run():
        outs = model(x)
        outs = outs if isinstance(outs, (tuple, list)) else [outs]
        loss = sum(o.float().mean() for o in outs)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return run


def measure(cases, repeats, warmup):
    """Run every case in turn, ``repeats`` rounds; return medians (ms)."""
    for fn in cases.values():
        for _ in range(warmup):
            fn()
    samples = {name: [] for name in cases}
    for _ in range(repeats):
        for name, fn in cases.items():
            samples[name].append(time_call(fn) * 1000)
    return {name: statistics.median(v) for name, v in samples.items()}


def ratio(a, b):
    return f'{a / b:.2f}'


def report(results, args, device):
    lines = [
        f'# Backbone latency at {args.size}x{args.size}, {device}', '',
        f'torch {torch.__version__}, {torch.get_num_threads()} threads, '
        f'median of {args.repeats} interleaved runs (ms). Ratios < 1 mean '
        'MobileNeXt is faster.', '',
        '| backbone | batch 1 | batch 8 | train step, batch 8 |',
        '|---|---|---|---|'
    ]
    for name in results['batch 1']:
        train = results['train'].get(name)
        lines.append(f"| {name} | {results['batch 1'][name]:.1f} | "
                     f"{results['batch 8'][name]:.1f} | "
                     f"{'-' if train is None else f'{train:.1f}'} |")
    lines += ['', '| ratio | batch 1 | batch 8 | train step |', '|---|---|---|---|']
    pairs = [('MobileNeXt / MobileNetV2', 'MobileNeXt', 'MobileNetV2'),
             ('fused MobileNeXt / fused MobileNetV2', 'MobileNeXt (BN fused)',
              'MobileNetV2 (BN fused)'),
             ('MobileNeXt / official layout', 'MobileNeXt',
              'MobileNeXt (official layout)')]
    for title, a, b in pairs:
        cells = [
            ratio(results[k][a], results[k][b])
            for k in ('batch 1', 'batch 8')
        ]
        train = results['train']
        cells.append(
            ratio(train[a], train[b]) if a in train and b in train else '-')
        lines.append(f'| {title} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', type=int, default=320)
    parser.add_argument('--repeats', type=int, default=30)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--out-dir', default='benchmarks')
    return parser.parse_args()


def main():
    args = parse_args()
    torch.manual_seed(0)
    models = build_models()
    results = {}
    for batch in (1, 8):
        x = torch.rand(batch, 3, args.size, args.size)
        print(f'timing inference, batch {batch} ...', flush=True)
        results[f'batch {batch}'] = measure(
            {n: inference(m, x) for n, m in models.items()}, args.repeats,
            args.warmup)
    print('timing training steps, batch 8 ...', flush=True)
    x = torch.rand(8, 3, args.size, args.size)
    trainable = {
        n: copy.deepcopy(m).train()
        for n, m in models.items() if 'fused' not in n
    }
    results['train'] = measure(
        {n: train_step(m, x) for n, m in trainable.items()},
        max(5, args.repeats // 3), 1)
    device = f'CPU ({platform.machine()}, {torch.get_num_threads()} threads)'
    table = report(results, args, device)
    print(table)
    out = Path(args.out_dir) / 'backbone_cpu.md'
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table)
    print(f'written to {out}')


if __name__ == '__main__':
    main()
