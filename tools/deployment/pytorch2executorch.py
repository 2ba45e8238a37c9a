"""Export an SSDLite checkpoint to an ExecuTorch program for phones (see
mnx_det.deploy.executorch_export).

    python tools/deployment/pytorch2executorch.py CONFIG CHECKPOINT \
        --out model.pte [--input-size 320] [--batch 1] \
        [--int8 --num-images 100 [--fp32-parts PART ...|CHOICE.json]]

The program, lowered to XNNPACK, takes float32 RGB images (B, 3, S, S),
0..255, resized to S ignoring aspect, B fixed, and returns raw class
logits, box deltas and priors; tools/test.py and tools/infer.py select the
detections (mnx_det.deploy.postprocess), as an app would. With --int8 the
program is quantized (PT2E, XNNPACK's quantizer) on training images of
--calib-config (default CONFIG); the parts kept fp32 default to
mnx_det.deploy.parts.DEFAULT_FP32_PARTS, or what
tools/deployment/quantization_sensitivity.py chose (its .json).
"""
import argparse
import os.path as osp
import sys

from mmdet.utils import register_all_modules
from mmengine.config import Config

from mnx_det.apis import (apply_process_fixes, build_detector, check_datasets,
                          exit_on_termination, load_config, positive_int)
from mnx_det.deploy.calibration import calibration_images
from mnx_det.deploy.cli import add_export_args, add_int8_args, fp32_parts
from mnx_det.deploy.executorch_export import export_executorch
from mnx_det.errors import UserError


def main():
    apply_process_fixes()
    exit_on_termination()
    parser = add_export_args(
        argparse.ArgumentParser(description=__doc__.splitlines()[0]), '.pte')
    parser.add_argument(
        '--batch',
        type=positive_int,
        default=1,
        help='fixed batch size (default 1)')
    add_int8_args(parser)
    args = parser.parse_args()
    if not args.out.endswith('.pte'):
        sys.exit(f'error: --out must be a .pte file, got {args.out}')
    register_all_modules()
    cfg = Config.fromfile(args.config)
    size = args.input_size or cfg.get('input_size', 320)
    try:
        options = {}
        if args.int8:
            calib_cfg = load_config(args.calib_config or args.config,
                                    args.cfg_options)
            check_datasets(calib_cfg, ('train', ))
            options = dict(
                calibration=calibration_images(calib_cfg, args.num_images,
                                               size),
                fp32_parts=fp32_parts(args.fp32_parts))
        detector = build_detector(cfg, args.checkpoint)
        export_executorch(
            detector, args.out, size, batch_size=args.batch, **options)
    except UserError as exc:
        sys.exit(f'error: {exc}')
    mib = osp.getsize(args.out) / 2**20
    print(f'wrote {args.out} ({mib:.1f} MiB, input {size}x{size}, '
          f'batch {args.batch})')


if __name__ == '__main__':
    main()
