"""Speed of MobileNeXt vs MobileNetV2, measured side by side.

    python tools/analysis_tools/benchmark.py [--device cuda] [--quick]

Sections (mnx_det.analysis.benchmarks), each timed interleaved (every case
once per round), reported as median (min-max) with the MobileNeXt /
MobileNetV2 ratio of the medians. Rows that are compared are timed in the
same rounds, and a table in which a whole detector is faster than its own
backbone is refused (the machine was too noisy), not written:

1. backbones with the SSDLite taps (and the official MobileNeXt layout)
   and the SSDLite detectors without and with post-processing, eager, BN
   fused and channels_last, batch 1 and batch N;
2. training steps of the backbones and of the whole detectors at batch N;
3. the SSDLite loss path: mmdet's per-image loop vs the batched loss;
4. the identity tensor multiplier sweep (alpha 1 to 1/6);
5. latency vs MAdds of the ImageNet networks at every width (PNG chart);
6. the paper's other networks (EfficientNet-style MobileNeXt b0 and b1,
   MobileNetV2 + extra depthwise) beside both, classifiers and detectors.

Writes ``benchmarks/benchmark_<device>.md`` and
``benchmarks/latency_vs_madds_<device>.png``; ``--only N`` runs section N
alone into ``benchmarks/benchmark_<device>_section<N>.md``.
"""
import argparse
import sys
import tempfile
from pathlib import Path

import torch

from mnx_det.analysis.benchmarks import (InconsistentTimingError, SpeedSetup,
                                         bench_identity_ratio, bench_inference,
                                         bench_loss_path, bench_other_networks,
                                         bench_training, bench_widths)
from mnx_det.analysis.report import FAMILIES, device_name, write_report
from mnx_det.analysis.timing import keep_freed_memory
from mnx_det.apis import apply_process_fixes, positive_int

ROOT = Path(__file__).resolve().parents[2]
SSDLITE = {f: ROOT / f'configs/ssdlite_{f.lower()}_voc.py' for f in FAMILIES}
SSDLITE.update({
    'EfficientMobileNeXt b0':
    ROOT / 'configs/ssdlite_efficient_mobilenext_voc.py',
    'EfficientMobileNeXt b1':
    ROOT / 'configs/ssdlite_efficient_mobilenext_b1_voc.py',
    'MobileNetV2ExtraDepthwise':
    ROOT / 'configs/ssdlite_mobilenetv2_extra_dw_voc.py',
})


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--quick',
        action='store_true',
        help='tiny run to check the tool: 1 repeat, batch 2')
    parser.add_argument('--size', type=positive_int, default=320)
    parser.add_argument('--batch', type=positive_int, default=8)
    parser.add_argument('--repeats', type=positive_int, default=20)
    parser.add_argument(
        '--only',
        type=positive_int,
        help='run section N alone (numbered as above)')
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


def header(args, kept):
    text = (f'torch {torch.__version__}; {args.repeats} interleaved rounds '
            '(5x as many at batch 1; fewer for training steps), cells are '
            'median (min-max) in ms; rows compared with each other were '
            'timed in the same rounds; ratio = MobileNeXt / MobileNetV2 of '
            'the medians (< 1: MobileNeXt is faster). Regenerate with `make '
            'benchmarks`.')
    if kept:
        text += (' Freed memory stays in the process (glibc mallopt, '
                 '`keep_freed_memory`): otherwise page faults made training '
                 'steps vary twofold between rounds.')
    return [
        '# MobileNeXt vs MobileNetV2: speed on '
        f'{device_name(args.device)}', '', text
    ]


def main():
    apply_process_fixes()
    args = parse_args()
    torch.manual_seed(0)
    kept = keep_freed_memory()
    tag = 'cuda' if args.device.startswith('cuda') else 'cpu'
    out_dir = Path(args.out_dir)
    png = out_dir / f'latency_vs_madds_{tag}.png'
    out_dir.mkdir(parents=True, exist_ok=True)
    setup = SpeedSetup(SSDLITE, args.device, args.size, args.batch,
                       args.repeats, args.quick)
    sections = [('Backbones and detectors', bench_inference),
                ('Training', bench_training),
                ('SSDLite loss path', bench_loss_path),
                ('Identity tensor multiplier', bench_identity_ratio),
                ('Width multipliers', lambda s: bench_widths(s, png)),
                ("The paper's other networks", bench_other_networks)]
    name = f'benchmark_{tag}'
    if args.only:
        if args.only > len(sections):
            sys.exit(f'error: --only {args.only}: there are '
                     f'{len(sections)} sections')
        sections, name = [sections[args.only - 1]
                          ], f'{name}_section{args.only}'
    lines = header(args, kept)
    for title, bench in sections:
        print(f'benchmarking: {title} ...', flush=True)
        try:
            lines += ['', f'## {title}', ''] + bench(setup)
        except InconsistentTimingError as exc:
            sys.exit(f'error: {exc}')
    if not args.only:
        lines += ['', f'![latency vs MAdds]({png.name})']
    write_report(lines, out_dir / f'{name}.md')


if __name__ == '__main__':
    main()
