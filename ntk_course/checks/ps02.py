"""Checkers for problem set 2 (k-patterns).

Each checker draws test inputs from ``seed`` (0 in the notebook, others in the
hidden autograder tests), calls the student's function on deep copies and
returns a :class:`~ntk_course.checks.Result`.
"""
from __future__ import annotations

import numpy as np

from .. import toy_models as tm
from . import Result, as_array, as_number, call, check_function, finish, rng

__all__ = ["readout", "fit_readout", "window_features", "filters_needed", "coverage_probability",
           "AUTOGRADED"]

#: checker name -> points, for the checker cells of the problem set (see ``checks``).
AUTOGRADED = {"readout": 5, "fit_readout": 4}


def coverage_probability(student, *, seed: int = 0) -> Result:
    """``student(q, k)`` -> probability that ``q`` uniform filters cover all ``2^k`` patterns."""
    g = rng(seed, 201)
    cases = [(1, 1), (2, 1), (4, 2), (10, 2), (20, 3)]
    cases += [(int(g.integers(2 ** k, 8 * 2 ** k)), k) for k in (3, 4, 5)]
    return check_function("coverage probability", student,
                          lambda q, k: float(tm.coverage_probability(q, k)), cases, rtol=1e-6,
                          atol=1e-9, hint="Inclusion-exclusion over the set of missed patterns, "
                                          "or a recursion on the number of patterns seen.")


def _filters_needed(k: int, delta: float) -> int:
    q = 2 ** k
    while float(tm.coverage_probability(q, k)) < 1 - delta:
        q += max(1, q // 8)
    lo = max(2 ** k, q - max(1, q // 8))                 # bisection between lo-1 (fails) and q
    while lo < q:
        mid = (lo + q) // 2
        if float(tm.coverage_probability(mid, k)) >= 1 - delta:
            q = mid
        else:
            lo = mid + 1
    return q


def filters_needed(student, *, seed: int = 0) -> Result:
    """``student(k, delta)`` -> the smallest ``q`` such that ``q`` uniform filters cover all
    ``2^k`` patterns with probability at least ``1 - delta`` (exact, not a bound)."""
    name = "filters needed"
    g = rng(seed, 202)
    cases = [(1, 0.5), (2, 0.1), (3, 0.05)]
    cases += [(int(g.integers(2, 7)), float(10 ** g.uniform(-4, -0.5))) for _ in range(4)]
    for k, delta in cases:
        got, bad = call(name, student, k, delta)
        if bad is None:
            got, bad = as_number(name, got)
        if bad is not None:
            return finish(Result(name, bad.status, f"for k={k}, delta={delta:.3g}: {bad.message}"))
        want = _filters_needed(k, delta)
        if got != want:
            union = float(tm.union_bound_filters(k, delta))
            hint = (" That is the union bound, not the exact probability." if got == union
                    else " Compute the exact coverage probability and search for the first q.")
            return finish(Result(name, "failed", f"for k={k}, delta={delta:.3g} you return "
                                                 f"{got:g}; the smallest q is "
                                                 f"{'smaller' if got > want else 'larger'}.{hint}"))
    return finish(Result(name, "passed", f"correct on all {len(cases)} test cases."))


def _covering_filters(g, q: int, k: int) -> np.ndarray:
    """``(q, k)`` filters in ``{-1/k, 1/k}^k`` that contain every sign pattern, shuffled."""
    patterns = tm.all_patterns(k).astype(np.float64)                 # (2^k, k) of +-1
    extra = g.choice([-1.0, 1.0], size=(q - len(patterns), k))
    return np.concatenate([patterns, extra])[g.permutation(q)] / k


def readout(student, *, seed: int = 0) -> Result:
    """``student(W, start, table, d)`` -> readout ``u`` of shape ``(d - k + 1, q)`` such that the
    network ``sum_j <u_j, relu(W x[j:j+k] + b)>`` with filters ``W`` (``(q, k)``) and bias
    ``1/k - 1`` computes ``table[pattern at start]`` exactly, on every input."""
    name = "readout"
    g = rng(seed, 203)
    for k, q, d in [(2, 9, 6), (3, 20, 12), (4, 40, 9)]:
        W = _covering_filters(g, q, k)                       # covers all 2^k patterns
        b = np.full(q, 1.0 / k - 1.0)
        start = int(g.integers(0, d - k + 1))
        table = np.round(g.normal(size=2 ** k), 2)          # arbitrary real labels
        task = tm.kpattern_task(300, d, k, seed=int(g.integers(1 << 20)), start=start,
                                table=table)
        u, bad = call(name, student, W.astype(np.float32), start, table.copy(), d)
        if bad is None:
            u, bad = as_array(name, u, shape=(d - k + 1, q))
        if bad is not None:
            return finish(Result(name, bad.status, f"with k={k}, q={q}, d={d}: {bad.message}"))
        # the network of nets.kpattern_cnn: sum over windows j of <u_j, relu(W x_j + b)>
        out = np.einsum("njq,jq->n", window_features(W, b, task.x), u)
        err = float(np.abs(out - task.y).max())
        if err > 1e-4:
            return finish(Result(name, "failed", f"with k={k}, q={q}, d={d} the network misses "
                                                 f"the target by up to {err:.3g}. Which hidden "
                                                 "units fire on a window, and with what value?"))
    return finish(Result(name, "passed", "correct: the network computes the k-pattern exactly "
                                         "on all three test networks."))


def window_features(W, b, x):
    """``(n, d - k + 1, q)`` hidden activations ``relu(W x[j:j+k] + b)`` of every window."""
    W, b, x = np.asarray(W, np.float64), np.asarray(b, np.float64), np.asarray(x, np.float64)
    k = W.shape[1]
    windows = np.stack([x[:, j:j + k] for j in range(x.shape[1] - k + 1)], axis=1)
    return np.maximum(windows @ W.T + b, 0.0)


def fit_readout(student, *, seed: int = 0) -> Result:
    """``student(W, b, x, y)`` -> readout ``u`` of shape ``(d - k + 1, q)`` minimizing the
    training loss ``sum_i (h(x_i) - y_i)^2`` of the network with fixed filters ``W`` and biases
    ``b``; checked through its training predictions (unique even when ``u`` is not)."""
    name = "least-squares readout"
    g = rng(seed, 204)
    for k, q, d, n in [(2, 3, 5, 40), (3, 10, 8, 60), (3, 6, 10, 200)]:
        W = g.choice([-1.0, 1.0], size=(q, k)) / k
        b = np.full(q, 1.0 / k - 1.0) + g.uniform(0, 0.2, size=q) * (seed % 2)
        task = tm.kpattern_task(n, d, k, seed=int(g.integers(1 << 20)))
        x, y = task.x.astype(np.float32), task.y.astype(np.float32)
        u, bad = call(name, student, W.astype(np.float32), b.astype(np.float32), x, y)
        if bad is None:
            u, bad = as_array(name, u, shape=(d - k + 1, q))
        if bad is not None:
            return finish(Result(name, bad.status, f"with k={k}, q={q}, d={d}: {bad.message}"))
        phi = window_features(W, b, x).reshape(n, -1)
        best = phi @ np.linalg.lstsq(phi, y.astype(np.float64), rcond=None)[0]
        got = phi @ u.reshape(-1)
        err = float(np.abs(got - best).max())
        if err > 1e-3 * max(1.0, float(np.abs(best).max())):
            loss_gap = float(np.sum((got - y) ** 2) - np.sum((best - y) ** 2))
            return finish(Result(name, "failed", f"with k={k}, q={q}, d={d} your training "
                                                 f"predictions differ from the least-squares "
                                                 f"fit by up to {err:.3g} (loss higher by "
                                                 f"{loss_gap:.3g}). Build one feature per "
                                                 "(window, filter) pair and solve least squares."))
    return finish(Result(name, "passed", "correct on all three training sets."))
