"""Small statistics used to read results off experiments: power-law fits and
rank correlations.

>>> fit = power_law_fit([1, 2, 4, 8], [1.0, 0.5, 0.25, 0.125])
>>> round(fit.exponent, 6)
-1.0
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate as V

__all__ = ["PowerLawFit", "power_law_fit", "RankCorrelation", "spearman"]


class PowerLawFit(NamedTuple):
    """``y ~ prefactor * x ** exponent`` with a bootstrap interval on the exponent."""

    exponent: float
    prefactor: float
    low: float
    high: float

    def __call__(self, x):
        return self.prefactor * np.asarray(x, dtype=float) ** self.exponent


def power_law_fit(x, y, *, n_boot: int = 1000, seed: int = 0, level: float = 0.9) -> PowerLawFit:
    """Least-squares line through ``(log x, log y)``.

    ``y`` may be ``(k,)`` or ``(k, r)`` with ``r`` repetitions per ``x``; the
    interval resamples repetitions (or points, when ``r = 1``) with
    replacement and reports the central ``level`` quantiles of the slope.
    """
    x = np.asarray(V.array("x", x, ndim=1), dtype=float)
    y = np.asarray(V.array("y", y, ndim=(1, 2)), dtype=float)
    n_boot = V.positive_int("n_boot", n_boot)
    level = V.real("level", level)
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    if y.shape[0] != x.shape[0]:
        raise ValueError(f"x and y must have the same length, got {x.shape[0]} and {y.shape[0]}")
    if x.shape[0] < 2:
        raise ValueError("x must hold at least two points to fit a power law")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be positive to fit a power law")
    y2 = y if y.ndim == 2 else y[:, None]
    lx = np.log(x)

    def slope_intercept(ly):
        slope, intercept = np.polyfit(lx, ly, 1)
        return slope, intercept

    slope, intercept = slope_intercept(np.log(y2).mean(axis=1))
    rng = np.random.default_rng(seed)
    slopes = []
    for _ in range(n_boot):
        if y2.shape[1] > 1:
            cols = rng.integers(0, y2.shape[1], size=y2.shape[1])
            slopes.append(slope_intercept(np.log(y2[:, cols]).mean(axis=1))[0])
        else:
            rows = rng.integers(0, len(x), size=len(x))
            if np.unique(lx[rows]).size < 2:
                continue
            slopes.append(np.polyfit(lx[rows], np.log(y2[rows, 0]), 1)[0])
    tail = (1 - level) / 2
    low, high = np.quantile(slopes, [tail, 1 - tail])
    return PowerLawFit(float(slope), float(np.exp(intercept)), float(low), float(high))


class RankCorrelation(NamedTuple):
    """Spearman's ``rho`` and its two-sided ``p_value`` (no correlation as the null)."""

    rho: float
    p_value: float


def spearman(a, b) -> RankCorrelation:
    """Spearman's rank correlation of two ``(n,)`` arrays, ``n >= 3``; ties share ranks.

    Used to ask whether one ordering predicts another (a proxy against accuracy,
    a score against an eigen-index), not only whether they are linearly related.

    >>> r = spearman([1, 2, 3, 4], [10, 20, 25, 100])
    >>> r.rho
    1.0
    """
    from scipy import stats as _stats

    a = np.asarray(V.array("a", a, ndim=1), dtype=float)
    b = np.asarray(V.array("b", b, ndim=1), dtype=float)
    V.same_length("a", a, "b", b)
    if a.size < 3:
        raise ValueError(f"a and b need at least 3 entries, got {a.size}")
    if np.all(a == a[0]) or np.all(b == b[0]):
        raise ValueError("a and b must not be constant: their rank correlation is undefined")
    res = _stats.spearmanr(a, b)
    return RankCorrelation(float(res.statistic), float(res.pvalue))
