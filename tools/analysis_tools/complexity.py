"""Parameters and MAdds of a detector and its backbone, or (``--paper``)
MobileNeXt vs MobileNetV2 beside the paper's tables.

    python tools/analysis_tools/complexity.py CONFIG
    python tools/analysis_tools/complexity.py CONFIG --shape 300 300
    python tools/analysis_tools/complexity.py --paper  # writes benchmarks/
"""
import argparse
import sys
from pathlib import Path

from mnx_det.analysis.complexity_report import (NOTES, config_table,
                                                detector_table, imagenet_table,
                                                other_networks_table)
from mnx_det.analysis.report import write_report
from mnx_det.apis import load_config, positive_int
from mnx_det.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
SSDLITE_CONFIGS = {
    ('SSDLite320-MobileNeXt', 'VOC'):
    'configs/ssdlite_mobilenext_voc.py',
    ('SSDLite320-MobileNetV2', 'VOC'):
    'configs/ssdlite_mobilenetv2_voc.py',
    ('SSDLite320-MobileNeXt', 'COCO'):
    'configs/ssdlite_mobilenext_coco.py',
    ('SSDLite320-MobileNetV2', 'COCO'):
    'configs/ssdlite_mobilenetv2_coco.py',
    ('SSDLite320-EfficientMobileNeXt b0', 'VOC'):
    'configs/ssdlite_efficient_mobilenext_voc.py',
    ('SSDLite320-EfficientMobileNeXt b1', 'VOC'):
    'configs/ssdlite_efficient_mobilenext_b1_voc.py',
    ('SSDLite320-MobileNetV2ExtraDepthwise', 'VOC'):
    'configs/ssdlite_mobilenetv2_extra_dw_voc.py',
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', nargs='?', help='detector config')
    parser.add_argument(
        '--shape',
        type=positive_int,
        nargs=2,
        default=None,
        metavar=('H', 'W'),
        help='input size (default: the config\'s input_size, or 320)')
    parser.add_argument(
        '--paper',
        action='store_true',
        help='compare both families with the paper and write '
        'benchmarks/complexity.md')
    parser.add_argument('--out-dir', default='benchmarks')
    args = parser.parse_args()
    if not args.paper and not args.config:
        parser.error('give a CONFIG or --paper')
    return args


def main():
    args = parse_args()
    if args.config:
        try:
            cfg = load_config(args.config)
        except UserError as exc:
            sys.exit(f'error: {exc}')
        shape = args.shape or (cfg.get('input_size', 320), ) * 2
        print('\n'.join(config_table(args.config, shape)))
    if args.paper:
        configs = {k: ROOT / v for k, v in SSDLITE_CONFIGS.items()}
        write_report(['# Complexity vs the paper', ''] + imagenet_table() +
                     other_networks_table() + detector_table(configs) +
                     ['', NOTES],
                     Path(args.out_dir) / 'complexity.md')


if __name__ == '__main__':
    main()
