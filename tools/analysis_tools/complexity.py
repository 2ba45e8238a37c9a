"""Parameters and MAdds of a detector and its backbone, or (``--paper``)
MobileNeXt vs MobileNetV2 beside the paper's tables.

    python tools/analysis_tools/complexity.py CONFIG
    python tools/analysis_tools/complexity.py CONFIG --shape 300 300
    python tools/analysis_tools/complexity.py --paper  # writes benchmarks/
"""
import argparse
from pathlib import Path

from mmdet.registry import MODELS
from mmdet.utils import register_all_modules
from mmengine.config import Config

from mnx_det.analysis.complexity import (PAPER_IMAGENET, PAPER_VOC, WIDTHS,
                                         count, detector_complexity,
                                         imagenet_classifier)

ROOT = Path(__file__).resolve().parents[2]
SSDLITE_CONFIGS = {
    'SSDLite320-MobileNeXt': 'configs/ssdlite_mobilenext_voc.py',
    'SSDLite320-MobileNetV2': 'configs/ssdlite_mobilenetv2_voc.py',
}
NOTES = """Notes on the differences:
- MAdds are mmengine's counts (one multiply-add = 1) of convolutions and
  linear layers, as the paper counts; BN, activations and additions are
  left out.
- MobileNeXt: the "paper" figures at 1.4, 0.75, 0.5 and 0.35 are the
  official code's and match to rounding. At 1.0 the paper's table says
  3.4M / 300M, below the official model's 3,535,416 parameters (from its
  training log) and 311M MAdds, which is what is built here.
- MobileNetV2 is mmdet's backbone with a 1000-way linear head, i.e.
  torchvision's mobilenet_v2 (3,504,872 parameters at 1.0).
- SSDLite320: the paper's 4.3M parameters and 0.8B MAdds are COCO figures
  (81 classes): SSDLite-MobileNetV2 has 4.32M there, SSDLite-MobileNeXt
  4.56M (its 576-channel first level makes the head bigger), so the
  paper's 4.3M matches the MobileNetV2 detector only; their MAdds are
  0.75G and 0.84G. With VOC's 21 classes the detectors have 3.48M and
  3.43M parameters.
"""


def build_detector(config, num_classes=None):
    cfg = Config.fromfile(str(ROOT / config))
    cfg.model.backbone.init_cfg = None
    if num_classes is not None:
        cfg.model.bbox_head.num_classes = num_classes
    return MODELS.build(cfg.model), cfg


def fmt(value, unit):
    scale = dict(M=1e6, G=1e9)[unit]
    return '-' if value is None else f'{value / scale:.3f}{unit}'


def imagenet_table():
    lines = [
        '## ImageNet networks (224x224, 1000 classes)', '',
        '| width | family | params | paper params | MAdds | paper MAdds |'
        ' paper top-1 |', '|---|---|---|---|---|---|---|'
    ]
    import torch
    x = torch.rand(1, 3, 224, 224)
    for width in WIDTHS:
        for family in ('MobileNeXt', 'MobileNetV2'):
            params, madds = count(imagenet_classifier(family, width), (x, ))
            p_params, p_madds, top1 = PAPER_IMAGENET[family][width]
            lines.append(
                f'| {width} | {family} | {params:,} | {fmt(p_params, "M")} '
                f'| {fmt(madds, "M")} | {fmt(p_madds, "M")} | {top1} |')
    return lines


def voc_table():
    lines = [
        '', '## SSDLite320 detectors', '',
        '| detector | classes | params | backbone params | MAdds |'
        ' paper params | paper MAdds | paper VOC07 mAP |',
        '|---|---|---|---|---|---|---|---|'
    ]
    for name, config in SSDLITE_CONFIGS.items():
        for classes in (20, 80):
            model, cfg = build_detector(config, classes)
            counts = detector_complexity(model, (320, 320))
            params, madds = counts['detector']
            paper = PAPER_VOC[name] if classes == 20 else (None, None, None)
            lines.append(f'| {name} | {classes + 1} | {params:,} | '
                         f"{counts['backbone'][0]:,} | {fmt(madds, 'G')} | "
                         f'{fmt(paper[0], "M")} | {fmt(paper[1], "G")} | '
                         f'{paper[2] or "-"} |')
    return lines


def config_table(config, shape):
    model, _ = build_detector(config)
    counts = detector_complexity(model, shape)
    lines = [
        f'{config} at {shape[0]}x{shape[1]}:', '', '| part | params | MAdds |',
        '|---|---|---|'
    ]
    for part, (params, madds) in counts.items():
        lines.append(f'| {part} | {params:,} | {fmt(madds, "G")} |')
    return lines


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', nargs='?', help='detector config')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=None,
        metavar=('H', 'W'),
        help='input size (default: the config\'s input_size, or 320)')
    parser.add_argument(
        '--paper',
        action='store_true',
        help='compare both families with the paper and write '
        'benchmarks/complexity.md')
    parser.add_argument('--out-dir', default='benchmarks')
    args = parser.parse_args()
    if not args.paper and not args.config:
        parser.error('give a CONFIG or --paper')
    return args


def main():
    args = parse_args()
    register_all_modules()
    if args.config:
        shape = args.shape or (Config.fromfile(args.config).get(
            'input_size', 320), ) * 2
        print('\n'.join(config_table(args.config, shape)))
    if args.paper:
        text = '\n'.join(['# Complexity vs the paper', ''] + imagenet_table() +
                         voc_table() + ['', NOTES])
        print(text)
        out = Path(args.out_dir) / 'complexity.md'
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
        print(f'written to {out}')


if __name__ == '__main__':
    main()
