"""Run a detector on your images: boxes drawn, one JSON of detections each.

    python tools/infer.py INPUT CONFIG CHECKPOINT --out-dir DIR
        [--score-thr 0.3]

INPUT is an image, a folder or a glob; CHECKPOINT a ``.pth`` (run by
mmdet's ``inference_detector`` on ``--device``) or an exported file:
``.onnx`` (ONNX Runtime, or OpenVINO with ``--backend openvino``), ``.xml``
(OpenVINO), ``.pte`` (ExecuTorch); either must have been made for the
config's classes. Writes
``DIR/vis/NAME`` (the image with its boxes) and ``DIR/preds/NAME.json``
(labels, scores, boxes in image pixels), NAME being the image's file
name. An image that cannot be read is named and skipped; the summary counts
them, and the exit code is 1 if any failed.
"""
import argparse
import sys

from mmdet.utils import register_all_modules

from mnx_det.apis import (apply_process_fixes, dataset_classes,
                          exit_on_termination, load_config, probability)
from mnx_det.deploy import is_model_file, open_session
from mnx_det.deploy.cli import add_runtime_args, session_options
from mnx_det.deploy.image_inference import (CheckpointImageDetector,
                                            ExportedImageDetector,
                                            infer_images, list_images)
from mnx_det.errors import UserError


def image_detector(args, cfg, classes):
    """The image detector of the CHECKPOINT, checked against the config."""
    if args.backend or is_model_file(args.checkpoint):
        preprocessor = cfg.model.data_preprocessor
        session = open_session(args.checkpoint, args.backend,
                               **session_options(args))
        bgr_to_rgb = preprocessor.get('bgr_to_rgb', False)
        session.check_contract(classes, preprocessor.get('mean'),
                               preprocessor.get('std'), bgr_to_rgb)
        return ExportedImageDetector(session, args.score_thr, bgr_to_rgb)
    return CheckpointImageDetector(cfg, args.checkpoint, classes,
                                   args.score_thr, args.device)


def main():
    apply_process_fixes()
    exit_on_termination()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('input', help='an image, a folder or a glob')
    parser.add_argument('config')
    parser.add_argument(
        'checkpoint', help='a .pth, or an exported .onnx, .xml or .pte')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--score-thr', type=probability, default=0.3)
    parser.add_argument(
        '--device',
        help='device of a .pth checkpoint, e.g. cuda:1 or cpu (default: '
        'cuda when PyTorch sees a GPU, else cpu)')
    add_runtime_args(parser)
    args = parser.parse_args()
    register_all_modules()
    try:
        images = list_images(args.input)
        cfg = load_config(args.config)
        classes = dataset_classes(cfg)
        failed = infer_images(images, image_detector(args, cfg, classes),
                              classes, args.out_dir)
    except UserError as exc:
        sys.exit(f'error: {exc}')
    print(f'{len(images)} images, {len(images) - len(failed)} written, '
          f'{len(failed)} failed: {args.out_dir}/vis, {args.out_dir}/preds')
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
