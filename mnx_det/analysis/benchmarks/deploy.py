"""Deployment speed, size and accuracy: PyTorch eager vs ONNX Runtime fp32
vs ONNX Runtime INT8, SSDLite-MobileNeXt and SSDLite-MobileNetV2, the
table of ``benchmarks/deploy_cpu.md``.

Speed: trained toy detectors at 320x320 (toy test images resized),
post-processing included, batch 1 and 8, every case timed in the same
interleaved rounds, with a short pause before each timed call
(:data:`SETTLE_MS`). Accuracy: toy VOC07 mAP at the toy input size in each
runtime. With ONNX Runtime's per-operator profile of the fp32 and INT8
MobileNeXt models at batch 1.
"""
import collections
import copy
import json
import os
import os.path as osp

import cv2
import numpy as np
import onnxruntime as ort
import torch
from mmdet.structures import DetDataSample
from mmengine.runner import Runner

from ...apis import build_detector, toy_run_config
from ...datasets import make_toy_voc
from ...deploy import ORTSession, export_onnx
from ...deploy.quantize import quantize_detector
from ..report import FAMILIES, cpu_description
from ..timing import measure_spread

RUNTIMES = ('PyTorch eager', 'ORT fp32', 'ORT INT8')
BATCHES = (1, 8)
SIZE = 320
# PyTorch's OpenMP workers spin after each call and would slow whichever
# case runs next (ONNX Runtime's): an idle pause before each timed call.
SETTLE_MS = 20


def train(config, data_root, work_dir):
    """Train a toy detector; its final checkpoint."""
    runner = Runner.from_cfg(toy_run_config(config, data_root, work_dir))
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


def run(configs, tmp, repeats, threads, kept, checkpoints=None):
    """Train (or take ``checkpoints``), export, quantize, time; the
    report's lines.

    Args:
        configs (dict): Family -> its toy config file.
        tmp (str): A scratch folder.
        repeats (int): Interleaved rounds.
        threads (int): Threads of every runtime.
        kept (bool): Freed memory is kept in the process (said in the
            header).
        checkpoints (list[str], optional): Trained checkpoints, in the order
            of ``configs``.
    """
    data_root = make_toy_voc(osp.join(tmp, 'toy'))
    test_images = [
        cv2.resize(
            cv2.imread(f'{data_root}VOC2007/JPEGImages/{i:06d}.jpg'),
            (SIZE, SIZE)) for i in range(161, 169)
    ]
    cases, sizes, maps = {}, {}, {}
    for (family, config), given in zip(configs.items(), checkpoints
                                       or (None, None)):
        work_dir = osp.join(tmp, family)
        checkpoint = given or train(config, data_root, work_dir)
        cfg = toy_run_config(config, data_root, work_dir)
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
                   batch)] = ort_case(ORTSession(fp32, threads), images)
            cases[(family, 'ORT INT8',
                   batch)] = ort_case(ORTSession(int8, threads), images)
            if batch == 1:
                sizes[family] = (os.path.getsize(fp32), os.path.getsize(int8))
                if family == 'MobileNeXt':
                    ops_fp32 = profile(fp32, images, threads)
                    ops_int8 = profile(int8, images, threads)
    timings = measure_spread(cases, repeats, settle_ms=SETTLE_MS)
    return report(timings, sizes, maps, (ops_fp32, ops_int8),
                  (repeats, threads, kept))


def report(timings, sizes, maps, profiles, setting):
    """The markdown lines of the deploy table; ``setting``: (repeats,
    threads, whether freed memory was kept)."""
    ops_fp32, ops_int8 = profiles
    repeats, threads, kept = setting
    lines = [
        '# Deployment on CPU: PyTorch eager vs ONNX Runtime fp32 vs INT8', '',
        f'CPU: {cpu_description()}.', '',
        f'Toy-trained SSDLite detectors (3 classes) at {SIZE}x{SIZE}, '
        'post-processing included (score threshold, class-wise NMS, top '
        f'100), {threads} threads, ms per batch: median (min-max) of '
        f'{repeats} interleaved rounds, {SETTLE_MS} ms idle before '
        'each timed call' +
        (', freed memory kept in the process (glibc '
         'mallopt, as in benchmark_cpu.md)' if kept else '') +
        f'. PyTorch {torch.__version__}, '
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
    return lines
