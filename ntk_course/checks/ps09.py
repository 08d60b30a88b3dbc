"""Checkers for problem set 9 (min-max optimization and its pathologies).

>>> from ntk_course.checks import ps09
>>> ps09.eg_radius(ps09.reference_eg_radius)
✓ spectral radius of extragradient: correct on all 5 test cases.
"""
from __future__ import annotations

import numpy as np

from . import FLOAT32, Result, as_array, as_number, call, check_seed, close, finish, rng

__all__ = ["AUTOGRADED", "eg_radius", "ogda", "reference_eg_radius", "reference_ogda"]

#: checker name -> points, for the autograder
AUTOGRADED = {"ogda": 10, "eg_radius": 7}


def reference_ogda(field, z0, step, steps):
    """OGDA iterates ``(steps + 1, m)`` with ``z^{-1} = z^0``."""
    z = np.array(z0, dtype=float)
    out, v_prev = [z], None
    for _ in range(steps):
        v = np.asarray(field(z), dtype=float)
        v_prev = v if v_prev is None else v_prev
        z = z - step * (2.0 * v - v_prev)
        v_prev = v
        out.append(z)
    return np.stack(out)


def _bilinear_field(B):
    m = B.shape[0]
    return lambda z: np.concatenate([B @ np.asarray(z, float)[m:], -B.T @ np.asarray(z, float)[:m]])


def ogda(student, *, seed: int = 0) -> Result:
    """``student(field, z0, step, steps)`` -> the ``(steps + 1, m)`` OGDA iterates."""
    name = "optimistic gradient descent-ascent"
    r = rng(check_seed(seed), 901)
    eps = float(r.uniform(0.1, 0.5))
    cases = [
        ("the bilinear game xy", _bilinear_field(np.ones((1, 1))), r.normal(size=2), 0.3, 25),
        ("a bilinear game x^T B y with B of shape (2, 3)", _bilinear_field(r.normal(size=(2, 3))),
         r.normal(size=5), 0.15, 30),
        ("the almost-bilinear game", lambda z: np.array([z[1], -z[0] - eps * (z[1] - z[1] ** 3)]),
         r.uniform(-0.8, 0.8, size=2), 0.2, 40),
    ]
    for label, field, z0, step, steps in cases:
        got, bad = call(name, student, field, z0, step, steps)
        if bad is not None:
            return finish(bad)
        got, bad = as_array(name, got, shape=(steps + 1, len(z0)))
        if bad is not None:
            return finish(Result(name, "invalid", f"on {label}: {bad.message} (return z^0 "
                                                  "first, then one row per step)"))
        want = reference_ogda(field, z0, step, steps)
        if close(got, want, **FLOAT32):
            continue
        first_bad = int(np.argmax(np.max(np.abs(got - want), axis=1)
                                  > FLOAT32["atol"] + FLOAT32["rtol"] * np.max(np.abs(want))))
        hint = ("z^1 should be a plain GDA step (z^{-1} = z^0)." if first_bad == 1 else
                "each step uses 2 V(z^k) - V(z^{k-1}): twice the current field minus the "
                "previous one.")
        return finish(Result(name, "failed", f"wrong on {label} from iterate {first_bad} on. "
                                             f"{hint}"))
    return finish(Result(name, "passed", f"correct on all {len(cases)} test cases."))


def reference_eg_radius(B, alpha):
    """Spectral radius of ``I - a J + a^2 J^2``, ``J = [[0, B], [-B^T, 0]]``, on the whole space."""
    B = np.atleast_2d(np.asarray(B, dtype=float))
    m, n = B.shape
    J = np.block([[np.zeros((m, m)), B], [-B.T, np.zeros((n, n))]])
    M = np.eye(m + n) - alpha * J + alpha ** 2 * J @ J
    return float(np.max(np.abs(np.linalg.eigvals(M))))


def eg_radius(student, *, seed: int = 0) -> Result:
    """``student(B, alpha)`` -> spectral radius of extragradient on ``min_x max_y x^T B y``."""
    name = "spectral radius of extragradient"
    r = rng(check_seed(seed), 902)
    square = r.normal(size=(4, 4))
    cases = [(np.ones((1, 1)), 0.5), (square, 0.5 / np.linalg.norm(square, 2)),
             (square, 1.3 / np.linalg.norm(square, 2)), (r.normal(size=(2, 4)), 0.2),
             (np.diag([3.0, 0.5]) + 0.1 * r.normal(size=(2, 2)), 0.25)]
    for i, (B, alpha) in enumerate(cases):
        got, bad = call(name, student, B, alpha)
        if bad is not None:
            return finish(bad)
        got, bad = as_number(name, got)
        if bad is not None:
            return finish(Result(name, "invalid", f"on test case {i}: {bad.message}"))
        want = reference_eg_radius(B, alpha)
        if not close(got, want, rtol=1e-5, atol=0.0):
            hint = ("Build J = [[0, B], [-B^T, 0]] from the field (B y, -B^T x) and take the "
                    "largest |eigenvalue| of I - a J + a^2 J^2.")
            if B.shape[0] != B.shape[1]:
                hint = ("For a rectangular B, J has a kernel, on which extragradient is the "
                        "identity. " + hint)
            return finish(Result(name, "failed", f"wrong on test case {i} (B of shape "
                                                 f"{B.shape}, alpha={alpha:.3g}): got {got:.6g}, "
                                                 f"expected {want:.6g}. {hint}"))
    return finish(Result(name, "passed", f"correct on all {len(cases)} test cases."))
