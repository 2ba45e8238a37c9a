"""The complexity tables of ``benchmarks/complexity.md``: MobileNeXt and
MobileNetV2 counted here beside the paper's and the official code's
figures, and the counts of any detector config."""
import torch

from ..apis import build_detector
from .complexity import (OFFICIAL_COCO, OFFICIAL_OTHER_NETWORKS,
                         PAPER_IMAGENET, PAPER_VOC, WIDTHS, count,
                         detector_complexity, imagenet_classifier)

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
  (81 outputs per prior): the COCO configs reproduce the official COCO
  models' counts exactly (4,539,418 and 4,304,138; the 1x1 level has 4
  priors there). The paper's 4.3M matches the MobileNetV2 detector only;
  MobileNeXt's 576-channel first level makes its head bigger. With VOC's
  21 classes the detectors have 3.48M and 3.43M parameters.
- Results: VOC07 11-point mAP from the paper, COCO val2017 AP from the
  official README.
- The paper's other networks: the official counts are those of the
  official classification code's models, built from it (its mnext_s and
  mnext_l carry a BatchNorm(1280) that their forward never uses: 2,560 of
  their parameters, not built here); MAdds of mnext_l at its 240x240 and
  at 224. Top-1: the official repository's logs (76.06, 76.59),
  EfficientNet-b0's paper (5.3M, 0.39B, 76.3), MobileNeXt's paper for the
  ablation (73.0; no official model: see MobileNetV2ExtraDepthwise).
"""


def fmt(value, unit):
    """'1.234M' style, '-' for None."""
    scale = dict(M=1e6, G=1e9)[unit]
    return '-' if value is None else f'{value / scale:.3f}{unit}'


def imagenet_table():
    """Both families at every width beside the paper's table."""
    lines = [
        '## ImageNet networks (224x224, 1000 classes)', '',
        '| width | family | params | paper params | MAdds | paper MAdds |'
        ' paper top-1 |', '|---|---|---|---|---|---|---|'
    ]
    x = torch.rand(1, 3, 224, 224)
    for width in WIDTHS:
        for family in ('MobileNeXt', 'MobileNetV2'):
            params, madds = count(imagenet_classifier(family, width), (x, ))
            p_params, p_madds, top1 = PAPER_IMAGENET[family][width]
            lines.append(
                f'| {width} | {family} | {params:,} | {fmt(p_params, "M")} '
                f'| {fmt(madds, "M")} | {fmt(p_madds, "M")} | {top1} |')
    return lines


def other_networks_table():
    """The EfficientNet-style MobileNeXt and the MobileNetV2 + extra
    depthwise ablation beside the official or published figures, with
    MobileNeXt and MobileNetV2 at 1.0 for scale."""
    lines = [
        '', '## The paper\'s other networks (1000 classes)', '',
        '| network | input | params | official params | MAdds |'
        ' official MAdds | top-1 |', '|---|---|---|---|---|---|---|'
    ]
    rows = [
        ('EfficientMobileNeXt b0', 'EfficientMobileNeXt b0 (mnext_s)', 224),
        ('EfficientMobileNeXt b1', 'EfficientMobileNeXt b1 (mnext_l)', 240),
        ('EfficientMobileNeXt b1', None, 224),
        (None, 'EfficientNet-b0 (its paper)', 224),
        ('MobileNetV2ExtraDepthwise', 'MobileNetV2 + extra depthwise (paper)',
         224), ('MobileNeXt', None, 224), ('MobileNetV2', None, 224)
    ]
    for family, official, side in rows:
        _, o_params, o_madds, top1 = OFFICIAL_OTHER_NETWORKS.get(
            official, (side, None, None, None))
        params, madds = (None, None) if family is None else count(
            imagenet_classifier(family), (torch.rand(1, 3, side, side), ))
        name = official or family
        o_params = f'{o_params:,}' if isinstance(o_params, int) else fmt(
            o_params, 'M')
        lines.append(f'| {name} | {side} | '
                     f'{"-" if params is None else f"{params:,}"} | '
                     f'{o_params} | {fmt(madds, "M")} | {fmt(o_madds, "M")} '
                     f'| {top1 or "-"} |')
    return lines


def detector_table(configs):
    """The SSDLite rows; ``configs``: (name, dataset) -> config file."""
    lines = [
        '', '## SSDLite320 detectors', '',
        '| detector | dataset | class outputs | params | backbone params |'
        ' MAdds | official params | paper params | paper MAdds | result |',
        '|---|---|---|---|---|---|---|---|---|---|'
    ]
    for (name, dataset), config in configs.items():
        model = build_detector(str(config))
        counts = detector_complexity(model, (320, 320))
        params, madds = counts['detector']
        paper_params, paper_madds, voc_map = PAPER_VOC.get(
            name, (None, None, '-'))
        official_params, coco_ap = OFFICIAL_COCO.get(name, (None, '-'))
        official = f'{official_params:,}' if official_params and \
            dataset == 'COCO' else '-'
        result = (f'{coco_ap} AP' if dataset == 'COCO' else f'{voc_map} mAP')
        result = '-' if result.startswith('-') else result
        outputs = model.bbox_head.num_classes + 1
        lines.append(f'| {name} | {dataset} | {outputs} | {params:,} | '
                     f'{counts["backbone"][0]:,} | '
                     f'{fmt(madds, "G")} | {official} | '
                     f'{fmt(paper_params, "M")} | {fmt(paper_madds, "G")} | '
                     f'{result} |')
    return lines


def config_table(config, shape):
    """Parameters and MAdds of a config's detector and backbone."""
    model = build_detector(str(config))
    counts = detector_complexity(model, shape)
    lines = [
        f'{config} at {shape[0]}x{shape[1]}:', '', '| part | params | MAdds |',
        '|---|---|---|'
    ]
    for part, (params, madds) in counts.items():
        lines.append(f'| {part} | {params:,} | {fmt(madds, "G")} |')
    return lines
