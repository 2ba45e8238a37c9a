"""The package as another MMDetection project gets it: the wheel, installed
without its source tree, imported by ``custom_imports``.

The wheel is built from a copy of the repository and installed with
``--no-deps`` into a fresh virtual environment that sees this environment's
third-party packages (a ``.pth`` line) but not the repository; the guest
runs from a folder outside it.
"""
import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest
import yaml

from helpers import ROOT

# Runs in the guest's environment: what import mnx_det changes, then two
# guest configs built and run.
GUEST = r'''
import json, os, sys, time
# the deploy runtimes are optional extras: a guest may have none of them
sys.modules.update(dict.fromkeys(['onnx', 'onnxruntime', 'openvino',
                                  'nncf', 'executorch']))
import torch
from mmcv.transforms import LoadImageFromFile
from mmdet.datasets import XMLDataset
from mmdet.evaluation import VOCMetric
from mmdet.models.dense_heads import SSDHead
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.dist import utils as dist_utils
from mmengine.hooks import CheckpointHook
from mmengine.logging import MessageHub
from mmengine.registry import init_default_scope
from mmengine.runner import runner as runner_module
from mmengine.runner.checkpoint import CheckpointLoader

def host():
    return dict(
        local_checkpoint_loader=CheckpointLoader._schemes[''],
        ssdhead=dict(vars(SSDHead)),
        voc_metric=VOCMetric.compute_metrics,
        xml_dataset=XMLDataset.parse_data_info,
        load_image=LoadImageFromFile.transform,
        message_hub=(MessageHub.state_dict, MessageHub.load_state_dict),
        checkpoint_hook=CheckpointHook._save_checkpoint_with_step,
        init_dist=dist_utils._init_dist_pytorch,
        runner_save=runner_module.save_checkpoint,
        inverted_residual=MODELS.get('InvertedResidual'))

before, modules = host(), set(sys.modules)
start = time.perf_counter()
import mnx_det
seconds = time.perf_counter() - start
after = host()
report = dict(
    changed=sorted(k for k in before if before[k] is not after[k]
                   and before[k] != after[k]),
    file=mnx_det.__file__, seconds=seconds,
    new_modules=len(set(sys.modules) - modules),
    mnx_det_modules=sum(m.startswith('mnx_det') for m in sys.modules))
try:
    open(mnx_det.config_path('no_such_config'))
except FileNotFoundError as exc:  # a ConfigError is a ValueError
    raise AssertionError('config_path gave a missing path') from exc
except ValueError as exc:
    report['missing_config'] = str(exc)

def forward(cfg, size):
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    model = MODELS.build(cfg.model).eval()
    with torch.no_grad():
        scores, _ = model(torch.rand(1, 3, size, size))  # the head's output
    return [list(level.shape) for level in scores]

for name in sys.argv[1:]:
    cfg = Config.fromfile(name)
    report[name] = dict(
        shapes=forward(cfg, 320), scope=cfg.get('default_scope'),
        head=cfg.model.bbox_head.type)
print(json.dumps(report))
'''

# A guest config on mmdet's RetinaNet with the MobileNeXt backbone.
RETINANET = '''
_base_ = 'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['mnx_det'], allow_failed_imports=False)
model = dict(
    backbone=dict(_delete_=True, type='MobileNeXt', out_indices=(2, 4, 7)),
    neck=dict(in_channels=[192, 384, 1280], start_level=0),
    bbox_head=dict(num_classes=3))
'''

# A guest config inheriting a shipped SSDLite-MobileNeXt config.
SSDLITE = '''
_base_ = __import__('mnx_det').config_path('ssdlite_mobilenext_voc')
custom_imports = dict(imports=['mnx_det'], allow_failed_imports=False)
model = dict(backbone=dict(init_cfg=None), bbox_head=dict(num_classes=3))
'''


def run(args, **kwargs):
    result = subprocess.run(
        args, capture_output=True, text=True, check=False, **kwargs)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return result


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    """The wheel built from a copy of the repository (the build leaves
    nothing in the checkout)."""
    source = tmp_path_factory.mktemp('source') / 'mnx_det'
    shutil.copytree(
        ROOT,
        source,
        symlinks=True,
        ignore=shutil.ignore_patterns('.git', '.venv', 'work_dirs', 'data',
                                      'build', '*.egg-info', '__pycache__',
                                      '.pytest_cache'))
    out = tmp_path_factory.mktemp('wheel')
    run([
        sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-index',
        '--no-build-isolation', '--quiet', '-w',
        str(out),
        str(source)
    ])
    (built, ) = out.glob('mnx_det-*.whl')
    return built


@pytest.fixture(scope='module')
def guest_python(wheel, tmp_path_factory):
    """A fresh virtual environment holding the wheel, seeing this
    environment's packages through a ``.pth`` line but not the
    repository."""
    venv = tmp_path_factory.mktemp('guest_venv')
    run([sys.executable, '-m', 'venv', '--without-pip', str(venv)])
    python = venv / 'bin' / 'python'
    site = run([
        str(python), '-c', 'import sysconfig; '
        'print(sysconfig.get_paths()["purelib"])'
    ]).stdout.strip()
    with open(f'{site}/stack.pth', 'w') as f:
        f.write(sysconfig.get_paths()['purelib'] + '\n')
    run([
        sys.executable, '-m', 'pip', '--python',
        str(python), 'install', '--no-deps', '--no-index', '--quiet',
        str(wheel)
    ])
    return python


def test_wheel_ships_the_package_configs_and_tools(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {
        name.split('/.mim/', 1)[1]
        for name in names if '/.mim/' in name
    }
    assert {
        'model-index.yml', 'configs/metafile.yml',
        'configs/ssdlite_mobilenext_voc.py',
        'configs/_base_/default_runtime.py', 'tools/train.py', 'tools/test.py',
        'tools/slurm_train.sh', 'tools/slurm_launch.sh', 'tools/dist_train.sh'
    } <= shipped
    configs = {str(p.relative_to(ROOT)) for p in ROOT.glob('configs/**/*.py')}
    assert {n
            for n in shipped
            if n.startswith('configs/')} == configs | {'configs/metafile.yml'}
    assert 'tools/setup_env.sh' not in shipped
    assert not [n for n in names if n.startswith(('tests/', 'configs/'))]
    # Test code is not package code: the suite's helpers stay in tests/.
    assert not [n for n in names if n.startswith('mnx_det/testing/')]


def test_metafile_lists_every_detector_config():
    index = yaml.safe_load((ROOT / 'model-index.yml').read_text())
    listed = set()
    for metafile in index['Import']:
        models = yaml.safe_load((ROOT / metafile).read_text())['Models']
        listed |= {model['Config'] for model in models}
    detectors = {
        str(p.relative_to(ROOT))
        for pattern in ('configs/*.py', 'configs/fpn/*.py')
        for p in ROOT.glob(pattern)
    }
    assert listed == detectors


def test_guest_imports_builds_and_inherits(guest_python, tmp_path):
    """From a folder outside the repository, with no deploy runtime:
    ``import mnx_det`` leaves mmengine, mmdet and mmcv as they were, a
    RetinaNet config of mmdet's and a shipped SSDLite config both build
    and run."""
    (tmp_path / 'retinanet_mobilenext.py').write_text(RETINANET)
    (tmp_path / 'my_ssdlite.py').write_text(SSDLITE)
    (tmp_path / 'guest.py').write_text(GUEST)
    env = {'PATH': '/usr/bin:/bin', 'HOME': str(tmp_path)}
    result = run([
        str(guest_python), 'guest.py', 'retinanet_mobilenext.py',
        'my_ssdlite.py'
    ],
                 cwd=tmp_path,
                 env=env)
    report = json.loads(result.stdout.splitlines()[-1])
    print(json.dumps(report, indent=1))
    assert report['changed'] == []
    assert str(ROOT) not in report['file']
    assert 'no_such_config.py' in report['missing_config']
    retinanet = report['retinanet_mobilenext.py']
    assert retinanet['head'] == 'RetinaHead'
    # P3-P7 of a 320 input, 9 anchors x 3 classes
    assert retinanet['shapes'] == [[1, 27, s, s] for s in (40, 20, 10, 5, 3)]
    ssdlite = report['my_ssdlite.py']
    assert ssdlite['head'] == 'SSDLiteHead'
    # the official six levels of a 320 input, 6 priors x (3 classes + 1)
    assert ssdlite['shapes'] == [[1, 24, s, s] for s in (20, 10, 5, 3, 2, 1)]
    assert ssdlite['scope'] == 'mmdet'
