"""Deployment speed, size and accuracy in every runtime (PyTorch eager, ONNX
Runtime fp32/INT8, OpenVINO f32/bf16/INT8, ExecuTorch fp32/INT8),
SSDLite-MobileNeXt and SSDLite-MobileNetV2.

    python tools/analysis_tools/benchmark_deploy.py [--repeats 20]
        [--checkpoints MNX.pth MV2.pth] [--max-drop 0.01 | --default-parts]
        [--out-dir benchmarks]

Both toy detectors are trained first (the toy configs, about 3 minutes each
on 2 cores) unless --checkpoints gives them. Each INT8 file keeps fp32 the
parts a sensitivity search chose for its runtime within --max-drop (about
50 minutes per detector on 2 cores, most of it lowering ExecuTorch
candidates), or the default parts with --default-parts. See
mnx_det.analysis.benchmarks.deploy for what is timed. Writes
benchmarks/deploy_cpu.md, and the measured INT8 parts per detector and
runtime to benchmarks/deploy_int8_parts.json (benchmark_int8.py's
--fp32-parts-from).
"""
import argparse
import json
import tempfile
from pathlib import Path

import torch

from mnx_det.analysis.benchmarks.deploy import run
from mnx_det.analysis.report import FAMILIES, write_report
from mnx_det.analysis.timing import keep_freed_memory
from mnx_det.apis import apply_process_fixes, positive_int, probability
from mnx_det.fileio import atomic_open

ROOT = Path(__file__).resolve().parents[2]
TOY_CONFIGS = {
    f: ROOT / f'configs/toy/ssdlite_{f.lower()}_toy.py'
    for f in FAMILIES
}


def main():
    apply_process_fixes()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=positive_int, default=20)
    parser.add_argument('--threads', type=positive_int, default=2)
    parser.add_argument('--checkpoints', nargs=2, metavar=('MNX', 'MV2'))
    int8 = parser.add_mutually_exclusive_group()
    int8.add_argument(
        '--max-drop',
        type=probability,
        default=0.01,
        help='the INT8 files\' mAP budget on the toy training images')
    int8.add_argument(
        '--default-parts',
        action='store_true',
        help='keep the default parts fp32 instead of measuring')
    parser.add_argument('--out-dir', default=str(ROOT / 'benchmarks'))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    # As benchmark.py: PyTorch's eager time without glibc's page faults
    # (ONNX Runtime has its own arena), the stricter baseline for ORT.
    kept = keep_freed_memory()
    with tempfile.TemporaryDirectory(prefix='deploy_bench_') as tmp:
        lines, choices = run(TOY_CONFIGS, tmp, args.repeats, args.threads,
                             kept, args.checkpoints,
                             None if args.default_parts else args.max_drop)
    write_report(lines, Path(args.out_dir) / 'deploy_cpu.md')
    if not args.default_parts:  # only measured parts are worth taking
        with atomic_open(Path(args.out_dir) / 'deploy_int8_parts.json') as f:
            json.dump(choices, f, indent=2)


if __name__ == '__main__':
    main()
