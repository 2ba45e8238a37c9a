"""Deployment: ONNX, OpenVINO IR and ExecuTorch export; the exported files
in ONNX Runtime, OpenVINO and ExecuTorch; INT8 quantization."""
from .detector import (DeployedDetector, ExecuTorchDetector, OpenVINODetector,
                       ORTDetector)
from .export import ExportableSSD, ExportNotSupportedError, export_onnx
from .runtimes import (DeployModelError, DeploySession, ExecuTorchSession,
                       OpenVINOSession, ORTSession, is_model_file,
                       open_session)

__all__ = [
    'DeployModelError', 'DeploySession', 'DeployedDetector',
    'ExecuTorchDetector', 'ExecuTorchSession', 'ExportNotSupportedError',
    'ExportableSSD', 'OpenVINODetector', 'OpenVINOSession', 'ORTDetector',
    'ORTSession', 'export_onnx', 'is_model_file', 'open_session'
]
