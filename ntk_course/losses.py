"""Losses and metrics, in one place.

Traceable losses (usable inside ``jax.jit`` and ``jax.grad``):

- :func:`cross_entropy`: per-example softmax cross-entropy with integer labels;
- :func:`mean_cross_entropy`: its mean over the batch;
- :func:`weighted_cross_entropy`: weighted mean with one-hot targets;
- :func:`kl_divergence`: per-example KL divergence between two softmax outputs;
- :func:`margin`: per-example classification margin;
- :func:`squared_error`: ``sum |f - y|^2 / 2``, optionally weighted per example.

Metrics:

- :func:`accuracy`: host-side, validated: arg-max for several outputs, sign
  for one output with ``{-1, +1}`` or ``{0, 1}`` labels;
- :func:`argmax_accuracy`: traceable arg-max accuracy, no validation.

>>> import jax.numpy as jnp
>>> round(float(mean_cross_entropy(jnp.zeros((2, 4)), jnp.array([0, 3]))), 4)   # log 4
1.3863
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from . import _validate as V

__all__ = ["cross_entropy", "mean_cross_entropy", "weighted_cross_entropy", "kl_divergence",
           "margin", "squared_error", "accuracy", "argmax_accuracy"]


def cross_entropy(logits, labels):
    """Per-example cross-entropy of integer ``labels`` ``(n,)`` under ``logits`` ``(n, c)``.

    >>> float(cross_entropy(jnp.array([[0.0, 0.0]]), jnp.array([1]))[0]) == float(jnp.log(2.0))
    True
    """
    return optax.softmax_cross_entropy_with_integer_labels(logits, labels)


def mean_cross_entropy(logits, labels):
    """Mean over the batch of :func:`cross_entropy`, ``logits (n, c)``, ``labels (n,)`` ints."""
    return -jnp.mean(jnp.sum(jax.nn.log_softmax(logits) * jax.nn.one_hot(labels, logits.shape[1]),
                             axis=1))


def weighted_cross_entropy(logits, targets, weights):
    """``-sum_i w_i <y_i, log softmax(f_i)> / max(sum_i w_i, 1)`` with one-hot ``targets``.

    Shapes: ``logits (n, c)``, ``targets (n, c)``, ``weights (n,)``; a zero
    weight removes an example.
    """
    logp = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.sum(weights * jnp.sum(targets * logp, axis=-1)) / jnp.maximum(jnp.sum(weights),
                                                                                1.0)


def squared_error(outputs, targets, weights=None):
    """``sum_i w_i |f_i - y_i|^2 / 2`` (``w = 1`` by default), shapes ``(n, k)`` and ``(n,)``.

    >>> float(squared_error(jnp.ones((2, 1)), jnp.zeros((2, 1))))
    1.0
    """
    if weights is None:
        return 0.5 * jnp.sum((outputs - targets) ** 2)
    return 0.5 * jnp.sum(weights[:, None] * (outputs - targets) ** 2)


def margin(logits, labels, target=None):
    """Per-example margin ``max_{j != b} h_j - h_b`` (or ``h_target - h_b``).

    Positive exactly when the example is misclassified (towards ``target``).

    >>> round(float(margin(jnp.array([[0.26, 0.24, 0.25, 0.25]]), jnp.array([0]))[0]), 3)
    -0.01
    """
    n, c = logits.shape
    true = jnp.take_along_axis(logits, labels[:, None], axis=1)[:, 0]
    if target is None:
        other = jnp.where(jax.nn.one_hot(labels, c) > 0, -jnp.inf, logits).max(axis=1)
    else:
        other = jnp.take_along_axis(logits, target[:, None], axis=1)[:, 0]
    return other - true


def kl_divergence(logits_p, logits_q):
    """Per-example ``KL(softmax(logits_p) || softmax(logits_q))``, shape ``(n,)``.

    Non-negative, and zero exactly when the two softmax vectors agree (the
    robustness term of TRADES).

    >>> float(kl_divergence(jnp.zeros((1, 3)), jnp.zeros((1, 3)))[0])
    0.0
    """
    logp = jax.nn.log_softmax(logits_p, axis=-1)
    logq = jax.nn.log_softmax(logits_q, axis=-1)
    return jnp.sum(jnp.exp(logp) * (logp - logq), axis=-1)


def argmax_accuracy(pred, labels) -> jax.Array:
    """Fraction of rows of ``pred`` (``(n, k)``) whose argmax equals ``labels`` (``(n,)`` ints).

    Traceable, no validation (see :func:`accuracy` for the checked version).
    """
    return jnp.mean(jnp.argmax(pred, axis=1) == labels)


def accuracy(outputs, labels) -> float:
    """Fraction of correct predictions.

    ``outputs`` ``(n, 1)`` or ``(n,)`` with ``labels`` in ``{-1, +1}`` is scored
    by sign (an output of exactly 0 counts as wrong); with ``labels`` in
    ``{0, 1}`` an output ``> 0`` predicts 1. ``outputs`` ``(n, c)`` with
    ``c > 1`` and integer ``labels`` in ``[0, c)`` are scored by arg-max.
    Other labels raise ``ValueError``.

    >>> accuracy(jnp.array([[0.3], [-2.0], [0.0]]), jnp.array([1.0, 1.0, 1.0]))
    0.3333333333333333
    >>> accuracy(jnp.array([[2.0], [-2.0]]), jnp.array([1, 0]))
    1.0
    """
    outputs = np.asarray(V.array("outputs", outputs, ndim=(1, 2)))
    labels = np.asarray(V.array("labels", labels, ndim=1))
    if outputs.shape[0] != labels.shape[0]:
        raise ValueError(f"outputs and labels must have the same length, got "
                         f"{outputs.shape[0]} and {labels.shape[0]}")
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        c = outputs.shape[1]
        if labels.size and (np.any(labels != np.round(labels)) or labels.min() < 0
                            or labels.max() >= c):
            raise ValueError(f"labels must be integers in [0, {c}) for {c} outputs, got values "
                             f"in [{labels.min()}, {labels.max()}]")
        return float(np.mean(outputs.argmax(axis=1) == labels))
    out = outputs.reshape(-1)
    if np.all(np.isin(labels, (-1, 1))):
        return float(np.mean(np.sign(out) * labels > 0))
    if np.all(np.isin(labels, (0, 1))):
        return float(np.mean((out > 0) == (labels == 1)))
    raise ValueError("labels must all be in {-1, +1} or all in {0, 1} for a single output, got "
                     f"{np.unique(labels)[:5].tolist()}")
