"""Checkers for problem set 6 (adversarial examples and adversarial training).

>>> import numpy as np
>>> def right(w, b, x, y, eps):
...     return np.mean(np.logaddexp(0, -(y * (x @ w + b) - eps * np.abs(w).sum())))
>>> robust_logistic_loss(right)
✓ exact robust logistic loss: correct on all 4 test cases.
"""
from __future__ import annotations

import numpy as np

from . import FLOAT32, Result, as_array, as_number, call, check_seed, close, finish, rng

__all__ = [
    "AUTOGRADED",
    "pgd",
    "reference_pgd",
    "reference_robust_logistic_loss",
    "robust_logistic_loss",
]

#: checker name -> points, for the autograder
AUTOGRADED = {"pgd": 10, "robust_logistic_loss": 10}


def reference_pgd(grad_fn, x, eps, step, steps, generator):
    """The reference of Problem 2: random start from one ``generator.uniform`` call, then
    signed ascent steps, each projected onto the l_inf ball around ``x`` and the box."""
    x = np.asarray(x, dtype=float)
    low, high = np.maximum(x - eps, 0.0), np.minimum(x + eps, 1.0)
    xa = np.clip(x + generator.uniform(-eps, eps, size=x.shape), 0.0, 1.0)
    for _ in range(steps):
        xa = np.clip(xa + step * np.sign(np.asarray(grad_fn(xa), dtype=float)), low, high)
    return xa


def _pgd_cases(seed):
    r = rng(seed, 601)
    cases = []
    # a linear loss -y w.x per row: PGD must end at the vertex of ball and box
    n, d = 4, 12
    x = r.uniform(size=(n, d))
    x[:, :2], x[:, 2:4] = 0.0, 1.0                      # pixels on the faces of the box
    y = r.choice([-1.0, 1.0], size=n)
    w = r.normal(size=d)
    w[np.abs(w) < 0.1] = 0.3                            # no coordinate without gradient
    cases.append(("a linear loss", lambda xa, y=y, w=w: -y[:, None] * w[None, :] * np.ones_like(xa),
                  x, 0.1, 0.05, 6))
    # a non-linear loss sum_j cos((x W)_j)
    W = r.normal(size=(d, 5))
    cases.append(("a non-linear loss", lambda xa, W=W: -np.sin(np.asarray(xa) @ W) @ W.T,
                  r.uniform(size=(3, d)), 0.08, 0.03, 5))
    # no step at all: the random start itself
    cases.append(("zero steps (the random start)", lambda xa: np.zeros_like(np.asarray(xa)),
                  r.uniform(size=(5, 20)), 0.2, 0.1, 0))
    return cases, int(r.integers(0, 2 ** 31))


def pgd(student, *, seed: int = 0) -> Result:
    """``student(grad_fn, x, eps, step, steps, rng)`` -> the PGD point of Problem 2.

    The student's function gets a ``numpy.random.Generator`` seeded like the
    reference's, and must draw the random start with one call
    ``rng.uniform(-eps, eps, size=x.shape)``.
    """
    name = "PGD with projection and random start"
    cases, gen_seed = _pgd_cases(check_seed(seed))
    for i, (label, grad_fn, x, eps, step, steps) in enumerate(cases):
        got, bad = call(name, student, grad_fn, x, eps, step, steps,
                        np.random.default_rng(gen_seed + i))
        if bad is not None:
            return finish(bad)
        got, bad = as_array(name, got, shape=x.shape)
        if bad is not None:
            return finish(Result(name, "invalid", f"on {label}: {bad.message}"))
        want = reference_pgd(grad_fn, x, eps, step, steps, np.random.default_rng(gen_seed + i))
        if close(got, want, rtol=0.0, atol=1e-5):
            continue
        outside = np.max(np.maximum(np.abs(got - x) - eps, 0.0)
                         + np.maximum(-got, 0.0) + np.maximum(got - 1.0, 0.0))
        if outside > 1e-5:
            hint = (f"your point leaves the ball or the box by {outside:.3g}: project onto "
                    "[max(x - eps, 0), min(x + eps, 1)] after every step (and after the start).")
        elif steps == 0:
            hint = ("with steps = 0 return the random start, drawn with exactly one call "
                    "rng.uniform(-eps, eps, size=x.shape) and clipped to [0, 1].")
        else:
            hint = ("step along the sign of the gradient (ascent), from the random start drawn "
                    "with one call rng.uniform(-eps, eps, size=x.shape).")
        dev = float(np.max(np.abs(got - want)))
        return finish(Result(name, "failed", f"wrong on {label} (largest deviation {dev:.3g}). "
                                             f"{hint}"))
    return finish(Result(name, "passed", f"correct on all {len(cases)} test cases."))


def reference_robust_logistic_loss(w, b, x, y, eps):
    """Mean of ``log(1 + exp(-(y (x.w + b) - eps |w|_1)))``."""
    w, x, y = np.asarray(w, float), np.asarray(x, float), np.asarray(y, float)
    margin = y * (x @ w + b) - eps * np.abs(w).sum()
    return float(np.mean(np.logaddexp(0.0, -margin)))


def robust_logistic_loss(student, *, seed: int = 0) -> Result:
    """``student(w, b, x, y, eps)`` -> the mean worst-case logistic loss over the l_inf ball."""
    name = "exact robust logistic loss"
    r = rng(check_seed(seed), 602)
    cases = []
    for n, d, eps, scale in ((8, 5, 0.1, 1.0), (50, 30, 0.02, 1.0), (20, 10, 0.0, 1.0),
                             (10, 6, 0.05, 400.0)):     # the last one has margins ~ 1e3
        x = r.uniform(size=(n, d))
        y = r.choice([-1.0, 1.0], size=n)
        cases.append((scale * r.normal(size=d), float(r.normal()), x, y, eps))
    for i, case in enumerate(cases):
        got, bad = call(name, student, *case)
        if bad is not None:
            return finish(bad)
        if got is not None and np.ndim(got) == 0:
            try:
                if not np.isfinite(float(got)):
                    return finish(Result(name, "failed", f"test case {i} (margins of size "
                                         f"{np.abs(case[0]).sum():.0f}) gives {float(got)}: "
                                         "use np.logaddexp(0, -margin), which never overflows."))
            except (TypeError, ValueError):
                pass
        got, bad = as_number(name, got)
        if bad is not None:
            return finish(Result(name, "invalid", f"on test case {i}: {bad.message}"))
        want = reference_robust_logistic_loss(*case)
        if not close(got, want, **FLOAT32):
            hint = ("The adversary lowers every margin by eps times the l1 norm of w "
                    "(Problem 1), then the loss is averaged over the rows.")
            return finish(Result(name, "failed", f"wrong on test case {i} (got {got:.6g}, "
                                                 f"expected {want:.6g}). {hint}"))
    return finish(Result(name, "passed", f"correct on all {len(cases)} test cases."))
