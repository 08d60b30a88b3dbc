"""Checkers of problem set 5 (dataset distillation and KIP)."""
from __future__ import annotations

import numpy as np

from . import Verdict, check_function

__all__ = ["check_krr_predict", "check_kip_loss", "check_optimal_labels", "check_mle_dimension",
           "reference_krr_predict", "reference_kip_loss", "reference_optimal_labels"]


def _cases(seed: int = 5):
    rng = np.random.default_rng(seed)
    cases = []
    for n_s, n_t, k in ((2, 5, 1), (4, 9, 3), (6, 20, 2)):
        z = rng.normal(size=(n_s + n_t, 8))
        gram = np.exp(-0.5 * ((z[:, None] - z[None]) ** 2).sum(-1) / 4)  # an RBF kernel
        k_ss, k_ts = gram[:n_s, :n_s], gram[n_s:, :n_s]
        y_s, y_t = rng.normal(size=(n_s, k)), rng.normal(size=(n_t, k))
        cases.append((k_ts, k_ss, y_s, y_t))
    return cases


def _system(k_ss, ridge):
    n = k_ss.shape[0]
    return k_ss + ridge * np.trace(k_ss) / n * np.eye(n)


def reference_krr_predict(k_ts, k_ss, y_s, ridge):
    """``K_ts (K_ss + ridge tr(K_ss)/n_s I)^{-1} Y_s``."""
    return k_ts @ np.linalg.solve(_system(k_ss, ridge), y_s)


def check_krr_predict(fn) -> Verdict:
    """``fn(k_ts, k_ss, y_s, ridge)`` -> ``(n_t, k)`` kernel ridge predictions."""
    cases = [(k_ts, k_ss, y_s, r) for (k_ts, k_ss, y_s, _) in _cases() for r in (1e-3, 0.1)]
    return check_function("kernel ridge prediction", fn, reference_krr_predict, cases,
                          hint="The ridge is relative: multiply it by tr(K_ss) / n_s.")


def reference_kip_loss(k_ts, k_ss, y_s, y_t, ridge):
    """``|Y_t - prediction|_F^2 / (2 n_t)``."""
    pred = reference_krr_predict(k_ts, k_ss, y_s, ridge)
    return float(0.5 * np.sum((y_t - pred) ** 2) / y_t.shape[0])


def check_kip_loss(fn) -> Verdict:
    """``fn(k_ts, k_ss, y_s, y_t, ridge)`` -> the KIP loss (a float)."""
    cases = [c + (1e-2,) for c in _cases()]
    return check_function("KIP loss", fn, reference_kip_loss, cases,
                          hint="Normalize by 2 n_t, with n_t the number of target rows.")


def reference_optimal_labels(k_ts, k_ss, y_t, ridge):
    """Least-squares support labels: ``argmin_Y |Y_t - A Y|_F``, ``A = K_ts (K_ss + reg)^{-1}``."""
    a = k_ts @ np.linalg.inv(_system(k_ss, ridge))
    return np.linalg.lstsq(a, y_t, rcond=None)[0]


def check_optimal_labels(fn) -> Verdict:
    """``fn(k_ts, k_ss, y_t, ridge)`` -> the ``(n_s, k)`` labels minimizing the KIP loss."""
    cases = [(k_ts, k_ss, y_t, 1e-2) for (k_ts, k_ss, _, y_t) in _cases(6)]
    return check_function("optimal support labels", fn, reference_optimal_labels, cases,
                          rtol=1e-3, atol=1e-5,
                          hint="For fixed images the loss is a least-squares problem in Y_s.")


def check_mle_dimension(fn) -> Verdict:
    """``fn(x, k)`` -> the Levina-Bickel estimate (inverse-averaged, ``k - 1`` form)."""
    from ..dataset_stats import mle_intrinsic_dimension

    rng = np.random.default_rng(7)
    cases = [(rng.normal(size=(300, 2)) @ rng.normal(size=(2, 10)), 6),
             (rng.normal(size=(200, 5)), 4), (rng.uniform(size=(150, 3)), 10)]
    return check_function("MLE intrinsic dimension", fn,
                          lambda x, k: mle_intrinsic_dimension(x, k=k), cases, rtol=1e-6,
                          hint="Average 1 / m(x) over the points, then invert.")
