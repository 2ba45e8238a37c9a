"""Backbones and whole SSDLite detectors, without and with
post-processing, eager, BN fused and channels_last, timed in the same
interleaved rounds (and MobileNeXt against the official layout)."""
import torch

from ..official_mobilenext import OfficialMobileNeXt
from ..report import FAMILIES, ratio_rows
from ..timing import inference, measure_spread, variants
from .common import (build_ssdlite, by_family, check_whole_vs_part,
                     det_samples, mmcv_ops_available, repeats_for,
                     ssdlite_backbone)


def inference_cases(models, x, kind, samples, with_nms):
    """Backbone, detector and (where NMS runs) detector with
    post-processing of each family, in one dict to time together."""
    cl = kind == 'channels_last'
    cases = {}
    for family, (backbone, detector) in models.items():
        backbone = variants(backbone, (kind, ))[kind]
        detector = variants(detector, (kind, ))[kind]
        cases[('backbone', family)] = inference(backbone, x, cl)
        cases[('detector', family)] = inference(detector, x, cl)
        if with_nms:
            cases[('detector with NMS', family)] = inference(
                detector, x, cl, data_samples=samples, mode='predict')
    return cases


def bench_inference(setup):
    """Backbones and whole detectors timed in the same interleaved rounds,
    so that every row compares like with like."""
    models = {
        f: (ssdlite_backbone(f).to(setup.device), build_ssdlite(setup, f))
        for f in FAMILIES
    }
    official = OfficialMobileNeXt().features.to(setup.device).eval()
    with_nms = mmcv_ops_available(setup.device)
    tables = {'backbone': {}, 'detector': {}, 'detector with NMS': {}}
    vs_official = {}
    # An untrained detector scores every (prior, class) pair above the
    # official 0.01, so its NMS is the worst case: quick runs time it once.
    batches = (1, ) if setup.quick else (1, setup.batch)
    kinds = ('eager', ) if setup.quick else ('eager', 'BN fused',
                                             'channels_last')
    for batch in batches:
        x = torch.rand(batch, 3, setup.size, setup.size, device=setup.device)
        samples = det_samples(batch, setup.size)
        for kind in kinds:
            cases = inference_cases(models, x, kind, samples, with_nms)
            if kind == 'eager':
                cases[('official', 'MobileNeXt')] = inference(official, x)
            timings = measure_spread(
                cases, repeats_for(setup, batch), device=setup.device)
            setting = f'{kind}, batch {batch}'
            check_whole_vs_part(setup, timings, 'detector', 'backbone',
                                setting)
            for what in tables:
                if (what, FAMILIES[0]) in timings:
                    tables[what][setting] = by_family(timings, what)
            if kind == 'eager':
                vs_official[f'batch {batch}'] = (timings[('backbone',
                                                          'MobileNeXt')],
                                                 timings[('official',
                                                          'MobileNeXt')])
    size = f'{setup.size}x{setup.size}'
    lines = ratio_rows(tables['backbone'], f'backbone, {size}') + ['']
    lines += ratio_rows(tables['detector'],
                        f'SSDLite detector, no post-processing, {size}')
    if with_nms:
        lines += [''] + ratio_rows(tables['detector with NMS'],
                                   f'SSDLite detector with NMS, {size}')
        lines += [
            '', 'The detectors are untrained: every (prior, class) pair '
            'scores above the official 0.01 and enters NMS, the worst '
            'case of the official post-processing; a trained detector '
            'passes far fewer.'
        ]
    else:
        lines.append('\n(mmcv ops are not compiled for this device: '
                     'post-processing was not timed.)')
    lines += [
        '', '| MobileNeXt vs the official layout (eager) | ours, ms |'
        ' official, ms | ratio |', '|---|---|---|---|'
    ]
    for setting, (ours, theirs) in vs_official.items():
        lines.append(f'| {setting} | {ours} | {theirs} | '
                     f'{ours.median / theirs.median:.2f} |')
    return lines
