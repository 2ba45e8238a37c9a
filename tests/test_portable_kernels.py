"""The portable kernels (mnx_det.apis.portable_kernels): toy training gives
the same weights whichever CPU the instruction-set caps emulate."""
import os
import subprocess
import sys

import torch

from mnx_det.analysis.report import cpu_description
from mnx_det.apis import PORTABLE_KERNELS, portable_kernels_active
from mnx_det.checkpoint import load_checkpoint_file
from helpers import ROOT, TOY_CONFIG, as_cli, toy_cfg_options

# What the kernel libraries pick by themselves on a CPU with AVX2 and no
# AVX-512 (ATen, oneDNN); this CPU's own choice is the uncapped one.
AVX2_CPU = {'ATEN_CPU_CAPABILITY': 'avx2', 'ONEDNN_MAX_CPU_ISA': 'AVX2'}


def trained_weights(data_root, work_dir, cpu, portable=True):
    """The toy detector's weights after 3 iterations of tools/train.py on a
    CPU emulated by the caps in ``cpu``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in PORTABLE_KERNELS and not k.startswith('MNX_DET_')
    }
    options = toy_cfg_options(
        data_root, **{
            'randomness.seed': 0,
            'train_cfg.max_iters': 3,
            'train_cfg.val_interval': 1000,
            'default_hooks.checkpoint.interval': 3,
            'train_dataloader.num_workers': 0,
            'train_dataloader.persistent_workers': False,
        })
    args = [TOY_CONFIG, '--work-dir', work_dir] + as_cli(options)
    result = subprocess.run(
        [sys.executable, 'tools/train.py'] +
        (['--portable-kernels'] if portable else []) + [str(a) for a in args],
        cwd=ROOT,
        env=dict(env, **cpu),
        capture_output=True,
        text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return load_checkpoint_file(str(work_dir / 'iter_3.pth'))['state_dict']


def test_toy_training_gives_the_same_weights_under_every_cap(
        small_toy_voc, tmp_path):
    avx512 = trained_weights(small_toy_voc, tmp_path / 'native', {})
    avx2 = trained_weights(small_toy_voc, tmp_path / 'avx2', AVX2_CPU)
    assert avx512.keys() == avx2.keys()
    assert all(torch.equal(avx512[k], avx2[k]) for k in avx512)
    if 'AVX-512' in cpu_description():
        # uncapped, this CPU's AVX-512 kernels train other weights: the caps
        # are what makes the runs agree
        native = trained_weights(
            small_toy_voc, tmp_path / 'uncapped', {}, portable=False)
        assert not all(torch.equal(native[k], avx2[k]) for k in native)


def test_the_suite_runs_with_the_portable_kernels():
    assert portable_kernels_active()
    assert torch.backends.cpu.get_cpu_capability() == 'AVX2'
    assert torch.get_num_threads() == 2
    # numpy dispatches every name the cap disables (else it warns)
    result = subprocess.run(
        [sys.executable, '-W', 'error', '-c', 'import numpy'],
        capture_output=True,
        text=True)
    assert result.returncode == 0, result.stderr
