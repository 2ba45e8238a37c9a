"""Training steps of the backbones and of the whole SSDLite detectors, in
the same interleaved rounds."""
import torch

from ..report import FAMILIES, ratio_rows
from ..timing import measure_spread
from .common import (backbone_train_step, build_ssdlite, by_family,
                     check_whole_vs_part, ssdlite_backbone, train_step)


def bench_training(setup):
    """Training steps of each backbone and its whole detector, in the same
    interleaved rounds."""
    x = torch.rand(setup.batch, 3, 320, 320, device=setup.device)
    cases = {}
    for family in FAMILIES:
        detector = build_ssdlite(setup, family).train()
        cases[('backbone', family)] = backbone_train_step(
            ssdlite_backbone(family).to(setup.device), x)
        cases[('detector', family)] = train_step(detector, setup.batch,
                                                 setup.device)
    timings = measure_spread(
        cases, max(3, setup.repeats // 3), warmup=1, device=setup.device)
    check_whole_vs_part(setup, timings, 'detector', 'backbone',
                        f'training step, batch {setup.batch}')
    lines = ratio_rows(
        {
            f'{what} training step, batch {setup.batch}': by_family(
                timings, what)
            for what in ('backbone', 'detector')
        }, 'SSDLite320 training')
    ips = {
        f: setup.batch * 1000 / timings[('detector', f)].median
        for f in FAMILIES
    }
    lines += [
        '', '| SSDLite320 training, images/s | MobileNeXt | MobileNetV2 |',
        '|---|---|---|', f"| batch {setup.batch} | {ips['MobileNeXt']:.1f} | "
        f"{ips['MobileNetV2']:.1f} |"
    ]
    return lines
