"""CPU kernels that compute the same numbers on every x86-64 CPU with AVX2.

PyTorch's CPU kernels choose their instruction set when their library
loads (ATen's vectorised paths, oneDNN's convolutions, MKL's GEMM; numpy's
too), and oneDNN and MKL split their reductions by thread count, so the
same seed trains other weights on another CPU or with another number of
threads.
The toy runs that the test suite and the demo (``make demo``) judge by
their numbers run with every kernel library capped at AVX2 and a fixed
number of threads (:data:`PORTABLE_KERNELS`): an AVX-512 or AMX machine
then runs the kernels an AVX2-only machine runs, in the same order.

The caps are read once, when each library loads, so they are environment
variables set before the process starts: :func:`use_portable_kernels`
re-executes the running command with them (the tools and the test suite
call it first). Children (data loader workers, tools run by tests)
inherit them. ``MNX_DET_NATIVE_KERNELS=1`` opts out (each library then
picks the fastest kernels of the CPU, and numbers may differ between
machines).

Not covered: CPUs without AVX2 (the caps cannot raise a CPU), other
versions of PyTorch, oneDNN, MKL, numpy or OpenCV, and a kernel whose
blocking depends on the CPU's cache sizes (none seen, but a single
machine cannot emulate other cache sizes).
"""
import os
import sys

#: Environment of the portable kernels: each library's instruction-set cap
#: and the thread count of the toy runs.
PORTABLE_KERNELS = {
    'ATEN_CPU_CAPABILITY': 'avx2',
    'ONEDNN_MAX_CPU_ISA': 'AVX2',
    # MKL's AVX2 branch is Intel's only; COMPATIBLE is the same on AMD.
    'MKL_CBWR': 'COMPATIBLE',
    # numpy's AVX-512 dispatch targets (numpy warns about a name it does
    # not dispatch: a test imports it with these).
    'NPY_DISABLE_CPU_FEATURES': 'AVX512F AVX512CD AVX512_KNL AVX512_KNM '
    'AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL',
    'OMP_NUM_THREADS': '2',
    'MKL_NUM_THREADS': '2',
}
OPT_OUT = 'MNX_DET_NATIVE_KERNELS'
# The pid that re-executed itself (exec keeps it): a cap the libraries
# ignore fails loudly instead of re-executing forever, and children, with
# pids of their own, may still re-execute.
_REEXECUTED = 'MNX_DET_PORTABLE_KERNELS_PID'


def portable_kernels_active() -> bool:
    """Whether this process runs with :data:`PORTABLE_KERNELS`: the
    variables are set and, where torch is loaded, ATen honoured its cap
    (``DEFAULT`` on a CPU without AVX2)."""
    if any(os.environ.get(k) != v for k, v in PORTABLE_KERNELS.items()):
        return False
    torch = sys.modules.get('torch')
    return torch is None or torch.backends.cpu.get_cpu_capability() in (
        'AVX2', 'DEFAULT')


def use_portable_kernels() -> None:
    """Make this process run with :data:`PORTABLE_KERNELS`: nothing when it
    does (or ``MNX_DET_NATIVE_KERNELS=1``), otherwise set them and
    re-execute the command line this process was started with.

    Raises:
        RuntimeError: The libraries ignored the caps after re-execution.
    """
    if os.environ.get(OPT_OUT) == '1' or portable_kernels_active():
        return
    if os.environ.get(_REEXECUTED) == str(os.getpid()):
        raise RuntimeError(
            'the CPU kernel caps were set before start-up and ignored: '
            f'{PORTABLE_KERNELS}')
    os.environ.update(PORTABLE_KERNELS, **{_REEXECUTED: str(os.getpid())})
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, sys.orig_argv)
