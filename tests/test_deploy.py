"""Deployment: the ONNX export of the trained toy detector runs in ONNX
Runtime with PyTorch's detections and mAP; INT8; inference on images."""
import json
import os

import cv2
import numpy as np
import onnx
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.runner import Runner
from torchvision.ops import batched_nms

from mnx_det.apis import toy_run_config
from mnx_det.deploy import (DeployModelError, ExportableSSD,
                            ExportNotSupportedError, ORTSession, export_onnx)
from mnx_det.deploy.postprocess import CLASS_SCORES, best_survivors
from mnx_det.deploy.quantize import quantize_detector
from helpers import (ROOT, assert_same_detections, build, build_head,
                     rgb_batch, run_script, run_tool, toy_images)

TOY = 'configs/toy/ssdlite_mobilenext_toy.py'


def test_onnx_runtime_detections_equal_pytorchs(exported, toy_voc):
    _, onnx_file, detector = exported
    images = toy_images(toy_voc, 4)  # BGR, 160x160
    boxes, scores, labels = ORTSession(onnx_file)(rgb_batch(images))
    meta = dict(
        img_shape=(160, 160),
        ori_shape=(160, 160),
        pad_shape=(160, 160),
        scale_factor=(1., 1.))
    data = dict(
        inputs=[torch.from_numpy(i.transpose(2, 0, 1).copy()) for i in images],
        data_samples=[DetDataSample(metainfo=meta) for _ in images])
    with torch.no_grad():
        ours = detector.test_step(data)
    for i, result in enumerate(ours):
        pred = result.pred_instances
        count = int((scores[i] > 0).sum())
        assert count == len(pred) > 0
        assert_same_detections(
            (pred.bboxes, pred.scores, pred.labels),
            (boxes[i, :count], scores[i, :count], labels[i, :count]))
        assert (labels[i, count:] == -1).all()


def test_raw_outputs_decode_in_python_as_in_the_graph(exported, toy_voc,
                                                      tmp_path):
    # the post-processing of --no-postprocess files and ExecuTorch programs
    _, onnx_file, detector = exported
    raw = str(tmp_path / 'raw.onnx')
    export_onnx(detector, raw, 160, postprocess=False)
    images = rgb_batch(toy_images(toy_voc, 4))
    in_graph, in_python = ORTSession(onnx_file)(images), ORTSession(raw)(
        images)
    for i in range(len(images)):
        count = int((in_graph[1][i] > 0).sum())
        assert count == int((in_python[1][i] > 0).sum()) > 0
        assert_same_detections([a[i, :count] for a in in_graph],
                               [a[i, :count] for a in in_python],
                               score_tol=1e-6)
        assert (in_python[2][i, count:] == -1).all()


@pytest.mark.parametrize('spread, k', [(8., 100), (300., 100), (300., 5)])
def test_nms_of_the_best_boxes_keeps_what_nms_of_all_keeps(spread, k):
    # spread 8: boxes pile up, few of the first 4k survive and the search
    # widens to all; 300: most survive, k of them among the first 4k
    generator = torch.Generator().manual_seed(0)
    corners = torch.rand(3000, 2, generator=generator) * spread
    sizes = 10 + 40 * torch.rand(3000, 2, generator=generator)
    boxes = torch.cat([corners, corners + sizes], 1)
    scores = torch.rand(3000, generator=generator)
    labels = torch.randint(0, 3, (3000, ), generator=generator)
    every = batched_nms(boxes, scores, labels, 0.45)
    best = best_survivors(boxes, scores, labels, 0.45, k)
    assert torch.equal(best, every[:k])
    assert len(best) == min(k, len(every))


@pytest.mark.parametrize('config', [TOY, 'ssdlite_mobilenext_coco.py'])
def test_contract_names_the_heads_score_function(config):
    head = build_head(config.replace('configs/', ''))
    logits = torch.randn(2, 5, head.cls_out_channels) * 10
    scores = CLASS_SCORES[head.class_score_function](logits.numpy())
    assert scores.dtype == np.float32
    # numpy's exp and PyTorch's vectorised one round differently: a few
    # float32 ulps of scores up to 1 (eps 1.2e-7)
    np.testing.assert_allclose(
        scores, head.class_scores(logits).numpy(), rtol=0, atol=1e-6)


def test_test_tool_scores_the_onnx_file_like_the_checkpoint(
        exported, trained_toy_detector, toy_voc):
    _, onnx_file, _ = exported
    _, metrics = trained_toy_detector
    result = run_tool([
        'tools/test.py', TOY, onnx_file, '--cfg-options',
        f'test_dataloader.dataset.data_root={toy_voc}',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False'
    ])
    assert result.returncode == 0, result.stderr[-2000:]
    line = [
        x for x in result.stdout.splitlines() + result.stderr.splitlines()
        if 'pascal_voc/mAP:' in x
    ][-1]
    onnx_map = float(line.split('pascal_voc/mAP:')[1].split()[0])
    assert onnx_map == pytest.approx(metrics['pascal_voc/mAP'], abs=0.002)


def onnx_map(onnx_file, data_root, work_dir):
    cfg = toy_run_config(ROOT / 'configs/toy/ssdlite_mobilenext_toy.py',
                         data_root, work_dir)
    cfg.model = dict(type='ORTDetector', model_file=onnx_file)
    return Runner.from_cfg(cfg).test()['pascal_voc/mAP']


def test_int8_model_is_smaller_and_as_accurate(exported, trained_toy_detector,
                                               toy_voc, tmp_path):
    _, onnx_file, _ = exported
    _, fp32_metrics = trained_toy_detector
    cfg = toy_run_config(ROOT / 'configs/toy/ssdlite_mobilenext_toy.py',
                         toy_voc, tmp_path)
    int8_file = str(tmp_path / 'toy_int8.onnx')
    quantize_detector(onnx_file, int8_file, cfg, num_images=16)
    # int8 weights; the stem, first two stages and predictors stay fp32, as
    # do the scales: about a third of the fp32 file (README)
    ratio = os.path.getsize(int8_file) / os.path.getsize(onnx_file)
    print(f'INT8 / fp32 file size: {ratio:.3f}')
    assert ratio < 0.36
    # every ReLU6 is folded into its quantized conv: no Dequantize -> Clip
    # -> Quantize detour between two convs (it made INT8 slower than fp32)
    graph = onnx.load(int8_file).graph
    producer = {
        out: node.op_type
        for node in graph.node
        for out in node.output
    }
    assert not [
        node.name for node in graph.node if node.op_type == 'Clip'
        and producer.get(node.input[0]) == 'DequantizeLinear'
    ]
    int8_map = onnx_map(int8_file, toy_voc, tmp_path / 'int8')
    fp32_map = fp32_metrics['pascal_voc/mAP']
    print(f'toy mAP, fp32 {fp32_map:.3f}, INT8 ONNX Runtime {int8_map:.3f}')
    # the README's promise; over training seeds 0-3 of the toy detector
    # INT8 moved its mAP by -0.009 to +0.006 here, half the bound
    assert abs(int8_map - fp32_map) <= 0.02


def test_a_file_that_is_no_export_is_named(exported, tmp_path):
    broken = tmp_path / 'broken.onnx'
    broken.write_bytes(b'\x08\x07 this is not a model')
    with pytest.raises(DeployModelError, match='broken.onnx is not a'):
        ORTSession(str(broken))
    with pytest.raises(DeployModelError, match='missing.onnx does not exist'):
        ORTSession(str(tmp_path / 'missing.onnx'))
    # an ONNX graph, but of no detector
    graph = onnx.helper.make_graph(
        [onnx.helper.make_node('Relu', ['images'], ['out'])], 'relu', [
            onnx.helper.make_tensor_value_info(
                'images', onnx.TensorProto.FLOAT, [1, 3, 8, 8])
        ], [
            onnx.helper.make_tensor_value_info('out', onnx.TensorProto.FLOAT,
                                               [1, 3, 8, 8])
        ])
    onnx.save(onnx.helper.make_model(graph), str(tmp_path / 'relu.onnx'))
    with pytest.raises(
            DeployModelError,
            match=r"relu.onnx is not an mnx_det detector export: "
            r"it returns \['out'\]"):
        ORTSession(str(tmp_path / 'relu.onnx'))


def test_fpn_detectors_are_refused_by_name():
    model = build('fpn/retinanet_mobilenext_fpn_voc07.py')
    with pytest.raises(ExportNotSupportedError, match='RetinaHead'):
        ExportableSSD(model, 320)


def infer(images, model_file, out_dir, monkeypatch):
    """tools/infer.py's detections of ``images`` by ``model_file``:
    {name: (boxes, scores, labels)}; every file it read, with repeats."""
    reads, load = [], torch.load

    def counted_load(f, *args, **kwargs):
        reads.append(str(f))
        return load(f, *args, **kwargs)

    monkeypatch.setattr(torch, 'load', counted_load)
    assert run_script([
        'tools/infer.py', images, TOY, model_file, '--out-dir', out_dir,
        '--score-thr', '0.2', '--device', 'cpu'
    ], monkeypatch) == 0
    preds = {}
    for name in ('photo0.jpg', 'photo1.jpg'):
        assert cv2.imread(str(out_dir / 'vis' / name)).shape == (200, 240, 3)
        pred = json.loads((out_dir / 'preds' / f'{name}.json').read_text())
        preds[name] = (pred['bboxes'], pred['scores'], pred['labels'])
    return preds, reads


def test_infer_tool_draws_and_writes_detections(exported, toy_voc, tmp_path,
                                                monkeypatch):
    """The .onnx file and its .pth checkpoint (read once) find the same
    boxes in a user's photos."""
    checkpoint, onnx_file, _ = exported
    images = tmp_path / 'photos'
    images.mkdir()
    for i, image in enumerate(toy_images(toy_voc, 2)):
        # a user's photo: not the model's input size
        photo = cv2.resize(image, (240, 200))
        cv2.imwrite(str(images / f'photo{i}.jpg'), photo)
    from_onnx, _ = infer(images, onnx_file, tmp_path / 'onnx', monkeypatch)
    from_pth, reads = infer(images, checkpoint, tmp_path / 'pth', monkeypatch)
    assert reads.count(checkpoint) == 1
    for name, (boxes, scores, labels) in from_onnx.items():
        assert len(boxes) == len(scores) > 0
        assert min(scores) >= 0.2
        assert max(b[2] for b in boxes) <= 240 * 1.5
        # fp32 in two runtimes; boxes in photo pixels (1.5x the input's)
        assert_same_detections((boxes, scores, labels),
                               from_pth[name],
                               box_tol=1.5e-3)
