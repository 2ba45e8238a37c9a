"""Deployment: ONNX export, ONNX Runtime inference, INT8 quantization."""
from .export import ExportableSSD, ExportNotSupportedError, export_onnx
from .ort_detector import DeployModelError, ORTDetector, ORTSession

__all__ = [
    'DeployModelError', 'ExportNotSupportedError', 'ExportableSSD',
    'ORTDetector', 'ORTSession', 'export_onnx'
]
