"""tools/setup_env.sh: everything through pip, the mmcv cache keyed by the
torch that is installed."""
import os
import re
import subprocess
import sys

from helpers import ROOT

SCRIPT = ROOT / 'tools/setup_env.sh'


def test_setup_names_no_package_index():
    """pip alone talks to the index, so that PIP_INDEX_URL, pip.conf,
    credentials and certificates apply."""
    text = SCRIPT.read_text()
    assert not re.search(r'[a-z+]+://', text)
    assert not re.search(r'urllib|curl|wget|pypi\.org', text)
    assert 'pip download' in text and 'sha256sum -c' in text


def wheel_dir(tmp_path, **env):
    result = subprocess.run(['bash', str(SCRIPT), '--wheel-dir'],
                            env=dict(
                                os.environ,
                                MNX_DET_CACHE=str(tmp_path / 'cache'),
                                **env),
                            capture_output=True,
                            text=True,
                            check=True)
    return result.stdout.strip()


def test_mmcv_cache_key_follows_the_installed_torch(tmp_path):
    import torch
    python = f'cp{sys.version_info[0]}{sys.version_info[1]}'
    installed = torch.__version__.split('+')[0]
    assert wheel_dir(tmp_path) == str(tmp_path / 'cache' / 'wheels' /
                                      f'mmcv-2.1.0-torch{installed}-{python}')
    # another torch first on the path: another key
    fake = tmp_path / 'fake' / 'torch'
    fake.mkdir(parents=True)
    (fake / '__init__.py').write_text("__version__ = '9.8.7+cpu'\n")
    assert wheel_dir(
        tmp_path, PYTHONPATH=str(
            fake.parent)).endswith(f'mmcv-2.1.0-torch9.8.7-{python}')
