"""Convert an official MobileNeXt ImageNet checkpoint for the backbone.

Example::

    python tools/model_converters/mobilenext_official.py \
        model_best.pth.tar checkpoints/mobilenext_1.0_imagenet.pth

The result loads with ``init_cfg=dict(type='Pretrained', checkpoint=...)``.
"""
import argparse
import sys

from mnx_det.apis import exit_on_termination, output_file, positive_float
from mnx_det.checkpoint import load_checkpoint_file, save_checkpoint_file
from mnx_det.checkpoint.convert import convert_official
from mnx_det.errors import UserError
from mnx_det.models import MobileNeXt


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='official checkpoint (any of its forms)')
    parser.add_argument(
        'dst', type=output_file, help='where to write the converted weights')
    parser.add_argument(
        '--widen-factor',
        type=positive_float,
        default=1.0,
        help='width multiplier the checkpoint was trained with')
    parser.add_argument(
        '--ema', action='store_true', help='take the EMA weights')
    return parser.parse_args()


def main():
    exit_on_termination()
    args = parse_args()
    backbone = MobileNeXt(widen_factor=args.widen_factor)
    try:
        checkpoint = load_checkpoint_file(args.src, map_location='cpu')
        state_dict = convert_official(checkpoint, backbone, use_ema=args.ema)
        save_checkpoint_file(
            dict(
                state_dict=state_dict,
                meta=dict(
                    source=args.src,
                    widen_factor=args.widen_factor,
                    ema=args.ema)), args.dst)
    except UserError as exc:
        sys.exit(f'error: {exc}')
    print(f'wrote {len(state_dict)} tensors for MobileNeXt(widen_factor='
          f'{args.widen_factor}) to {args.dst}')


if __name__ == '__main__':
    main()
