"""Checkers for problem set 1 (equivariance and sample complexity).

Each checker draws test inputs from ``seed`` (0 in the notebook, others in the
hidden autograder tests), calls the student's function on deep copies and
returns a :class:`~ntk_course.checks.Result`.
"""
from __future__ import annotations

import math

import numpy as np

from . import (
    Result,
    as_number,
    call,
    check_function,
    check_seed,
    finish,
    positive_float,
    positive_int,
    rng,
)

__all__ = ["gd_linear", "preconditioned_gd", "samples_needed", "rotate_first_layer",
           "AUTOGRADED"]

#: checker name -> points, for the checker cells of the problem set (see ``checks``).
AUTOGRADED = {"preconditioned_gd": 4, "samples_needed": 4}


def _reference_gd(w0, X, Y, eta, steps, p=None):
    w = np.array(w0, dtype=np.float64)
    X, Y = np.asarray(X, np.float64), np.asarray(Y, np.float64)
    p = np.ones_like(w) if p is None else np.asarray(p, np.float64)
    for _ in range(steps):
        w = w - eta * p * (X.T @ (X @ w - Y))
    return w


def _gd_cases(seed, salt, with_p):
    g = rng(seed, salt)
    cases = []
    for n, d, steps in [(5, 3, 1), (8, 4, 25), (3, 6, 10), (12, 5, 40)]:
        X = g.normal(size=(n, d)).astype(np.float32)
        p = g.uniform(0.2, 2.0, size=d).astype(np.float32) if with_p else np.ones(d, np.float32)
        # a stable step: eta * max eigenvalue of P^(1/2) X^T X P^(1/2) below 1
        lam = np.linalg.eigvalsh((np.sqrt(p)[:, None] * (X.T @ X)) * np.sqrt(p)[None]).max()
        eta = float(g.uniform(0.3, 0.9) / lam)
        case = (g.normal(size=d).astype(np.float32), X, g.normal(size=n).astype(np.float32),
                eta, steps)
        cases.append(case + (p,) if with_p else case)
    return cases


def gd_linear(student, *, seed: int = 0) -> Result:
    """``student(w0, X, Y, eta, steps)`` -> ``w`` after ``steps`` GD steps on ``|Xw - Y|^2 / 2``.

    Inputs are float32; float32 and float64 implementations, in place or not, pass.
    """
    return check_function("gradient descent for linear regression", student, _reference_gd,
                          _gd_cases(seed, 101, False),
                          hint="The gradient of |Xw - Y|^2 / 2 is X^T (X w - Y).")


def preconditioned_gd(student, *, seed: int = 0) -> Result:
    """``student(w0, X, Y, eta, steps, p)`` -> ``w`` after ``steps`` steps of
    ``w <- w - eta * p * X^T (X w - Y)``, with ``p`` the diagonal of the preconditioner."""
    return check_function("preconditioned gradient descent", student, _reference_gd,
                          _gd_cases(seed, 102, True),
                          hint="Multiply the gradient X^T (X w - Y) coordinate-wise by p; "
                               "start from a copy of w0.")


def _samples(d: int, eps: float) -> int:
    """Smallest integer n >= 0 with (1 - 1/d)^n / 2 <= eps."""
    if eps >= 0.5:
        return 0
    if d == 1:
        return 1
    n = max(0, math.ceil(math.log(2 * eps) / math.log1p(-1 / d)))
    while n > 0 and 0.5 * (1 - 1 / d) ** (n - 1) <= eps:   # guard the rounding of the logs
        n -= 1
    while 0.5 * (1 - 1 / d) ** n > eps:
        n += 1
    return n


def _as_count(name, value):
    x, bad = as_number(name, value)
    if bad is not None:
        return None, bad
    if not float(x).is_integer():
        return None, Result(name, "invalid", f"a number of samples is a whole number, got {x}.")
    return int(x), None


def samples_needed(student, *, d: int = 100, eps: float = 0.05, seed: int = 0) -> Result:
    """``student(d, eps)`` -> the smallest ``n`` with ``(1 - 1/d)^n / 2 <= eps``.

    ``student`` may also be a number, checked for the given ``d`` and ``eps``.
    """
    d, eps = positive_int("d", d), positive_float("eps", eps, high=1.0)
    check_seed(seed)
    name = "samples needed"
    if not callable(student):
        n, bad = _as_count(name, student)
        if bad is not None:
            return finish(bad)
        want = _samples(d, eps)
        if n == want:
            return finish(Result(name, "passed", f"correct for d={d}, eps={eps}."))
        return finish(Result(name, "failed", f"not yet for d={d}, eps={eps} (off by {n - want})."
                                             " Solve (1 - 1/d)^n <= 2 eps and round up."))
    g = rng(seed, 103)
    cases = [(1, 0.25), (2, 0.5), (50, 0.8), (100, 0.05), (7, 0.1)]
    cases += [(int(g.integers(2, 5000)), float(g.uniform(0.001, 0.49))) for _ in range(6)]
    # an exact boundary: eps equal to the bound at some n (the inequality is not strict)
    dd, nn = int(g.integers(2, 50)), int(g.integers(1, 60))
    cases.append((dd, 0.5 * (1 - 1 / dd) ** nn))
    for d_i, eps_i in cases:
        got, bad = call(name, student, d_i, eps_i)
        if bad is None:
            got, bad = _as_count(name, got)
        if bad is not None:
            return finish(Result(name, bad.status, f"for d={d_i}, eps={eps_i:.4g}: {bad.message}"))
        want = _samples(d_i, eps_i)
        if got != want:
            return finish(Result(name, "failed",
                                 f"for d={d_i}, eps={eps_i:.4g} you return {got}, the smallest n "
                                 f"is {'smaller' if got > want else 'larger'}. Take care of eps "
                                 ">= 1/2 and of the exact boundary (<=, not <)."))
    return finish(Result(name, "passed", f"correct on all {len(cases)} test cases."))


def rotate_first_layer(student, *, seed: int = 0) -> Result:
    """``student(params, U)`` -> parameters of ``nets.mlp`` for rotated inputs ``x -> U x``.

    Correct when GD on ``(X U^T, Y)`` from ``student(params, U)`` predicts on
    ``U x`` what GD on ``(X, Y)`` from ``params`` predicts on ``x``, at every step.
    """
    from .. import nets  # imported here: neural-tangents is slow to import

    name = "rotate the first layer"
    g = rng(seed, 104)
    d = 6
    net = nets.mlp(depth=2, width=32, b_std=0.1)
    params = net.init(int(g.integers(1 << 30)), (d,))
    X = g.normal(size=(10, d)).astype(np.float32)
    Y = np.tanh(X[:, :1]).astype(np.float32)
    Xt = g.normal(size=(7, d)).astype(np.float32)
    U = np.linalg.qr(g.normal(size=(d, d)))[0].astype(np.float32)
    rotated, bad = call(name, student, params, U)
    if bad is not None:
        return finish(bad)
    ref = nets.gd_trajectory(net.apply_fn, params, X, Y, Xt, steps=20, learning_rate=0.05)
    try:
        got = nets.gd_trajectory(net.apply_fn, rotated, X @ U.T, Y, Xt @ U.T, steps=20,
                                 learning_rate=0.05)
    except Exception as err:  # a student's bug should print, not crash the notebook
        return finish(Result(name, "invalid", f"your parameters could not be used "
                                              f"({type(err).__name__}: {err})."))
    gap = float(np.abs(np.asarray(got) - ref).max() / np.abs(ref).max())
    if gap < 1e-4:
        return finish(Result(name, "passed", "correct (the rotated run reproduces every "
                                             "prediction)."))
    return finish(Result(name, "failed", f"not yet (relative gap {gap:.2g}). The first layer "
                                         "computes x @ W1 with W1 of shape (d, width)."))
