"""What the speed benchmarks share: the setup, the SSDLite backbones and
detectors of both families, synthetic batches and training steps, and the
guard against self-contradicting tables."""
import copy
from dataclasses import dataclass, field

import torch
from mmdet.models.backbones import MobileNetV2
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

from ...apis import build_detector
from ...models import MobileNeXt
from ..report import FAMILIES


@dataclass
class SpeedSetup:
    """What a speed benchmark runs.

    Args:
        configs (dict): Family -> its SSDLite config file.
        device (str): Where the models run. Default: 'cpu'.
        size (int): Input side. Default: 320.
        batch (int): The larger batch. Default: 8.
        repeats (int): Interleaved rounds. Default: 20.
        quick (bool): A tiny run that only checks the code: warn instead of
            refusing a contradictory table. Default: False.
    """
    configs: dict = field(default_factory=dict)
    device: str = 'cpu'
    size: int = 320
    batch: int = 8
    repeats: int = 20
    quick: bool = False


class InconsistentTimingError(RuntimeError):
    """A whole timed faster than its own part: the rounds were too noisy
    for the table to mean anything."""


def mmcv_ops_available(device):
    try:
        from mmcv.ops import nms
        boxes = torch.tensor([[0., 0., 1., 1.]], device=device)
        nms(boxes, torch.ones(1, device=device), 0.5)
        return True
    except Exception:
        return False


def repeats_for(setup, batch):
    """Batch-1 runs are short and noisy: five times the rounds."""
    return setup.repeats * 5 if batch == 1 else setup.repeats


def check_whole_vs_part(setup, timings, whole, part, setting):
    """Refuse (warn with --quick) when ``whole`` of a family, timed in the
    same rounds, has a lower median than its ``part``."""
    for family in FAMILIES:
        w, p = timings[(whole, family)], timings[(part, family)]
        if w.median < p.median:
            message = (f'{setting}: the {family} {whole} ({w} ms) timed '
                       f'faster than its own {part} ({p} ms) in the same '
                       'rounds; the machine was too noisy')
            if not setup.quick:
                raise InconsistentTimingError(
                    message + ': nothing written, run again (more '
                    '--repeats, a quieter machine)')
            print(f'warning: {message}', flush=True)


def by_family(timings, what):
    return {f: timings[(what, f)] for f in FAMILIES}


def ssdlite_backbone(family):
    """The backbone of the SSDLite detector, with its taps."""
    if family == 'MobileNeXt':
        return MobileNeXt(
            out_indices=(7, ),
            taps=('layer6.0.expansion', 'layer8.0.expansion'))
    return MobileNetV2(out_indices=(4, 7))


def build_ssdlite(setup, family):
    """The untrained SSDLite detector of ``family`` on the setup's device."""
    return build_detector(str(setup.configs[family]), device=setup.device)


def det_samples(batch, size, with_gt=False, device='cpu'):
    samples = []
    for _ in range(batch):
        sample = DetDataSample(
            metainfo=dict(
                img_shape=(size, size),
                ori_shape=(size, size),
                scale_factor=(1., 1.),
                pad_shape=(size, size)))
        if with_gt:
            sample.gt_instances = InstanceData(
                bboxes=torch.tensor(
                    [[20., 30., 140., 200.], [100., 90., 300., 310.]],
                    device=device),
                labels=torch.tensor([4, 11], device=device))
        samples.append(sample)
    return samples


def train_step(model, batch, device):
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
    x = torch.rand(batch, 3, 320, 320, device=device)
    samples = det_samples(batch, 320, with_gt=True, device=device)

    def run():
        data = model.data_preprocessor(
            dict(inputs=list(x.mul(255).byte()), data_samples=samples), True)
        loss, _ = model.parse_losses(model(**data, mode='loss'))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return run


def backbone_train_step(backbone, x):
    model = copy.deepcopy(backbone)
    model.train()  # mmdet's MobileNetV2.train() returns None
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)

    def run():
        loss = sum(out.mean() for out in model(x))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return run
