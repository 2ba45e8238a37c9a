"""An exported ONNX file in ONNX Runtime (CPU)."""
from ..contract import read_contract
from .base import DeployModelError, DeploySession


class ORTSession(DeploySession):
    """An exported ``.onnx`` detector in ONNX Runtime's CPU provider.

    Args:
        path (str): The ``.onnx`` file.
        num_threads (int, optional): Intra-op threads; default ORT's.
    """
    runtime = 'ONNX Runtime'
    suffixes = ('.onnx', )

    def _load(self, path, num_threads):
        import onnxruntime as ort
        options = ort.SessionOptions()
        if num_threads:
            options.intra_op_num_threads = num_threads
        # Idle workers would spin after each run, taking the cores from the
        # caller's own pre- and post-processing (and from interleaved timing).
        options.add_session_config_entry('session.intra_op.allow_spinning',
                                         '0')
        try:
            self.session = ort.InferenceSession(
                path, options, providers=['CPUExecutionProvider'])
        except Exception as exc:  # ORT raises its own untyped errors
            raise DeployModelError(
                f'{path} is not a readable ONNX model: {exc}') from exc
        inputs = [i.name for i in self.session.get_inputs()]
        if inputs != ['images']:
            raise DeployModelError(
                f'{path} is not an mnx_det detector export: it takes '
                f"{inputs}, not ['images']")
        shape = self.session.get_inputs()[0].shape
        self.batch_size = shape[0] if isinstance(shape[0], int) else None
        self.input_size = shape[2]
        self.contract = read_contract(
            self.session.get_modelmeta().custom_metadata_map, path)
        return [o.name for o in self.session.get_outputs()]

    def _run(self, batch):
        return self.session.run(None, {'images': batch})
