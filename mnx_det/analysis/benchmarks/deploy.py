"""Deployment speed, size and accuracy in every runtime: PyTorch eager,
ONNX Runtime fp32 and INT8 (QDQ), OpenVINO f32, bf16 and INT8 (NNCF's IR),
ExecuTorch (XNNPACK) fp32 and INT8 (PT2E); SSDLite-MobileNeXt and
SSDLite-MobileNetV2, the table of ``benchmarks/deploy_cpu.md``.

Speed: trained toy detectors at 320x320 (toy test images resized),
post-processing included (in the graph for ONNX Runtime and OpenVINO, in
Python for ExecuTorch, whose program returns raw outputs), batch 1 and 8,
every case timed in the same interleaved rounds, with a short pause before
each timed call (:data:`.deploy_report.SETTLE_MS`). Accuracy: toy VOC07
mAP at the toy input size in each runtime, and each INT8 path's drop from
fp32. With ONNX Runtime's per-operator profile of the fp32 and INT8
MobileNeXt models at batch 1.

The parts each INT8 file keeps fp32 are measured per runtime and detector
(:mod:`...deploy.sensitivity`, the budget ``max_drop`` on the toy training
images), or :data:`...deploy.parts.DEFAULT_FP32_PARTS` without a budget.
"""
import collections
import copy
import json
import os
import os.path as osp
from typing import NamedTuple

import cv2
import numpy as np
import onnxruntime as ort
import torch
from mmdet.structures import DetDataSample
from mmengine.runner import Runner

from ...apis import build_detector, toy_run_config
from ...datasets import make_toy_voc
from ...deploy import OpenVINOSession, export_onnx, open_session
from ...deploy.calibration import calibration_images
from ...deploy.executorch_export import export_executorch
from ...deploy.openvino_ir import model_size
from ...deploy.openvino_quantize import quantize_openvino
from ...deploy.parts import DEFAULT_FP32_PARTS
from ...deploy.quantize import quantize_detector
from ...deploy.sensitivity import measure
from ...deploy.sensitivity import report as sensitivity_report
from ..timing import measure_spread
from .deploy_report import BATCHES, SETTLE_MS, SIZE, report


class Runtime(NamedTuple):
    """One row of the table: which exported file (``fp32``, ``int8``:
    ONNX, ``pte``: ExecuTorch) runs in which backend with what settings;
    ``None`` for PyTorch eager."""
    file: str
    backend: str
    options: dict
    int8_of: str = None  # the fp32 row an INT8 row is compared with


RUNTIMES = {
    'PyTorch eager':
    None,
    'ORT fp32':
    Runtime('fp32', 'onnxruntime', {}),
    'ORT INT8':
    Runtime('int8', 'onnxruntime', {}, int8_of='ORT fp32'),
    'OpenVINO f32':
    Runtime('fp32', 'openvino', dict(precision='f32')),
    'OpenVINO bf16':
    Runtime('fp32', 'openvino', dict(precision='bf16')),
    # NNCF's IR, its float ops in OpenVINO's default precision
    'OpenVINO INT8':
    Runtime('int8_openvino', 'openvino', {}, int8_of='OpenVINO f32'),
    'ExecuTorch fp32':
    Runtime('pte', 'executorch', {}),
    'ExecuTorch INT8':
    Runtime('pte_int8', 'executorch', {}, int8_of='ExecuTorch fp32'),
}

# each INT8 file -> the runtime whose measurement chooses its fp32 parts
INT8_FILES = {
    runtime.file: runtime.backend
    for runtime in RUNTIMES.values() if runtime is not None and runtime.int8_of
}
CALIBRATION_IMAGES = 64
SELECTION_IMAGES = 80  # half the toy training set


class Int8Parts(NamedTuple):
    """The fp32 parts of one INT8 file, and the measurement behind them
    (``None`` for the default)."""
    fp32_parts: tuple
    drop: float = None  # on the selection images
    table: list = None  # the sensitivity report's lines


def int8_parts(detector, cfg, work_dir, max_drop):
    """{INT8 file kind: :class:`Int8Parts`} of one detector: measured
    within ``max_drop``, or the default parts if it is ``None``."""
    if max_drop is None:
        return {kind: Int8Parts(DEFAULT_FP32_PARTS) for kind in INT8_FILES}
    parts = {}
    for kind, target in INT8_FILES.items():
        folder = osp.join(work_dir, f'sensitivity_{target}')
        os.makedirs(folder, exist_ok=True)
        fp32_map, choice, _ = measure(detector, cfg, target, folder, max_drop,
                                      CALIBRATION_IMAGES, SELECTION_IMAGES)
        parts[kind] = Int8Parts(
            tuple(choice.fp32_parts), choice.drop,
            sensitivity_report(choice, fp32_map, target, max_drop))
    return parts


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


def available_runtimes():
    """The rows this machine can run (bf16 needs a CPU that has it)."""
    bf16 = 'BF16' in OpenVINOSession.capabilities()
    return {
        name: runtime
        for name, runtime in RUNTIMES.items()
        if bf16 or name != 'OpenVINO bf16'
    }


def exports(detector, cfg, prefix, size, batch, parts):
    """{'fp32', 'pte', and the :data:`INT8_FILES`} -> the exported files
    of one input size and batch; INT8 calibrated on
    :data:`CALIBRATION_IMAGES` training images, each by its runtime's
    quantizer, with ``parts`` ({kind: :class:`Int8Parts`}) fp32."""
    stem = f'{prefix}_{size}_b{batch}'
    fp32 = export_onnx(detector, f'{stem}.onnx', size, batch_size=batch)
    return dict(
        fp32=fp32,
        pte=export_executorch(detector, f'{stem}.pte', size, batch_size=batch),
        int8=quantize_detector(fp32, f'{stem}_int8.onnx', cfg,
                               CALIBRATION_IMAGES, parts['int8'].fp32_parts),
        int8_openvino=quantize_openvino(fp32, f'{stem}_int8_openvino.xml', cfg,
                                        CALIBRATION_IMAGES,
                                        parts['int8_openvino'].fp32_parts),
        pte_int8=export_executorch(
            detector,
            f'{stem}_int8.pte',
            size,
            batch_size=batch,
            calibration=calibration_images(cfg, CALIBRATION_IMAGES, size),
            fp32_parts=parts['pte_int8'].fp32_parts))


def open_runtime(runtime, files, threads):
    options = dict(runtime.options)
    if runtime.backend != 'executorch':  # its thread pool is fixed
        options['num_threads'] = threads
    return open_session(files[runtime.file], runtime.backend, **options)


def runtime_maps(cfg, checkpoint, files, runtimes):
    """Toy mAP of each runtime."""
    maps = {}
    for name, runtime in runtimes.items():
        if runtime is None:
            maps[name] = test_map(cfg, checkpoint=checkpoint)
        else:
            maps[name] = test_map(
                cfg,
                dict(
                    type='DeployedDetector',
                    model_file=files[runtime.file],
                    backend=runtime.backend,
                    **runtime.options))
    return maps


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


def session_case(session, images):
    batch = np.stack([i[..., ::-1].transpose(2, 0, 1)
                      for i in images]).astype(np.float32)
    return lambda: session(batch)


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


class DeployBenchmark:
    """The cases, sizes, accuracies and INT8 parts of the detectors added,
    then timed together (:meth:`lines`).

    Args:
        tmp (str): A scratch folder.
        threads (int): Threads of every runtime but ExecuTorch (one per
            core, fixed).
        max_drop (float, optional): The INT8 files' budget (see the module
            doc); ``None``: the default fp32 parts.
    """

    def __init__(self, tmp, threads, max_drop):
        self.tmp, self.threads, self.max_drop = tmp, threads, max_drop
        self.data_root = make_toy_voc(osp.join(tmp, 'toy'))
        self.test_images = [
            cv2.resize(
                cv2.imread(f'{self.data_root}VOC2007/JPEGImages/{i:06d}.jpg'),
                (SIZE, SIZE)) for i in range(161, 169)
        ]
        self.runtimes = available_runtimes()
        self.cases, self.sizes, self.maps, self.parts = {}, {}, {}, {}
        self.precisions, self.kernels, self.ops = {}, {}, None

    def add(self, family, config, checkpoint=None):
        """Train ``config`` (unless ``checkpoint`` is given), measure its
        INT8 parts, export, score, and prepare its timed cases."""
        work_dir = osp.join(self.tmp, family)
        checkpoint = checkpoint or train(config, self.data_root, work_dir)
        cfg = toy_run_config(config, self.data_root, work_dir)
        detector = build_detector(cfg, checkpoint)
        parts = int8_parts(detector, cfg, work_dir, self.max_drop)
        self.parts[family] = parts
        prefix = osp.join(self.tmp, family)
        # accuracy at the toy input size
        files = exports(detector, cfg, prefix, cfg.get('input_size', SIZE), 8,
                        parts)
        self.maps[family] = runtime_maps(cfg, checkpoint, files, self.runtimes)
        # speed at 320
        for batch in BATCHES:
            files = exports(detector, cfg, prefix, SIZE, batch, parts)
            self._add_cases(family, detector, files, batch)
            if batch == 1:
                self.sizes[family] = {
                    k: model_size(f)
                    for k, f in files.items()
                }
                if family == 'MobileNeXt':
                    self.ops = [
                        profile(files[k], self.test_images[:1], self.threads)
                        for k in ('fp32', 'int8')
                    ]

    def _add_cases(self, family, detector, files, batch):
        images = self.test_images[:batch]
        for name, runtime in self.runtimes.items():
            if runtime is None:
                case = eager_case(detector, images)
            else:
                session = open_runtime(runtime, files, self.threads)
                self.precisions[name] = getattr(session, 'precision', None)
                if batch == 1 and hasattr(session, 'conv_kernels'):
                    self.kernels[(family, name)] = session.conv_kernels()
                case = session_case(session, images)
            self.cases[(family, name, batch)] = case

    def lines(self, repeats, kept):
        """Time every case in ``repeats`` interleaved rounds; the report's
        lines (``kept``: freed memory is kept in the process, said in the
        header)."""
        timings = measure_spread(self.cases, repeats, settle_ms=SETTLE_MS)
        return report(timings, self.sizes, self.maps, self.ops,
                      (repeats, self.threads, kept),
                      (self.runtimes, self.precisions, self.kernels),
                      (self.parts, self.max_drop))

    def choices(self):
        """{family: {runtime: its INT8 file's fp32 parts and selection
        drop}}, what ``--fp32-parts-from`` of ``benchmark_int8.py`` takes
        (JSON-ready)."""
        return {
            family: {
                INT8_FILES[kind]:
                dict(fp32_parts=list(p.fp32_parts), drop=p.drop)
                for kind, p in parts.items()
            }
            for family, parts in self.parts.items()
        }


def run(configs, tmp, repeats, threads, kept, checkpoints=None, max_drop=0.01):
    """Train (or take ``checkpoints``), measure INT8 parts, export,
    quantize, time; the report's lines and :meth:`DeployBenchmark.choices`.

    Args:
        configs (dict): Family -> its toy config file.
        tmp, threads, max_drop: As :class:`DeployBenchmark`.
        repeats (int): Interleaved rounds.
        kept (bool): Freed memory is kept in the process (said in the
            header).
        checkpoints (list[str], optional): Trained checkpoints, in the order
            of ``configs``.
    """
    benchmark = DeployBenchmark(tmp, threads, max_drop)
    for (family, config), given in zip(configs.items(), checkpoints
                                       or (None, None)):
        benchmark.add(family, config, given)
    return benchmark.lines(repeats, kept), benchmark.choices()
