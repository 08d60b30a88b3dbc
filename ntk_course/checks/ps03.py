"""Checkers for problem set 3 (the neural tangent kernel).

Each checker tests the student's answer on inputs drawn here, against
``ntk_course.kernels``; it prints a verdict and returns a truthy
:class:`~ntk_course.checks.Verdict` when the answer is right.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import kernels, nets
from . import Verdict, check_function, check_value

__all__ = ["relu_ntk_sphere", "empirical_ntk", "linearized_flow", "weight_change_exponent"]


def relu_ntk_sphere(student) -> Verdict:
    """``student(cos)`` -> limiting NTK of a one-hidden-layer ReLU net, as in the lecture."""
    cases = [(np.array(c),) for c in ([1.0], [0.0], [-1.0], np.linspace(-0.99, 0.99, 11))]
    return check_function("ReLU NTK on the sphere", student,
                          lambda c: np.asarray(kernels.relu_ntk_sphere(c)), cases, rtol=1e-4,
                          atol=1e-5, hint="Check the value at cos = 1 (it should be 2) and the "
                                          "factor in front of the (pi - theta) cos(theta) term.")


def empirical_ntk(student) -> Verdict:
    """``student(apply_fn, params, x)`` -> ``(n, n)`` empirical NTK of a scalar network."""
    rng = np.random.default_rng(7)
    cases = []
    for depth, width, d, n in [(1, 7, 3, 4), (2, 5, 2, 3)]:
        net = nets.mlp(depth=depth, width=width, b_std=0.1)
        cases.append((net.apply_fn, net.init(depth, (d,)), jnp.asarray(rng.normal(size=(n, d)))))

    def reference(apply_fn, params, x):
        return np.asarray(kernels.empirical_ntk(apply_fn, params, x))

    return check_function("empirical NTK", student, reference, cases, rtol=1e-4, atol=1e-5,
                          hint="Flatten every parameter's Jacobian to (n, p_i), concatenate "
                               "along p, and form J J^T.")


def linearized_flow(student) -> Verdict:
    """``student(k, y, t, lr)`` -> training-set outputs at time ``t`` of gradient flow from 0."""
    rng = np.random.default_rng(3)
    a = rng.normal(size=(6, 6))
    k = a @ a.T + 0.5 * np.eye(6)
    y = rng.normal(size=6)
    cases = [(k, y, t, lr) for t, lr in [(0.0, 1.0), (0.3, 0.5), (5.0, 0.1), (100.0, 1.0)]]

    def reference(k, y, t, lr):
        return np.asarray(kernels.gd_dynamics(jnp.asarray(k), jnp.asarray(y), jnp.array([t]),
                                              learning_rate=lr)[0])

    return check_function("linearized gradient flow", student, reference, cases, rtol=1e-3,
                          atol=1e-4, hint="Diagonalize K: each eigen-component of Y is fitted "
                                          "as 1 - exp(-lr * lambda * t).")


def weight_change_exponent(answer) -> Verdict:
    """The exponent ``a`` in ``|theta_T - theta_0| / |theta_0| ~ width^a`` for depth >= 2."""
    return check_value("relative weight change exponent", answer, -1.0, atol=0.05,
                       hint="How do |theta_0| and |theta_T - theta_0| each scale with the width "
                            "when the network has a width x width hidden matrix?")
