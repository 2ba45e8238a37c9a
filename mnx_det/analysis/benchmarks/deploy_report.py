"""The markdown of ``benchmarks/deploy_cpu.md`` from what
:mod:`.deploy` measured: speed per runtime and batch, file sizes, toy mAP
and INT8 drops, and ONNX Runtime's per-operator profile."""
import onnxruntime as ort
import torch

from ...deploy.drop_bound import CONFIDENCE
from ..report import FAMILIES, cpu_description

BATCHES = (1, 8)
SIZE = 320
# PyTorch's OpenMP workers spin after each call and would slow whichever
# case runs next (ONNX Runtime's): an idle pause (ms) before each timed call.
SETTLE_MS = 20


def versions():
    import openvino
    from executorch import version as executorch
    return (f'PyTorch {torch.__version__}, ONNX Runtime {ort.__version__}, '
            f'OpenVINO {openvino.__version__.split("-")[0]}, ExecuTorch '
            f'{executorch.__version__}')


def report(timings, sizes, maps, profiles, setting, rows, int8):
    """The markdown lines of the deploy table; ``setting``: (repeats,
    threads, whether freed memory was kept); ``rows``: (the runtimes run,
    the float precision OpenVINO ran each in, its conv kernels);
    ``int8``: ({family: {INT8 file: its parts}}, the budget or ``None``)."""
    repeats, threads, kept = setting
    runtimes, precisions, kernels = rows
    lines = [
        '# Deployment on CPU: PyTorch eager, ONNX Runtime, OpenVINO, '
        'ExecuTorch', '', f'CPU: {cpu_description()}.', '',
        f'Toy-trained SSDLite detectors (3 classes) at {SIZE}x{SIZE}, '
        'post-processing included (score threshold, class-wise NMS, top '
        '100: in the graph for ONNX Runtime and OpenVINO, in Python for '
        'ExecuTorch, whose program returns raw outputs), '
        f'{threads} threads (ExecuTorch: its XNNPACK pool, one per core), '
        f'ms per batch: median (min-max) of {repeats} interleaved rounds, '
        f'{SETTLE_MS} ms idle before each timed call' +
        (', freed memory kept in the process (glibc '
         'mallopt, as in benchmark_cpu.md)' if kept else '') +
        f'. {versions()}. Each INT8 file comes from its runtime\'s own '
        'quantizer: ONNX Runtime\'s (QDQ), NNCF (OpenVINO\'s IR, its float '
        f'operations in {precisions.get("OpenVINO INT8")}, OpenVINO\'s '
        'default here) and PT2E with XNNPACK\'s quantizer (ExecuTorch). '
        'The parts each INT8 file keeps fp32 are below the tables.', '',
        '| batch | runtime | MobileNeXt | MobileNetV2 | MobileNeXt / '
        'MobileNetV2 | MobileNeXt speed-up vs eager | vs ORT fp32 |',
        '|---|---|---|---|---|---|---|'
    ]
    for batch in BATCHES:
        eager = timings[('MobileNeXt', 'PyTorch eager', batch)].median
        ort_fp32 = timings[('MobileNeXt', 'ORT fp32', batch)].median
        for runtime in runtimes:
            mnx = timings[('MobileNeXt', runtime, batch)]
            mv2 = timings[('MobileNetV2', runtime, batch)]
            lines.append(f'| {batch} | {runtime} | {mnx} | {mv2} | '
                         f'{mnx.median / mv2.median:.2f} | '
                         f'{eager / mnx.median:.2f}x | '
                         f'{ort_fp32 / mnx.median:.2f}x |')
    lines += size_lines(sizes) + accuracy_lines(maps, runtimes)
    names = int8_names(runtimes)
    lines += parts_lines(names, *int8) + kernel_lines(kernels)
    return lines + profile_lines(*profiles) + sensitivity_lines(names, int8[0])


def int8_names(runtimes):
    """{INT8 file: the row that runs it}."""
    return {
        runtime.file: name
        for name, runtime in runtimes.items()
        if runtime is not None and runtime.int8_of
    }


def parts_lines(names, parts, max_drop):
    """Which parts each INT8 file keeps fp32, and how they were chosen."""
    how = ('measured per runtime and detector: the fewest parts, greedily, '
           f'that keep the mAP drop, and its {CONFIDENCE:.0%} bootstrap '
           f'bound, within {max_drop} on the toy training images '
           '(tools/deployment/quantization_sensitivity.py; its tables at the '
           'end)' if max_drop is not None else
           'the default (mnx_det.deploy.parts.DEFAULT_FP32_PARTS)')
    lines = [
        '', f'INT8 files\' fp32 parts, {how}:', '',
        '| INT8 file | MobileNeXt | MobileNetV2 |', '|---|---|---|'
    ]
    for kind, name in names.items():
        cells = []
        for family in FAMILIES:
            chosen = parts[family][kind]
            cell = ', '.join(chosen.fp32_parts) or 'none (all int8)'
            if chosen.drop is not None:
                cell += f'; drop {chosen.drop:+.3f}'
            cells.append(cell)
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    return lines


def sensitivity_lines(names, parts):
    """The sensitivity searches' tables, one per detector and INT8 file."""
    lines = []
    for family in FAMILIES:
        for kind, name in names.items():
            table = parts[family][kind].table
            if table:  # its title, one level down, names the detector
                lines += ['', f'#{table[0]}, SSDLite-{family} ({name})']
                lines += table[1:]
    return lines


# the size table's files, then its INT8 / fp32 ratios
SIZE_ROWS = {
    'fp32': 'ONNX fp32 (OpenVINO reads it too)',
    'int8': 'ONNX INT8 (QDQ)',
    'int8_openvino': 'OpenVINO INT8 IR (NNCF)',
    'pte': 'ExecuTorch .pte (XNNPACK fp32)',
    'pte_int8': 'ExecuTorch .pte (XNNPACK INT8)'
}
SIZE_RATIOS = {
    'ONNX': ('int8', 'fp32'),
    'OpenVINO IR': ('int8_openvino', 'fp32'),
    'ExecuTorch': ('pte_int8', 'pte')
}


def size_lines(sizes):
    lines = ['', '| file (MiB) | MobileNeXt | MobileNetV2 |', '|---|---|---|']
    for key, name in SIZE_ROWS.items():
        lines.append(f'| {name} | ' + ' | '.join(f'{sizes[f][key] / 2**20:.2f}'
                                                 for f in FAMILIES) + ' |')
    for name, (int8, fp32) in SIZE_RATIOS.items():
        lines.append(f'| {name} INT8 / fp32 | ' +
                     ' | '.join(f'{sizes[f][int8] / sizes[f][fp32]:.0%}'
                                for f in FAMILIES) + ' |')
    return lines


def kernel_lines(kernels):
    """Which oneDNN kernels OpenVINO ran the convolutions on (its runtime
    model), per row and family at batch 1: AMX, AVX-512 (with VNNI where
    the CPU has it, see the header) or AVX2."""
    lines = [
        '', 'OpenVINO convolution kernels at batch 1 (oneDNN primitive: '
        'convs; `I8` int8, `amx` AMX tiles, `avx512` AVX-512, whose int8 '
        'kernels use VNNI where the header lists it):', '',
        '| runtime | MobileNeXt | MobileNetV2 |', '|---|---|---|'
    ]
    for runtime in dict.fromkeys(r for _, r in kernels):
        cells = [
            ', '.join(f'{k} {n}'
                      for k, n in kernels[(f, runtime)].most_common())
            for f in FAMILIES
        ]
        lines.append(f'| {runtime} | ' + ' | '.join(cells) + ' |')
    return lines


def accuracy_lines(maps, runtimes):
    """Toy mAP per runtime, then each INT8 path's drop (the paper: under
    8-bit post-training quantization MobileNeXt keeps its accuracy better
    than MobileNetV2)."""
    lines = [
        '', '| toy VOC07 mAP | MobileNeXt | MobileNetV2 |', '|---|---|---|'
    ]
    for runtime in runtimes:
        lines.append(f'| {runtime} | ' + ' | '.join(f'{maps[f][runtime]:.3f}'
                                                    for f in FAMILIES) + ' |')
    for runtime, spec in runtimes.items():
        if spec is not None and spec.int8_of:
            lines.append(f'| mAP lost to INT8: {spec.int8_of} - {runtime} | ' +
                         ' | '.join(
                             f'{maps[f][spec.int8_of] - maps[f][runtime]:+.3f}'
                             for f in FAMILIES) + ' |')
    return lines


def profile_lines(ops_fp32, ops_int8):
    lines = [
        '', 'ONNX Runtime profile, MobileNeXt at batch 1 (ms per run, by '
        'operator type, top 10):', '', '| operator | fp32 | | operator | '
        'INT8 |', '|---|---|---|---|---|'
    ]
    for (op32, ms32), (op8, ms8) in zip(
            ops_fp32.most_common(10), ops_int8.most_common(10)):
        lines.append(f'| {op32} | {ms32:.2f} | | {op8} | {ms8:.2f} |')
    return lines
