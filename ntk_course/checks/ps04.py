"""Checkers of problem set 4 (spectral bias and training speed).

Each checker draws test inputs from ``seed`` (0 in the notebook, others in the
hidden autograder tests), calls the student's function on deep copies and
returns a :class:`~ntk_course.checks.Result`.
"""
from __future__ import annotations

import numpy as np

from . import Result, as_array, check_function, check_seed, check_value, rng

__all__ = ["mode_components", "heavy_ball", "check_max_step", "reference_mode_components",
           "reference_heavy_ball", "AUTOGRADED"]

#: checker name -> points, for the checker cells of the problem set (see ``checks``).
AUTOGRADED = {"mode_components": 4, "heavy_ball": 5}


def _kernels(g, sizes=(3, 6, 10)):
    """Random positive definite kernels with well separated eigenvalues, and labels."""
    cases = []
    for n in sizes:
        q = np.linalg.qr(g.normal(size=(n, n)))[0]
        vals = np.sort(g.uniform(0.05, 1.0, size=n))[::-1] * np.linspace(1.0, 0.3, n)
        k = ((q * vals) @ q.T * g.uniform(0.5, 4.0)).astype(np.float32)
        cases.append(((k + k.T) / 2, g.normal(size=n).astype(np.float32)))
    return cases


def reference_mode_components(k, y, eta, t):
    """``(n, n)`` matrix whose column ``i`` is ``(v_i . r_t) v_i``, eigenvalues descending.

    ``r_t = f_t - y`` is the training residual after ``t`` GD steps from ``f_0 = 0``,
    so ``r_0 = -y``; each column is independent of the sign of ``v_i``.
    """
    vals, vecs = np.linalg.eigh(np.asarray(k, np.float64))
    vals, vecs = vals[::-1], vecs[:, ::-1]
    coef = -((1 - eta * vals) ** t) * (vecs.T @ np.asarray(y, np.float64))
    return vecs * coef[None, :]


def mode_components(student, *, seed: int = 0) -> Result:
    """``student(k, y, eta, t)`` -> ``(n, n)``: column ``i`` is the component of the residual
    ``r_t = f_t - y`` along the ``i``-th eigenvector of ``k`` (eigenvalues descending)."""
    g = rng(seed, 401)
    cases = []
    for k, y in _kernels(g):
        lam = np.linalg.eigvalsh(k.astype(np.float64)).max()
        for t in (0, int(g.integers(1, 20))):
            cases.append((k, y, float(g.uniform(0.2, 1.5) / lam), t))
    return check_function("mode components of the residual", student, reference_mode_components,
                          cases, hint="Start from r_0 = f_0 - y = -y; each mode is multiplied "
                                      "by (1 - eta lambda_i) per step. Sort descending.")


def reference_heavy_ball(k, y, eta, beta, steps):
    """Training outputs after ``steps`` heavy-ball steps from ``f_0 = f_{-1} = 0``."""
    k, y = np.asarray(k, np.float64), np.asarray(y, np.float64)
    f_prev = f = np.zeros_like(y)
    for _ in range(steps):
        f, f_prev = f - eta * k @ (f - y) + beta * (f - f_prev), f
    return f


def heavy_ball(student, *, seed: int = 0) -> Result:
    """``student(k, y, eta, beta, steps)`` -> ``(n,)`` outputs of the linearized network after
    ``steps`` steps of ``f <- f - eta K (f - y) + beta (f - f_prev)`` from ``f = f_prev = 0``."""
    g = rng(seed, 402)
    cases = []
    for i, (k, y) in enumerate(_kernels(g, sizes=(2, 5, 8, 4))):
        lam = np.linalg.eigvalsh(k.astype(np.float64)).max()
        beta = [0.0, 0.5, 0.9, float(g.uniform(0.1, 0.8))][i]
        eta = float(g.uniform(0.2, 1.8) * (1 + beta) / lam)      # inside the stable range
        cases.append((k, y, eta, beta, int(g.integers(1, 60))))
    return check_function("heavy-ball dynamics", student, reference_heavy_ball, cases,
                          hint="Keep the previous output: the first step has no momentum "
                               "(f_prev = f_0 = 0).")


def check_max_step(answer, k, *, seed: int = 0) -> Result:
    """The largest step below which GD on the kernel dynamics converges: ``2 / lambda_max(k)``."""
    check_seed(seed)
    if k is None:
        raise TypeError("k must be the kernel matrix, a square symmetric array, got None")
    k_arr, bad = as_array("k", k)
    if bad is not None or k_arr.ndim != 2 or k_arr.shape[0] != k_arr.shape[1]:
        raise ValueError(f"k must be a finite square matrix, got {np.shape(k)}")
    if not np.allclose(k_arr, k_arr.T, rtol=1e-5, atol=1e-6 * np.abs(k_arr).max()):
        raise ValueError("k must be symmetric")
    lam = np.linalg.eigvalsh(k_arr).max()
    if lam <= 0:
        raise ValueError("k must have a positive eigenvalue")
    return check_value("largest convergent step", answer, 2.0 / lam,
                       hint="Which mode is the first to stop converging as eta grows?")
