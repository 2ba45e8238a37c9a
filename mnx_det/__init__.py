"""mnx_det: the MobileNeXt backbone and SSDLite detectors for MMDetection 3.x.

``import mnx_det`` (or ``custom_imports = dict(imports=['mnx_det'])`` in a
config of another project) registers every type the configs use into
mmdet's registries, and changes nothing else in the process: the fixes of
the stack that the project's own tools run with are applied by
:func:`mnx_det.apis.apply_process_fixes`, which a guest may call too.
:func:`config_path` finds the configs shipped with the package.
"""
from . import datasets, deploy, engine, models
from .installed import config_path
from .version import __version__

# The registering subpackages, imported for their registrations.
__all__ = [
    '__version__', 'config_path', 'datasets', 'deploy', 'engine', 'models'
]
