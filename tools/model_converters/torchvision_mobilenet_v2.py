"""Convert torchvision ``mobilenet_v2`` ImageNet weights for mmdet's
``MobileNetV2`` backbone.

Example::

    python tools/model_converters/torchvision_mobilenet_v2.py \
        mobilenet_v2-b0353104.pth checkpoints/mobilenet_v2_imagenet.pth
"""
import argparse

from mmdet.models.backbones import MobileNetV2

from mnx_det.apis import add_converter_args, exit_on_termination, run_converter
from mnx_det.checkpoint.convert import convert_torchvision


def main():
    exit_on_termination()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_converter_args(parser, 'torchvision mobilenet_v2 weights')
    args = parser.parse_args()
    backbone = MobileNetV2(widen_factor=args.widen_factor)
    run_converter(
        args,
        lambda loaded: convert_torchvision(loaded, backbone),
        f'MobileNetV2(widen_factor={args.widen_factor})',
        widen_factor=args.widen_factor)


if __name__ == '__main__':
    main()
