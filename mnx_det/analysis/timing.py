"""Interleaved timing: every case runs once per round, so that drift of the
machine (clocks, other load) touches all cases alike; medians are reported.
"""
import copy
import ctypes
import statistics
import time
from typing import NamedTuple

import torch
from mmcv.cnn import fuse_conv_bn


def synchronize(device):
    if torch.device(device).type == 'cuda':
        torch.cuda.synchronize()


class Timing(NamedTuple):
    """Milliseconds of one case over the timed rounds."""
    min: float
    median: float
    max: float

    def __str__(self):
        return f'{self.median:.2f} ({self.min:.2f}-{self.max:.2f})'


def measure_spread(cases, repeats, warmup=2, device='cpu', settle_ms=0):
    """Time callables interleaved.

    Args:
        cases (dict[str, callable]): What to time.
        repeats (int): Timed rounds; each round calls every case once.
        warmup (int): Untimed calls of each case first.
        device (str): Synchronised around each call when CUDA.
        settle_ms (float): Idle milliseconds before each timed call. Needed
            when the cases use different thread pools: PyTorch's OpenMP
            workers keep spinning for a while after each call and would
            slow down whichever case runs next.

    Returns:
        dict[str, Timing]: min, median and max milliseconds per case.
    """
    for fn in cases.values():
        for _ in range(warmup):
            fn()
    samples = {name: [] for name in cases}
    for _ in range(repeats):
        for name, fn in cases.items():
            synchronize(device)
            if settle_ms:
                time.sleep(settle_ms / 1000)
            start = time.perf_counter()
            fn()
            synchronize(device)
            samples[name].append((time.perf_counter() - start) * 1000)
    return {
        name: Timing(min(v), statistics.median(v), max(v))
        for name, v in samples.items()
    }


def keep_freed_memory():
    """Make glibc keep memory that PyTorch frees, for steady CPU timings.

    By default glibc serves big blocks with fresh mappings and returns
    freed memory to the system, so the next step faults it in again and
    CPU training steps vary twofold between rounds; with freed memory kept
    (as PyTorch's own caching allocator does on CUDA) they are steady.
    Process-wide and for good: for benchmarks, not for users' runs.
    Returns False where the C library is not glibc.
    """
    try:
        libc = ctypes.CDLL('libc.so.6')
    except OSError:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's mallopt codes
    return all(
        libc.mallopt(option, 2**31 - 1) == 1
        for option in (m_trim_threshold, m_mmap_threshold))


def measure(cases, repeats, warmup=2, device='cpu'):
    """As :func:`measure_spread`, returning the median milliseconds."""
    return {
        name: timing.median
        for name, timing in measure_spread(cases, repeats, warmup,
                                           device).items()
    }


def variants(model, kinds=('eager', 'BN fused', 'channels_last')):
    """Eval-mode copies of ``model``: as is, with BN folded into the convs
    (mmcv's ``fuse_conv_bn``), and in channels_last memory format."""
    model.eval()  # mmdet's backbones return None from train()
    out = {}
    for kind in kinds:
        if kind == 'eager':
            out[kind] = model
        elif kind == 'BN fused':
            out[kind] = fuse_conv_bn(copy.deepcopy(model))
        elif kind == 'channels_last':
            out[kind] = copy.deepcopy(model).to(
                memory_format=torch.channels_last)
        else:
            raise ValueError(f'unknown variant {kind!r}')
    return out


def inference(model, inputs, channels_last=False, **kwargs):
    """A callable running ``model(inputs, **kwargs)`` without gradients."""
    if channels_last:
        inputs = inputs.contiguous(memory_format=torch.channels_last)

    def run():
        with torch.no_grad():
            model(inputs, **kwargs)

    return run
