"""Rewrite the README's sections that summarize a benchmark table, so the
README's figures are the benchmark's: today the "which runtime when"
section, from benchmarks/deploy_cpu.md. Run after benchmark_deploy.py
(``make benchmarks`` does); ``--check`` only says whether it is current.

    python tools/analysis_tools/readme_tables.py [--check]
"""
import argparse
import sys
from pathlib import Path

from mnx_det.analysis.benchmarks.deploy_summary import SECTION, runtime_section
from mnx_det.analysis.report import replace_section
from mnx_det.errors import UserError
from mnx_det.fileio import atomic_open

ROOT = Path(__file__).resolve().parents[2]


def current_readme(readme_text, readme, deploy_table):
    """``readme_text`` (of ``readme``) with its sections rewritten from the
    tables."""
    try:
        lines = runtime_section(read(deploy_table))
    except UserError as exc:
        sys.exit(f'error: {deploy_table}: {exc}')
    try:
        return replace_section(readme_text, SECTION, lines)
    except UserError as exc:
        sys.exit(f'error: {readme}: {exc}')


def read(path):
    try:
        return Path(path).read_text()
    except OSError as exc:
        sys.exit(f'error: {path}: {exc.strerror}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--readme', default=str(ROOT / 'README.md'))
    parser.add_argument(
        '--deploy-table', default=str(ROOT / 'benchmarks/deploy_cpu.md'))
    parser.add_argument(
        '--check',
        action='store_true',
        help='exit 1 if the README differs from the tables, write nothing')
    args = parser.parse_args()
    old = read(args.readme)
    text = current_readme(old, args.readme, args.deploy_table)
    if args.check:
        stale = text != old
        print(f'{args.readme}: ' + ('stale' if stale else 'current'))
        sys.exit(int(stale))
    with atomic_open(args.readme) as f:
        f.write(text)
    print(f'rewrote the {SECTION!r} section of {args.readme}')


if __name__ == '__main__':
    main()
