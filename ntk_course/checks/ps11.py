"""Checkers for problem set 11 (NTK tools for practitioners)."""
from __future__ import annotations

import numpy as np

from .. import kernels, toy_models
from . import Verdict, check_function

__all__ = ["kernel_distance", "robust_accuracy", "rkhs_norm", "effective_rank"]


def _psd(rng, n, rank=None):
    a = rng.normal(size=(n, rank or n))
    return a @ a.T


def kernel_distance(student) -> Verdict:
    """``student(k1, k2)`` -> ``1 - <K1, K2>_F / (||K1||_F ||K2||_F)``."""
    rng = np.random.default_rng(110)
    k = _psd(rng, 5)
    cases = [(k, 3.0 * k), (_psd(rng, 4), _psd(rng, 4)), (_psd(rng, 6, 2), _psd(rng, 6)),
             (np.eye(3), np.ones((3, 3)))]
    return check_function("kernel distance", student,
                          lambda a, b: float(kernels.kernel_distance(a, b)), cases,
                          rtol=1e-4, atol=1e-5,
                          hint="Use the Frobenius inner product sum(K1 * K2), not a matrix product.")


def robust_accuracy(student) -> Verdict:
    """``student(w, mu, sigma, eps)`` -> l2-robust accuracy of ``sign(w . x)`` when
    ``x ~ N(y mu, sigma^2 I)``."""
    rng = np.random.default_rng(111)
    cases = []
    for d, sigma, eps in [(2, 1.0, 0.0), (10, 0.5, 0.3), (100, 1.0, 2.0), (50, 2.0, 1.0)]:
        mu = rng.normal(size=d)
        mu *= 3.0 / np.linalg.norm(mu)
        cases.append((mu + rng.normal(size=d) / 2, mu, sigma, eps))

    def reference(w, mu, sigma, eps):
        return 1.0 - float(toy_models.GaussianModel(mu, sigma).errors(w, eps, norm="l2")[1][0])

    return check_function("robust accuracy of a linear classifier", student, reference, cases,
                          rtol=1e-5, atol=1e-7,
                          hint="The worst l2 perturbation lowers the margin y w.x by eps ||w||_2; "
                               "the margin is Gaussian with mean w.mu and std sigma ||w||.")


def rkhs_norm(student) -> Verdict:
    """``student(k, v)`` -> the smallest squared RKHS norm of a function with values ``v``
    on points with kernel matrix ``k``."""
    rng = np.random.default_rng(112)
    cases = [(_psd(rng, n) + 0.1 * np.eye(n), rng.normal(size=n)) for n in (1, 3, 6)]
    cases.append((np.diag([1.0, 4.0]), np.array([1.0, 2.0])))
    return check_function("RKHS norm from function values", student,
                          lambda k, v: float(v @ np.linalg.solve(k, v)), cases, rtol=1e-5,
                          atol=1e-8, hint="Solve K a = v, then the norm is a^T K a = v^T a.")


def effective_rank(student) -> Verdict:
    """``student(eigenvalues)`` -> entropy effective rank of a PSD spectrum."""
    cases = [(np.array([1.0, 1.0, 1.0, 0.0]),), (np.array([5.0, 1.0, 0.5]),),
             (np.array([2.0]),), (np.geomspace(1.0, 1e-3, 10),)]
    return check_function("effective rank", student,
                          lambda lam: float(kernels.effective_rank(np.diag(lam))), cases,
                          rtol=1e-4, atol=1e-6,
                          hint="Normalize p = lambda / sum(lambda); zero eigenvalues contribute 0 "
                               "to the entropy.")
