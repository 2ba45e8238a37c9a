"""mnx_det: the MobileNeXt backbone and SSDLite detectors for MMDetection 3.x.

``import mnx_det`` (or ``custom_imports = dict(imports=['mnx_det'])`` in a
config of another project) registers every type the configs and tools use
into mmdet's registries, applies the fixes for the pinned stack
(:mod:`mnx_det.compat`) and routes local checkpoint loading and saving
through :mod:`mnx_det.checkpoint.io`, process-wide.
"""
from . import checkpoint, compat, datasets, deploy, engine, models
from .version import __version__

compat.apply(check_annotation_file=datasets.check_annotation_file)
checkpoint.install()

# The registering subpackages, imported for their registrations too.
__all__ = [
    '__version__', 'checkpoint', 'compat', 'datasets', 'deploy', 'engine',
    'models'
]
