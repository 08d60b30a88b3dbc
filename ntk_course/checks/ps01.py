"""Checkers for problem set 1 (equivariance and sample complexity).

Each checker tests the student's answer on inputs drawn here, against
``ntk_course.toy_models`` and ``ntk_course.nets``; it prints a verdict and
returns a truthy :class:`~ntk_course.checks.Verdict` when the answer is right.
"""
from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from .. import nets
from .. import toy_models as tm
from . import Verdict, _report, check_function, check_value

__all__ = ["gd_linear", "rotate_first_layer", "unseen_error", "samples_needed"]


def _gd_linear_reference(w0, X, Y, eta, steps):
    w = np.asarray(w0, dtype=float)
    for _ in range(steps):
        w = w - eta * X.T @ (X @ w - Y)
    return w


def gd_linear(student) -> Verdict:
    """``student(w0, X, Y, eta, steps)`` -> ``w`` after ``steps`` GD steps on ``|Xw - Y|^2 / 2``."""
    rng = np.random.default_rng(11)
    cases = []
    for n, d, eta, steps in [(5, 3, 0.05, 1), (8, 4, 0.02, 25), (3, 6, 0.1, 10)]:
        cases.append((rng.normal(size=d), rng.normal(size=(n, d)), rng.normal(size=n), eta, steps))
    return check_function("gradient descent for linear regression", student, _gd_linear_reference,
                          cases, rtol=1e-6, atol=1e-8,
                          hint="The gradient of |Xw - Y|^2 / 2 is X^T (X w - Y).")


def rotate_first_layer(student) -> Verdict:
    """``student(params, U)`` -> parameters of ``nets.mlp`` for rotated inputs ``x -> U x``.

    Correct when GD on ``(X U^T, Y)`` from ``student(params, U)`` predicts on
    ``U x`` what GD on ``(X, Y)`` from ``params`` predicts on ``x``, at every step.
    """
    if not callable(student):
        return _report(False, f"rotate the first layer: expected a function, got "
                              f"{type(student).__name__}.")
    rng = np.random.default_rng(5)
    d = 6
    net = nets.mlp(depth=2, width=32, b_std=0.1)
    params = net.init(3, (d,))
    X = rng.normal(size=(10, d)).astype(np.float32)
    Y = np.tanh(X[:, :1]).astype(np.float32)
    Xt = rng.normal(size=(7, d)).astype(np.float32)
    U = np.linalg.qr(rng.normal(size=(d, d)))[0].astype(np.float32)
    try:
        rotated = student(params, U)
        ref = nets.gd_trajectory(net.apply_fn, params, X, Y, Xt, steps=20, learning_rate=0.05)
        got = nets.gd_trajectory(net.apply_fn, rotated, X @ U.T, Y, Xt @ U.T, steps=20,
                                 learning_rate=0.05)
    except Exception as err:  # a student's bug should print, not crash the notebook
        return _report(False, f"rotate the first layer: your parameters could not be used "
                              f"({type(err).__name__}: {err}).")
    gap = float(np.abs(got - ref).max() / np.abs(ref).max())
    if gap < 1e-4:
        return _report(True, "rotate the first layer: correct (the rotated run reproduces every "
                             "prediction).")
    return _report(False, f"rotate the first layer: not yet (relative gap {gap:.2g}). The first "
                          "layer computes x @ W1 with W1 of shape (d, width).")


def unseen_error(student) -> Verdict:
    """``student(n, d)`` -> ``(1 - 1/d)^n / 2``."""
    cases = [(n, d) for n, d in [(0, 5), (1, 2), (10, 40), (100, 64), (7, 1)]]
    return check_function("error on unseen coordinates", student,
                          lambda n, d: float(tm.basis_vector_unseen_error(n, d)), cases,
                          rtol=1e-9, atol=1e-12,
                          hint="Each of the n samples misses a given coordinate with "
                               "probability 1 - 1/d; the learner is a coin on a miss.")


def samples_needed(answer, d: int = 100, eps: float = 0.05) -> Verdict:
    """The smallest ``n`` with ``(1 - 1/d)^n / 2 <= eps`` (defaults ``d=100``, ``eps=0.05``)."""
    expected = math.ceil(math.log(2 * eps) / math.log(1 - 1 / d))
    return check_value(f"samples needed for d={d}, eps={eps}", answer, expected, rtol=0, atol=0,
                       hint="Solve (1 - 1/d)^n <= 2 eps for n and round up.")
