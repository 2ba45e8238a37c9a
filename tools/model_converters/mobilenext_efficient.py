"""Convert an official EfficientNet-style MobileNeXt ImageNet checkpoint
(``mnext_s`` or ``mnext_l``) for the ``EfficientMobileNeXt`` backbone.

Example::

    python tools/model_converters/mobilenext_efficient.py \
        model_best.pth.tar checkpoints/mnext_s_imagenet.pth --arch b0

The result loads with ``init_cfg=dict(type='Pretrained', checkpoint=...)``.
"""
import argparse

from mnx_det.apis import add_converter_args, exit_on_termination, run_converter
from mnx_det.checkpoint.convert import convert_efficient
from mnx_det.models import EfficientMobileNeXt


def main():
    exit_on_termination()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_converter_args(
        parser, 'official checkpoint (any of its forms)', widen_factor=False)
    parser.add_argument(
        '--arch',
        choices=sorted(EfficientMobileNeXt.arch_variants),
        default='b0',
        help='b0 for mnext_s, b1 for mnext_l')
    parser.add_argument(
        '--ema', action='store_true', help='take the EMA weights')
    args = parser.parse_args()
    backbone = EfficientMobileNeXt(args.arch)
    run_converter(
        args,
        lambda loaded: convert_efficient(loaded, backbone, args.ema),
        backbone.describe(),
        arch=args.arch,
        ema=args.ema)


if __name__ == '__main__':
    main()
