"""Checkers for problem set 8 (robust and non-robust features through the NTK)."""
from __future__ import annotations

import numpy as np

from .. import config, data, features
from . import Verdict, check_function, check_value

__all__ = ["feature_outputs", "usefulness", "worst_linear_margin", "top_energy_share",
           "digits_pair"]


def _kernel_cases():
    """Random positive-definite kernels with well-separated eigenvalues, and labels."""
    rng = np.random.default_rng(8)
    cases = []
    for n, m in [(4, 3), (7, 5), (12, 2)]:
        q, _ = np.linalg.qr(rng.normal(size=(n, n)))
        vals = np.geomspace(10.0, 0.1, n)
        k = (q * vals) @ q.T
        y = rng.choice([-1.0, 1.0], size=n)
        kq = rng.normal(size=(m, n))
        cases.append((k, y, kq))
    return cases


def _reference_outputs(k, y, kq):
    with config.double_precision():
        return np.asarray(features.feature_outputs(kq, features.decompose(k, y)))


def feature_outputs(student) -> Verdict:
    """``student(k_train, y_train, k_test_train)`` -> ``(m, n)`` eigen-feature values,
    columns ordered by decreasing eigenvalue."""
    return check_function("eigen-feature values", student, _reference_outputs, _kernel_cases(),
                          rtol=1e-6, atol=1e-8,
                          hint="Order the eigenvalues from the largest; column i is "
                               "(v_i . y) / lambda_i * (k_test_train @ v_i).")


def usefulness(student) -> Verdict:
    """``student(outputs, y)`` -> ``(n,)`` usefulness normalized by each column's RMS."""
    rng = np.random.default_rng(18)
    cases = []
    for m, n in [(10, 3), (40, 6)]:
        y = rng.choice([-1.0, 1.0], size=m)
        cases.append((rng.normal(size=(m, n)) + 0.5 * y[:, None] * rng.normal(size=n), y))

    def reference(outputs, y):
        with config.double_precision():
            return np.asarray(features.usefulness(outputs, y))

    return check_function("normalized usefulness", student, reference, cases, rtol=1e-6,
                          atol=1e-8, hint="Divide mean(y * f_i) by sqrt(mean(f_i ** 2)), "
                                          "not by the standard deviation.")


def worst_linear_margin(student) -> Verdict:
    """``student(w, x, y, eps)`` -> ``(m,)`` smallest ``y w.(x + delta)`` over
    ``|delta|_inf <= eps`` (no box)."""
    rng = np.random.default_rng(28)
    cases = [(rng.normal(size=d), rng.normal(size=(m, d)), rng.choice([-1.0, 1.0], size=m), eps)
             for d, m, eps in [(3, 4, 0.0), (8, 5, 0.1), (40, 3, 0.5)]]
    reference = lambda w, x, y, eps: y * (x @ w) - eps * np.abs(w).sum()
    return check_function("worst margin of a linear feature", student, reference, cases,
                          rtol=1e-6, atol=1e-8,
                          hint="The adversary moves every coordinate by eps against "
                               "y * sign(w_j): which norm of w appears?")


def digits_pair(n_train: int = 100):
    """The training set of problem 4: the first ``n_train`` images of digits 3 and 8,
    pixels in [0, 1], labels -1 (three) and +1 (eight). Returns ``(x, y)``."""
    pair = data.select_classes(data.digits(n_train=1000, n_test=797, standardize=False), [3, 8])
    x = np.concatenate([pair.x_train, pair.x_test])[:n_train]
    y = 2.0 * np.concatenate([pair.y_train, pair.y_test])[:n_train] - 1.0
    return x, y


def top_energy_share(answer) -> Verdict:
    """Share of the training usefulness carried by the top 10 eigen-features of the
    one-hidden-layer ReLU NTK (``kip.fc_ntk(depth=1)``) on :func:`digits_pair`."""
    from .. import kip

    x, y = digits_pair()
    k = np.asarray(kip.fc_ntk(depth=1)(x, x), dtype=np.float64)
    vals, vecs = np.linalg.eigh((k + k.T) / 2)
    energy = (vecs[:, ::-1].T @ y) ** 2
    return check_value("top-10 share of the training usefulness", answer,
                       energy[:10].sum() / energy.sum(), rtol=1e-3, atol=1e-4,
                       hint="The training usefulness of feature i is (v_i . y)^2 / n; "
                            "sort the eigenvalues in decreasing order.")
