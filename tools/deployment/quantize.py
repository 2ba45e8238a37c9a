"""Quantize an exported detector to INT8: a QDQ ONNX file for ONNX
Runtime (mnx_det.deploy.quantize), or, with --out ending in .xml, an
OpenVINO IR quantized by OpenVINO's NNCF (mnx_det.deploy.openvino_quantize).

    python tools/deployment/quantize.py model.onnx --calib-config CONFIG \
        --num-images 100 --out model_int8.onnx|model_int8.xml \
        [--fp32-parts PART ...|CHOICE.json]
"""
import argparse
import os.path as osp
import sys

from mmdet.utils import register_all_modules

from mnx_det.apis import (apply_process_fixes, check_datasets,
                          exit_on_termination, load_config, output_file)
from mnx_det.deploy import ORTSession
from mnx_det.deploy.cli import (add_calibration_args, add_fp32_parts_arg,
                                fp32_parts)
from mnx_det.deploy.openvino_ir import model_size
from mnx_det.deploy.openvino_quantize import quantize_openvino
from mnx_det.deploy.quantize import quantize_detector
from mnx_det.errors import UserError


def main():
    apply_process_fixes()
    exit_on_termination()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('onnx_file')
    parser.add_argument(
        '--calib-config',
        required=True,
        help='config whose training images calibrate the activations')
    parser.add_argument('--out', required=True, type=output_file)
    add_fp32_parts_arg(parser)
    add_calibration_args(parser)
    args = parser.parse_args()
    register_all_modules()
    try:
        parts = fp32_parts(args.fp32_parts)
        ORTSession(args.onnx_file)  # an export of this project
        cfg = load_config(args.calib_config, args.cfg_options)
        check_datasets(cfg, ('train', ))
        quantize = (
            quantize_openvino
            if args.out.lower().endswith('.xml') else quantize_detector)
        quantize(args.onnx_file, args.out, cfg, args.num_images, parts)
    except UserError as exc:
        sys.exit(f'error: {exc}')
    ratio = model_size(args.out) / osp.getsize(args.onnx_file)
    print(f'wrote {args.out} ({ratio:.0%} of the fp32 file)')


if __name__ == '__main__':
    main()
