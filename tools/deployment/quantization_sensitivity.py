"""Choose the parts INT8 keeps fp32 by measuring each one's mAP cost
(see mnx_det.deploy.sensitivity), and write the INT8 file with them.

    python tools/deployment/quantization_sensitivity.py CONFIG CHECKPOINT \
        --backend onnxruntime --max-drop 0.01 --out model_int8.onnx \
        [--num-images 100] [--num-select 200] [--narrow] [--work-dir DIR]

The table (drop with only each part fp32 / only it int8, then each set
tried) is printed and saved as WORK_DIR/quantization_sensitivity_BACKEND.md
with the choice in a .json beside it; the INT8 file records the chosen
parts in its contract. --out is an .onnx (QDQ) for --backend onnxruntime,
an .xml (NNCF's IR) for openvino, a .pte for executorch.
"""
import argparse
import json
import os
import os.path as osp
import sys

from mmdet.utils import register_all_modules

from mnx_det.apis import (apply_process_fixes, build_detector, check_datasets,
                          exit_on_termination, load_config, output_file,
                          positive_int, probability)
from mnx_det.deploy import sensitivity
from mnx_det.deploy.cli import add_calibration_args
from mnx_det.errors import UserError
from mnx_det.fileio import atomic_open


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument(
        '--backend', choices=list(sensitivity.TARGETS), required=True)
    parser.add_argument(
        '--max-drop',
        type=probability,
        required=True,
        help='the mAP the INT8 file may lose on the selection images (with '
        "a VOC metric, the loss's 90%% bootstrap bound too)")
    parser.add_argument('--out', required=True, type=output_file)
    parser.add_argument(
        '--num-select',
        type=positive_int,
        default=200,
        help='training images (the first ones) that score the candidates')
    parser.add_argument(
        '--narrow',
        action='store_true',
        help='then try each conv of the chosen parts in int8 again (one '
        'candidate per conv)')
    parser.add_argument('--work-dir', help='default work_dirs/CONFIG_NAME')
    add_calibration_args(parser)
    args = parser.parse_args()
    suffix = sensitivity.TARGETS[args.backend].suffix
    if not args.out.endswith(suffix):
        parser.error(f'--out must be a {suffix} file for --backend '
                     f'{args.backend}, got {args.out}')
    return args


def main():
    apply_process_fixes()
    exit_on_termination()
    args = parse_args()
    register_all_modules()
    try:
        cfg = load_config(args.config, args.cfg_options, args.work_dir)
        check_datasets(cfg, ('train', 'test'))
        os.makedirs(cfg.work_dir, exist_ok=True)
        detector = build_detector(cfg, args.checkpoint)
        fp32_map, choice, write = sensitivity.measure(
            detector, cfg, args.backend, cfg.work_dir, args.max_drop,
            args.num_images, args.num_select, args.narrow)
        held_out = sensitivity.write_choice(cfg, args.backend, write,
                                            choice.fp32_parts, args.out)
    except UserError as exc:
        sys.exit(f'error: {exc}')
    lines = sensitivity.report(choice, fp32_map, args.backend, args.max_drop,
                               held_out)
    stem = osp.join(cfg.work_dir, f'quantization_sensitivity_{args.backend}')
    with atomic_open(stem + '.md') as f:
        f.write('\n'.join(lines) + '\n')
    with atomic_open(stem + '.json') as f:
        json.dump(
            dict(
                fp32_parts=choice.fp32_parts,
                drop=choice.drop,
                drop_bound=choice.bound,
                held_out=dict(zip(('fp32', 'int8'), held_out)),
                rows=[r._asdict() for r in choice.rows]),
            f,
            indent=2)
    print('\n'.join(lines))
    print(f'wrote {args.out} and {stem}.md')


if __name__ == '__main__':
    main()
