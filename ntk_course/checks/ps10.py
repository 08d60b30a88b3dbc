"""Checkers for problem set 10 (Danskin's descent direction).

Each checker tests the student's answer on inputs drawn here, against
``ntk_course.adversarial``; it prints a verdict and returns a truthy
:class:`~ntk_course.checks.Verdict` when the answer is right.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import adversarial
from . import Verdict, check_function, check_value

__all__ = ["project_simplex", "min_norm_segment", "pgd_linf", "slides_cross_entropy"]


def project_simplex(student) -> Verdict:
    """``student(v)`` -> Euclidean projection of ``v`` ``(k,)`` onto the probability simplex."""
    rng = np.random.default_rng(2)
    cases = [(np.array([0.2, 0.3, 0.5]),), (np.array([3.0, -1.0]),),
             (rng.normal(size=6),), (5 * rng.normal(size=9),)]
    return check_function("projection onto the simplex", student,
                          lambda v: np.asarray(adversarial.project_simplex(jnp.asarray(v))),
                          cases, rtol=1e-5, atol=1e-6,
                          hint="The projection is max(v - theta, 0) with theta chosen so that "
                               "the entries sum to one; sort v to find theta.")


def min_norm_segment(student) -> Verdict:
    """``student(g1, g2)`` -> the point of the segment [g1, g2] closest to the origin."""
    rng = np.random.default_rng(5)
    cases = [(np.array([-1.0, 1.0]), np.array([1.0, 1.0])),
             (np.array([2.0, 1.0]), np.array([3.0, 0.5])),
             (rng.normal(size=5), rng.normal(size=5)),
             (rng.normal(size=5) + 2, rng.normal(size=5) - 1)]

    def reference(g1, g2):
        lam = np.asarray(adversarial.min_norm_simplex(np.stack([g1, g2]), iters=3000))
        return lam @ np.stack([g1, g2])

    return check_function("min-norm point of a segment", student, reference, cases, rtol=1e-3,
                          atol=1e-4, hint="Minimize |t g1 + (1 - t) g2|^2 over t and clip t "
                                          "to [0, 1].")


def pgd_linf(student) -> Verdict:
    """``student(grad_fn, x, eps, step, steps)`` -> l_inf PGD from the clean point (box [0, 1]).

    ``grad_fn(x_adv)`` returns the gradient of the summed loss, shape of ``x``.
    """
    rng = np.random.default_rng(6)
    W = jnp.asarray(rng.normal(size=(8, 3)))
    y = jnp.array([0, 1, 2, 1])
    x = jnp.asarray(rng.uniform(size=(4, 8)), jnp.float32)
    loss = lambda xa: adversarial.cross_entropy(jnp.tanh(xa @ W) * 3, y)
    import jax

    grad_fn = jax.grad(lambda xa: jnp.sum(loss(xa)))
    cases = [(grad_fn, x, 0.1, 0.02, 10), (grad_fn, x, 0.3, 0.1, 5), (grad_fn, x, 0.05, 0.05, 1)]

    def reference(g, x, eps, step, steps):
        return np.asarray(adversarial.pgd(loss, x, eps=eps, step=step, steps=steps,
                                          random_start=False))

    return check_function("l_inf PGD", student, reference, cases, rtol=1e-5, atol=1e-5,
                          hint="After each signed step, clip the perturbation to [-eps, eps] "
                               "around the CLEAN x, then clip x + delta to [0, 1].")


def slides_cross_entropy(answer) -> Verdict:
    """``(CE_A, CE_B)`` of the slides' example, with the outputs read as logits."""
    b = jnp.array([0])
    want = [float(adversarial.cross_entropy(jnp.array([[0.26, 0.24, 0.25, 0.25]]), b)[0]),
            float(adversarial.cross_entropy(jnp.array([[0.49, 0.51, 0.0, 0.0]]), b)[0])]
    return check_value("cross-entropies of the slides' example", answer, want, rtol=1e-3,
                       hint="CE = log(sum_j exp(h_j)) - h_b with b the first class.")
