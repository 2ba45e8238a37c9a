"""The main job's comparison: both toy detectors trained from scratch with
the same seeds, evaluated, and compared seed by seed (``tools/
toy_comparison.py``, ``make demo``)."""
from pathlib import Path

import torch
from mmengine.runner import Runner

from ..apis import toy_run_config
from .complexity import count


def train_and_evaluate(name, config, data_root, work_dir, seed, max_iters):
    """Train a toy config (its workers, no validation during training)
    with ``seed`` for ``max_iters``; (runner, VOC07 mAP)."""
    print(
        f'\n=== {name}, seed {seed}: training ({Path(config).name}) ===',
        flush=True)
    cfg = toy_run_config(
        config,
        data_root,
        work_dir,
        seed=seed,
        in_process=False,
        max_iters=max_iters)
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner, runner.val()['pascal_voc/mAP']


def complexity(runner):
    """(parameters, MAdds) of a runner's detector at its input size."""
    size = runner.cfg.input_size
    return count(runner.model.eval(), (torch.rand(1, 3, size, size), ))


def predict(runner, num_images):
    """Predictions of the first test images, with their ground truth."""
    dataset = runner.val_dataloader.dataset
    model = runner.model.eval()
    out = []
    for index in range(num_images):
        data = dataset[index]
        batch = model.data_preprocessor(
            dict(inputs=[data['inputs']], data_samples=[data['data_samples']]),
            False)
        with torch.no_grad():
            (result, ) = model(**batch, mode='predict')
        out.append(result)
    return out


def comparison_report(comparison, seeds, complexities, setting):
    """The markdown of ``comparison.md``.

    Args:
        comparison (SeedComparison): The two detectors' per-seed mAPs.
        seeds (list[int]): The seeds, in the order of the mAPs.
        complexities (dict): Name -> (parameters, MAdds).
        setting (str): What was trained, for the header.
    """
    size = setting['input_size']
    lines = [
        '# SSDLite on the toy VOC set, trained from scratch', '',
        f"{setting['iters']} iterations at batch {setting['batch']}, "
        f"{size}x{size} input, {setting['test_images']} test images, "
        f'seeds {seeds[0]}-{seeds[-1]}. {setting["kernels"]}', '',
        f'| detector | VOC07 mAP (11-point), mean over {len(seeds)} seeds | '
        f'min-max | params | MAdds ({size}x{size}) |', '|---|---|---|---|---|'
    ]
    for name, maps in comparison.maps.items():
        params, madds = complexities[name]
        lines.append(f'| {name} | {sum(maps) / len(maps):.3f} | '
                     f'{min(maps):.3f}-{max(maps):.3f} | {params / 1e6:.2f}M '
                     f'| {madds / 1e9:.3f}G |')
    first, second = comparison.names
    lines += [
        '', f'| seed | {first} | {second} | difference |', '|---|---|---|---|'
    ]
    for i, seed in enumerate(seeds):
        lines.append(f'| {seed} | {comparison.maps[first][i]:.3f} | '
                     f'{comparison.maps[second][i]:.3f} | '
                     f'{comparison.differences[i]:+.3f} |')
    low, high = comparison.interval
    lines += [
        '', f'{first} - {second}: {comparison.mean_difference:+.3f} on '
        f'average, {comparison.level:.0%} interval {low:+.3f} to {high:+.3f} '
        f'(Student t over the {len(seeds)} paired seeds). Verdict: '
        f'{comparison.verdict}.'
    ]
    return '\n'.join(lines) + '\n'
