"""The benchmarks behind ``benchmarks/*.md``: each section is a function
that times its cases side by side and returns its table as markdown lines.
"""
from .common import InconsistentTimingError, SpeedSetup
from .inference import bench_inference
from .loss_path import bench_loss_path
from .other_networks import bench_other_networks
from .training import bench_training
from .widths import bench_identity_ratio, bench_widths

__all__ = [
    'InconsistentTimingError', 'SpeedSetup', 'bench_identity_ratio',
    'bench_inference', 'bench_loss_path', 'bench_other_networks',
    'bench_training', 'bench_widths'
]
