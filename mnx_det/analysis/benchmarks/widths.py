"""ImageNet networks: the identity tensor multiplier sweep and latency vs
MAdds at every width (PNG chart)."""
import torch

from ...models import MobileNeXt
from ..complexity import WIDTHS, count, imagenet_classifier
from ..figures import latency_vs_madds
from ..report import FAMILIES
from ..timing import inference, measure

# ImageNet top-1 by identity multiplier 1 / div: the paper reports alpha =
# 1/2 (no drop) and 1/6 (-0.34%); the official READMEs add 73.91 under a
# garbled alpha (probably 1/3); nobody reports 1/4.
PAPER_ALPHA_TOP1 = {
    1: '74.02',
    2: '74.09',
    3: '73.91 (README, alpha unclear)',
    4: '-',
    6: '73.68'
}


def bench_identity_ratio(setup):
    x = torch.rand(setup.batch, 3, 224, 224, device=setup.device)
    cases = {
        div:
        inference(
            MobileNeXt(identity_ratio=1 / div).to(setup.device).eval(), x)
        for div in PAPER_ALPHA_TOP1
    }
    times = measure(cases, setup.repeats, device=setup.device)
    lines = [
        f'| identity multiplier alpha (batch {setup.batch}, 224x224) | ms |'
        ' latency / alpha=1 | paper top-1 |', '|---|---|---|---|'
    ]
    for div, ms in times.items():
        lines.append(f'| 1/{div} | {ms:.2f} | {ms / times[1]:.3f} | '
                     f'{PAPER_ALPHA_TOP1[div]} |')
    return lines


def bench_widths(setup, png):
    x = torch.rand(1, 3, 224, 224, device=setup.device)
    models, madds = {}, {}
    for family in FAMILIES:
        for width in WIDTHS:
            model = imagenet_classifier(family, width)
            madds[(family, width)] = count(model, (x.cpu(), ))[1]
            models[(family, width)] = model.to(setup.device)
    times = measure({
        k: inference(m, x)
        for k, m in models.items()
    },
                    setup.repeats,
                    device=setup.device)
    latency_vs_madds(madds, times, WIDTHS, setup.device, png)
    lines = ['| width | family | MAdds | latency (ms) |', '|---|---|---|---|']
    for (family, width), ms in times.items():
        lines.append(f'| {width} | {family} | '
                     f'{madds[(family, width)] / 1e6:.0f}M | {ms:.2f} |')
    return lines
