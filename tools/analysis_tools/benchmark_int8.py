"""The paper's quantization claim at toy scale: the INT8 mAP drop of
SSDLite-MobileNeXt vs SSDLite-MobileNetV2, paired by training seed, per
runtime (mnx_det.analysis.benchmarks.int8_claim).

    python tools/analysis_tools/benchmark_int8.py [--seeds 4] [--iters 100]
        [--demo-dir work_dirs/toy_comparison] [--out-dir benchmarks]
        [--fp32-parts-from benchmarks/deploy_int8_parts.json]

Takes the demo's checkpoints (tools/toy_comparison.py, same --seeds,
--iters and toy set) where they exist and trains the missing ones the same
way, with the portable kernels. --fp32-parts-from adds rows with the fp32
parts the deploy benchmark measured per backbone and runtime. Writes
benchmarks/int8_claim_cpu.md.
"""
import argparse
import sys
import tempfile
from pathlib import Path

from mnx_det.analysis.benchmarks import int8_claim
from mnx_det.analysis.report import FAMILIES, write_report
from mnx_det.analysis.toy_comparison import train_and_evaluate
from mnx_det.apis import (apply_process_fixes, positive_int,
                          use_portable_kernels)
from mnx_det.datasets import make_toy_voc
from mnx_det.errors import UserError

ROOT = Path(__file__).resolve().parents[2]


def checkpoint(family, seed, args, data_root):
    config = ROOT / f'configs/toy/ssdlite_{family.lower()}_toy.py'
    work_dir = Path(args.demo_dir) / f'{config.stem}_seed{seed}'
    path = work_dir / f'iter_{args.iters}.pth'
    if not path.exists():
        train_and_evaluate(f'SSDLite-{family}', config, data_root, work_dir,
                           seed, args.iters)
    return config, str(path)


def main():
    apply_process_fixes()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=positive_int, default=4)
    parser.add_argument('--iters', type=positive_int, default=100)
    parser.add_argument('--test-images', type=positive_int, default=200)
    parser.add_argument('--data', default='data/toy_voc')
    parser.add_argument('--demo-dir', default='work_dirs/toy_comparison')
    parser.add_argument('--out-dir', default=str(ROOT / 'benchmarks'))
    parser.add_argument(
        '--fp32-parts-from',
        metavar='JSON',
        help='benchmark_deploy.py\'s deploy_int8_parts.json: adds rows '
        'with the parts it measured')
    args = parser.parse_args()
    try:
        measured = (
            int8_claim.load_measured_parts(args.fp32_parts_from)
            if args.fp32_parts_from else None)
        lines = claim(args, measured)
    except UserError as exc:
        sys.exit(f'error: {exc}')
    write_report(lines, Path(args.out_dir) / 'int8_claim_cpu.md')


def claim(args, measured):
    """The report's lines."""
    use_portable_kernels()
    data_root = make_toy_voc(args.data, num_test=args.test_images)
    per_seed = {family: [] for family in FAMILIES}
    with tempfile.TemporaryDirectory(prefix='int8_claim_') as tmp:
        for seed in range(args.seeds):
            for family in FAMILIES:
                config, ckpt = checkpoint(family, seed, args, data_root)
                work_dir = Path(tmp) / f'{family}_{seed}'
                work_dir.mkdir()
                per_seed[family].append(
                    int8_claim.drops(config, ckpt, data_root, str(work_dir),
                                     measured[family] if measured else None))
                print(
                    f'{family}, seed {seed}: {per_seed[family][-1]}',
                    flush=True)
    setting = (f'Toy detectors of the demo ({args.iters} iterations, '
               f'{args.test_images} toy test images), '
               f'{int8_claim.CALIBRATION_IMAGES} calibration '
               'images, portable kernels.')
    return int8_claim.report(per_seed, list(range(args.seeds)), setting,
                             measured)


if __name__ == '__main__':
    main()
