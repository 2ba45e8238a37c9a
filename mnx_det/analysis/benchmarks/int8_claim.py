"""The paper's quantization claim at toy scale: does SSDLite-MobileNeXt
lose less mAP to 8-bit post-training quantization than
SSDLite-MobileNetV2? (The paper's claim is ImageNet classification:
+3.55% top-1 for MobileNeXt under the same settings.)

Both toy detectors of each training seed (the demo's runs,
``tools/toy_comparison.py``) are quantized the same way in every runtime:
full INT8 (no part kept fp32) and the default mixed precision
(:data:`...deploy.parts.DEFAULT_FP32_PARTS`), calibrated on 64 training
images; each INT8 file is scored beside its fp32 file in the same
runtime on the toy test set. The drops are paired by seed and their
difference gets the demo's t-interval (:mod:`..seeds`). ONNX Runtime and
OpenVINO run the same QDQ file; ExecuTorch runs XNNPACK programs quantized
by PT2E (:mod:`...deploy.pt2e_quantize`).
"""
import os.path as osp

from ...apis import build_detector, toy_run_config
from ...deploy.calibration import calibration_images
from ...deploy.executorch_export import export_executorch
from ...deploy.export import export_onnx
from ...deploy.parts import DEFAULT_FP32_PARTS
from ...deploy.quantize import quantize_detector
from ...deploy.sensitivity import score
from ..report import FAMILIES, cpu_description
from ..seeds import compare_seeds

PRECISIONS = {'full INT8': (), 'default mixed': DEFAULT_FP32_PARTS}
# runtime -> (file kind, backend, its options)
RUNTIMES = {
    'ONNX Runtime': ('onnx', 'onnxruntime', {}),
    'OpenVINO': ('onnx', 'openvino', dict(precision='f32')),
    'ExecuTorch': ('pte', 'executorch', {}),
}
CALIBRATION_IMAGES = 64


def files(detector, cfg, prefix):
    """{(kind, precision or 'fp32'): file} of one trained detector."""
    size = cfg.get('input_size', 320)
    onnx = export_onnx(
        detector, f'{prefix}.onnx', size, batch_size=8, dynamic_batch=True)
    out = {
        ('onnx', 'fp32'):
        onnx,
        ('pte', 'fp32'):
        export_executorch(detector, f'{prefix}.pte', size, batch_size=8)
    }
    images = list(calibration_images(cfg, CALIBRATION_IMAGES, size))
    for name, parts in PRECISIONS.items():
        tag = name.replace(' ', '_')
        out[('onnx', name)] = quantize_detector(onnx, f'{prefix}_{tag}.onnx',
                                                cfg, CALIBRATION_IMAGES, parts)
        out[('pte', name)] = export_executorch(
            detector,
            f'{prefix}_{tag}.pte',
            size,
            batch_size=8,
            calibration=images,
            fp32_parts=parts)
    return out


def drops(config, checkpoint, data_root, work_dir):
    """{(runtime, precision): fp32 mAP - INT8 mAP} of one checkpoint."""
    cfg = toy_run_config(config, data_root, work_dir)
    cfg.log_level = 'WARNING'
    exported = files(
        build_detector(cfg, checkpoint), cfg, osp.join(work_dir, 'model'))
    out = {}
    for runtime, (kind, backend, options) in RUNTIMES.items():
        fp32 = score(cfg, exported[(kind, 'fp32')], backend, **options)
        for precision in PRECISIONS:
            out[(runtime, precision)] = fp32 - score(
                cfg, exported[(kind, precision)], backend, **options)
    return out


def report(per_seed, seeds, setting):
    """Markdown lines; ``per_seed``: family -> list (by seed) of
    :func:`drops` results."""
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
    return lines
