"""An exported detector in OpenVINO (CPU): the ONNX file itself, its INT8
(QDQ) version, OpenVINO's IR (``.xml`` + ``.bin``) of either, or NNCF's
INT8 IR (:mod:`..openvino_quantize`, the INT8 file meant for OpenVINO).

OpenVINO reads ONNX directly; the IR (:func:`..openvino_ir.convert_to_ir`)
only saves the conversion at load time. A QDQ INT8 file
(``tools/deployment/quantize.py``) runs as INT8: OpenVINO turns each
Quantize/Dequantize pair into a FakeQuantize and runs the convs between
them in integers, though not always correctly (see
:mod:`..openvino_quantize`).
"""
import collections
import functools
import os

from ..contract import PREFIX, RT_INFO_SECTION, read_contract
from .base import DeployModelError, DeploySession

PRECISIONS = ('f32', 'bf16')
HINTS = ('LATENCY', 'THROUGHPUT')
# oneDNN caps (ONEDNN_MAX_CPU_ISA) below its bf16 instructions. OpenVINO's
# own oneDNN honours the cap, yet its CPU plugin still offers BF16 and
# crashes running it (OpenVINO 2026.4.1); the portable kernels set AVX2.
CAPS_WITHOUT_BF16 = ('SSE41', 'AVX', 'AVX2', 'AVX2_VNNI', 'AVX2_VNNI_2',
                     'AVX512_CORE', 'AVX512_CORE_VNNI')


@functools.lru_cache(maxsize=None)
def shared_core():
    """The process's one ``openvino.Core``. Each Core's CPU plugin installs
    its own alternate signal stack (room for AMX state) and puts back the
    one it found when it goes: Cores freed out of order left the thread's
    alternate stack on unmapped memory, and the next Python signal handler
    (a DataLoader's SIGCHLD) crashed the process (tests)."""
    import openvino as ov
    return ov.Core()


def _onednn_cap():
    """The oneDNN instruction-set cap in the environment, if any."""
    cap = os.environ.get('ONEDNN_MAX_CPU_ISA')
    return cap.upper() if cap else None


def ir_contract(model, path):
    """The contract kept in the ``rt_info`` of the IR ``model`` read from
    ``path`` (``{}`` if none)."""
    if not model.has_rt_info([RT_INFO_SECTION]):
        return {}
    section = model.get_rt_info()[RT_INFO_SECTION]
    return read_contract(
        {
            PREFIX + key: value.astype(str)
            for key, value in section.items()
        }, path)


def onnx_contract(path):
    """The contract in an ONNX file's metadata (``{}`` if none)."""
    import onnx
    return read_contract(
        {p.key: p.value
         for p in onnx.load(path).metadata_props}, path)


class OpenVINOSession(DeploySession):
    """An exported detector in OpenVINO's CPU plugin.

    Args:
        path (str): An ``.onnx`` export (fp32 or QDQ INT8) or its ``.xml``
            IR.
        num_threads (int, optional): ``INFERENCE_NUM_THREADS``; default
            OpenVINO's (every core).
        precision (str, optional): Precision of the float operations:
            ``'f32'`` or ``'bf16'`` (CPUs with BF16, and no
            ``ONEDNN_MAX_CPU_ISA`` below it). Default: OpenVINO's choice
            for the CPU, bf16 where it has it. The one that ran is
            ``self.precision``.
        performance_hint (str, optional): ``'LATENCY'`` (one request at a
            time, all threads on it) or ``'THROUGHPUT'``. Default:
            ``'LATENCY'``, what one synchronous call per batch wants.
    """
    runtime = 'OpenVINO'
    suffixes = ('.onnx', '.xml')

    def _load(self,
              path,
              num_threads,
              precision=None,
              performance_hint='LATENCY'):
        core = shared_core()
        config = {'PERFORMANCE_HINT': self._choice(performance_hint, HINTS)}
        if num_threads:
            config['INFERENCE_NUM_THREADS'] = int(num_threads)
        precision = self._precision(precision)
        if precision is not None:
            config['INFERENCE_PRECISION_HINT'] = precision
        try:
            model = core.read_model(path)
            self.compiled = core.compile_model(model, 'CPU', config)
        except Exception as exc:  # OpenVINO raises untyped RuntimeErrors
            raise DeployModelError(
                f'{path} is not a model OpenVINO can read: {exc}') from exc
        self.precision = self.compiled.get_property(
            'INFERENCE_PRECISION_HINT').to_string()
        inputs = [i.get_any_name() for i in model.inputs]
        if inputs != ['images']:
            raise DeployModelError(
                f'{path} is not an mnx_det detector export: it takes '
                f"{inputs}, not ['images']")
        shape = model.inputs[0].get_partial_shape()
        self.batch_size = (
            shape[0].get_length() if shape[0].is_static else None)
        self.input_size = shape[2].get_length()
        self.contract = (
            ir_contract(model, path)
            if path.lower().endswith('.xml') else onnx_contract(path))
        self.output_names = [o.get_any_name() for o in model.outputs]
        return self.output_names

    def _choice(self, value, choices):
        if value not in choices:
            raise DeployModelError(
                f'{self.runtime} setting {value!r} is none of {choices}')
        return value

    @staticmethod
    def capabilities():
        """What OpenVINO's CPU plugin can run here (``'BF16'``,
        ``'INT8'``, ...), without BF16 where ``ONEDNN_MAX_CPU_ISA`` caps
        oneDNN below it."""
        offered = shared_core().get_property('CPU',
                                             'OPTIMIZATION_CAPABILITIES')
        if _onednn_cap() in CAPS_WITHOUT_BF16:
            return [c for c in offered if c != 'BF16']
        return offered

    def conv_kernels(self):
        """How many of the compiled model's convolutions ran on each oneDNN
        kernel, by the ``primitiveType`` of OpenVINO's runtime model: e.g.
        ``brgconv_avx512_I8`` (int8, AVX-512, with VNNI's dot products
        where the CPU has them), ``brgconv_avx512_amx_I8`` (AMX),
        ``jit_avx2_I8``, ``brgconv_avx512_1x1_bf16``."""
        kernels = collections.Counter()
        for op in self.compiled.get_runtime_model().get_ordered_ops():
            info = op.get_rt_info()
            if info['layerType'].astype(str) == 'Convolution':
                kernels[info['primitiveType'].astype(str)] += 1
        return kernels

    def _precision(self, precision):
        if precision is None:
            # OpenVINO's own choice would be bf16 under a cap without it
            return None if 'BF16' in self.capabilities() else 'f32'
        self._choice(precision, PRECISIONS)
        capabilities = self.capabilities()
        if precision == 'bf16' and 'BF16' not in capabilities:
            cap = _onednn_cap()
            reason = f' under ONEDNN_MAX_CPU_ISA={cap}' if cap else ''
            raise DeployModelError(
                f'this CPU cannot run {precision} in OpenVINO{reason} (it '
                f'offers {", ".join(capabilities)})')
        return precision

    def _run(self, batch):
        outputs = self.compiled({'images': batch})
        return [outputs[name] for name in self.output_names]
