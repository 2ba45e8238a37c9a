"""The paper's other networks beside MobileNeXt and MobileNetV2: ImageNet
classifiers at 224x224 and SSDLite detectors (no post-processing) at the
setup's size, eager, batch 1 and N, every network timed in the same
interleaved rounds; ratios to MobileNeXt's medians."""
import torch

from ..complexity import imagenet_classifier
from ..timing import inference, measure_spread
from .common import build_ssdlite, repeats_for

NETWORKS = ('MobileNeXt', 'MobileNetV2', 'EfficientMobileNeXt b0',
            'EfficientMobileNeXt b1', 'MobileNetV2ExtraDepthwise')


def bench_other_networks(setup):
    """The table's lines; ``setup.configs`` names each network's SSDLite
    config."""
    models = {
        name: (imagenet_classifier(name).to(setup.device),
               build_ssdlite(setup, name).eval())
        for name in NETWORKS
    }
    columns, rows = [], {name: [] for name in NETWORKS}
    for batch in (1, setup.batch):
        x224 = torch.rand(batch, 3, 224, 224, device=setup.device)
        x = torch.rand(batch, 3, setup.size, setup.size, device=setup.device)
        cases = {}
        for name, (classifier, detector) in models.items():
            cases[('classifier', name)] = inference(classifier, x224)
            cases[('detector', name)] = inference(detector, x)
        timings = measure_spread(
            cases, repeats_for(setup, batch), device=setup.device)
        for what, side in (('classifier', 224), ('detector', setup.size)):
            columns.append(f'{what} {side}, batch {batch}')
            base = timings[(what, 'MobileNeXt')].median
            for name in NETWORKS:
                timing = timings[(what, name)]
                rows[name].append(f'{timing} ({timing.median / base:.2f})')
    lines = [
        '| network | ' + ' | '.join(f'{c}, ms (/ MobileNeXt)'
                                    for c in columns) + ' |',
        '|---|' + '---|' * len(columns)
    ]
    return lines + [
        f'| {n} | ' + ' | '.join(r) + ' |' for n, r in rows.items()
    ]
