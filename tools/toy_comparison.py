"""The main job: SSDLite-MobileNeXt vs SSDLite-MobileNetV2 on the toy VOC set.

    python tools/toy_comparison.py [--seeds 4] [--iters 100]
        [--out-dir work_dirs/toy_comparison]

Generates the toy set (data/toy_voc), trains both detectors from scratch
with their toy configs once per seed (each seed trains both), evaluates
them with the VOC07 11-point mAP, and writes to the output folder:

- ``comparison.md``: mean mAP and its range over the seeds, the per-seed
  paired differences, a t-interval of their mean and the verdict that
  follows from it (mnx_det.analysis.seeds), parameters and MAdds;
- ``detections.png``: ground truth and both detectors' boxes (first seed);
- ``training_curves.png``: the training loss of every run, and the mean.

It runs with the portable kernels (mnx_det.apis.portable_kernels: every
kernel library capped at AVX2, 2 threads), so ``comparison.md`` is the same
byte for byte on every x86-64 CPU with AVX2, for the pinned versions;
``MNX_DET_NATIVE_KERNELS=1`` runs the CPU's fastest kernels instead, whose
numbers differ from machine to machine.
"""
import argparse
from pathlib import Path

from mnx_det.analysis.figures import detections_figure, training_curves
from mnx_det.analysis.report import FAMILIES, cpu_description
from mnx_det.analysis.seeds import compare_seeds
from mnx_det.analysis.toy_comparison import (comparison_report, complexity,
                                             predict, train_and_evaluate)
from mnx_det.apis import (apply_process_fixes, portable_kernels_active,
                          positive_int, use_portable_kernels)
from mnx_det.datasets import make_toy_voc
from mnx_det.fileio import atomic_open

ROOT = Path(__file__).resolve().parents[1]
DETECTORS = {
    f'SSDLite-{f}': ROOT / f'configs/toy/ssdlite_{f.lower()}_toy.py'
    for f in FAMILIES
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out-dir', default='work_dirs/toy_comparison')
    parser.add_argument('--data', default='data/toy_voc')
    parser.add_argument(
        '--seeds',
        type=positive_int,
        default=4,
        help='training seeds (0..N-1); each trains both detectors')
    parser.add_argument(
        '--iters',
        type=positive_int,
        default=100,
        help='iterations per run (the toy schedule rescaled to it)')
    parser.add_argument(
        '--test-images',
        type=positive_int,
        default=200,
        help='toy test images: evaluation is cheap next to training')
    parser.add_argument(
        '--images',
        type=positive_int,
        default=4,
        help='test images in detections.png')
    return parser.parse_args()


def run_all(args, data_root, out_dir):
    """Train and evaluate every (seed, detector): mAPs, log folders, and the
    first seed's complexities, predictions and batch size."""
    maps = {name: [] for name in DETECTORS}
    log_dirs = {name: [] for name in DETECTORS}
    complexities, predictions = {}, {}
    for seed in range(args.seeds):
        for name, config in DETECTORS.items():
            runner, mean_ap = train_and_evaluate(
                name, config, data_root, out_dir / f'{config.stem}_seed{seed}',
                seed, args.iters)
            maps[name].append(mean_ap)
            log_dirs[name].append(runner.log_dir)
            if seed == 0:
                complexities[name] = complexity(runner)
                predictions[name] = predict(runner, args.images)
                setting = dict(
                    input_size=runner.cfg.input_size,
                    batch=runner.cfg.train_dataloader.batch_size,
                    classes=runner.val_dataloader.dataset.metainfo['classes'])
    return maps, log_dirs, complexities, predictions, setting


def kernels():
    """Which CPUs give the report's numbers."""
    if portable_kernels_active():
        return ('Portable CPU kernels: every x86-64 CPU with AVX2 gives '
                'these numbers.')
    return (f'Native CPU kernels of {cpu_description()}: other CPUs give '
            'other numbers.')


def main():
    apply_process_fixes()
    args = parse_args()
    use_portable_kernels()
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f'generating the toy VOC set in {args.data} ...', flush=True)
    data_root = make_toy_voc(args.data, num_test=args.test_images)
    maps, log_dirs, complexities, predictions, setting = run_all(
        args, data_root, out_dir)
    setting.update(
        iters=args.iters, test_images=args.test_images, kernels=kernels())
    report = comparison_report(
        compare_seeds(maps), list(range(args.seeds)), complexities, setting)
    with atomic_open(out_dir / 'comparison.md') as f:
        f.write(report)
    detections_figure(predictions, setting['classes'],
                      out_dir / 'detections.png')
    training_curves(log_dirs, out_dir / 'training_curves.png')
    print('\n' + report)
    print(f'written to {out_dir}/: comparison.md, detections.png, '
          'training_curves.png')


if __name__ == '__main__':
    main()
