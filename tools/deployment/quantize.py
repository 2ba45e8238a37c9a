"""Quantize an exported detector to INT8 (see mnx_det.deploy.quantize).

    python tools/deployment/quantize.py model.onnx --calib-config CONFIG \
        --num-images 100 --out model_int8.onnx
"""
import argparse
import os.path as osp

from mmdet.utils import register_all_modules
from mmengine.config import Config

from mnx_det.deploy.quantize import quantize_detector


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('onnx_file')
    parser.add_argument(
        '--calib-config',
        required=True,
        help='config whose training images calibrate the activations')
    parser.add_argument('--num-images', type=int, default=100)
    parser.add_argument('--out', required=True)
    args = parser.parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.calib_config)
    quantize_detector(args.onnx_file, args.out, cfg, args.num_images)
    ratio = osp.getsize(args.out) / osp.getsize(args.onnx_file)
    print(f'wrote {args.out} ({ratio:.0%} of the fp32 file)')


if __name__ == '__main__':
    main()
