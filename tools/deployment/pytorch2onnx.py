"""Export an SSDLite checkpoint to one ONNX file (see mnx_det.deploy.export).

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --out model.onnx
        [--input-size 320] [--batch N | --dynamic-batch] [--no-postprocess]

The graph takes float32 RGB images (N, 3, S, S), 0..255, resized to S
ignoring aspect; it subtracts the pixel mean itself and returns boxes (input
pixels), scores and labels after the config's score threshold, class-wise
NMS and top-k (padded: score 0, label -1).
"""
import argparse
import os.path as osp
import sys

from mmdet.utils import register_all_modules
from mmengine.config import Config

from mnx_det.apis import (apply_process_fixes, build_detector,
                          exit_on_termination, positive_int)
from mnx_det.deploy import export_onnx
from mnx_det.deploy.cli import add_export_args
from mnx_det.errors import UserError


def parse_args():
    parser = add_export_args(
        argparse.ArgumentParser(description=__doc__.splitlines()[0]), '.onnx')
    batch = parser.add_mutually_exclusive_group()
    batch.add_argument(
        '--batch',
        type=positive_int,
        default=1,
        help='fixed batch size (default 1)')
    batch.add_argument(
        '--dynamic-batch',
        action='store_true',
        help='any batch size at run time')
    parser.add_argument(
        '--no-postprocess',
        action='store_true',
        help='return raw class logits, box deltas and priors instead')
    return parser.parse_args()


def main():
    apply_process_fixes()
    exit_on_termination()
    args = parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    size = args.input_size or cfg.get('input_size', 320)
    try:
        detector = build_detector(cfg, args.checkpoint)
        export_onnx(
            detector,
            args.out,
            size,
            batch_size=args.batch,
            dynamic_batch=args.dynamic_batch,
            postprocess=not args.no_postprocess)
    except UserError as exc:
        sys.exit(f'error: {exc}')
    mib = osp.getsize(args.out) / 2**20
    print(f'wrote {args.out} ({mib:.1f} MiB, input {size}x{size})')


if __name__ == '__main__':
    main()
