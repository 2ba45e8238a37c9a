"""Convert Pascal VOC annotations to COCO JSON (mmdet's converter and CLI).

    python tools/dataset_converters/pascal_voc.py data/VOCdevkit \
        -o data/VOCdevkit/annotations --out-format coco

Writes ``voc07_{train,val,trainval,test}.json``, ``voc12_*.json`` and
``voc0712_{train,val,trainval}.json`` for the split lists that exist; the
``*_voc0712cocofmt`` configs read them. See mnx_det.datasets.voc_to_coco.
"""
import argparse
import sys

from mnx_det.apis import exit_on_termination
from mnx_det.datasets.voc_to_coco import convert_devkit
from mnx_det.errors import UserError


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('devkit_path', help='the VOCdevkit folder')
    parser.add_argument(
        '-o', '--out-dir', help='output folder (default: devkit_path)')
    # mmdet's flag; its pickle format is gone from mmdet 3.
    parser.add_argument(
        '--out-format',
        default='coco',
        choices=('coco', ),
        help='output format (COCO JSON)')
    return parser.parse_args()


def main():
    exit_on_termination()
    args = parse_args()
    try:
        convert_devkit(args.devkit_path, args.out_dir)
    except UserError as exc:
        sys.exit(f'error: {exc}')


if __name__ == '__main__':
    main()
