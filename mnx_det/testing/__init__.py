"""Reference networks and formulas for tests and benchmarks."""
from . import official_ssd
from .official_mobilenext import OfficialMobileNeXt, OfficialSandglass

__all__ = ['OfficialMobileNeXt', 'OfficialSandglass', 'official_ssd']
