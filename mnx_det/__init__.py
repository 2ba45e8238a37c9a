"""mnx_det: the MobileNeXt backbone and SSDLite detectors for MMDetection 3.x.

Importing the package applies the stack fixes in :mod:`mnx_det.compat` and
registers the project's modules into mmdet's registries.
"""
from . import compat  # noqa: F401  (must come before anything loads weights)
from . import datasets, engine  # noqa: F401  (registers transforms, hooks)
from .models import *  # noqa: F401,F403
from .version import __version__

__all__ = ['__version__']
