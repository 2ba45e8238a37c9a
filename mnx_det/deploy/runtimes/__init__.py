"""The runtimes an exported detector runs in, by name.

``open_session(path)`` picks the runtime from the file's kind (``.onnx``:
ONNX Runtime, ``.xml``: OpenVINO, ``.pte``: ExecuTorch); ``backend=`` runs
a file in another runtime that reads it (an ``.onnx`` in OpenVINO).
"""
from .base import DeployModelError, DeploySession
from .executorch_session import ExecuTorchSession
from .onnxruntime_session import ORTSession
from .openvino_session import OpenVINOSession

SESSIONS = {
    'onnxruntime': ORTSession,
    'openvino': OpenVINOSession,
    'executorch': ExecuTorchSession,
}
# the runtime of each file kind when none is named
DEFAULT_BACKENDS = {
    '.onnx': 'onnxruntime',
    '.xml': 'openvino',
    '.pte': 'executorch'
}
MODEL_SUFFIXES = tuple(DEFAULT_BACKENDS)


def is_model_file(path):
    """Whether ``path`` names an exported file (not a checkpoint)."""
    return path.lower().endswith(MODEL_SUFFIXES)


def open_session(path, backend=None, **options):
    """``path`` loaded in ``backend`` (default: its kind's runtime)."""
    if backend is None:
        suffix = next((s for s in MODEL_SUFFIXES if path.lower().endswith(s)),
                      None)
        if suffix is None:
            raise DeployModelError(
                f'{path} is no exported model file: the runtimes read '
                f'{", ".join(MODEL_SUFFIXES)}')
        backend = DEFAULT_BACKENDS[suffix]
    if backend not in SESSIONS:
        raise DeployModelError(
            f'unknown backend {backend!r}; one of {", ".join(SESSIONS)}')
    return SESSIONS[backend](path, **options)


__all__ = [
    'DeployModelError', 'DeploySession', 'ExecuTorchSession', 'MODEL_SUFFIXES',
    'ORTSession', 'OpenVINOSession', 'SESSIONS', 'is_model_file',
    'open_session'
]
