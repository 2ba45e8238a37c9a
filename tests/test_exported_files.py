"""Exported detectors and the tools that use them: the contract a file
carries and what breaks it, files written whole, INT8 calibration
arguments, and infer.py on good and bad images."""
import re
import warnings

import cv2
import numpy as np
import onnx
import pytest
import torch
from mmengine.config import Config

from mnx_det.apis import NO_WORKERS, build_detector, load_config
from mnx_det.deploy import ORTDetector, export_onnx
from mnx_det.deploy.contract import (ContractMismatchError,
                                     MalformedContractError)
from helpers import (TOY_CLASSES, TOY_CONFIG, as_cli, run_script,
                     toy_cfg_options)


def test_onnx_file_of_other_classes_is_refused(untrained_export, small_toy_voc,
                                               monkeypatch, capsys):
    other, old = untrained_export
    with pytest.raises(ContractMismatchError, match=r"\('a', 'b', 'c'\)"):
        ORTDetector(other, classes=TOY_CLASSES)
    code = run_script(['tools/test.py', TOY_CONFIG, other] +
                      as_cli(toy_cfg_options(small_toy_voc, **NO_WORKERS)),
                      monkeypatch)
    assert code == 1
    err = capsys.readouterr().err
    assert "file:   ('a', 'b', 'c')" in err
    assert "config: ('sheep', 'tvmonitor', 'bottle')" in err
    with pytest.warns(UserWarning, match='records no export contract'):
        ORTDetector(old, classes=TOY_CLASSES)


def test_channel_order_is_the_files(untrained_export, small_toy_voc, tmp_path,
                                    monkeypatch, capsys):
    """The file records that it takes RGB (the config's bgr_to_rgb); the
    runtimes follow the record and a config that says otherwise is
    refused. A file without the record follows the config."""
    detector = build_detector(str(TOY_CONFIG)).eval()
    rgb = export_onnx(
        detector, str(tmp_path / 'rgb.onnx'), 160, classes=TOY_CLASSES)
    assert ORTDetector(rgb).bgr_to_rgb is True
    with pytest.raises(ContractMismatchError, match='another bgr_to_rgb'):
        ORTDetector(rgb, bgr_to_rgb=False)
    options = toy_cfg_options(
        small_toy_voc,
        **dict(NO_WORKERS, **{'model.data_preprocessor.bgr_to_rgb': False}))
    code = run_script(['tools/test.py', TOY_CONFIG, rgb] + as_cli(options),
                      monkeypatch)
    assert code == 1
    assert 'file:   True\n  config: False' in capsys.readouterr().err
    _, old = untrained_export
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # the old file's missing contract
        assert ORTDetector(old, bgr_to_rgb=True).bgr_to_rgb is True
        assert ORTDetector(old).bgr_to_rgb is False


@pytest.mark.parametrize('key, value, message', [
    ('classes', '[sheep', 'is not JSON'),
    ('classes', '"sheep"', 'should be a list of class names'),
    ('mean', '[1, 2]', 'should be three numbers'),
    ('max_per_img', '-3', 'should be a positive integer'),
])
def test_malformed_contract_is_named(untrained_export, small_toy_voc, tmp_path,
                                     monkeypatch, capsys, key, value, message):
    other, _ = untrained_export
    model = onnx.load(other)
    (entry, ) = [p for p in model.metadata_props if p.key == f'mnx_det.{key}']
    entry.value = value
    edited = str(tmp_path / 'edited.onnx')
    onnx.save(model, edited)
    expected = f'{edited}: its contract entry mnx_det.{key} {message}'
    with pytest.raises(MalformedContractError, match=re.escape(expected)):
        ORTDetector(edited, classes=TOY_CLASSES)
    code = run_script(['tools/test.py', TOY_CONFIG, edited] +
                      as_cli(toy_cfg_options(small_toy_voc, **NO_WORKERS)),
                      monkeypatch)
    assert code == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(f'error: {expected}')


def test_export_appears_with_its_contract_or_not_at_all(tmp_path, monkeypatch):
    from mnx_det.deploy import export as export_module

    def fails(*args, **kwargs):
        raise KeyboardInterrupt  # stopped between the graph and contract

    monkeypatch.setattr(export_module, 'export_contract', fails)
    with pytest.raises(KeyboardInterrupt):
        export_onnx(
            build_detector(str(TOY_CONFIG)).eval(),
            str(tmp_path / 'model.onnx'), 160)
    assert list(tmp_path.iterdir()) == []


def test_quantize_needs_a_batch_of_images(small_toy_voc, tmp_path):
    """ONNX Runtime collects no batch from fewer images than an export's
    batch ('No data is collected'): refused by name first."""
    from mnx_det.deploy.calibration import CalibrationError
    from mnx_det.deploy.quantize import quantize_detector
    batch4 = export_onnx(
        build_detector(str(TOY_CONFIG)).eval(),
        str(tmp_path / 'batch4.onnx'),
        160,
        batch_size=4)
    cfg = load_config(str(TOY_CONFIG), toy_cfg_options(small_toy_voc))
    with pytest.raises(
            CalibrationError,
            match='takes batches of 4 images: calibrate with at least 4 '
            'images, got 1'):
        quantize_detector(batch4, str(tmp_path / 'int8.onnx'), cfg, 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['batch4.onnx']


def test_infer_goes_past_bad_images_with_unique_names(untrained_export,
                                                      tmp_path, monkeypatch,
                                                      capsys):
    _, old = untrained_export
    photos = tmp_path / 'photos'
    photos.mkdir()
    image = np.full((120, 160, 3), 90, np.uint8)
    cv2.imwrite(str(photos / 'a.jpg'), image)
    cv2.imwrite(str(photos / 'a.png'), image)
    cv2.imwrite(
        str(photos / 'huge.jpg'), np.full((6000, 8000, 3), 90, np.uint8))
    (photos / 'empty.jpg').write_bytes(b'')
    (photos / 'notes.txt').write_text('not an image')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # the old file's missing contract
        code = run_script([
            'tools/infer.py', photos, TOY_CONFIG, old, '--out-dir',
            tmp_path / 'out'
        ], monkeypatch)
    assert code == 1
    out = capsys.readouterr().out
    assert f'error: failed to load image: {photos}/empty.jpg' in out
    assert '4 images, 3 written, 1 failed' in out
    preds = sorted(p.name for p in (tmp_path / 'out/preds').iterdir())
    assert preds == ['a.jpg.json', 'a.png.json', 'huge.jpg.json']
    vis = cv2.imread(str(tmp_path / 'out/vis/huge.jpg'))
    assert vis.shape == (6000, 8000, 3)


def test_checkpoint_inference_runs_where_torch_sees_a_device(monkeypatch):
    """infer.py with a .pth: on the device mmengine finds (the GPU when
    PyTorch sees one), or on --device (it ran on the CPU whatever the
    machine had)."""
    from mnx_det.deploy import image_inference
    devices = []

    def build(config, checkpoint, device, classes):
        devices.append(device)
        return torch.nn.Module()

    monkeypatch.setattr(image_inference, 'build_detector', build)
    monkeypatch.setattr(image_inference, 'image_pipeline', lambda cfg: None)
    for found, device in (('cuda', None), ('cuda', 'cpu'), ('cpu', None),
                          ('cpu', 'cuda:1')):
        monkeypatch.setattr(image_inference, 'get_device', lambda: found)
        image_inference.CheckpointImageDetector(Config(), 'x.pth', (), 0.3,
                                                device)
    assert devices == ['cuda', 'cpu', 'cpu', 'cuda:1']


def test_infer_keeps_one_output_per_image_of_a_glob(untrained_export, tmp_path,
                                                    monkeypatch, capsys):
    """Two folders holding an x.jpg each: two outputs, under the path each
    has below the folder they share."""
    _, old = untrained_export
    for folder in ('1', '2'):
        (tmp_path / 'g' / folder).mkdir(parents=True)
        cv2.imwrite(
            str(tmp_path / 'g' / folder / 'x.jpg'),
            np.full((120, 160, 3), 90, np.uint8))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # the old file's missing contract
        code = run_script([
            'tools/infer.py', f'{tmp_path}/g/*/x.jpg', TOY_CONFIG, old,
            '--out-dir', tmp_path / 'out'
        ], monkeypatch)
    assert code == 0
    assert '2 images, 2 written' in capsys.readouterr().out
    assert sorted(
        str(p.relative_to(tmp_path / 'out'))
        for p in (tmp_path / 'out').rglob('x.jpg*')) == [
            'preds/1/x.jpg.json', 'preds/2/x.jpg.json', 'vis/1/x.jpg',
            'vis/2/x.jpg'
        ]


@pytest.mark.parametrize('num_images', ['0', '-90'])
def test_quantize_refuses_bad_arguments(untrained_export, tmp_path,
                                        monkeypatch, capsys, num_images):
    other, _ = untrained_export
    code = run_script([
        'tools/deployment/quantize.py', other, '--calib-config', TOY_CONFIG,
        '--num-images', num_images, '--out', tmp_path / 'int8.onnx'
    ], monkeypatch)
    assert code == 2
    assert f'must be at least 1, got {num_images}' in capsys.readouterr().err


def test_quantize_checks_the_calibration_data_root(untrained_export, tmp_path,
                                                   monkeypatch, capsys):
    other, _ = untrained_export
    code = run_script([
        'tools/deployment/quantize.py', other, '--calib-config', TOY_CONFIG,
        '--out', tmp_path / 'int8.onnx', '--cfg-options',
        f'train_dataloader.dataset.datasets.0.data_root={tmp_path}/none/'
    ], monkeypatch)
    assert code == 1
    assert f'error: data root {tmp_path}/none/ does not exist' in \
        capsys.readouterr().err
