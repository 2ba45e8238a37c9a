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
import json
import time
from pathlib import Path

import cv2
import matplotlib
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mnx_det.analysis.bootstrap import (bootstrap_maps, interval, voc_map,
                                        voc_results)
from mnx_det.analysis.complexity import count
from mnx_det.analysis.timing import inference, measure
from mnx_det.datasets import make_toy_voc
from mnx_det.engine import set_data_root

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DETECTORS = {
    'SSDLite-MobileNeXt': 'configs/toy/ssdlite_mobilenext_toy.py',
    'SSDLite-MobileNetV2': 'configs/toy/ssdlite_mobilenetv2_toy.py',
}
# Box colours (RGB) that stand out from the toy objects' own colours.
COLOURS = [(255, 150, 0), (200, 0, 200), (0, 0, 0)]
SCALE = 3  # draw on enlarged images so that labels stay readable


def train_and_evaluate(name, config, data_root, work_dir, seed):
    print(f'\n=== {name}: training ({config}) ===', flush=True)
    cfg = Config.fromfile(str(ROOT / config))
    set_data_root(cfg, data_root)
    cfg.work_dir = str(work_dir)
    cfg.randomness = dict(seed=seed)
    # The visualizer is a named singleton: one per run, or the second run
    # would log into the first one's folder.
    cfg.visualizer.name = f'visualizer_{Path(config).stem}'
    runner = Runner.from_cfg(cfg)
    runner.train()
    print(f'=== {name}: evaluating ===', flush=True)
    metrics = runner.val()
    return runner, cfg, metrics


def latencies_ms(models, size, repeats=20):
    """Batch-1 latency of each model, timed in the same interleaved rounds
    (medians)."""
    x = torch.rand(1, 3, size, size)
    return measure({
        name: inference(m, x)
        for name, m in models.items()
    },
                   repeats,
                   warmup=3)


def predict(runner, num_images=None):
    """Predictions of the first test images (all by default), with their
    ground truth."""
    dataset = runner.val_dataloader.dataset
    model = runner.model.eval()
    out = []
    for index in range(num_images or len(dataset)):
        data = dataset[index]
        batch = model.data_preprocessor(
            dict(inputs=[data['inputs']], data_samples=[data['data_samples']]),
            False)
        with torch.no_grad():
            (result, ) = model(**batch, mode='predict')
        out.append(result)
    return out


def draw(image, boxes, labels, classes, scores=None):
    image = cv2.resize(
        image, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_NEAREST)
    for i, (box, label) in enumerate(zip(boxes, labels)):
        x0, y0, x1, y1 = (int(v * SCALE) for v in box)
        colour = COLOURS[int(label) % len(COLOURS)]
        cv2.rectangle(image, (x0, y0), (x1, y1), colour, 2)
        text = classes[int(label)]
        if scores is not None:
            text += f' {scores[i]:.2f}'
        cv2.putText(image, text,
                    (min(x0, image.shape[1] - 110), max(14, y0 - 4)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1, cv2.LINE_AA)
    return image


def detections_figure(predictions, classes, path, score_thr=0.3):
    names = list(predictions)
    num_images = len(predictions[names[0]])
    fig, axes = plt.subplots(
        num_images,
        len(names) + 1,
        figsize=(3 * (len(names) + 1), 3 * num_images))
    for row in range(num_images):
        first = predictions[names[0]][row]
        image = cv2.cvtColor(cv2.imread(first.img_path), cv2.COLOR_BGR2RGB)
        gt = first.gt_instances
        panels = [('ground truth',
                   draw(image, gt.bboxes.numpy(), gt.labels.numpy(), classes))]
        for name in names:
            pred = predictions[name][row].pred_instances
            keep = pred.scores >= score_thr
            panels.append((name,
                           draw(image, pred.bboxes[keep].numpy(),
                                pred.labels[keep].numpy(), classes,
                                pred.scores[keep].numpy())))
        for col, (title, panel) in enumerate(panels):
            axes[row, col].imshow(panel)
            axes[row, col].set_axis_off()
            if row == 0:
                axes[row, col].set_title(title, fontsize=9)
    fig.suptitle(f'toy VOC test images (detections with score >= '
                 f'{score_thr})')
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def training_curves(log_dirs, path):
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, log_dir in log_dirs.items():
        scalars = Path(log_dir) / 'vis_data' / 'scalars.json'
        rows = [json.loads(line) for line in scalars.read_text().splitlines()]
        rows = [r for r in rows if 'loss' in r]
        ax.plot([r['iter'] for r in rows], [r['loss'] for r in rows],
                label=name)
    ax.set_xlabel('iteration')
    ax.set_ylabel('training loss (cls + bbox)')
    ax.set_yscale('log')
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def comparison_table(rows, size, difference, num_images):
    lines = [
        f'| detector | VOC07 mAP (11-point), 95% interval | params | MAdds '
        f'({size}x{size}) | CPU latency, batch 1 ({size}x{size}) |',
        '|---|---|---|---|---|'
    ]
    for name, row in rows.items():
        low, high = row['interval']
        lines.append(f"| {name} | {row['mAP']:.3f} ({low:.3f}-{high:.3f}) | "
                     f"{row['params'] / 1e6:.2f}M | {row['madds'] / 1e9:.3f}G"
                     f" | {row['latency']:.1f} ms |")
    (first, a), (second, b) = rows.items()
    low, high = difference
    overlap = a['interval'][0] <= b['interval'][1] and \
        b['interval'][0] <= a['interval'][1]
    verdict = (f"the intervals {'overlap' if overlap else 'do not overlap'}"
               ', and the difference interval ' +
               ('holds 0: this toy run does not rank the two detectors'
                if low <= 0 <= high else 'excludes 0'))
    lines += [
        '', f'mAP intervals: 2.5th-97.5th percentiles over 200 bootstrap '
        f'resamplings of the {num_images} test images (one training seed). '
        f'{first} - {second}: {a["mAP"] - b["mAP"]:+.3f} '
        f'({low:+.3f} to {high:+.3f}, paired resamplings); {verdict}.'
    ]
    return '\n'.join(lines) + '\n'


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
                                                  out_dir / Path(config).stem,
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
