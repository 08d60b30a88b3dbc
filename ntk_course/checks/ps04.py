"""Checkers of problem set 4 (spectral bias and training speed)."""
from __future__ import annotations

import numpy as np

from . import Verdict, check_function, check_value

__all__ = ["check_mode_residual", "check_max_step", "check_label_energy", "check_steps_to_fit",
           "reference_mode_residual", "reference_label_energy", "reference_steps_to_fit"]


def _cases(seed: int = 4):
    rng = np.random.default_rng(seed)
    cases = []
    for n in (3, 6, 10):
        a = rng.normal(size=(n, n))
        k = a @ a.T / n + 0.1 * np.eye(n)
        y = rng.normal(size=n)
        cases.append((k, y))
    return cases


def reference_mode_residual(k, y, eta, t):
    """Projections ``v_i . r_t`` of the GD residual on the eigenvectors of ``k`` (descending)."""
    vals, vecs = np.linalg.eigh(k)
    vals, vecs = vals[::-1], vecs[:, ::-1]
    return -((1 - eta * vals) ** t) * (vecs.T @ y)


def check_mode_residual(fn) -> Verdict:
    """``fn(k, y, eta, t)`` must return the ``(n,)`` mode projections of the residual
    after ``t`` GD steps, eigenvalues in descending order, up to the sign of each
    eigenvector (compared through their absolute values)."""
    cases = []
    for k, y in _cases():
        eta = 1.0 / np.linalg.eigvalsh(k).max()
        cases.append((k, y, eta, 7))
    return check_function("mode residual", lambda *c: np.abs(fn(*c)),
                          lambda *c: np.abs(reference_mode_residual(*c)), cases,
                          hint="r_t = (I - eta K)^t r_0 with r_0 = -Y; project on the eigenvectors.")


def check_max_step(answer, k) -> Verdict:
    """The largest step below which GD on the kernel dynamics converges: ``2 / lambda_max``."""
    return check_value("largest convergent step", answer, 2.0 / np.linalg.eigvalsh(k).max(),
                       hint="Which mode is the first to stop converging as eta grows?")


def reference_label_energy(k, y, m):
    """Fraction of ``|y|^2`` on the ``m`` eigenvectors of ``k`` with the largest eigenvalues."""
    vals, vecs = np.linalg.eigh(k)
    proj = (vecs[:, ::-1].T @ y) ** 2
    return float(proj[:m].sum() / (y @ y))


def check_label_energy(fn) -> Verdict:
    """``fn(k, y, m)``: fraction of the label energy on the top ``m`` eigenvectors."""
    cases = [(k, y, m) for (k, y) in _cases(5) for m in (1, 2)]
    return check_function("label energy", fn, reference_label_energy, cases,
                          hint="Sort the eigenvalues in descending order first.")


def reference_steps_to_fit(lam, eta, fraction):
    """Smallest integer ``t`` with ``1 - |1 - eta lam|^t >= fraction``."""
    return int(np.ceil(np.log(1 - fraction) / np.log(abs(1 - eta * lam))))


def check_steps_to_fit(fn) -> Verdict:
    """``fn(lam, eta, fraction)``: steps until a mode of eigenvalue ``lam`` is fitted to ``fraction``."""
    cases = [(2.0, 0.1, 0.9), (0.01, 1.0, 0.5), (5.0, 0.3, 0.99), (1e-3, 10.0, 0.75)]
    return check_function("steps to fit a mode", fn, reference_steps_to_fit, cases, rtol=0,
                          atol=0.5, hint="Solve |1 - eta lam|^t <= 1 - fraction for t.")
