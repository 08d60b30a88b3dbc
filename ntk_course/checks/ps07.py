"""Checkers for problem set 7 (robustness needs more data, and costs accuracy)."""
from __future__ import annotations

import numpy as np

from .. import toy_models
from . import Verdict, check_function, check_value

__all__ = ["robust_error", "folded_mean", "tradeoff_cap"]


def robust_error(student) -> Verdict:
    """``student(w, theta, sigma, eps)`` -> robust l_inf test error of ``sign(w . x)``
    in the Gaussian model ``x ~ N(y theta, sigma^2 I)``."""
    rng = np.random.default_rng(11)
    cases = []
    for d, sigma, eps in [(5, 1.0, 0.0), (20, 2.0, 0.3), (100, 3.0, 0.5)]:
        theta = rng.choice([-1.0, 1.0], size=d)
        cases.append((theta + sigma * rng.normal(size=d) / 2, theta, sigma, eps))

    def reference(w, theta, sigma, eps):
        return float(toy_models.GaussianModel.make(theta.size, sigma, theta).errors(w, eps)[1][0])

    return check_function("robust error of a linear classifier", student, reference, cases,
                          rtol=1e-4, atol=1e-6,
                          hint="The adversary lowers the margin y w.x by eps times a norm of w: "
                               "which one, for an l_inf budget?")


def folded_mean(student) -> Verdict:
    """``student(s)`` -> ``E|1 + s g|`` for standard normal ``g``."""
    cases = [(s,) for s in (0.1, 0.5, 1.0, 3.0, 10.0)]
    return check_function("folded normal mean", student,
                          lambda s: float(toy_models.folded_normal_mean(1.0, s)), cases,
                          rtol=1e-4, atol=1e-6, hint="Write E|Z| = E[Z] + 2 E[max(-Z, 0)].")


def tradeoff_cap(answer) -> Verdict:
    """Largest robust accuracy (eps = 2 eta) of a classifier with 5% standard error
    when the robust feature is correct with probability p = 0.8."""
    return check_value("trade-off cap", answer, 0.8 / 0.2 * 0.05, atol=1e-6,
                       hint="Apply the theorem: robust accuracy <= p / (1 - p) * standard error.")
