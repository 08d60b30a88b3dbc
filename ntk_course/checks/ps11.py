"""Checkers for problem set 11 (NTK tools for practitioners).

>>> from ntk_course.checks import ps11
>>> ps11.steps_to_fit(ps11.reference_steps_to_fit)
✓ steps to fit in the linearized regime: correct on all 6 test cases.
"""
from __future__ import annotations

import numpy as np

from . import Result, as_number, call, check_seed, close, finish, rng

__all__ = [
    "AUTOGRADED",
    "label_gradient_alignment",
    "reference_lga",
    "reference_steps_to_fit",
    "steps_to_fit",
]

#: checker name -> points, for the autograder
AUTOGRADED = {"label_gradient_alignment": 5, "steps_to_fit": 10}


def reference_lga(k, labels, n_classes):
    """Frobenius cosine of ``H K H`` and ``(H Y)(H Y)^T``, ``H = I - 11^T/n``, ``Y`` one-hot."""
    k = np.asarray(k, dtype=float)
    n = k.shape[0]
    h = np.eye(n) - 1.0 / n
    hy = h @ np.eye(n_classes)[np.asarray(labels)]
    a, b = h @ k @ h, hy @ hy.T
    return float(np.sum(a * b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def label_gradient_alignment(student, *, seed: int = 0) -> Result:
    """``student(k, labels, n_classes)`` -> the centered kernel-label alignment (LGA)."""
    name = "label-gradient alignment"
    r = rng(check_seed(seed), 1101)
    cases = []
    for n, c, const in ((12, 3, 5.0), (30, 4, 0.0), (20, 10, 50.0)):
        a = r.normal(size=(n, n + 2))
        labels = r.integers(0, min(c, 3) if c == 10 else c, size=n)   # some classes absent
        cases.append((a @ a.T / n + const, labels, c))
    block = np.kron(np.eye(3), np.ones((4, 4))) + 2.0                    # perfectly aligned
    cases.append((block, np.repeat(np.arange(3), 4), 3))
    for i, (k, labels, c) in enumerate(cases):
        got, bad = call(name, student, k, labels, c)
        if bad is not None:
            return finish(bad)
        got, bad = as_number(name, got)
        if bad is not None:
            return finish(Result(name, "invalid", f"on test case {i}: {bad.message}"))
        want = reference_lga(k, labels, c)
        if not close(got, want, rtol=1e-4, atol=1e-6):
            return finish(Result(name, "failed", f"wrong on test case {i}: got {got:.6g}, "
                                                 f"expected {want:.6g}. Center both sides: "
                                                 "H K H and H Y with H = I - 11^T/n, then the "
                                                 "Frobenius cosine of H K H and (HY)(HY)^T."))
    return finish(Result(name, "passed", f"correct on all {len(cases)} test cases."))


def _residual2(vals, coef2, eta, t):
    return float(np.sum(coef2 * np.abs(1.0 - eta * vals) ** (2 * t)))


def reference_steps_to_fit(k_train, y_train, eta, tol):
    """Smallest ``t`` with ``|f_t(X) - Y| <= tol |Y|`` for linearized GD from zero output."""
    vals, vecs = np.linalg.eigh(np.asarray(k_train, dtype=float))
    y = np.asarray(y_train, dtype=float)
    coef2, target = (vecs.T @ y) ** 2, tol ** 2 * float(y @ y)
    if _residual2(vals, coef2, eta, 0) <= target:
        return 0
    low, high = 0, 1
    while _residual2(vals, coef2, eta, high) > target:
        low, high = high, 2 * high
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if _residual2(vals, coef2, eta, mid) > target else (low, mid)
    return high


def _steps_cases(seed):
    r = rng(seed, 1102)
    cases = []
    for n, kappa, eta_rel, tol in ((6, 10.0, 1.0, 1e-2), (10, 50.0, 1.5, 1e-3),
                                   (8, 1e3, 1.0, 1e-1), (12, 30.0, 0.5, 1e-4),
                                   (20, 1e5, 1.0, 1e-2), (15, 1e4, 1.9, 1e-3)):
        q, _ = np.linalg.qr(r.normal(size=(n, n)))
        vals = np.geomspace(1.0, 1.0 / kappa, n) * float(r.uniform(0.5, 5.0))
        k = (q * vals) @ q.T
        k = (k + k.T) / 2
        y = r.choice([-1.0, 1.0], size=n)
        eta = eta_rel / vals.max()
        # keep the answer away from the threshold, so float32 rounding cannot move it
        ev, evec = np.linalg.eigh(k)
        coef2 = (evec.T @ y) ** 2
        while True:
            t = reference_steps_to_fit(k, y, eta, tol)
            target = tol ** 2 * float(y @ y)
            before = _residual2(ev, coef2, eta, t - 1) if t > 0 else np.inf
            if before > target * (1 + 1e-3) and _residual2(ev, coef2, eta, t) < target * (1 - 1e-3):
                break
            tol *= 1.07
        cases.append((k, y, eta, tol, t))
    return cases


def steps_to_fit(student, *, seed: int = 0) -> Result:
    """``student(k_train, y_train, eta, tol)`` -> the number of linearized GD steps to fit."""
    name = "steps to fit in the linearized regime"
    cases = _steps_cases(check_seed(seed))
    for i, (k, y, eta, tol, want) in enumerate(cases):
        got, bad = call(name, student, k, y, eta, tol)
        if bad is not None:
            return finish(bad)
        value, bad = as_number(name, got)
        if bad is not None:
            return finish(Result(name, "invalid", f"on test case {i}: {bad.message}"))
        if value != round(value):
            return finish(Result(name, "invalid", f"on test case {i}: a number of steps is an "
                                                  f"integer, got {value}."))
        value = round(value)
        # float32 arithmetic may shift a long run by a few steps in a thousand
        slack = 0 if want < 1000 else int(2e-3 * want)
        if abs(value - want) > slack:
            hint = ("count t = 0 as the zero output itself: f_0(X) = 0, so the residual starts "
                    "at |Y|." if abs(value - want) == 1 else
                    "each eigen-component of the residual is multiplied by (1 - eta lambda_i) "
                    "per step, starting from -Y.")
            return finish(Result(name, "failed", f"wrong on test case {i} (condition number "
                                                 f"{np.linalg.cond(k):.0e}, tol {tol:.3g}): got "
                                                 f"{value}, expected {want}. {hint}"))
    return finish(Result(name, "passed", f"correct on all {len(cases)} test cases."))
