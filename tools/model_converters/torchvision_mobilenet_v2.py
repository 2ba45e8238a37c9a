"""Convert torchvision ``mobilenet_v2`` ImageNet weights for mmdet's
``MobileNetV2`` backbone.

Example::

    python tools/model_converters/torchvision_mobilenet_v2.py \
        mobilenet_v2-b0353104.pth checkpoints/mobilenet_v2_imagenet.pth
"""
import argparse
import sys

from mmdet.models.backbones import MobileNetV2

from mnx_det.apis import exit_on_termination, output_file, positive_float
from mnx_det.checkpoint import load_checkpoint_file, save_checkpoint_file
from mnx_det.checkpoint.convert import convert_torchvision
from mnx_det.errors import UserError


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='torchvision mobilenet_v2 weights')
    parser.add_argument(
        'dst', type=output_file, help='where to write the converted weights')
    parser.add_argument('--widen-factor', type=positive_float, default=1.0)
    return parser.parse_args()


def main():
    exit_on_termination()
    args = parse_args()
    backbone = MobileNetV2(widen_factor=args.widen_factor)
    try:
        state_dict = convert_torchvision(
            load_checkpoint_file(args.src, map_location='cpu'), backbone)
        save_checkpoint_file(
            dict(
                state_dict=state_dict,
                meta=dict(source=args.src, widen_factor=args.widen_factor)),
            args.dst)
    except UserError as exc:
        sys.exit(f'error: {exc}')
    print(f'wrote {len(state_dict)} tensors for MobileNetV2(widen_factor='
          f'{args.widen_factor}) to {args.dst}')


if __name__ == '__main__':
    main()
