"""Checkers for problem set 10 (Danskin's descent direction).

>>> from ntk_course.checks import ps10
>>> ps10.min_norm_weights(ps10.reference_min_norm_weights)
✓ weights of the minimum-norm point: optimal on all 5 test cases.
"""
from __future__ import annotations

import itertools

import numpy as np

from . import Result, as_array, call, check_seed, close, finish, rng

__all__ = [
    "AUTOGRADED",
    "min_norm_weights",
    "project_simplex",
    "reference_min_norm_weights",
    "reference_project_simplex",
]

#: checker name -> points, for the autograder
AUTOGRADED = {"project_simplex": 10, "min_norm_weights": 10}


def reference_project_simplex(v):
    """Euclidean projection onto the probability simplex (sorting algorithm)."""
    v = np.asarray(v, dtype=float)
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - 1.0
    r = np.nonzero(u - css / np.arange(1, len(v) + 1) > 0)[0][-1] + 1
    return np.maximum(v - css[r - 1] / r, 0.0)


def project_simplex(student, *, seed: int = 0) -> Result:
    """``student(v)`` -> the projection of ``v`` onto the simplex."""
    name = "projection onto the simplex"
    r = rng(check_seed(seed), 1001)
    cases = [r.normal(size=3), 5.0 * r.normal(size=10), r.dirichlet(np.ones(6)),
             np.full(4, 0.7), np.r_[50.0, r.normal(size=7)], -3.0 + 0.1 * r.normal(size=50)]
    for i, v in enumerate(cases):
        got, bad = call(name, student, v)
        if bad is not None:
            return finish(bad)
        got, bad = as_array(name, got, shape=v.shape)
        if bad is not None:
            return finish(Result(name, "invalid", f"on test case {i}: {bad.message}"))
        want = reference_project_simplex(v)
        if close(got, want, rtol=0.0, atol=1e-5):
            continue
        if np.min(got) < -1e-6 or abs(np.sum(got) - 1) > 1e-5:
            hint = (f"your point is not in the simplex (smallest entry {np.min(got):.3g}, "
                    f"sum {np.sum(got):.6g}).")
        else:
            hint = ("your point is in the simplex but is not the closest one: the projection "
                    "is max(v - theta, 0) for one threshold theta.")
        return finish(Result(name, "failed", f"wrong on test case {i} (k = {len(v)}): {hint}"))
    return finish(Result(name, "passed", f"correct on all {len(cases)} test cases."))


def reference_min_norm_weights(G):
    """Exact minimizer of ``|G^T lam|^2`` on the simplex, by enumerating supports (small k)."""
    G = np.asarray(G, dtype=float)
    k = len(G)
    M = G @ G.T
    best, best_val = None, np.inf
    for size in range(1, k + 1):
        for support in itertools.combinations(range(k), size):
            s = list(support)
            kkt = np.block([[M[np.ix_(s, s)], np.ones((size, 1))], [np.ones((1, size)), 0.0]])
            rhs = np.r_[np.zeros(size), 1.0]
            sol = np.linalg.lstsq(kkt, rhs, rcond=None)[0][:size]
            if np.min(sol) < -1e-12 or abs(sol.sum() - 1) > 1e-9:
                continue
            lam = np.zeros(k)
            lam[s] = np.maximum(sol, 0.0) / np.maximum(sol, 0.0).sum()
            val = lam @ M @ lam
            if val < best_val - 1e-15:
                best, best_val = lam, val
    return best


def min_norm_weights(student, *, seed: int = 0) -> Result:
    """``student(G)`` -> weights ``lam`` in the simplex minimizing ``|G^T lam|``."""
    name = "weights of the minimum-norm point"
    r = rng(check_seed(seed), 1002)
    angles = r.uniform(0, 2 * np.pi) + np.array([0.0, 2.2, 4.2])
    g_dup = r.normal(size=8)
    cases = [r.normal(size=(2, 5)),
             r.normal(size=(4, 12)) + 2.0 * r.normal(size=12),            # a common offset
             np.c_[np.cos(angles), np.sin(angles)],                        # 0 inside the hull
             np.stack([g_dup, g_dup, g_dup + 0.01 * r.normal(size=8)]),    # near duplicates
             r.normal(size=(6, 30)) + 0.5 * r.normal(size=30)]
    for i, G in enumerate(cases):
        got, bad = call(name, student, G)
        if bad is not None:
            return finish(bad)
        lam, bad = as_array(name, got, shape=(len(G),))
        if bad is not None:
            return finish(Result(name, "invalid", f"on test case {i}: {bad.message} (return the "
                                                  "k weights, not the point G^T lam)"))
        if np.min(lam) < -1e-6 or abs(np.sum(lam) - 1) > 1e-5:
            return finish(Result(name, "failed", f"on test case {i} the weights are not in the "
                                                 f"simplex (smallest {np.min(lam):.3g}, sum "
                                                 f"{np.sum(lam):.6g})."))
        best = float(np.linalg.norm(reference_min_norm_weights(G) @ G))
        mine = float(np.linalg.norm(lam @ G))
        scale = float(np.max(np.linalg.norm(G, axis=1)))
        if not close(mine, best, rtol=0.0, atol=1e-4 * scale):
            return finish(Result(name, "failed", f"not optimal on test case {i}: |G^T lam| = "
                                                 f"{mine:.5g}, the minimum is {best:.5g}. Run "
                                                 "the projected gradient longer, or check its "
                                                 "step (1 / largest eigenvalue of G G^T)."))
    return finish(Result(name, "passed", f"optimal on all {len(cases)} test cases."))
