"""Convert an official EfficientNet-style MobileNeXt ImageNet checkpoint
(``mnext_s`` or ``mnext_l``) for the ``EfficientMobileNeXt`` backbone.

Example::

    python tools/model_converters/mobilenext_efficient.py \
        model_best.pth.tar checkpoints/mnext_s_imagenet.pth

``--arch`` (b0 for ``mnext_s``, b1 for ``mnext_l``) is read from the
checkpoint's number of blocks unless given. The result loads with
``init_cfg=dict(type='Pretrained', checkpoint=...)``.
"""
import argparse

from mnx_det.apis import add_converter_args, exit_on_termination, run_converter
from mnx_det.checkpoint.convert import convert_efficient, official_arch
from mnx_det.models import EfficientMobileNeXt


def main():
    exit_on_termination()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_converter_args(
        parser, 'official checkpoint (any of its forms)', widen_factor=False)
    parser.add_argument(
        '--arch',
        choices=sorted(EfficientMobileNeXt.arch_variants),
        help='b0 for mnext_s, b1 for mnext_l (default: from the checkpoint)')
    parser.add_argument(
        '--ema', action='store_true', help='take the EMA weights')
    args = parser.parse_args()
    blocks = {
        arch: len(EfficientMobileNeXt.block_settings(arch))
        for arch in EfficientMobileNeXt.arch_variants
    }

    def convert(loaded):
        arch = args.arch or official_arch(loaded, blocks)
        backbone = EfficientMobileNeXt(arch)
        print(f'converting for {backbone.describe()}')
        return convert_efficient(loaded, backbone, args.ema)

    run_converter(args, convert, 'EfficientMobileNeXt', ema=args.ema)


if __name__ == '__main__':
    main()
