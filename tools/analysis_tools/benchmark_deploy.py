"""Deployment speed, size and accuracy: PyTorch eager vs ONNX Runtime fp32 vs
ONNX Runtime INT8, SSDLite-MobileNeXt and SSDLite-MobileNetV2.

    python tools/analysis_tools/benchmark_deploy.py [--repeats 20]
        [--checkpoints MNX.pth MV2.pth] [--out-dir benchmarks]

Both toy detectors are trained first (the toy configs, about 3 minutes each
on 2 cores) unless --checkpoints gives them. Speed: the trained detectors
run at 320x320 (toy test images resized), post-processing included, batch
1 and 8, every case timed in the same interleaved rounds, 2 threads,
a short pause before each timed call (SETTLE_MS).
Accuracy: toy VOC07 mAP at the toy input size in each runtime. Writes
benchmarks/deploy_cpu.md, with ONNX Runtime's per-operator profile of the
fp32 MobileNeXt model at batch 1.
"""
import argparse
import collections
import copy
import json
import os
import os.path as osp
import tempfile
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import torch
from mmdet.structures import DetDataSample
from mmdet.utils import register_all_modules
from mmengine.config import Config
from mmengine.runner import Runner

from mnx_det.analysis.timing import keep_freed_memory, measure_spread
from mnx_det.datasets import make_toy_voc
from mnx_det.deploy import ORTSession, export_onnx
from mnx_det.deploy.export import build_detector
from mnx_det.deploy.quantize import quantize_detector
from mnx_det.engine import set_data_root

ROOT = Path(__file__).resolve().parents[2]
FAMILIES = {
    'MobileNeXt': 'configs/toy/ssdlite_mobilenext_toy.py',
    'MobileNetV2': 'configs/toy/ssdlite_mobilenetv2_toy.py',
}
RUNTIMES = ('PyTorch eager', 'ORT fp32', 'ORT INT8')
BATCHES = (1, 8)
SIZE = 320
# PyTorch's OpenMP workers spin after each call; without a pause, the case
# timed right after eager PyTorch ran ~15% slower (ONNX Runtime fp32, b1).
SETTLE_MS = 20


def toy_cfg(config, data_root, work_dir):
    cfg = Config.fromfile(str(ROOT / config))
    set_data_root(cfg, data_root)
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=0)
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].num_workers = 0
        cfg[f'{split}_dataloader'].persistent_workers = False
    return cfg


def train(config, data_root, work_dir):
    cfg = toy_cfg(config, data_root, work_dir)
    cfg.default_hooks.checkpoint.interval = cfg.train_cfg.max_iters
    cfg.train_cfg.val_begin = cfg.train_cfg.max_iters + 1
    runner = Runner.from_cfg(cfg)
    runner.train()
    return osp.join(work_dir, f'iter_{runner.iter}.pth')


def test_map(cfg, model=None, checkpoint=None):
    cfg = copy.deepcopy(cfg)
    if model is not None:
        cfg.model = model
    cfg.load_from = checkpoint
    return Runner.from_cfg(cfg).test()['pascal_voc/mAP']


def exports(detector, cfg, prefix, size, batch):
    """(fp32 file, INT8 file) of one input size and batch."""
    fp32 = export_onnx(
        detector, f'{prefix}_{size}_b{batch}.onnx', size, batch_size=batch)
    int8 = quantize_detector(
        fp32, f'{prefix}_{size}_b{batch}_int8.onnx', cfg, num_images=64)
    return fp32, int8


def session(path, threads):
    return ORTSession(path, num_threads=threads)


def eager_case(detector, images):
    inputs = [torch.from_numpy(i.transpose(2, 0, 1).copy()) for i in images]
    meta = dict(
        img_shape=(SIZE, SIZE),
        ori_shape=(SIZE, SIZE),
        pad_shape=(SIZE, SIZE),
        scale_factor=(1., 1.))

    def run():
        data = dict(
            inputs=inputs,
            data_samples=[DetDataSample(metainfo=meta) for _ in images])
        with torch.no_grad():
            detector.test_step(data)

    return run


def ort_case(ort_session, images):
    batch = np.stack([i[..., ::-1].transpose(2, 0, 1)
                      for i in images]).astype(np.float32)
    return lambda: ort_session(batch)


def profile(path, images, threads, runs=20):
    """Total milliseconds per operator type over ``runs`` batch-1 runs."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.add_session_config_entry('session.intra_op.allow_spinning', '0')
    options.enable_profiling = True
    options.profile_file_prefix = osp.splitext(path)[0] + '_profile'
    sess = ort.InferenceSession(
        path, options, providers=['CPUExecutionProvider'])
    batch = np.stack([images[0][..., ::-1].transpose(2, 0,
                                                     1)]).astype(np.float32)
    for _ in range(runs):
        sess.run(None, {'images': batch})
    with open(sess.end_profiling()) as f:
        events = json.load(f)
    totals = collections.Counter()
    for event in events:
        if event.get('cat') == 'Node' and event['name'].endswith(
                '_kernel_time'):
            totals[event['args']['op_name']] += event['dur'] / 1000 / runs
    return totals


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=20)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--checkpoints', nargs=2, metavar=('MNX', 'MV2'))
    parser.add_argument('--out-dir', default=str(ROOT / 'benchmarks'))
    args = parser.parse_args()
    register_all_modules()
    torch.set_num_threads(args.threads)
    # As benchmark.py: PyTorch's eager time without glibc's page faults
    # (ONNX Runtime has its own arena), the stricter baseline for ORT.
    args.kept_freed_memory = keep_freed_memory()
    with tempfile.TemporaryDirectory(prefix='deploy_bench_') as tmp:
        text = run(args, tmp)
    print(text)
    out = Path(args.out_dir) / 'deploy_cpu.md'
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(f'written to {out}')


def run(args, tmp):
    """Train or load, export, quantize, time; the report's text."""
    data_root = make_toy_voc(osp.join(tmp, 'toy'))
    test_images = [
        cv2.resize(
            cv2.imread(f'{data_root}VOC2007/JPEGImages/{i:06d}.jpg'),
            (SIZE, SIZE)) for i in range(161, 169)
    ]
    cases, sizes, maps = {}, {}, {}
    for (family, config), given in zip(FAMILIES.items(), args.checkpoints
                                       or (None, None)):
        work_dir = osp.join(tmp, family)
        checkpoint = given or train(config, data_root, work_dir)
        cfg = toy_cfg(config, data_root, work_dir)
        detector = build_detector(cfg, checkpoint)
        prefix = osp.join(tmp, family)
        # accuracy at the toy input size
        toy_size = cfg.get('input_size', SIZE)
        fp32, int8 = exports(detector, cfg, prefix, toy_size, 8)
        maps[family] = dict(
            zip(RUNTIMES,
                (test_map(cfg, checkpoint=checkpoint),
                 test_map(cfg, dict(type='ORTDetector', onnx_file=fp32)),
                 test_map(cfg, dict(type='ORTDetector', onnx_file=int8)))))
        # speed at 320
        for batch in BATCHES:
            fp32, int8 = exports(detector, cfg, prefix, SIZE, batch)
            images = test_images[:batch]
            cases[(family, 'PyTorch eager',
                   batch)] = eager_case(detector, images)
            cases[(family, 'ORT fp32',
                   batch)] = ort_case(session(fp32, args.threads), images)
            cases[(family, 'ORT INT8',
                   batch)] = ort_case(session(int8, args.threads), images)
            if batch == 1:
                sizes[family] = (os.path.getsize(fp32), os.path.getsize(int8))
                if family == 'MobileNeXt':
                    ops_fp32 = profile(fp32, images, args.threads)
                    ops_int8 = profile(int8, images, args.threads)
    timings = measure_spread(cases, args.repeats, settle_ms=SETTLE_MS)
    return report(timings, sizes, maps, ops_fp32, ops_int8, args)


def report(timings, sizes, maps, ops_fp32, ops_int8, args):
    lines = [
        '# Deployment on CPU: PyTorch eager vs ONNX Runtime fp32 vs INT8', '',
        f'Toy-trained SSDLite detectors (3 classes) at {SIZE}x{SIZE}, '
        'post-processing included (score threshold, class-wise NMS, top '
        f'100), {args.threads} threads, ms per batch: median (min-max) of '
        f'{args.repeats} interleaved rounds, {SETTLE_MS} ms idle before '
        'each timed call' +
        (', freed memory kept in the process (glibc '
         'mallopt, as in benchmark_cpu.md)' if args.kept_freed_memory else '')
        + f'. PyTorch {torch.__version__}, '
        f'ONNX Runtime {ort.__version__}.', '',
        '| batch | runtime | MobileNeXt | MobileNetV2 | MobileNeXt / '
        'MobileNetV2 | MobileNeXt speed-up vs eager |',
        '|---|---|---|---|---|---|'
    ]
    for batch in BATCHES:
        eager = timings[('MobileNeXt', 'PyTorch eager', batch)].median
        for runtime in RUNTIMES:
            mnx = timings[('MobileNeXt', runtime, batch)]
            mv2 = timings[('MobileNetV2', runtime, batch)]
            lines.append(f'| {batch} | {runtime} | {mnx} | {mv2} | '
                         f'{mnx.median / mv2.median:.2f} | '
                         f'{eager / mnx.median:.2f}x |')
    lines += ['', '| | MobileNeXt | MobileNetV2 |', '|---|---|---|']
    for i, name in enumerate(('fp32 file (MiB)', 'INT8 file (MiB)')):
        lines.append(f'| {name} | {sizes["MobileNeXt"][i] / 2**20:.2f} | '
                     f'{sizes["MobileNetV2"][i] / 2**20:.2f} |')
    lines.append('| INT8 / fp32 size | ' +
                 ' | '.join(f'{sizes[f][1] / sizes[f][0]:.0%}'
                            for f in FAMILIES) + ' |')
    for runtime in RUNTIMES:
        lines.append(f'| toy VOC07 mAP, {runtime} | ' +
                     ' | '.join(f'{maps[f][runtime]:.3f}'
                                for f in FAMILIES) + ' |')
    lines += [
        '', 'ONNX Runtime profile, MobileNeXt at batch 1 (ms per run, by '
        'operator type, top 10):', '', '| operator | fp32 | | operator | '
        'INT8 |', '|---|---|---|---|---|'
    ]
    for (op32, ms32), (op8, ms8) in zip(
            ops_fp32.most_common(10), ops_int8.most_common(10)):
        lines.append(f'| {op32} | {ms32:.2f} | | {op8} | {ms8:.2f} |')
    return '\n'.join(lines) + '\n'


if __name__ == '__main__':
    main()
