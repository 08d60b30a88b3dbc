"""Checkers for problem set 3 (the neural tangent kernel).

Each checker draws test inputs from ``seed`` (0 in the notebook, others in the
hidden autograder tests), calls the student's function on deep copies and
returns a :class:`~ntk_course.checks.Result`.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import kernels, nets
from . import Result, check_function, rng

__all__ = ["erf_ntk", "gd_test_predictions", "empirical_ntk", "AUTOGRADED"]

#: checker name -> points, for the checker cells of the problem set (see ``checks``).
AUTOGRADED = {"erf_ntk": 6, "gd_test_predictions": 4}


def _erf_reference(x1, x2, depth, w_std, b_std):
    return np.asarray(kernels.fc_kernels(jnp.asarray(x1, jnp.float32), jnp.asarray(x2, jnp.float32),
                                         depth=depth, activation="erf", W_std=w_std,
                                         b_std=b_std, get="ntk"))


def erf_ntk(student, *, seed: int = 0) -> Result:
    """``student(x1, x2, depth, w_std, b_std)`` -> ``(n1, n2)`` NTK of a depth-``depth`` erf
    network in the NTK parametrization (as ``kernels.fc_kernels(..., activation="erf")``)."""
    g = rng(seed, 301)
    cases = []
    for depth, w_std, b_std, d in [(0, 1.0, 0.0, 3), (1, 1.0, 0.0, 4), (1, 1.5, 0.3, 5),
                                   (2, 1.2, 0.1, 6), (3, 0.8, 0.5, 3)]:
        n1, n2 = int(g.integers(1, 6)), int(g.integers(1, 6))
        scale = g.uniform(0.5, 2.0)
        cases.append((scale * g.normal(size=(n1, d)).astype(np.float32),
                      g.normal(size=(n2, d)).astype(np.float32), depth,
                      float(w_std + g.uniform(0, 0.1)), float(b_std)))
    return check_function("erf NTK", student, _erf_reference, cases,
                          hint="Test depth 0 first (the scaled Gram matrix), then one layer: "
                               "Theta_l = Sigma_l + w_std^2 * E[erf'(u) erf'(v)] * Theta_(l-1), "
                               "with the expectation under the covariance of layer l-1.")


def _flow_cases(seed):
    g = rng(seed, 302)
    cases = []
    for n, m, eta, steps in [(4, 3, 0.5, 0), (6, 2, 0.3, 1), (8, 5, 0.2, 30), (5, 4, 0.1, 500)]:
        z = g.normal(size=(n + m, 3))
        k_all = np.exp(-0.5 * ((z[:, None] - z[None]) ** 2).sum(-1)) * g.uniform(0.5, 3.0)
        k_all = k_all.astype(np.float32)
        lam = np.linalg.eigvalsh(k_all[:n, :n].astype(np.float64)).max()
        y = g.normal(size=n).astype(np.float32)
        cases.append((k_all[:n, :n], k_all[n:, :n], y, float(eta * 2 / lam), steps))
    return cases


def _gd_test_reference(k_train, k_test_train, y, eta, steps):
    k, kx = np.asarray(k_train, np.float64), np.asarray(k_test_train, np.float64)
    f_train, f_test = np.zeros(len(y)), np.zeros(kx.shape[0])
    for _ in range(steps):           # the linearized network: every output moves by eta K r
        r = f_train - np.asarray(y, np.float64)
        f_train, f_test = f_train - eta * k @ r, f_test - eta * kx @ r
    return f_test


def gd_test_predictions(student, *, seed: int = 0) -> Result:
    """``student(k_train, k_test_train, y, eta, steps)`` -> ``(m,)`` test outputs of the
    linearized network after ``steps`` GD steps on ``|f(X) - y|^2 / 2`` from zero output."""
    return check_function("test predictions of kernel gradient descent", student,
                          _gd_test_reference, _flow_cases(seed),
                          hint="The training residual evolves as r_t = -(I - eta K)^t y; a test "
                               "output moves by -eta K(x, X) r_t at each step. Do not invert a "
                               "nearly singular K.")


def empirical_ntk(student, *, seed: int = 0) -> Result:
    """``student(apply_fn, params, x)`` -> ``(n, n)`` empirical NTK of a scalar network."""
    g = rng(seed, 303)
    cases = []
    for depth, width, d, n in [(1, 7, 3, 4), (2, 5, 2, 3)]:
        net = nets.mlp(depth=depth, width=width, b_std=0.1)
        cases.append((net.apply_fn, net.init(int(g.integers(1 << 20)), (d,)),
                      jnp.asarray(g.normal(size=(n, d)), jnp.float32)))

    def reference(apply_fn, params, x):
        return np.asarray(kernels.empirical_ntk(apply_fn, params, x))

    return check_function("empirical NTK", student, reference, cases,
                          hint="Flatten every parameter's Jacobian to (n, p_i), concatenate "
                               "along p, and form J J^T.")
