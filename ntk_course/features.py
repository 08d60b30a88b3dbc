"""NTK eigen-features: split a kernel predictor into features, and score each one.

For a ridgeless kernel predictor ``f(x) = K(x, X) K(X, X)^{-1} Y`` and the
eigendecomposition ``K(X, X) = sum_i lambda_i v_i v_i^T`` (eigenvalues in
descending order, so index 0 is the top of the spectrum),

    f(x) = sum_i f_i(x),   f_i(x) = alpha_i K(x, X) v_i,   alpha_i = (v_i . Y) / lambda_i.

* :func:`decompose` -- eigenvalues, eigenvectors and coefficients ``alpha_i``.
* :func:`feature_outputs` -- the ``(m, n)`` matrix of ``f_i(x_j)`` from ``K(x, X)``.
* :func:`usefulness` -- ``E[y f_i(x)]``, each feature divided by its own scale
  (the root mean square of ``f_i`` on the same clean data), so that the score is
  a correlation in ``[-1, 1]``.
* :func:`feature_gradients` -- input gradients ``grad_x f_i(x)`` at one point,
  the pictures of the features.
* :func:`worst_margins` -- ``min_delta y f_i(x + delta)`` over the iterates of a
  PGD attack on that single feature (and the zero perturbation), for every
  requested feature.
* :func:`robustness` -- ``E[min_delta y f_i(x + delta)]`` on the same scale as
  :func:`usefulness`, hence never larger than it.
* :func:`match_representation` -- inputs whose representation ``g(x)`` (a
  network's hidden layer, say) matches that of target inputs, found by gradient
  descent from other inputs: the construction of the robust dataset of Ilyas et
  al. (2019) when ``g`` is the penultimate layer of a robust network.

Whether a score falls with the eigen-index is read off with
:func:`ntk_course.stats.spearman`.

Labels ``y`` are ``+1/-1``.

>>> import jax.numpy as jnp
>>> k = jnp.array([[2.0, 1.0], [1.0, 2.0]]); y = jnp.array([1.0, -1.0])
>>> feats = decompose(k, y)
>>> feature_outputs(k, feats).sum(axis=1).round(5).tolist()   # features add up to f(X) = Y
[1.0, -1.0]
"""
from __future__ import annotations

import functools
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from . import _validate as V
from . import attacks
from .kernels import eigh_descending

__all__ = ["EigenFeatures", "decompose", "feature_outputs", "feature_scale", "usefulness",
           "feature_gradients", "worst_margins", "robustness", "top_share", "Matched",
           "match_representation"]


class EigenFeatures(NamedTuple):
    """Eigen-decomposition of a training kernel and the coefficients of the features.

    ``eigenvalues`` ``(n,)`` descending, ``eigenvectors`` ``(n, n)`` (column ``i``
    is ``v_i``), ``coefficients`` ``(n,)`` with ``alpha_i = v_i . Y / lambda_i``.
    """

    eigenvalues: jax.Array
    eigenvectors: jax.Array
    coefficients: jax.Array

    @property
    def weights(self) -> jax.Array:
        """``(n, n)``: column ``i`` is ``alpha_i v_i``, so ``f_i(x) = K(x, X) @ weights[:, i]``."""
        return self.eigenvectors * self.coefficients[None, :]


def _labels(name, y, n=None):
    y = jnp.asarray(V.array(name, y, ndim=1))
    if n is not None and y.shape[0] != n:
        raise ValueError(f"{name} must have {n} entries, got {y.shape[0]}")
    return y


def decompose(k_train, y_train, *, min_eigenvalue: float = 0.0) -> EigenFeatures:
    """Eigen-features of the ridgeless kernel predictor trained on ``(X, y_train)``.

    Args:
      k_train: ``(n, n)`` symmetric kernel matrix ``K(X, X)``.
      y_train: ``(n,)`` labels.
      min_eigenvalue: eigenvalues must exceed this (the kernel must be invertible
        for the decomposition to reproduce the interpolant).

    Returns an :class:`EigenFeatures`.

    >>> f = decompose(jnp.diag(jnp.array([1.0, 4.0])), jnp.array([2.0, 8.0]))
    >>> f.eigenvalues.tolist(), f.coefficients.round(4).tolist()
    ([4.0, 1.0], [2.0, 2.0])
    """
    k_train = jnp.asarray(V.array("k_train", k_train, ndim=2))
    if k_train.shape[0] != k_train.shape[1]:
        raise ValueError(f"k_train must be square, got shape {tuple(k_train.shape)}")
    y_train = _labels("y_train", y_train, k_train.shape[0])
    min_eigenvalue = V.real("min_eigenvalue", min_eigenvalue, minimum=0.0)
    vals, vecs = eigh_descending(k_train)
    if float(vals[-1]) <= min_eigenvalue:
        raise ValueError(f"k_train must be positive definite: its smallest eigenvalue is "
                         f"{float(vals[-1]):.3g} (<= min_eigenvalue={min_eigenvalue})")
    # The sign of v_i cancels in alpha_i v_i, so each feature is well defined.
    return EigenFeatures(vals, vecs, (vecs.T @ y_train) / vals)


def _check_features(features):
    if not isinstance(features, EigenFeatures):
        raise TypeError(f"features must be an EigenFeatures, got {type(features).__name__}")
    return features



def _check_kernel_and_training_set(kernel, features, x_train):
    """Validate what every input-space function of the features needs."""
    if not callable(kernel):
        raise TypeError(f"kernel must be callable, got {type(kernel).__name__}")
    features = _check_features(features)
    x_train = jnp.asarray(V.array("x_train", x_train, ndim=2), jnp.float32)
    n = features.eigenvalues.shape[0]
    if x_train.shape[0] != n:
        raise ValueError(f"x_train must have {n} rows (one per eigenvalue), got {x_train.shape[0]}")
    return features, x_train

def feature_outputs(k_test_train, features: EigenFeatures) -> jax.Array:
    """``(m, n)`` matrix of feature values ``f_i(x_j) = alpha_i K(x_j, X) v_i``.

    Its row sums are the kernel predictor's outputs on the ``m`` points.
    """
    features = _check_features(features)
    k_test_train = jnp.asarray(V.array("k_test_train", k_test_train, ndim=2))
    n = features.eigenvalues.shape[0]
    if k_test_train.shape[1] != n:
        raise ValueError(f"k_test_train must have {n} columns (one per training point), got "
                         f"shape {tuple(k_test_train.shape)}")
    return k_test_train @ features.weights


def feature_scale(outputs) -> jax.Array:
    """Root mean square of each feature over the points: ``(m, n) -> (n,)``."""
    outputs = jnp.asarray(V.array("outputs", outputs, ndim=2))
    return jnp.sqrt(jnp.mean(outputs ** 2, axis=0))


def usefulness(outputs, y, *, scale=None) -> jax.Array:
    """Normalized usefulness ``E[y f_i(x)] / scale_i`` of each feature, ``(n,)``.

    Args:
      outputs: ``(m, n)`` feature values on clean points (:func:`feature_outputs`).
      y: ``(m,)`` labels in ``{-1, +1}``.
      scale: ``(n,)`` positive scales; default :func:`feature_scale` of ``outputs``,
        which makes each score the cosine between ``f_i`` and ``y`` on the data,
        a number in ``[-1, 1]`` (Cauchy-Schwarz, since ``y^2 = 1``).

    >>> usefulness(jnp.array([[1.0, 2.0], [-1.0, 2.0]]), jnp.array([1.0, -1.0])).tolist()
    [1.0, 0.0]
    """
    outputs = jnp.asarray(V.array("outputs", outputs, ndim=2))
    y = _labels("y", y, outputs.shape[0])
    V.sign_labels("y", y)
    scale = _scale(scale, outputs)
    return jnp.mean(y[:, None] * outputs, axis=0) / scale


def _scale(scale, outputs):
    if scale is None:
        scale = feature_scale(outputs)
    scale = jnp.asarray(V.array("scale", scale, ndim=1))
    if scale.shape[0] != outputs.shape[1]:
        raise ValueError(f"scale must have {outputs.shape[1]} entries, got {scale.shape[0]}")
    return jnp.where(scale > 0, scale, 1.0)


@functools.partial(jax.jit, static_argnames=("kernel",))
def _gradients(weights, x_train, x, *, kernel):
    jac = jax.jacrev(lambda z: kernel(z[None], x_train)[0])(x)      # (n, d)
    return weights.T @ jac


def feature_gradients(kernel: Callable, x_train, features: EigenFeatures, x, *,
                      index=None) -> np.ndarray:
    """Input gradients ``grad_x f_i(x)`` of the features at one point ``x`` ``(d,)``.

    Returns ``(len(index), d)`` (all ``n`` features by default). Their sum over
    all features is the gradient of the kernel predictor.

    >>> lin = lambda a, b: a @ b.T
    >>> xt = jnp.diag(jnp.array([1.0, 2.0])); feats = decompose(lin(xt, xt), jnp.array([1.0, -1.0]))
    >>> feature_gradients(lin, xt, feats, jnp.array([0.3, 0.3])).round(4).tolist()
    [[0.0, -0.5], [1.0, 0.0]]
    """
    features, x_train = _check_kernel_and_training_set(kernel, features, x_train)
    n = features.eigenvalues.shape[0]
    x = jnp.asarray(V.array("x", x, ndim=1), jnp.float32)
    if x.shape[0] != x_train.shape[1]:
        raise ValueError(f"x must have {x_train.shape[1]} entries, got {x.shape[0]}")
    index = _index(index, n)
    return np.asarray(_gradients(features.weights.astype(jnp.float32)[:, index], x_train, x,
                                 kernel=kernel))


def _index(index, n):
    index = np.arange(n) if index is None else np.asarray(V.array("index", index, ndim=1,
                                                                   dtype_kind="iu"))
    if index.size and (index.min() < 0 or index.max() >= n):
        raise ValueError(f"index must lie in [0, {n}), got range [{index.min()}, {index.max()}]")
    return index


@functools.partial(jax.jit, static_argnames=("kernel", "eps", "step", "steps", "norm", "box",
                                             "random_start"))
def _worst_chunk(weights, x_train, x, y, key, *, kernel, eps, step, steps, norm, box,
                 random_start):
    def one(w):
        margin = lambda xa: y * (kernel(xa, x_train) @ w)
        _, path = attacks.pgd(lambda xa: -margin(xa), x, eps=eps, step=step, steps=steps,
                                  norm=norm, random_start=random_start, key=key, box=box,
                                  return_path=True)
        along = jax.vmap(margin)(path)                 # (steps, m)
        return jnp.minimum(margin(x), along.min(axis=0))

    return jax.vmap(one, in_axes=1, out_axes=1)(weights)


def worst_margins(kernel: Callable, x_train, features: EigenFeatures, x, y, *, eps: float,
                  step: float, steps: int, index=None, norm: str = "linf", box=(0.0, 1.0),
                  random_start: bool = False, seed: int = 0, chunk: int = 64) -> np.ndarray:
    """Smallest margin ``y f_i(x + delta)`` that PGD finds against each feature alone.

    For every feature ``i`` in ``index`` PGD (:func:`ntk_course.attacks.pgd`)
    minimizes ``y f_i(x + delta)`` over ``|delta| <= eps`` (and the ``box``); the
    result is the minimum over the clean point and every PGD iterate, so it is
    never above the clean margin ``y f_i(x)``.

    Args:
      kernel: differentiable ``kernel(x1, x2) -> (n1, n2)``, e.g.
        :func:`ntk_course.kernels.fc_ntk`; the one that produced ``features``.
      x_train: ``(n, d)`` training inputs; features: :func:`decompose` of ``K(X, X)``.
      x: ``(m, d)`` points to attack; y: ``(m,)`` labels in ``{-1, +1}``.
      eps, step, steps, norm, box, random_start: the attack (see ``pgd``).
      index: features to attack (default all ``n``).
      chunk: features attacked together in one compiled batch.

    Returns ``(m, len(index))``.

    >>> lin = lambda a, b: a @ b.T          # f_0(x) = -x_2 / 2, f_1(x) = x_1 below
    >>> xt = jnp.diag(jnp.array([1.0, 2.0])); feats = decompose(lin(xt, xt), jnp.array([1.0, -1.0]))
    >>> worst_margins(lin, xt, feats, jnp.array([[0.5, 0.5]]), jnp.array([1.0]), eps=0.1,
    ...               step=0.1, steps=1).astype(float).round(4).tolist()
    [[-0.3, 0.4]]
    """
    features, x_train = _check_kernel_and_training_set(kernel, features, x_train)
    n = features.eigenvalues.shape[0]
    x = jnp.asarray(V.array("x", x, ndim=2), jnp.float32)
    V.same_features("x_train", x_train, "x", x)
    y = _labels("y", y, x.shape[0]).astype(jnp.float32)
    eps = V.real("eps", eps, minimum=0.0)
    step = V.real("step", step, minimum=0.0, strict=True)
    steps = V.positive_int("steps", steps)
    V.choice("norm", norm, attacks.NORMS)
    chunk = V.positive_int("chunk", chunk)
    box = V.box("box", box)
    index = _index(index, n)
    weights = features.weights.astype(jnp.float32)[:, index]
    key = jax.random.PRNGKey(V.positive_int("seed", seed, minimum=0))
    k = len(index)
    if k == 0:
        return np.zeros((x.shape[0], 0), np.float32)
    chunk = min(chunk, k)
    # Pad to a whole number of chunks so that every chunk has one shape: one compilation.
    pad = (-k) % chunk
    weights = jnp.concatenate([weights, weights[:, :pad]], axis=1) if pad else weights
    out = [np.asarray(_worst_chunk(weights[:, start:start + chunk], x_train, x, y, key,
                                   kernel=kernel, eps=eps, step=step, steps=steps, norm=norm,
                                   box=box, random_start=bool(random_start)))
           for start in range(0, k + pad, chunk)]
    return np.concatenate(out, axis=1)[:, :k]


def robustness(worst, *, scale) -> np.ndarray:
    """Normalized robustness ``E[min_delta y f_i(x + delta)] / scale_i``, ``(k,)``.

    ``worst`` is the ``(m, k)`` output of :func:`worst_margins`; ``scale`` ``(k,)``
    must be the clean scale used for :func:`usefulness` (for the same features),
    so that robustness and usefulness are comparable.
    """
    worst = np.asarray(V.array("worst", worst, ndim=2))
    scale = np.asarray(_scale(scale, worst))
    return worst.mean(axis=0) / scale


def top_share(scores, k: int) -> float:
    """Share of the total positive score carried by the first ``k`` entries.

    ``sum_{i<k} max(s_i, 0) / sum_i max(s_i, 0)``: with features ordered by
    eigenvalue, the fraction of (robust) usefulness found at the top of the spectrum.

    >>> top_share([3.0, 1.0, -2.0, 0.0], 1)
    0.75
    """
    s = np.maximum(np.asarray(V.array("scores", scores, ndim=1), dtype=float), 0.0)
    k = V.positive_int("k", k)
    if k > s.size:
        raise ValueError(f"k must be at most {s.size}, got {k}")
    total = s.sum()
    if total == 0:
        raise ValueError("scores has no positive entry")
    return float(s[:k].sum() / total)


class Matched(NamedTuple):
    """Result of :func:`match_representation`.

    ``x`` has the shape of the start inputs; ``relative_error`` ``(n,)`` is
    ``|g(x_i) - g(t_i)| / |g(t_i)|`` (Euclidean norms, ``t`` the targets).
    """

    x: jax.Array
    relative_error: jax.Array


@functools.partial(jax.jit, static_argnames=("represent", "steps", "box"))
def _match(x_target, x_start, args, learning_rate, *, represent, steps, box):
    target = represent(x_target, *args)
    optimizer = optax.adam(learning_rate)

    def mismatch(x):                           # (n,) squared distances of the representations
        return jnp.sum((represent(x, *args) - target).reshape(x.shape[0], -1) ** 2, axis=1)

    def body(carry, _):
        x, state = carry
        grad = jax.grad(lambda xa: jnp.sum(mismatch(xa)))(x)
        updates, state = optimizer.update(grad, state, x)
        x = optax.apply_updates(x, updates)
        if box is not None:
            x = jnp.clip(x, box[0], box[1])
        return (x, state), None

    (x, _), _ = jax.lax.scan(body, (x_start, optimizer.init(x_start)), None, length=steps)
    size = jnp.sqrt(jnp.sum(target.reshape(x.shape[0], -1) ** 2, axis=1))
    return Matched(x, jnp.sqrt(mismatch(x)) / jnp.maximum(size, 1e-12))


def match_representation(represent: Callable, x_target, x_start, *, steps: int,
                         learning_rate: float, box=(0.0, 1.0), args=()) -> Matched:
    """Inputs that a representation cannot tell from ``x_target``, found from ``x_start``.

    Minimizes ``sum_i |g(x_i) - g(t_i)|^2`` over the inputs ``x``, with
    ``g = represent(., *args)`` and ``t = x_target``, by ``steps`` Adam steps of
    size ``learning_rate`` starting at ``x = x_start``, clipping each iterate to
    ``box``. Adam acts coordinate-wise, so every row is matched independently of
    the others. With ``g`` the penultimate layer of an adversarially trained
    network, ``t`` the training images and ``x_start`` other training images,
    the result (with the labels of ``t``) is the "robust dataset" of Ilyas et
    al. (2019).

    The function is compiled once per ``represent`` (and shapes, ``steps``,
    ``box``): define it once and pass its parameters through ``args``.

    Args:
      represent: ``represent(x, *args)`` maps a batch ``(n, ...)`` to ``(n, ...)``
        representations.
      x_target: ``(n, ...)`` inputs whose representations are to be matched.
      x_start: ``(n, ...)`` starting inputs, same shape, inside ``box``.
      steps: number of Adam steps; learning_rate: their size (> 0).
      box: ``(lo, hi)`` range of valid inputs, or ``None``.
      args: tuple of arrays (pytrees) passed to ``represent`` after the batch.

    Returns a :class:`Matched` (the inputs and their relative errors).

    >>> g = lambda x: x[:, :1]                  # only the first coordinate is seen
    >>> m = match_representation(g, jnp.array([[0.8, 0.0]]), jnp.array([[0.2, 0.5]]),
    ...                          steps=300, learning_rate=0.01)
    >>> np.asarray(m.x, dtype=float).round(2).tolist(), bool(m.relative_error[0] < 1e-2)
    ([[0.8, 0.5]], True)
    """
    if not callable(represent):
        raise TypeError(f"represent must be callable, got {type(represent).__name__}")
    x_target = jnp.asarray(V.array("x_target", x_target, ndim=tuple(range(2, 6))), jnp.float32)
    x_start = jnp.asarray(V.array("x_start", x_start, ndim=tuple(range(2, 6))), jnp.float32)
    if x_start.shape != x_target.shape:
        raise ValueError(f"x_start must have the shape of x_target {tuple(x_target.shape)}, got "
                         f"{tuple(x_start.shape)}")
    steps = V.positive_int("steps", steps)
    learning_rate = V.real("learning_rate", learning_rate, minimum=0.0, strict=True)
    box = V.box("box", box)
    V.inside_box("x_start", x_start, box)
    if not isinstance(args, tuple):
        raise TypeError(f"args must be a tuple of arguments of represent, got "
                        f"{type(args).__name__}")
    return _match(x_target, x_start, args, learning_rate, represent=represent, steps=steps,
                  box=box)
