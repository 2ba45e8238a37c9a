"""Every tool, given bad values for the arguments its ``--help`` lists
(zero, negative, not a number, a missing file, a file where a folder is
expected and the reverse), stops with one ``error`` line (exit 2 for a
value argparse refuses, 1 for a bad file or config): no traceback,
nothing written.

The tools run in this process (:func:`run_script`): an argument refused by
argparse costs no start-up, and an exception that escapes a tool fails the
test with its traceback.
"""
import pytest
import torch

from helpers import TOY_CONFIG, CodeRunningPayload, run_script

# {file}: an existing file; {dir}: an existing folder; {missing}: a path
# that does not exist; {unsafe}: a checkpoint that holds code; {badbase}:
# a config whose _base_ does not exist.
CASES = [
    ('train.py', '{missing}/x.py'),
    ('train.py', '{badbase}'),
    ('train.py', '{config} --cfg-options train_cfg.max_iters=abc'),
    ('train.py', '{config} --cfg-options train_cfg.max_iter=3'),
    ('train.py', '{config} --resume {missing}/iter_3.pth'),
    ('test.py', '{config} {missing}/x.pth'),
    ('test.py', '{config} {unsafe}'),
    ('test.py', '{config} {file} --threads -1'),
    ('infer.py', '{missing} {config} {file} --out-dir {dir}'),
    ('infer.py', '{dir} {config} {file} --out-dir {dir} --score-thr 2'),
    ('infer.py', '{dir} {config} {file} --out-dir {dir} --threads 0'),
    ('make_toy_voc.py', '{dir} --trainval 0'),
    ('make_toy_voc.py', '{dir} --seed -1'),
    ('make_toy_voc.py', '{dir} --image-size abc'),
    ('toy_comparison.py', '--seeds 0'),
    ('toy_comparison.py', '--iters -5'),
    ('analysis_tools/benchmark.py', '--batch 0'),
    ('analysis_tools/benchmark.py', '--size abc'),
    ('analysis_tools/benchmark_data.py', '--workers -1'),
    ('analysis_tools/benchmark_data.py', '--batch-size 0'),
    ('analysis_tools/benchmark_deploy.py', '--threads 0'),
    ('analysis_tools/benchmark_deploy.py', '--max-drop -0.1'),
    ('analysis_tools/benchmark_deploy.py', '--max-drop 0.01 --default-parts'),
    ('analysis_tools/benchmark_training.py', '--batch-sizes 0'),
    ('analysis_tools/benchmark_training.py', '--iters -1'),
    ('analysis_tools/complexity.py', '--shape 0 320'),
    ('analysis_tools/complexity.py', '{missing}/x.py'),
    ('misc/check_dataset.py', '{missing}/x.py'),
    ('misc/check_dataset.py', '{config} --cfg-options data_rot=x'),
    ('dataset_converters/pascal_voc.py', '{missing} {dir}'),
    ('deployment/pytorch2onnx.py', '{config} {file} --out {file}/m.onnx'),
    ('deployment/pytorch2onnx.py', '{config} {file} --out {dir}'),
    ('deployment/pytorch2onnx.py', '{config} {file} --out m.onnx --batch 0'),
    ('deployment/pytorch2onnx.py',
     '{config} {file} --out m.onnx --input-size -1'),
    ('deployment/pytorch2onnx.py', '{config} {missing}/x.pth --out {out}'),
    ('deployment/pytorch2executorch.py',
     '{config} {file} --out m.pte --batch 0'),
    ('deployment/quantize.py',
     '{file} --calib-config {config} --num-images 0 --out {out}'),
    ('deployment/quantize.py', '{file} --calib-config {config} --out {dir}'),
    ('deployment/quantize.py',
     '{file} --calib-config {config} --out m.onnx --fp32-parts {file}.json'),
    ('deployment/pytorch2executorch.py',
     '{config} {missing}/x.pth --out m.pte --int8 --num-images 0'),
    ('deployment/quantization_sensitivity.py',
     '{config} {file} --backend onnxruntime --max-drop 2 --out m.onnx'),
    ('deployment/quantization_sensitivity.py',
     '{config} {file} --backend executorch --max-drop 0.01 --out m.onnx'),
    ('deployment/quantization_sensitivity.py',
     '{config} {file} --backend openvino --max-drop 0.01 --out m.onnx'),
    ('deployment/quantization_sensitivity.py',
     '{config} {missing}/x.pth --backend openvino --max-drop 0.01 '
     '--out m.xml'),
    ('deployment/quantize.py',
     '{file} --calib-config {config} --out m.xml --fp32-parts {file}.json'),
    ('analysis_tools/benchmark_int8.py', '--seeds 0'),
    ('analysis_tools/benchmark_int8.py', '--fp32-parts-from {missing}/p.json'),
    ('analysis_tools/benchmark_int8.py', '--fp32-parts-from {file}'),
    ('analysis_tools/readme_tables.py', '--readme {missing}/README.md'),
    ('analysis_tools/readme_tables.py', '--readme {file}'),
    ('analysis_tools/readme_tables.py', '--deploy-table {file}'),
    ('deployment/onnx2openvino.py', '{file} --out {dir}'),
    ('deployment/onnx2openvino.py', '{missing}/m.onnx --out {out}'),
    ('model_converters/mobilenext_official.py', '{missing} {out}'),
    ('model_converters/mobilenext_official.py', '{unsafe} {out}'),
    ('model_converters/mobilenext_official.py',
     '{file} {out} --widen-factor 0'),
    ('model_converters/torchvision_mobilenet_v2.py', '{file} {dir}'),
    ('model_converters/torchvision_mobilenet_v2.py', '{unsafe} {out}'),
]


@pytest.mark.parametrize('tool, args', CASES)
def test_bad_argument_is_one_error_line(tool, args, tmp_path, monkeypatch,
                                        capsys):
    (tmp_path / 'a_file').write_text('not what the tool wants')
    (tmp_path / 'a_dir').mkdir()
    torch.save(
        dict(state_dict={}, extra=CodeRunningPayload()),
        tmp_path / 'unsafe.pth')
    (tmp_path / 'a_dir' / 'config.py').write_text("_base_ = ['./gone.py']")
    paths = dict(
        file=tmp_path / 'a_file',
        dir=tmp_path / 'a_dir',
        missing=tmp_path / 'missing',
        unsafe=tmp_path / 'unsafe.pth',
        out=tmp_path / 'out' / 'result.bin',
        config=TOY_CONFIG,
        badbase=tmp_path / 'a_dir' / 'config.py')
    monkeypatch.chdir(tmp_path)  # a tool that writes anyway writes here
    argv = [f'tools/{tool}'] + args.format(**paths).split()
    code = run_script(argv, monkeypatch)
    out, err = capsys.readouterr()
    assert code in (1, 2), (code, out[-2000:], err[-2000:])
    assert 'Traceback' not in out + err
    # one error line (a missing data root goes on with the layout expected)
    errors = [
        line for line in err.splitlines()
        if line.startswith('error: ') or ': error: ' in line
    ]
    assert len(errors) == 1, err[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'a_dir', 'a_file', 'unsafe.pth'
    ]
    assert [p.name for p in (tmp_path / 'a_dir').iterdir()] == ['config.py']
