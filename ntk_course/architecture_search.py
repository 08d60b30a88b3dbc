"""Training-free architecture ranking from the tangent kernel at initialization.

Each proxy reads the empirical NTK ``Theta_0`` of an untrained network on a
small batch and returns a score in which *larger predicts better*:

* :func:`condition_score` -- ``-log(lambda_max / lambda_min)`` (Chen et al.,
  2021: a well-conditioned kernel trains fast in every direction),
* :func:`min_eig_score` -- ``log(lambda_min / mean eigenvalue)``,
* :func:`frobenius_score` -- ``||Theta_0||_F / n`` (Xu et al., 2021: a cheap
  stand-in for the spectrum),
* :func:`label_alignment_score` -- alignment of ``Theta_0`` with the centered
  label Gram matrix (label-gradient alignment, Mok et al., 2022).

:func:`ntk_course.stats.spearman` compares a ranking with accuracies after training.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from . import _validate as V
from .kernels import kernel_alignment

__all__ = ["condition_score", "min_eig_score", "frobenius_score", "label_alignment_score",
           "proxy_scores"]


def _kernel(k):
    k = np.asarray(V.array("k", k, ndim=2), dtype=np.float64)
    if k.shape[0] != k.shape[1]:
        raise ValueError(f"k must be square, got shape {k.shape}")
    return (k + k.T) / 2


def _eigs(k):
    vals = np.linalg.eigvalsh(_kernel(k))
    if vals[0] <= 0:
        raise ValueError(f"k must be positive definite (smallest eigenvalue {vals[0]:.3g})")
    return vals


def condition_score(k) -> float:
    """``-log(kappa)`` with ``kappa = lambda_max / lambda_min`` of a positive definite kernel.

    >>> round(condition_score(np.diag([1.0, 4.0])), 4)
    -1.3863
    """
    vals = _eigs(k)
    return float(-np.log(vals[-1] / vals[0]))


def min_eig_score(k) -> float:
    """``log(lambda_min / (tr K / n))``: the smallest eigenvalue relative to the mean one.

    >>> round(min_eig_score(np.diag([1.0, 3.0])), 4)
    -0.6931
    """
    vals = _eigs(k)
    return float(np.log(vals[0] / vals.mean()))


def frobenius_score(k) -> float:
    """``||K||_F / n``.

    >>> frobenius_score(2 * np.eye(4))
    1.0
    """
    k = _kernel(k)
    return float(np.linalg.norm(k) / k.shape[0])


def label_alignment_score(k, labels, n_classes: int | None = None) -> float:
    """Alignment of the centered kernel with the centered one-hot label Gram matrix.

    Both ``K`` and ``Y Y^T`` are centered (``H K H`` with ``H = I - 11^T/n``)
    so that a constant offset of all outputs, which says nothing about the
    labels, does not count.

    >>> y = np.array([0, 0, 1, 1])
    >>> round(label_alignment_score(np.kron(np.eye(2), np.ones((2, 2))), y), 4)
    1.0
    """
    k = _kernel(k)
    labels = np.asarray(V.array("labels", labels, ndim=1, dtype_kind="iu"))
    V.same_length("k", k, "labels", labels)
    c = int(labels.max()) + 1 if n_classes is None else V.positive_int("n_classes", n_classes)
    y = np.eye(c)[labels]
    n = k.shape[0]
    h = np.eye(n) - 1.0 / n
    return float(kernel_alignment(jnp.asarray(h @ k @ h), jnp.asarray(h @ y)))


def proxy_scores(k, labels) -> dict:
    """All four scores of one kernel, as a dict ``name -> score``."""
    return {"condition": condition_score(k), "min_eig": min_eig_score(k),
            "frobenius": frobenius_score(k), "label_alignment": label_alignment_score(k, labels)}


