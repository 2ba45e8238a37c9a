"""The main job: SSDLite-MobileNeXt vs SSDLite-MobileNetV2 on the toy VOC set.

    python tools/toy_comparison.py [--out-dir work_dirs/toy_comparison]

Generates the toy set (data/toy_voc), trains both detectors from scratch
with their toy configs, evaluates them with the VOC07 11-point mAP, and
writes to the output folder:

- ``comparison.md``: mAP with a 95% bootstrap interval over the test
  images (and one for the difference of the two), parameters, MAdds and CPU
  latency side by side;
- ``detections.png``: ground truth and both detectors' boxes on test images;
- ``training_curves.png``: the training losses of both runs.
"""
import argparse
import time
from pathlib import Path

import torch

from mnx_det.analysis.bootstrap import (bootstrap_maps, interval, voc_map,
                                        voc_results)
from mnx_det.analysis.complexity import count
from mnx_det.analysis.figures import detections_figure, training_curves
from mnx_det.analysis.report import FAMILIES
from mnx_det.analysis.toy_comparison import (comparison_table, latencies_ms,
                                             predict, train_and_evaluate)
from mnx_det.datasets import make_toy_voc

ROOT = Path(__file__).resolve().parents[1]
DETECTORS = {
    f'SSDLite-{f}': ROOT / f'configs/toy/ssdlite_{f.lower()}_toy.py'
    for f in FAMILIES
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out-dir', default='work_dirs/toy_comparison')
    parser.add_argument('--data', default='data/toy_voc')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--test-images',
        type=int,
        default=400,
        help='toy test images: evaluation is cheap next to training, and '
        'more images narrow the mAP intervals')
    parser.add_argument(
        '--images', type=int, default=4, help='test images in detections.png')
    return parser.parse_args()


def main():
    args = parse_args()
    start = time.time()
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f'generating the toy VOC set in {args.data} ...', flush=True)
    data_root = make_toy_voc(args.data, num_test=args.test_images)
    rows, predictions, log_dirs, results, models = {}, {}, {}, {}, {}
    for name, config in DETECTORS.items():
        runner, cfg, metrics = train_and_evaluate(name, config, data_root,
                                                  out_dir / config.stem,
                                                  args.seed)
        log_dirs[name] = runner.log_dir
        size = cfg.input_size
        models[name] = model = runner.model.eval()
        params, madds = count(model, (torch.rand(1, 3, size, size), ))
        classes = runner.val_dataloader.dataset.metainfo['classes']
        samples = predict(runner)
        results[name] = voc_results(samples, classes)
        # the same number VOCMetric printed for the run
        assert abs(
            voc_map(results[name], classes) - metrics['pascal_voc/mAP']) < 1e-3
        rows[name] = dict(
            mAP=metrics['pascal_voc/mAP'], params=params, madds=madds)
        predictions[name] = samples[:args.images]
    print('bootstrapping the mAP over the test images ...', flush=True)
    maps = bootstrap_maps(results, classes)
    for name, row in rows.items():
        row['interval'] = interval(maps[name])
    first, second = DETECTORS
    difference = interval(maps[first] - maps[second])
    for name, ms in latencies_ms(models, size).items():
        rows[name]['latency'] = ms
    table = comparison_table(rows, size, difference, args.test_images)
    (out_dir / 'comparison.md'
     ).write_text('# SSDLite on the toy VOC set, trained from scratch\n\n' +
                  table)
    detections_figure(predictions, classes, out_dir / 'detections.png')
    training_curves(log_dirs, out_dir / 'training_curves.png')
    print('\n' + table)
    print(f'written to {out_dir}/: comparison.md, detections.png, '
          f'training_curves.png ({time.time() - start:.0f} s in all)')


if __name__ == '__main__':
    main()
