"""The README's "which runtime when" section, read from
``benchmarks/deploy_cpu.md`` so that the README's figures are the
benchmark's (``tools/analysis_tools/readme_tables.py`` writes it; a test
checks that it is current)."""
from ...errors import UserError
from ..report import read_tables

SECTION = 'runtime table'
# (where, runtime and file, the deploy table's rows: one, or fp32 / INT8)
ROWS = (
    ('x86 server or PC, fastest',
     'OpenVINO, INT8 IR of NNCF (`quantize.py --out model_int8.xml`), '
     'float ops in bf16', ('OpenVINO INT8', )),
    ('x86, fastest without calibration data',
     'OpenVINO bf16 (CPUs with BF16: AVX-512 BF16 or AMX)',
     ('OpenVINO bf16', )),
    ('x86, results equal to PyTorch\'s', 'OpenVINO f32', ('OpenVINO f32', )),
    ('anywhere ONNX runs (ARM servers, other languages)',
     'ONNX Runtime fp32 / INT8', ('ORT fp32', 'ORT INT8')),
    ('Android, iOS (here on x86)',
     'ExecuTorch `.pte`, XNNPACK fp32 / INT8 (`--int8`)', ('ExecuTorch fp32',
                                                           'ExecuTorch INT8')),
    ('training, research', 'PyTorch eager', ('PyTorch eager', )),
)
BATCHES = ('1', '8')


def _ms(value):
    return f'{value:.1f}' if value < 100 else f'{value:.0f}'


class _DeployTables:
    """The deploy table's speed (MobileNeXt), mAP and INT8 parts cells."""

    def __init__(self, text):
        tables = read_tables(text)
        missing = {'batch', 'toy VOC07 mAP', 'INT8 file'} - set(tables)
        if missing:
            raise UserError(
                f'no {", ".join(sorted(missing))} table: not the deploy '
                'benchmark\'s markdown')
        self.speed = {(row[0], row[1]): row for row in tables['batch']}
        self.maps = {row[0]: row[1:] for row in tables['toy VOC07 mAP']}
        self.parts = {row[0]: row[1:] for row in tables['INT8 file']}

    def median(self, batch, runtime):
        return float(self.speed[(batch, runtime)][2].split()[0])

    def speed_cell(self, batch, runtimes):
        times = ' / '.join(_ms(self.median(batch, r)) for r in runtimes)
        ratios = ' / '.join(self.speed[(batch, r)][-1] for r in runtimes)
        return f'{times} ms ({ratios})'

    def speed_up_cell(self, slow, fast):
        return ' / '.join(f'{self.median(b, slow) / self.median(b, fast):.2f}x'
                          for b in BATCHES)

    def map_cell(self, runtimes):
        mnx = ' / '.join(self.maps[r][0] for r in runtimes)
        mv2 = ' / '.join(self.maps[r][1] for r in runtimes)
        return f'{mnx} ({mv2})'


def runtime_section(deploy_markdown):
    """The section's markdown lines: a row per runtime (MobileNeXt's ms
    per batch and speed-up over ONNX Runtime fp32 at batch 1 and 8, toy
    mAP, MobileNetV2's in brackets), then each INT8 file's speed-up over
    its own fp32, mAP drop and fp32 parts."""
    tables = _DeployTables(deploy_markdown)
    fp32 = tables.maps['PyTorch eager']
    lines = [
        '| where | runtime and file | MobileNeXt batch 1 (vs ORT fp32) | '
        f'batch 8 | toy mAP (fp32 {fp32[0]}; MobileNetV2 {fp32[1]}) |',
        '|---|---|---|---|---|'
    ]
    for where, what, runtimes in ROWS:
        cells = [tables.speed_cell(b, runtimes) for b in BATCHES]
        lines.append(f'| {where} | {what} | {" | ".join(cells)} | '
                     f'{tables.map_cell(runtimes)} |')
    return lines + _int8_lines(tables)


def _int8_lines(tables):
    """A row per INT8 file: speed-up over its runtime's fp32, mAP drop and
    fp32 parts (with the drop a search measured on its selection images)."""
    lines = [
        '', '| INT8 file | vs its runtime\'s fp32, batch 1 / 8 | mAP lost: '
        'MobileNeXt (MobileNetV2) | fp32 parts, MobileNeXt | MobileNetV2 |',
        '|---|---|---|---|---|'
    ]
    for drop, cells in tables.maps.items():
        if drop.startswith('mAP lost to INT8: '):
            fp32_row, int8_row = drop.split(': ', 1)[1].split(' - ')
            parts = [_parts_cell(c) for c in tables.parts[int8_row]]
            lines.append(f'| {int8_row} | '
                         f'{tables.speed_up_cell(fp32_row, int8_row)} | '
                         f'{cells[0]} ({cells[1]}) | {" | ".join(parts)} |')
    return lines


def _parts_cell(cell):
    """``'a, b; drop +0.001'`` -> ``'a, b (search: +0.001)'``."""
    parts, _, drop = cell.partition('; drop ')
    return f'{parts} (search: {drop})' if drop else parts
