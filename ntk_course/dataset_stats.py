"""Statistics of a set of images: intrinsic dimension and correlation across images.

* :func:`mle_intrinsic_dimension` -- the maximum-likelihood estimate of
  Levina & Bickel (2004) from nearest-neighbour distances, averaged over points
  as MacKay & Ghahramani suggested (the form Pope et al. 2021 use).
* :func:`mean_abs_correlation` -- the average absolute Pearson correlation
  between pairs of distinct images.

>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=(2000, 3)) @ rng.normal(size=(3, 20))   # a 3-dim subspace of R^20
>>> 2.5 < mle_intrinsic_dimension(x, k=10) < 3.5
True
"""
from __future__ import annotations

import numpy as np

from . import _validate as V

__all__ = ["mle_intrinsic_dimension", "mean_abs_correlation"]


def mle_intrinsic_dimension(x, *, k: int = 5) -> float:
    """Levina-Bickel maximum-likelihood intrinsic dimension of the rows of ``x``.

    For a point with distances ``T_1 <= ... <= T_k`` to its ``k`` nearest
    neighbours, the local estimate is ``m = (k - 1) / sum_{j<k} log(T_k / T_j)``
    (the unbiased form, with ``k - 1`` in the numerator; see lecture L5). The
    estimates are combined by averaging their *inverses* and inverting.

    Args:
      x: ``(n, d)`` data, ``n > k``; duplicated rows are not allowed.
      k: number of neighbours, ``k >= 2``.

    Returns the estimate as a float.
    """
    x = np.asarray(V.array("x", x, ndim=2), dtype=np.float64)
    k = V.positive_int("k", k, minimum=2)
    n = x.shape[0]
    if n <= k:
        raise ValueError(f"x must have more than k={k} rows, got {n}")
    sq = np.sum(x * x, axis=1)
    dist2 = np.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0.0)
    np.fill_diagonal(dist2, np.inf)
    nearest = np.sqrt(np.partition(dist2, k - 1, axis=1)[:, :k])
    nearest.sort(axis=1)
    if np.any(nearest[:, 0] <= 0):
        raise ValueError("x has duplicated rows (a zero nearest-neighbour distance)")
    logs = np.log(nearest[:, -1:] / nearest[:, :-1])  # (n, k - 1)
    inverse = logs.sum(axis=1) / (k - 1)  # 1 / m for each point
    return float(1.0 / inverse.mean())


def mean_abs_correlation(x) -> float:
    """Mean of ``|corr(x_i, x_j)|`` over pairs ``i != j`` of rows (images) of ``x``.

    Each row is centred and normalized over its own pixels, so the value is 1
    for identical (or affinely related) images and near 0 for independent noise.

    >>> mean_abs_correlation(np.array([[0.0, 1, 2], [1, 3, 5]]))
    1.0
    """
    x = np.asarray(V.array("x", x, ndim=2), dtype=np.float64)
    if x.shape[0] < 2 or x.shape[1] < 2:
        raise ValueError(f"x must have at least two rows and two columns, got shape {x.shape}")
    centred = x - x.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError("x has a constant row; its correlation is undefined")
    z = centred / norms
    corr = z @ z.T
    n = x.shape[0]
    return float(round((np.abs(corr).sum() - np.trace(np.abs(corr))) / (n * (n - 1)), 12))
