"""The pictures the tools write: detections beside the ground truth,
training curves, latency against MAdds."""
import json
from pathlib import Path

import cv2
import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from ..fileio import atomic_path  # noqa: E402

# Box colours (RGB) that stand out from the toy objects' own colours.
COLOURS = [(255, 150, 0), (200, 0, 200), (0, 0, 0)]
SCALE = 3  # draw on enlarged images so that labels stay readable


def draw(image, boxes, labels, classes, scores=None):
    """``image`` (RGB) enlarged by :data:`SCALE`, with each box and its
    class name (and score, if given)."""
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
    """A PNG at ``path``: one row per image, the ground truth and then
    each detector's detections scoring at least ``score_thr``.

    Args:
        predictions (dict[str, list[DetDataSample]]): Detector name -> its
            predictions of the same images (with ``gt_instances``).
        classes (Sequence[str]): Label names.
        path (str): The PNG, written whole or not at all.
        score_thr (float): The lowest score drawn.
    """
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
    save_figure(fig, path)


def _losses(log_dir):
    scalars = Path(log_dir) / 'vis_data' / 'scalars.json'
    rows = [json.loads(line) for line in scalars.read_text().splitlines()]
    rows = [r for r in rows if 'loss' in r]
    return [r['iter'] for r in rows], [r['loss'] for r in rows]


def training_curves(log_dirs, path):
    """The training loss of every run, thin, and each detector's mean over
    its runs, bold; ``log_dirs``: detector name -> its runs' log folders
    (runs of one detector log at the same iterations)."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for colour, (name, dirs) in zip(('tab:blue', 'tab:orange', 'tab:green'),
                                    log_dirs.items()):
        curves = [_losses(d) for d in dirs]
        for iters, losses in curves:
            ax.plot(iters, losses, color=colour, linewidth=0.6, alpha=0.5)
        iters = curves[0][0]
        mean = [
            sum(c[1][i] for c in curves) / len(curves)
            for i in range(len(iters))
        ]
        ax.plot(
            iters,
            mean,
            color=colour,
            linewidth=2.2,
            label=f'{name} (mean of {len(curves)})')
    ax.set_xlabel('iteration')
    ax.set_ylabel('training loss (cls + bbox)')
    ax.set_yscale('log')
    ax.grid(alpha=0.3)
    ax.legend()
    save_figure(fig, path)


def latency_vs_madds(madds, times, widths, device, png):
    """One line per family through its widths: (family, width) -> MAdds
    and -> latency (ms)."""
    fig, ax = plt.subplots(figsize=(6, 4))
    families = dict.fromkeys(family for family, _ in times)
    for family in families:
        keys = [(family, w) for w in widths]
        ax.plot([madds[k] / 1e6 for k in keys], [times[k] for k in keys],
                'o-',
                label=family)
        for k in keys:
            ax.annotate(f'{k[1]}', (madds[k] / 1e6, times[k]), fontsize=7)
    ax.set_xlabel('MAdds (M), 224x224, 1000 classes')
    ax.set_ylabel(f'latency, batch 1 (ms, {device})')
    ax.grid(alpha=0.3)
    ax.legend()
    save_figure(fig, png)


def save_figure(fig, path):
    """Lay out ``fig``, write it to ``path`` whole or not at all, and free
    it."""
    fig.tight_layout()
    with atomic_path(path) as partial:
        fig.savefig(partial, dpi=100)
    plt.close(fig)
