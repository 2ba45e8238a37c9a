"""Check a config's VOC datasets before a long training: every image and
every annotation, all problems at once.

    python tools/misc/check_dataset.py configs/ssdlite_mobilenext_voc.py
    python tools/misc/check_dataset.py CONFIG --split test

Decodes every image and checks every annotation file of the split's
datasets (with a progress bar), then prints objects per class, objects per
image, image sizes and each problem (file, problem). Exits 1 if anything
is wrong.
"""
import argparse
import sys

from mmengine.config import DictAction

from mnx_det.apis import apply_process_fixes, load_config
from mnx_det.datasets.doctor import check_datasets
from mnx_det.errors import UserError


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--split', choices=['train', 'val', 'test'], default='train')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    return parser.parse_args()


def main():
    apply_process_fixes()
    args = parse_args()
    try:
        cfg = load_config(args.config, args.cfg_options)
    except UserError as exc:
        sys.exit(f'error: {exc}')
    loader = cfg.get(f'{args.split}_dataloader')
    if not loader:
        sys.exit(f'error: {args.config} has no {args.split}_dataloader')
    report = check_datasets(loader['dataset'])
    print('\n'.join([''] + report.lines()))
    if report.problems:
        sys.exit(1)


if __name__ == '__main__':
    main()
