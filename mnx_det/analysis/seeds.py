"""How far a comparison of two detectors trained from scratch can be
trusted: the paired difference of their mAPs over training seeds.

A toy run from scratch ends in a different place for every seed, and on
every machine (other float kernels send the same seed elsewhere), by more
than the gap between the backbones. So each seed trains both detectors,
the per-seed differences are paired, and the mean difference gets a
Student-t interval over the seeds: the verdict names a winner only when
that interval excludes 0.
"""
import math
from typing import NamedTuple

import numpy as np
from scipy import stats


class SeedComparison(NamedTuple):
    """Two detectors trained with the same seeds.

    Attributes:
        names (tuple[str, str]): The detectors, first minus second.
        maps (dict[str, list[float]]): Per-seed mAPs of each.
        differences (list[float]): Per seed, first minus second.
        mean_difference (float): Their mean.
        interval (tuple[float, float]): The ``level`` t-interval of the
            mean difference (infinite with fewer than two seeds).
        level (float): Its confidence level.
    """
    names: tuple
    maps: dict
    differences: list
    mean_difference: float
    interval: tuple
    level: float

    @property
    def verdict(self):
        """One sentence that follows from the interval alone."""
        low, high = self.interval
        first, second = self.names
        if low > 0:
            return f'{first} detects better than {second}'
        if high < 0:
            return f'{second} detects better than {first}'
        return 'no difference detectable at this scale'


def compare_seeds(maps, level=0.95):
    """Compare two detectors over paired seeds.

    Args:
        maps (dict[str, Sequence[float]]): Two detectors' mAPs, seed by
            seed in the same order.
        level (float): Confidence level of the interval. Default: 0.95.

    Returns:
        SeedComparison
    """
    (first, a), (second, b) = maps.items()
    if len(a) != len(b) or not len(a):
        raise ValueError(f'need the same seeds for both, got {len(a)} and '
                         f'{len(b)} mAPs')
    differences = np.asarray(a, float) - np.asarray(b, float)
    mean = float(differences.mean())
    n = len(differences)
    if n < 2:
        interval = (-math.inf, math.inf)
    else:
        half = float(
            stats.t.ppf(0.5 + level / 2, n - 1) * differences.std(ddof=1) /
            math.sqrt(n))
        interval = (mean - half, mean + half)
    return SeedComparison((first, second), {
        first: list(a),
        second: list(b)
    }, differences.tolist(), mean, interval, level)
