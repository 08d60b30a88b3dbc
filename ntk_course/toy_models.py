"""Toy tasks that separate architectures, with their closed forms.

Organised by task; each section holds a sampler and the exact quantities the
lectures compare simulations with.

* **Basis-vector task** (L1): inputs ``y e_i`` with a random sign ``y`` and a
  random coordinate ``i``. Any learner whose training is orthogonally
  equivariant guesses on unseen coordinates, so it errs with probability at
  least ``(1 - n/d) / 2``.
* **Li-Zhang-Arora task** (L1): Gaussian inputs in ``R^{2d}`` labelled by
  ``sign(|x_{1:d}|^2 - |x_{d+1:2d}|^2)``.
* **k-pattern task** (L2): Boolean inputs in ``{-1, 1}^d`` whose label is a
  function ``g`` of ``k`` consecutive bits, and the filter construction of
  Malach & Shalev-Shwartz (filters in ``{-1/k, 1/k}^k``, bias ``1/k - 1``)
  with the coupon-collector count of filters needed to cover all ``2^k``
  patterns.

* **Gaussian model** (L7, Schmidt et al.): ``x ~ N(y theta, sigma^2 I)``, with
  the exact standard and l_inf-robust errors of any linear classifier and
  their large-dimension limit.
* **Robust/non-robust feature model** (L7, Tsipras et al.): one robust feature
  and many weak ones, with exact clean and robust accuracies and the
  trade-off bound.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.special import ndtr as _std_normal_cdf

from . import _validate as V

__all__ = [
    # basis-vector task
    "basis_vector_task", "basis_vector_test_set", "basis_vector_error_bound",
    "basis_vector_unseen_error",
    # Li-Zhang-Arora task
    "lza_task", "lza_channels",
    # k-pattern task and the filter construction
    "KPatternTask", "all_patterns", "pattern_index", "kpattern_task", "kpattern_filters",
    "filter_preactivations", "preactivation_values", "coverage_probability",
    "simulate_coverage", "expected_filters_to_cover", "union_bound_filters", "theorem_filters",
    "parity_table",
    # learning curves
    "samples_to_reach",
    # robustness models
    "GaussianModel", "FeatureModel", "folded_normal_mean", "gaussian_model_robust_error_limit",
    "linf_attack_linear",
]


# ---------------------------------------------------------------------------
# Basis-vector task
# ---------------------------------------------------------------------------
def basis_vector_task(n: int, d: int, *, seed: int = 0):
    """``n`` samples ``x = y e_i`` with ``i`` uniform in ``0..d-1`` and ``y = +-1``.

    Returns ``(x, y, idx)``: inputs ``(n, d)`` float32, labels ``(n,)`` in
    ``{-1, +1}`` and the coordinates ``idx`` ``(n,)``.

    >>> x, y, idx = basis_vector_task(3, 5, seed=1)
    >>> bool(np.all(x[np.arange(3), idx] == y)), x.shape
    (True, (3, 5))
    """
    n = V.positive_int("n", n)
    d = V.positive_int("d", d)
    seed = V.positive_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, d, size=n)
    y = rng.choice(np.array([-1.0, 1.0]), size=n)
    x = np.zeros((n, d), dtype=np.float32)
    x[np.arange(n), idx] = y
    return x, y.astype(np.float32), idx


def basis_vector_test_set(d: int):
    """All ``2d`` possible test points ``+-e_i`` and their labels.

    The test distribution is uniform on these points, so the mean error on
    this set is the exact expected test error of a fixed predictor.

    >>> x, y = basis_vector_test_set(2); x.tolist(), y.tolist()
    ([[1.0, 0.0], [0.0, 1.0], [-1.0, -0.0], [-0.0, -1.0]], [1.0, 1.0, -1.0, -1.0])
    """
    d = V.positive_int("d", d)
    eye = np.eye(d, dtype=np.float32)
    return np.concatenate([eye, -eye]), np.concatenate([np.ones(d), -np.ones(d)]).astype(np.float32)


def basis_vector_error_bound(n, d):
    """Lower bound ``max(0, (1 - n/d) / 2)`` on the test error of any
    orthogonally equivariant learner trained on ``n`` samples in dimension ``d``.

    Works elementwise on arrays.

    >>> float(basis_vector_error_bound(10, 40))
    0.375
    """
    n = np.asarray(V.array("n", n), dtype=float)
    d = np.asarray(V.array("d", d), dtype=float)
    if np.any(n < 0):
        raise ValueError("n must be non-negative")
    if np.any(d <= 0):
        raise ValueError("d must be positive")
    return np.maximum(0.0, (1.0 - n / d) / 2.0)


def basis_vector_unseen_error(n, d):
    """Half the probability that a test coordinate was not seen in training:
    ``(1 - 1/d)^n / 2``, the expected error of a learner that is right on seen
    coordinates and no better than a coin on unseen ones.

    It is always at least :func:`basis_vector_error_bound` (Bernoulli's
    inequality ``(1 - 1/d)^n >= 1 - n/d``).

    >>> round(float(basis_vector_unseen_error(1, 2)), 6)
    0.25
    """
    n = np.asarray(V.array("n", n), dtype=float)
    d = np.asarray(V.array("d", d), dtype=float)
    if np.any(n < 0):
        raise ValueError("n must be non-negative")
    if np.any(d < 1):
        raise ValueError("d must be >= 1")
    return 0.5 * (1.0 - 1.0 / d) ** n


# ---------------------------------------------------------------------------
# Li-Zhang-Arora task
# ---------------------------------------------------------------------------
def lza_task(n: int, d: int, *, seed: int = 0):
    """``n`` Gaussian inputs ``x ~ N(0, I_{2d})`` labelled
    ``sign(sum_{i<d} x_i^2 - sum_{i>=d} x_i^2)``.

    Returns ``(x, y)`` with ``x`` of shape ``(n, 2d)`` (float32) and ``y`` of
    shape ``(n,)`` in ``{-1, +1}``.

    >>> x, y = lza_task(4, 3); x.shape, sorted(set(y.tolist())) <= [-1.0, 1.0]
    ((4, 6), True)
    """
    n = V.positive_int("n", n)
    d = V.positive_int("d", d)
    seed = V.positive_int("seed", seed, minimum=0)
    x = np.random.default_rng(seed).normal(size=(n, 2 * d))
    margin = (x[:, :d] ** 2).sum(1) - (x[:, d:] ** 2).sum(1)
    y = np.where(margin >= 0, 1.0, -1.0)
    return x.astype(np.float32), y.astype(np.float32)


def lza_channels(x):
    """Reshape ``(n, 2d)`` inputs to ``(n, d, 2)``: position ``i`` carries the
    pair ``(x_i, x_{d+i})`` as two channels, the layout a convolution with
    filter size 1 reads.

    >>> lza_channels(np.arange(4.0).reshape(1, 4))[0].tolist()
    [[0.0, 2.0], [1.0, 3.0]]
    """
    x = np.asarray(V.array("x", x, ndim=2))
    if x.shape[1] % 2:
        raise ValueError(f"x must have an even number of columns, got {x.shape[1]}")
    d = x.shape[1] // 2
    return np.stack([x[:, :d], x[:, d:]], axis=-1)


# ---------------------------------------------------------------------------
# k-pattern task and the Malach & Shalev-Shwartz filters
# ---------------------------------------------------------------------------
def all_patterns(k: int) -> np.ndarray:
    """The ``2^k`` patterns of ``{-1, +1}^k`` as rows, shape ``(2^k, k)``.

    Row ``r`` is the binary expansion of ``r`` (most significant bit first)
    with bit 1 mapped to ``+1`` and bit 0 to ``-1``.

    >>> all_patterns(2).tolist()
    [[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]]
    """
    k = V.positive_int("k", k)
    if k > 20:
        raise ValueError(f"k must be <= 20 (2^k rows), got {k}")
    bits = (np.arange(2 ** k)[:, None] >> np.arange(k - 1, -1, -1)[None, :]) & 1
    return (2.0 * bits - 1.0)


def pattern_index(z) -> np.ndarray:
    """Row index in :func:`all_patterns` of each pattern in ``z`` (``(m, k)`` of signs).

    >>> pattern_index(np.array([[1.0, -1.0], [1.0, 1.0]])).tolist()
    [2, 3]
    """
    z = np.asarray(V.array("z", z, ndim=2))
    if not np.all(np.abs(z) == 1):
        raise ValueError("z must contain only -1 and +1")
    k = z.shape[1]
    if k > 62:
        raise ValueError(f"z must have at most 62 columns (the index is an int64), got {k}")
    bits = (z > 0).astype(np.int64)
    return bits @ (1 << np.arange(k - 1, -1, -1))


class KPatternTask(NamedTuple):
    """A sample of the k-pattern task: ``y = table[pattern at start]``."""

    x: np.ndarray       # (n, d) in {-1, +1}
    y: np.ndarray       # (n,) in {-1, +1}
    start: int          # first bit of the hidden window
    table: np.ndarray   # (2^k,) labels of the patterns, in all_patterns order


def kpattern_task(n: int, d: int, k: int, *, seed: int = 0, start: int | None = None,
                  table=None, table_seed: int | None = None) -> KPatternTask:
    """``n`` uniform inputs in ``{-1, +1}^d`` labelled by ``k`` consecutive bits.

    The label is ``table[pattern_index(x[:, start:start + k])]``. By default
    ``start`` and a balanced random ``table`` (half the patterns labelled
    ``+1``) are drawn from ``table_seed`` (default ``seed``), so a training set
    and a test set drawn with different ``seed`` but the same ``table_seed``
    share one target.

    >>> t = kpattern_task(5, 8, 3, seed=0)
    >>> t.x.shape, t.table.shape, bool(np.all(t.y == t.table[pattern_index(t.x[:, t.start:t.start + 3])]))
    ((5, 8), (8,), True)
    """
    n = V.positive_int("n", n)
    d = V.positive_int("d", d)
    k = V.positive_int("k", k)
    if k > d:
        raise ValueError(f"k must be <= d, got k={k}, d={d}")
    seed = V.positive_int("seed", seed, minimum=0)
    table_seed = seed if table_seed is None else V.positive_int("table_seed", table_seed,
                                                                minimum=0)
    target_rng = np.random.default_rng([table_seed, 7])
    if start is None:
        start = int(target_rng.integers(0, d - k + 1))
    start = V.positive_int("start", start, minimum=0)
    if start > d - k:
        raise ValueError(f"start must be <= d - k = {d - k}, got {start}")
    if table is None:
        table = np.ones(2 ** k)
        table[target_rng.permutation(2 ** k)[: 2 ** (k - 1)]] = -1.0
    table = np.asarray(V.array("table", table, ndim=1), dtype=np.float32)
    if table.shape[0] != 2 ** k:
        raise ValueError(f"table must have 2^k = {2 ** k} entries, got {table.shape[0]}")
    rng = np.random.default_rng([seed, 11])
    x = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(n, d))
    y = table[pattern_index(x[:, start:start + k])]
    return KPatternTask(x, y.astype(np.float32), start, table)


def kpattern_filters(q: int, k: int, *, seed: int = 0):
    """``q`` random filters ``W`` in ``{-1/k, +1/k}^k`` and the bias ``b = 1/k - 1``.

    Returns ``(W, b)`` with shapes ``(q, k)`` and ``(q,)``.

    >>> W, b = kpattern_filters(4, 2); sorted(set(np.abs(W).ravel().tolist())), b.tolist()
    ([0.5], [-0.5, -0.5, -0.5, -0.5])
    """
    q = V.positive_int("q", q)
    k = V.positive_int("k", k)
    seed = V.positive_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    W = rng.choice(np.array([-1.0, 1.0]), size=(q, k)) / k
    return W, np.full(q, 1.0 / k - 1.0)


def filter_preactivations(W, b, z):
    """Pre-activations ``z W^T + b`` of filters ``(q, k)`` on patterns ``(m, k)``: ``(m, q)``.

    For ``W`` in ``{-1/k, 1/k}^k``, ``b = 1/k - 1`` and a pattern at Hamming
    distance ``h`` from ``sign(w)``, the value is ``(1 - 2h)/k``: positive
    only for ``h = 0``.

    >>> W, b = kpattern_filters(1, 3, seed=0)
    >>> round(float(filter_preactivations(W, b, np.sign(W))[0, 0]), 6)
    0.333333
    """
    W = np.asarray(V.array("W", W, ndim=2), dtype=float)
    b = np.asarray(V.array("b", b, ndim=1), dtype=float)
    z = np.asarray(V.array("z", z, ndim=2), dtype=float)
    if b.shape[0] != W.shape[0]:
        raise ValueError(f"b must have one entry per filter ({W.shape[0]}), got {b.shape[0]}")
    if z.shape[1] != W.shape[1]:
        raise ValueError(f"z must have {W.shape[1]} columns like W, got {z.shape[1]}")
    return z @ W.T + b


def preactivation_values(k: int) -> np.ndarray:
    """The ``k + 1`` possible pre-activations ``(1 - 2h)/k``, ``h = 0..k``, decreasing.

    >>> preactivation_values(2).tolist()
    [0.5, -0.5, -1.5]
    """
    k = V.positive_int("k", k)
    return (1.0 - 2.0 * np.arange(k + 1)) / k


def coverage_probability(q, k: int):
    """Exact probability that ``q`` filters drawn uniformly from the ``N = 2^k``
    sign patterns cover every pattern (the coupon collector).

    Computed by propagating the distribution of the number of distinct patterns
    seen after each draw, which is numerically stable (inclusion-exclusion,
    ``sum_j (-1)^j C(N, j) (1 - j/N)^q``, cancels badly for large ``N``).
    ``q`` may be an int or an array of ints; the result has its shape.

    >>> round(float(coverage_probability(2, 1)), 6)
    0.5
    """
    k = V.positive_int("k", k)
    q_arr = np.asarray(V.array("q", q, dtype_kind="iu"))
    if np.any(q_arr < 0):
        raise ValueError("q must be non-negative")
    N = 2 ** k
    q_max = int(q_arr.max()) if q_arr.size else 0
    covered = np.zeros(q_max + 1)
    dist = np.zeros(N + 1)
    dist[0] = 1.0
    covered[0] = dist[N]
    seen = np.arange(N + 1)
    for t in range(1, q_max + 1):
        stay = dist * seen / N
        move = dist * (N - seen) / N
        dist = stay.copy()
        dist[1:] += move[:-1]
        covered[t] = dist[N]
    return covered[q_arr]


def simulate_coverage(q: int, k: int, *, trials: int = 1000, seed: int = 0) -> float:
    """Fraction of ``trials`` in which ``q`` random filters cover all ``2^k`` patterns.

    >>> simulate_coverage(1, 1, trials=10)
    0.0
    """
    q = V.positive_int("q", q)
    k = V.positive_int("k", k)
    trials = V.positive_int("trials", trials)
    seed = V.positive_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    N = 2 ** k
    draws = rng.integers(0, N, size=(trials, q))
    hits = np.zeros((trials, N), dtype=bool)
    hits[np.arange(trials)[:, None], draws] = True
    return float(hits.all(axis=1).mean())


def expected_filters_to_cover(k: int) -> float:
    """Mean number of uniform draws needed to see all ``N = 2^k`` patterns: ``N H_N``.

    >>> expected_filters_to_cover(1)
    3.0
    """
    k = V.positive_int("k", k)
    N = 2 ** k
    return float(N * np.sum(1.0 / np.arange(1, N + 1)))


def union_bound_filters(k: int, delta: float) -> int:
    """Smallest ``q`` with ``N (1 - 1/N)^q <= delta`` (``N = 2^k``): by the union
    bound, ``q`` filters then miss some pattern with probability at most
    ``delta``. Close to ``N log(N / delta)``.

    >>> union_bound_filters(1, 0.5)
    2
    """
    k = V.positive_int("k", k)
    delta = V.real("delta", delta, minimum=0.0, strict=True)
    if delta >= 1:
        raise ValueError(f"delta must be < 1, got {delta}")
    N = 2 ** k
    if N == 1:
        return 1
    return int(math.ceil(math.log(delta / N) / math.log1p(-1.0 / N)))


def theorem_filters(k: int, delta: float) -> float:
    """The number of filters ``2^(k+3) log(2^k / delta)`` that Theorem 4 of
    Malach & Shalev-Shwartz asks for.

    >>> round(theorem_filters(1, 0.5), 4)
    22.1807
    """
    k = V.positive_int("k", k)
    delta = V.real("delta", delta, minimum=0.0, strict=True)
    if delta >= 1:
        raise ValueError(f"delta must be < 1, got {delta}")
    return float(2 ** (k + 3) * math.log(2 ** k / delta))


# ---------------------------------------------------------------------------
# Reading learning curves
# ---------------------------------------------------------------------------
def samples_to_reach(ns, errors, target: float) -> float:
    """Number of samples at which a learning curve first falls to ``target``.

    ``errors`` ``(len(ns),)`` are test errors at the increasing sample sizes
    ``ns``; the crossing is interpolated linearly in ``(log n, error)``
    between the last point above ``target`` and the first at or below it.
    Returns ``nan`` when the curve never reaches ``target``, and ``ns[0]``
    when it starts below it.

    >>> round(samples_to_reach([10, 100], [0.5, 0.1], 0.3), 2)
    31.62
    """
    ns = np.asarray(V.array("ns", ns, ndim=1), dtype=float)
    errors = np.asarray(V.array("errors", errors, ndim=1), dtype=float)
    if ns.shape != errors.shape:
        raise ValueError(f"ns and errors must have the same length, got {ns.shape[0]} and "
                         f"{errors.shape[0]}")
    if np.any(ns <= 0) or np.any(np.diff(ns) <= 0):
        raise ValueError("ns must be positive and strictly increasing")
    target = V.real("target", target)
    below = np.nonzero(errors <= target)[0]
    if below.size == 0:
        return float("nan")
    j = int(below[0])
    if j == 0:
        return float(ns[0])
    e0, e1 = errors[j - 1], errors[j]
    frac = (e0 - target) / (e0 - e1)
    return float(np.exp(np.log(ns[j - 1]) + frac * (np.log(ns[j]) - np.log(ns[j - 1]))))


def parity_table(k: int) -> np.ndarray:
    """Truth table of the parity ``prod_i z_i`` of ``k`` signs, in :func:`all_patterns` order.

    Parity has no correlation with any function of fewer than ``k`` of its
    bits, which makes it the hardest k-pattern for learners that look for
    low-order correlations.

    >>> parity_table(2).tolist()
    [1.0, -1.0, -1.0, 1.0]
    """
    return all_patterns(k).prod(axis=1)


# ---------------------------------------------------------------------------
# Robustness models (lecture L7): the Gaussian model of Schmidt et al. and the
# robust/non-robust feature model of Tsipras et al., with their closed forms.
# ---------------------------------------------------------------------------


class GaussianModel(NamedTuple):
    """Schmidt et al.'s model: ``y`` uniform in {-1, +1}, ``x ~ N(y theta, sigma^2 I)``.

    The default ``theta`` is the all-ones vector (norm ``sqrt(d)``), whose
    coordinates all carry signal (the case where l_inf attacks are strongest);
    lecture L11 uses ``theta = 3 e_1`` for the two-Gaussian toy of Shi's thesis.
    The Bayes classifier is ``sign(theta . x)``.
    """

    theta: np.ndarray
    sigma: float

    @classmethod
    def make(cls, d: int, sigma: float, theta=None) -> "GaussianModel":
        """``GaussianModel.make(d, sigma)`` with ``theta = (1, ..., 1)`` unless given.

        >>> GaussianModel.make(4, 0.5).theta.tolist()
        [1.0, 1.0, 1.0, 1.0]
        """
        d = V.positive_int("d", d)
        sigma = V.real("sigma", sigma, minimum=0.0, strict=True)
        if theta is None:
            theta = np.ones(d)
        theta = np.asarray(V.array("theta", theta, ndim=1), dtype=float)
        if theta.shape[0] != d:
            raise ValueError(f"theta must have d = {d} entries, got {theta.shape[0]}")
        return cls(theta, sigma)

    def sample(self, n: int, rng: np.random.Generator):
        """``n`` labelled samples: ``x`` of shape ``(n, d)``, ``y`` of shape ``(n,)``."""
        n = V.positive_int("n", n)
        y = rng.choice([-1.0, 1.0], size=n)
        x = y[:, None] * self.theta[None, :] + self.sigma * rng.normal(size=(n, self.theta.size))
        return x, y

    def averaging_classifier(self, n: int, rng: np.random.Generator, draws: int = 1):
        """Weights ``w = mean_i y_i x_i`` learned from ``n`` samples, for ``draws``
        independent training sets: shape ``(draws, d)``.

        Since ``y_i x_i ~ N(theta, sigma^2 I)``, the mean is drawn directly as
        ``theta + sigma / sqrt(n) * g``, exactly in distribution.
        """
        n = V.positive_int("n", n)
        draws = V.positive_int("draws", draws)
        noise = rng.normal(size=(draws, self.theta.size))
        return self.theta[None, :] + self.sigma / np.sqrt(n) * noise

    def _weights(self, w):
        w = np.atleast_2d(np.asarray(V.array("w", w, ndim=(1, 2)), dtype=float))
        if w.shape[1] != self.theta.size:
            raise ValueError(f"w must have d = {self.theta.size} columns, got {w.shape[1]}")
        if np.any(np.linalg.norm(w, axis=1) == 0):
            raise ValueError("w must not be zero: sign(0 . x) classifies nothing")
        return w

    @staticmethod
    def _attack_cost(w, eps, norm):
        """How much the worst perturbation of size ``eps`` lowers the margin ``y w.x``."""
        eps = V.real("eps", eps, minimum=0.0)
        V.choice("norm", norm, ("linf", "l2"))
        return eps * np.linalg.norm(w, ord=1 if norm == "linf" else 2, axis=1)

    def errors(self, w, eps: float = 0.0, norm: str = "linf"):
        """Exact test errors of ``sign(w . x)``: ``(standard, robust)``, each ``(k,)``.

        Given ``w`` (shape ``(k, d)`` or ``(d,)``), ``y w.x ~ N(w.theta, sigma^2 |w|_2^2)``.
        The adversary of budget ``eps`` lowers the margin by exactly ``eps`` times
        the dual norm of ``w`` (Hoelder, with equality at ``delta = -eps y sign(w)``
        for l_inf and ``-eps y w / |w|_2`` for l_2), so
        ``standard = Phi(-w.theta / (sigma |w|_2))`` and
        ``robust = Phi((eps |w|_* - w.theta) / (sigma |w|_2))``, with ``|w|_* = |w|_1``
        for ``norm="linf"`` and ``|w|_2`` for ``norm="l2"``.

        >>> m = GaussianModel.make(2, 1.0, theta=[3.0, 0.0])
        >>> [round(float(e[0]), 5) for e in m.errors([1.0, 0.0], eps=2.0, norm="l2")]
        [0.00135, 0.15866]
        """
        w = self._weights(w)
        cost = self._attack_cost(w, eps, norm)
        margin = w @ self.theta
        spread = self.sigma * np.linalg.norm(w, axis=1)
        return _std_normal_cdf(-margin / spread), _std_normal_cdf((cost - margin) / spread)

    def simulated_errors(self, w, x, y, eps: float = 0.0, norm: str = "linf"):
        """The errors of :meth:`errors` measured on samples ``x (n, d)``, ``y (n,)``.

        Each point is moved by the worst perturbation against its own label, so
        the robust error is exact on the sample (no attack iterations needed).
        """
        w = self._weights(w)
        x = np.asarray(V.array("x", x, ndim=2), dtype=float)
        y = np.asarray(V.array("y", y, ndim=1), dtype=float)
        V.same_length("x", x, "y", y)
        margins = y[:, None] * (x @ w.T)                     # (n, k)
        cost = self._attack_cost(w, eps, norm)
        return np.mean(margins <= 0, axis=0), np.mean(margins - cost[None, :] <= 0, axis=0)

    def angle(self, w):
        """Angle (radians) between each ``w`` and the Bayes direction ``theta``, ``(k,)``."""
        w = self._weights(w)
        cos = w @ self.theta / (np.linalg.norm(w, axis=1) * np.linalg.norm(self.theta))
        return np.arccos(np.clip(cos, -1.0, 1.0))


def folded_normal_mean(mu, s):
    """``E|mu + s g|`` for standard normal ``g`` (the mean of a folded normal).

    >>> round(float(folded_normal_mean(0.0, 1.0)), 6) == round(float(np.sqrt(2 / np.pi)), 6)
    True
    """
    mu = np.asarray(mu, dtype=float)
    s = np.asarray(s, dtype=float)
    if np.any(s <= 0):
        raise ValueError("s must be positive")
    return (s * np.sqrt(2 / np.pi) * np.exp(-mu ** 2 / (2 * s ** 2))
            + mu * (1 - 2 * _std_normal_cdf(-mu / s)))


def gaussian_model_robust_error_limit(n, d, sigma, eps):
    """Large-``d`` approximation of the averaging classifier's robust error.

    With ``theta = 1`` and ``s = sigma / sqrt(n)``: ``w.theta ~ d``,
    ``|w|_2^2 ~ d (1 + s^2)`` and ``|w|_1 ~ d E|1 + s g|`` by the law of large
    numbers, hence ``robust ~ Phi(sqrt(d) (eps m(s) - 1) / (sigma sqrt(1 + s^2)))``
    with ``m = folded_normal_mean(1, s)``. With ``eps = 0`` it is the standard error.
    """
    s = sigma / np.sqrt(np.asarray(n, dtype=float))
    m = folded_normal_mean(1.0, s)
    return _std_normal_cdf(np.sqrt(d) * (eps * m - 1) / (sigma * np.sqrt(1 + s ** 2)))


class FeatureModel(NamedTuple):
    """Tsipras et al.'s model: one robust feature and ``d`` weak, non-robust ones.

    ``y`` uniform in {-1, +1}; ``x_0 = y`` with probability ``p`` and ``-y``
    otherwise; ``x_1..x_d ~ N(eta y, 1)`` independently.
    """

    d: int
    p: float
    eta: float

    def sample(self, n: int, rng: np.random.Generator):
        """``x`` of shape ``(n, d + 1)`` (column 0 is the robust feature), ``y`` ``(n,)``."""
        n = V.positive_int("n", n)
        y = rng.choice([-1.0, 1.0], size=n)
        x0 = np.where(rng.random(n) < self.p, y, -y)
        rest = self.eta * y[:, None] + rng.normal(size=(n, self.d))
        return np.concatenate([x0[:, None], rest], axis=1), y

    def accuracy(self, alpha, eps: float = 0.0):
        """Exact accuracy of ``sign(alpha x_0 + mean(x_1..x_d))`` under an l_inf attack.

        The worst perturbation of budget ``eps`` moves every coordinate by
        ``eps`` against the label (the classifier's weights are all
        non-negative for ``alpha >= 0``), so the score of class ``+1`` becomes
        ``alpha (x_0 - eps) + N(eta - eps, 1/d)``. ``alpha`` may be an array.
        """
        alpha = np.asarray(alpha, dtype=float)
        if np.any(alpha < 0):
            raise ValueError("alpha must be non-negative")
        eps = V.real("eps", eps, minimum=0.0)
        scale = np.sqrt(self.d)
        mean = self.eta - eps
        agree = _std_normal_cdf((alpha * (1 - eps) + mean) * scale)      # x_0 = y
        disagree = _std_normal_cdf((-alpha * (1 + eps) + mean) * scale)  # x_0 = -y
        return self.p * agree + (1 - self.p) * disagree

    def tradeoff_bound(self, standard_error):
        """Tsipras et al.'s bound: robust accuracy <= p / (1 - p) * standard error,
        for any classifier, when ``eps >= 2 eta``."""
        return self.p / (1 - self.p) * np.asarray(standard_error, dtype=float)


def linf_attack_linear(x, y, w, eps: float):
    """Worst-case l_inf perturbation of ``sign(w . x)``: ``x - eps y sign(w)``, shape of ``x``."""
    x = np.asarray(V.array("x", x, ndim=2), dtype=float)
    y = np.asarray(V.array("y", y, ndim=1), dtype=float)
    w = np.asarray(V.array("w", w, ndim=1), dtype=float)
    if x.shape[1] != w.shape[0]:
        raise ValueError(f"x and w must have the same dimension, got {x.shape[1]} and {w.shape[0]}")
    V.same_length("x", x, "y", y)
    eps = V.real("eps", eps, minimum=0.0)
    return x - eps * y[:, None] * np.sign(w)[None, :]
