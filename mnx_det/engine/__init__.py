"""Training machinery in mmdet's sense of ``engine``: hooks, and the
official rule for scaling a one-process schedule to N processes."""
from . import hooks
from .hooks import *  # noqa: F401,F403

__all__ = hooks.__all__
