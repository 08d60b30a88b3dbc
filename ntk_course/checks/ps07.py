"""Checkers for problem set 7 (robustness needs more data, and costs accuracy).

>>> import numpy as np
>>> robust_direction(lambda theta, eps: np.sign(theta) * np.maximum(np.abs(theta) - eps, 0))
✓ most robust linear direction: optimal on all 4 test cases.
"""
from __future__ import annotations

import numpy as np

from . import Result, as_array, as_number, call, check_seed, close, finish, rng

__all__ = ["AUTOGRADED", "bayes_alpha", "robust_direction", "robust_objective"]

#: checker name -> points, for the autograder
AUTOGRADED = {"robust_direction": 10, "bayes_alpha": 7}


def robust_objective(w, theta, eps) -> float:
    """``J(w) = (w.theta - eps |w|_1) / |w|_2``: minus sigma times the probit of the robust error."""
    w, theta = np.asarray(w, float), np.asarray(theta, float)
    return float((w @ theta - eps * np.abs(w).sum()) / np.linalg.norm(w))


def robust_direction(student, *, seed: int = 0) -> Result:
    """``student(theta, eps)`` -> a direction ``w`` maximizing ``J(w)`` (any positive multiple)."""
    name = "most robust linear direction"
    r = rng(check_seed(seed), 701)
    cases = []
    for d, eps in ((3, 0.5), (20, 0.3), (200, 1.0), (50, 0.05)):
        theta = r.normal(size=d) * r.choice([0.3, 1.0, 3.0], size=d)
        theta[0] = 2.0 + eps                          # at least one coordinate above eps
        theta[1] = 0.5 * eps * np.sign(r.normal())    # at least one below it
        cases.append((theta, eps))
    for i, (theta, eps) in enumerate(cases):
        got, bad = call(name, student, theta, eps)
        if bad is not None:
            return finish(bad)
        w, bad = as_array(name, got, shape=theta.shape)
        if bad is not None:
            return finish(Result(name, "invalid", f"on test case {i}: {bad.message}"))
        if not np.any(w != 0):
            return finish(Result(name, "failed", f"on test case {i} your direction is zero."))
        best = float(np.linalg.norm(np.sign(theta) * np.maximum(np.abs(theta) - eps, 0.0)))
        mine = robust_objective(w, theta, eps)
        if not close(mine, best, rtol=1e-4, atol=1e-6):
            hint = ("The bound J(w) <= min |theta - delta| over the cube is attained: which "
                    "delta minimizes, and what is theta - delta?")
            if close(w / np.linalg.norm(w), theta / np.linalg.norm(theta), rtol=1e-4, atol=1e-6):
                hint = "w = theta is the most accurate direction, not the most robust one. " + hint
            return finish(Result(name, "failed", f"not optimal on test case {i}: J(w) = "
                                                 f"{mine:.5g}, the best is {best:.5g}. {hint}"))
    return finish(Result(name, "passed", f"optimal on all {len(cases)} test cases."))


def bayes_alpha(student, *, seed: int = 0) -> Result:
    """``student(p, eta, d)`` -> ``alpha*`` such that ``sign(alpha* x0 + mean(x_1..x_d))``
    is the Bayes classifier of the Tsipras model."""
    name = "Bayes classifier of the Tsipras model"
    r = rng(check_seed(seed), 702)
    cases = [(0.9, 2 / np.sqrt(1000), 1000), (0.7, 0.1, 50), (0.99, 0.3, 10),
             (float(r.uniform(0.55, 0.95)), float(r.uniform(0.02, 0.5)), int(r.integers(5, 500)))]
    for i, (p, eta, d) in enumerate(cases):
        got, bad = call(name, student, p, eta, d)
        if bad is not None:
            return finish(bad)
        got, bad = as_number(name, got)
        if bad is not None:
            return finish(Result(name, "invalid", f"on test case {i}: {bad.message}"))
        want = float(np.log(p / (1 - p)) / (2 * eta * d))
        if not close(got, want, rtol=1e-4, atol=0.0):
            ratio = got / want if want else np.inf
            hint = ("Write log P(x|+1) - log P(x|-1) term by term: x0 contributes "
                    "x0 log(p/(1-p)), each weak feature 2 eta x_i; divide by the weight of x-bar.")
            if np.isclose(ratio, d) or np.isclose(ratio, 2 * d):
                hint = "Your alpha multiplies the sum of the weak features, not their mean. " + hint
            return finish(Result(name, "failed", f"wrong on test case {i} (p={p:.3g}, "
                                                 f"eta={eta:.3g}, d={d}): got {got:.6g}, "
                                                 f"expected {want:.6g}. {hint}"))
    return finish(Result(name, "passed", f"correct on all {len(cases)} test cases."))
