"""Reference networks for tests and benchmarks."""
from .official_mobilenext import OfficialMobileNeXt, OfficialSandglass

__all__ = ['OfficialMobileNeXt', 'OfficialSandglass']
