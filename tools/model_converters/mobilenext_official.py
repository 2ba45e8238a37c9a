"""Convert an official MobileNeXt ImageNet checkpoint for the backbone.

Example::

    python tools/model_converters/mobilenext_official.py \
        model_best.pth.tar checkpoints/mobilenext_1.0_imagenet.pth

The result loads with ``init_cfg=dict(type='Pretrained', checkpoint=...)``.
"""
import argparse

from mnx_det.apis import add_converter_args, exit_on_termination, run_converter
from mnx_det.checkpoint.convert import convert_official
from mnx_det.models import MobileNeXt


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_converter_args(parser, 'official checkpoint (any of its forms)')
    parser.add_argument(
        '--ema', action='store_true', help='take the EMA weights')
    return parser.parse_args()


def main():
    exit_on_termination()
    args = parse_args()
    backbone = MobileNeXt(widen_factor=args.widen_factor)
    run_converter(
        args,
        lambda loaded: convert_official(loaded, backbone, args.ema),
        f'MobileNeXt(widen_factor={args.widen_factor})',
        widen_factor=args.widen_factor,
        ema=args.ema)


if __name__ == '__main__':
    main()
