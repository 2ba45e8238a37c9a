"""An ExecuTorch program (``.pte``) of a detector, run by ExecuTorch's
Python runtime on this machine: the program a phone app would load, run
here to measure its outputs and accuracy (``tools/test.py CONFIG
model.pte``)."""
import warnings

import numpy as np
import torch

from ..contract import CONTRACT_METHOD, RAW_OUTPUTS, read_json_contract
from .base import DeployModelError, DeploySession


class ExecuTorchSession(DeploySession):
    """A ``.pte`` program written by
    ``tools/deployment/pytorch2executorch.py``.

    Its ``forward`` returns the raw outputs (class logits, box deltas,
    priors); detections are selected in Python from the contract the
    program carries (:mod:`..postprocess`).

    Args:
        path (str): The ``.pte`` file.
        num_threads (int, optional): Not settable from Python: XNNPACK's
            thread pool has one thread per core.
    """
    runtime = 'ExecuTorch'
    suffixes = ('.pte', )

    def _load(self, path, num_threads):
        from executorch.runtime import Runtime
        if num_threads:
            warnings.warn(f'{self.runtime} runs with one thread per core '
                          f'(XNNPACK); num_threads={num_threads} is ignored')
        try:
            program = Runtime.get().load_program(path)
            self.method = program.load_method('forward')
        except Exception as exc:  # ExecuTorch raises untyped RuntimeErrors
            raise DeployModelError(
                f'{path} is not an ExecuTorch program: {exc}') from exc
        if CONTRACT_METHOD not in program.method_names:
            raise DeployModelError(
                f'{path} is not an mnx_det detector export: it has no '
                f'{CONTRACT_METHOD} (write it with '
                'tools/deployment/pytorch2executorch.py)')
        (text, ) = program.load_method(CONTRACT_METHOD).execute([])
        self.contract = read_json_contract(text, path)
        self.batch_size = self.contract['batch_size']
        self.input_size = self.contract['input_size']
        return RAW_OUTPUTS

    def _run(self, batch):
        # ExecuTorch reads the buffer as C-contiguous, whatever its strides
        outputs = self.method.execute(
            [torch.from_numpy(np.ascontiguousarray(batch))])
        return [np.asarray(o) for o in outputs]
