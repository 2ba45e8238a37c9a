"""The main job's comparison: toy detectors trained and evaluated, their
detections, mAP with bootstrap intervals, size and latency side by side
(``tools/toy_comparison.py``, ``make demo``)."""
from pathlib import Path

import torch
from mmengine.runner import Runner

from ..apis import toy_run_config
from .timing import inference, measure


def train_and_evaluate(name, config, data_root, work_dir, seed):
    """Train a toy config as it is (workers, validation, checkpoints) with
    ``seed``; (runner, config, validation metrics)."""
    print(f'\n=== {name}: training ({Path(config).name}) ===', flush=True)
    cfg = toy_run_config(
        config,
        data_root,
        work_dir,
        seed=seed,
        in_process=False,
        final_checkpoint_only=False)
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


def comparison_table(rows, size, difference, num_images):
    """The markdown table and verdict of ``comparison.md``."""
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
