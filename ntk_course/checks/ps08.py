"""Checkers for problem set 8 (robust and non-robust features through the NTK).

>>> from ntk_course.checks import ps08
>>> ps08.linear_feature_scores(ps08.reference_linear_feature_scores)
✓ usefulness and robustness of linear features: correct on all 3 test cases.
"""
from __future__ import annotations

import numpy as np

from . import Result, as_array, call, check_seed, close, finish, rng

__all__ = ["AUTOGRADED", "centered_usefulness", "linear_feature_scores",
           "reference_linear_feature_scores"]

#: checker name -> points, for the autograder
AUTOGRADED = {"centered_usefulness": 5, "linear_feature_scores": 10}


def centered_usefulness(student, *, seed: int = 0) -> Result:
    """``student(outputs, y)`` -> ``(n,)`` usefulness of the centered, standardized columns."""
    name = "centered usefulness"
    r = rng(check_seed(seed), 802)
    cases = []
    for m, n, share in ((20, 3, 0.5), (40, 6, 0.7), (15, 10, 0.2)):
        y = np.where(r.uniform(size=m) < share, 1.0, -1.0)
        y[:2] = (1.0, -1.0)                                  # both classes present
        outputs = r.normal(size=(m, n)) * r.uniform(0.1, 10, size=n) + r.normal(size=n) * 5
        outputs += 0.5 * y[:, None] * r.normal(size=n)       # some signal
        cases.append((outputs, y))

    def reference(outputs, y):
        centered = outputs - outputs.mean(axis=0)
        return (y[:, None] * centered).mean(axis=0) / centered.std(axis=0)

    for i, (outputs, y) in enumerate(cases):
        got, bad = call(name, student, outputs, y)
        if bad is not None:
            return finish(bad)
        got, bad = as_array(name, got, shape=(outputs.shape[1],))
        if bad is not None:
            return finish(Result(name, "invalid", f"on test case {i}: {bad.message}"))
        want = reference(outputs, y)
        if close(got, want, rtol=1e-4, atol=1e-6):
            continue
        m = len(y)
        if close(got, want * np.sqrt((m - 1) / m), rtol=1e-4, atol=1e-6):
            hint = "use the population standard deviation (ddof=0), as the problem says."
        else:
            hint = ("subtract each column's mean over the test points, divide by its standard "
                    "deviation, then average y times the result.")
        return finish(Result(name, "failed", f"wrong on test case {i} (largest deviation "
                                             f"{float(np.max(np.abs(got - want))):.3g}): {hint}"))
    return finish(Result(name, "passed", f"correct on all {len(cases)} test cases."))


def reference_linear_feature_scores(x_train, y_train, x_test, y_test, eps):
    """``(u, r)``: usefulness and exact box-free robust usefulness of the eigen-features of
    the linear kernel, by descending eigenvalue, both divided by the test RMS of the feature."""
    x_train, x_test = np.asarray(x_train, float), np.asarray(x_test, float)
    y_train, y_test = np.asarray(y_train, float), np.asarray(y_test, float)
    vals, vecs = np.linalg.eigh(x_train @ x_train.T)
    vals, vecs = vals[::-1], vecs[:, ::-1]
    weights = x_train.T @ vecs * ((vecs.T @ y_train) / vals)
    outputs = x_test @ weights
    scale = np.sqrt(np.mean(outputs ** 2, axis=0))
    u = np.mean(y_test[:, None] * outputs, axis=0) / scale
    r = np.mean(y_test[:, None] * outputs - eps * np.abs(weights).sum(axis=0), axis=0) / scale
    return u, r


def _cases(seed):
    r = rng(seed, 801)
    cases = []
    for n, d, m, eps in ((6, 10, 20, 0.05), (15, 40, 60, 0.1), (25, 64, 80, 0.02)):
        beta = r.normal(size=d)
        x_tr, x_te = r.uniform(size=(n, d)), r.uniform(size=(m, d))
        label = lambda x, beta=beta: np.where((x - 0.5) @ beta + 0.3 * r.normal(size=len(x)) > 0,
                                             1.0, -1.0)
        cases.append((x_tr, label(x_tr), x_te, label(x_te), eps))
    return cases


def linear_feature_scores(student, *, seed: int = 0) -> Result:
    """``student(x_train, y_train, x_test, y_test, eps)`` -> ``(u, r)``, each ``(n,)``."""
    name = "usefulness and robustness of linear features"
    cases = _cases(check_seed(seed))
    for i, case in enumerate(cases):
        got, bad = call(name, student, *case)
        if bad is not None:
            return finish(bad)
        n = len(case[0])
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return finish(Result(name, "invalid", f"on test case {i}: expected a pair (u, r), "
                                                  f"got {type(got).__name__}."))
        u, bad = as_array(name, got[0], shape=(n,))
        if bad is None:
            r_, bad = as_array(name, got[1], shape=(n,))
        if bad is not None:
            return finish(Result(name, "invalid", f"on test case {i}: {bad.message}"))
        want_u, want_r = reference_linear_feature_scores(*case)
        if close(u, want_u, rtol=0.0, atol=2e-3) and close(r_, want_r, rtol=0.0, atol=2e-3):
            continue
        if close(u, want_u[::-1], rtol=0.0, atol=2e-3):
            hint = "order the features by descending eigenvalue (np.linalg.eigh sorts ascending)."
        elif not close(u, want_u, rtol=0.0, atol=2e-3):
            hint = ("u_i is the mean of y f_i(x) over the test points divided by the root mean "
                    "square of f_i(x) over the same points.")
        else:
            hint = ("u is right; the worst margin of the linear feature f_i(x) = w_i.x is "
                    "y f_i(x) - eps |w_i|_1 (Hoelder), divided by the same scale as u.")
        which = "u" if not close(u, want_u, rtol=0.0, atol=2e-3) else "r"
        return finish(Result(name, "failed", f"{which} is wrong on test case {i}: {hint}"))
    return finish(Result(name, "passed", f"correct on all {len(cases)} test cases."))
