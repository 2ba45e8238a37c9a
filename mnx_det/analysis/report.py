"""How the benchmarks write their tables: the machine in the header, rows
of MobileNeXt vs MobileNetV2 with the ratio of the medians, and files
under ``benchmarks/``."""
import platform
from pathlib import Path

import torch

from ..errors import UserError
from ..fileio import atomic_open

FAMILIES = ('MobileNeXt', 'MobileNetV2')
# /proc/cpuinfo flags -> the names the tables use.
ISA_FEATURES = {
    'avx2': 'AVX2',
    'avx512f': 'AVX-512',
    'avx512_vnni': 'VNNI',
    'avx512_bf16': 'BF16',
    'amx_tile': 'AMX',
}


def cpu_description():
    """``'<model name>, <ISA features>'`` of this machine's CPU."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                key, _, value = line.partition(':')
                if key.strip() == 'model name':
                    model = value.strip()
                elif key.strip() == 'flags':
                    flags = set(value.split())
                    break
    except OSError:
        pass
    features = [name for flag, name in ISA_FEATURES.items() if flag in flags]
    return f"{model}, {' '.join(features) or 'no AVX2'}"


def device_name(device):
    """The GPU's name, or the CPU with its ISA features and threads."""
    if device.startswith('cuda'):
        return torch.cuda.get_device_name(torch.device(device))
    return f'CPU ({cpu_description()}; {torch.get_num_threads()} threads)'


def ratio_rows(results, title):
    """Markdown rows: MobileNeXt, MobileNetV2 (median and min-max, ms) and
    the ratio of the medians, for every setting in ``results`` (setting ->
    family -> Timing)."""
    lines = [
        f'| {title} | MobileNeXt, ms (min-max) | MobileNetV2, ms (min-max) '
        '| ratio |', '|---|---|---|---|'
    ]
    for setting, times in results.items():
        a, b = times['MobileNeXt'], times['MobileNetV2']
        lines.append(f'| {setting} | {a} | {b} | '
                     f'{a.median / b.median:.2f} |')
    return lines


def write_report(lines, path):
    """Print the report and write it to ``path``."""
    text = '\n'.join(lines).rstrip('\n') + '\n'
    print(text)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path) as f:
        f.write(text)
    print(f'written to {path}')
    return path


def read_tables(text):
    """The markdown tables of ``text`` as {first header cell: rows}, each
    row a list of its cells (the header and the ``|---|`` line left out);
    the inverse of the tables the reports write."""
    tables, rows = {}, None
    for line in text.splitlines() + ['']:
        if line.startswith('|'):
            cells = [
                cell.strip() for cell in line.strip().strip('|').split('|')
            ]
            if rows is None:
                rows = tables.setdefault(cells[0], [])
            elif not set(line) <= set('|-: '):
                rows.append(cells)
        else:
            rows = None
    return tables


def replace_section(text, name, lines):
    """``text`` with the lines between ``<!-- begin NAME -->`` and
    ``<!-- end NAME -->`` replaced by ``lines``; UserError naming the
    marker if ``text`` lacks one."""
    begin, end = f'<!-- begin {name} -->', f'<!-- end {name} -->'
    for marker in (begin, end):
        if marker not in text:
            raise UserError(f'no {marker} line')
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return '\n'.join([head + begin, *lines, end + tail])
