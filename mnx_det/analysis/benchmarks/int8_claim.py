"""The paper's quantization claim at toy scale: does SSDLite-MobileNeXt
lose less mAP to 8-bit post-training quantization than
SSDLite-MobileNetV2? (The paper's claim is ImageNet classification:
+3.55% top-1 for MobileNeXt under the same settings.)

Both toy detectors of each training seed (the demo's runs,
``tools/toy_comparison.py``) are quantized the same way in every runtime,
calibrated on 64 training images: full INT8 (no part kept fp32), the
default mixed precision (:data:`...deploy.parts.DEFAULT_FP32_PARTS`) and,
given the deploy benchmark's measured parts, the parts its sensitivity
search chose for that backbone and runtime on another training run (so the
choice is not fitted to the seeds it is scored on). Each INT8 file is
scored beside its fp32 file in the same runtime on the toy test set. The
drops are paired by seed and their difference gets the demo's t-interval
(:mod:`..seeds`). Each runtime runs its own quantizer's files: ONNX
Runtime QDQ files (:mod:`...deploy.quantize`), OpenVINO NNCF's IRs
(:mod:`...deploy.openvino_quantize`), ExecuTorch XNNPACK programs
quantized by PT2E (:mod:`...deploy.pt2e_quantize`).
"""
import json
import os.path as osp
from functools import partial

from ...apis import build_detector, toy_run_config
from ...deploy.calibration import calibration_images
from ...deploy.executorch_export import export_executorch
from ...deploy.export import export_onnx
from ...deploy.openvino_quantize import quantize_openvino
from ...deploy.parts import DEFAULT_FP32_PARTS
from ...deploy.quantize import quantize_detector
from ...deploy.sensitivity import score
from ...errors import UserError
from ..report import FAMILIES, cpu_description
from ..seeds import compare_seeds
from .deploy import CALIBRATION_IMAGES

PRECISIONS = {'full INT8': (), 'default mixed': DEFAULT_FP32_PARTS}
MEASURED = 'measured mixed'
# runtime -> (file kind, backend, its options)
RUNTIMES = {
    'ONNX Runtime': ('onnx', 'onnxruntime', {}),
    'OpenVINO': ('xml', 'openvino', dict(precision='f32')),
    'ExecuTorch': ('pte', 'executorch', {}),
}


def load_measured_parts(path):
    """{family: {backend: fp32 parts}} from ``path``, the
    ``deploy_int8_parts.json`` of ``tools/analysis_tools/benchmark_deploy.py``
    (parts measured on its own toy detectors, another training run)."""
    backends = [backend for _, backend, _ in RUNTIMES.values()]
    try:
        with open(path) as f:
            choices = json.load(f)
        return {
            family: {
                b: list(choices[family][b]['fp32_parts'])
                for b in backends
            }
            for family in FAMILIES
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(
            f'{path} is not the deploy benchmark\'s INT8 parts (a JSON '
            f'object: family -> {", ".join(backends)} -> fp32_parts): '
            f'{exc!r}') from None


def file_maker(detector, cfg, prefix):
    """``make(kind, fp32_parts)``: the detector's ``kind`` file ('onnx':
    QDQ, 'xml': NNCF's IR, 'pte': ExecuTorch), fp32 when ``fp32_parts``
    is ``None`` (OpenVINO's is the ONNX file), else INT8 keeping those
    parts fp32; each file is made once."""
    size = cfg.get('input_size', 320)
    onnx = export_onnx(
        detector, f'{prefix}.onnx', size, batch_size=8, dynamic_batch=True)
    made = {
        ('onnx', None):
        onnx,
        ('xml', None):
        onnx,
        ('pte', None):
        export_executorch(detector, f'{prefix}.pte', size, batch_size=8)
    }
    images = list(calibration_images(cfg, CALIBRATION_IMAGES, size))
    quantizers = {
        'onnx':
        partial(
            quantize_detector, onnx, cfg=cfg, num_images=CALIBRATION_IMAGES),
        'xml':
        partial(
            quantize_openvino, onnx, cfg=cfg, num_images=CALIBRATION_IMAGES),
        'pte':
        partial(
            export_executorch,
            detector,
            input_size=size,
            batch_size=8,
            calibration=images)
    }

    def make(kind, fp32_parts):
        key = (kind, fp32_parts if fp32_parts is None else tuple(fp32_parts))
        if key not in made:
            made[key] = quantizers[kind](
                f'{prefix}_int8_{len(made)}.{kind}', fp32_parts=fp32_parts)
        return made[key]

    return make


def drops(config, checkpoint, data_root, work_dir, measured=None):
    """{(runtime, precision): fp32 mAP - INT8 mAP} of one checkpoint;
    ``measured``: {backend: fp32 parts} adds the ``measured mixed`` rows."""
    cfg = toy_run_config(config, data_root, work_dir)
    cfg.log_level = 'WARNING'
    make = file_maker(
        build_detector(cfg, checkpoint), cfg, osp.join(work_dir, 'model'))
    out = {}
    for runtime, (kind, backend, options) in RUNTIMES.items():
        precisions = dict(PRECISIONS)
        if measured is not None:
            precisions[MEASURED] = measured[backend]
        fp32 = score(cfg, make(kind, None), backend, **options)
        for precision, parts in precisions.items():
            out[(runtime, precision)] = fp32 - score(cfg, make(kind, parts),
                                                     backend, **options)
    return out


def report(per_seed, seeds, setting, measured=None):
    """Markdown lines; ``per_seed``: family -> list (by seed) of
    :func:`drops` results; ``measured``: as :func:`load_measured_parts`."""
    lines = [
        '# INT8 drop, SSDLite-MobileNeXt vs SSDLite-MobileNetV2 (toy scale)',
        '', f'CPU: {cpu_description()}. {setting}', '',
        '| runtime | precision | MobileNeXt drop (per seed) | MobileNetV2 '
        'drop (per seed) | mean difference, MobileNeXt - MobileNetV2 '
        '(95% t-interval) | verdict |', '|---|---|---|---|---|---|'
    ]
    for key in per_seed[FAMILIES[0]][0]:
        series = {f: [d[key] for d in per_seed[f]] for f in FAMILIES}
        comparison = compare_seeds(series)
        low, high = comparison.interval
        verdict = ('MobileNeXt loses less'
                   if high < 0 else 'MobileNetV2 loses less'
                   if low > 0 else 'no difference detectable at this scale')
        cells = [', '.join(f'{v:+.3f}' for v in series[f]) for f in FAMILIES]
        lines.append(f'| {key[0]} | {key[1]} | {cells[0]} | {cells[1]} | '
                     f'{comparison.mean_difference:+.4f} ({low:+.4f}, '
                     f'{high:+.4f}) | {verdict} |')
    lines += [
        '', f'Seeds {", ".join(map(str, seeds))}; a drop is fp32 mAP - '
        'INT8 mAP in the same runtime (positive: INT8 lost mAP). This is '
        'toy detection from scratch; the paper measured ImageNet '
        'classification.'
    ]
    return lines + measured_lines(measured)


def measured_lines(measured):
    """Which parts the measured mixed precision keeps fp32."""
    if measured is None:
        return []
    lines = [
        '', f'The {MEASURED} rows keep fp32 the parts the deploy benchmark\'s '
        'sensitivity search chose for that backbone and runtime on its own '
        'toy detectors (`benchmarks/deploy_int8_parts.json`); default mixed '
        f'keeps {", ".join(DEFAULT_FP32_PARTS)}.', '',
        f'| runtime | {" | ".join(FAMILIES)} |',
        '|---|' + '---|' * len(FAMILIES)
    ]
    for runtime, (_, backend, _) in RUNTIMES.items():
        cells = [
            ', '.join(measured[f][backend]) or 'none (all int8)'
            for f in FAMILIES
        ]
        lines.append(f'| {runtime} | {" | ".join(cells)} |')
    return lines
