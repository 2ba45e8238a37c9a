"""Run a detector on your images: boxes drawn, one JSON of detections each.

    python tools/infer.py INPUT CONFIG CHECKPOINT --out-dir DIR
        [--score-thr 0.3]

INPUT is an image, a folder or a glob; CHECKPOINT a ``.pth`` (run by mmdet's
DetInferencer) or an exported ``.onnx`` (ONNX Runtime). Writes
``DIR/vis/NAME.jpg`` and ``DIR/preds/NAME.json`` (labels, scores, boxes in
image pixels), as DetInferencer does, with a progress bar.
"""
import argparse
import glob
import json
import os
import os.path as osp
import sys

import cv2
import mmcv
import numpy as np
from mmdet.registry import DATASETS, VISUALIZERS
from mmdet.structures import DetDataSample
from mmdet.utils import register_all_modules
from mmengine.config import Config
from mmengine.utils import track_iter_progress

from mnx_det.deploy import ORTSession
from mnx_det.errors import ImageLoadError, UserError

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')


def list_images(pattern):
    """The images an INPUT names, sorted."""
    if osp.isdir(pattern):
        files = [osp.join(pattern, f) for f in os.listdir(pattern)]
    else:
        files = glob.glob(pattern)
    images = sorted(f for f in files if f.lower().endswith(IMAGE_SUFFIXES))
    if not images:
        raise FileNotFoundError(f'no images at {pattern}')
    return images


def read_image(path):
    """The BGR image at ``path``; ImageLoadError naming it if unreadable."""
    try:
        image = mmcv.imread(path)
    except Exception as exc:  # whatever the decoder raises, name the file
        raise ImageLoadError(f'failed to load image: {path} '
                             f'({type(exc).__name__}: {exc})') from exc
    if image is None:
        raise ImageLoadError(f'failed to load image: {path} (empty, '
                             'truncated or not an image)')
    return image


def class_names(cfg):
    dataset = cfg.test_dataloader.dataset
    metainfo = dataset.get('metainfo') or DATASETS.get(
        dataset['type']).METAINFO
    return tuple(metainfo['classes'])


def infer_onnx(images, cfg, onnx_file, out_dir, score_thr):
    session = ORTSession(onnx_file)
    size = session.input_size
    bgr_to_rgb = cfg.model.data_preprocessor.get('bgr_to_rgb', False)
    visualizer = VISUALIZERS.build(
        dict(type='DetLocalVisualizer', name='infer_onnx'))
    visualizer.dataset_meta = dict(classes=class_names(cfg))
    for path in track_iter_progress(images):
        image = read_image(path)  # BGR
        resized = cv2.resize(image, (size, size)).astype(np.float32)
        if bgr_to_rgb:
            resized = resized[..., ::-1]
        scale = np.array([image.shape[1], image.shape[0]]) / size
        result = DetDataSample()
        (result.pred_instances, ) = session.detect(
            resized.transpose(2, 0, 1)[None], [scale], score_thr)
        save(path, image, result, visualizer, out_dir)


def save(path, image, result, visualizer, out_dir):
    name = osp.splitext(osp.basename(path))[0]
    visualizer.add_datasample(
        name,
        mmcv.bgr2rgb(image),
        result,
        draw_gt=False,
        out_file=osp.join(out_dir, 'vis', f'{name}.jpg'))
    pred = result.pred_instances
    os.makedirs(osp.join(out_dir, 'preds'), exist_ok=True)
    with open(osp.join(out_dir, 'preds', f'{name}.json'), 'w') as f:
        json.dump(
            dict(
                labels=pred.labels.tolist(),
                scores=pred.scores.tolist(),
                bboxes=pred.bboxes.tolist()), f)


def infer_checkpoint(images, config, checkpoint, out_dir, score_thr):
    from mmdet.apis import DetInferencer
    inferencer = DetInferencer(
        model=config, weights=checkpoint, device='cpu', show_progress=True)
    inferencer(
        images, out_dir=out_dir, pred_score_thr=score_thr, no_save_pred=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('input', help='an image, a folder or a glob')
    parser.add_argument('config')
    parser.add_argument('checkpoint', help='a .pth or an exported .onnx')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--score-thr', type=float, default=0.3)
    args = parser.parse_args()
    register_all_modules()
    try:
        images = list_images(args.input)
        if args.checkpoint.endswith('.onnx'):
            infer_onnx(images, Config.fromfile(args.config), args.checkpoint,
                       args.out_dir, args.score_thr)
        else:
            infer_checkpoint(images, args.config, args.checkpoint,
                             args.out_dir, args.score_thr)
    except UserError as exc:
        sys.exit(f'error: {exc}')
    print(f'{len(images)} images: {args.out_dir}/vis, {args.out_dir}/preds')


if __name__ == '__main__':
    main()
