"""Pruning: binary masks, random and magnitude pruning, neural tangent transfer.

A *mask* is a pytree of 0/1 arrays with the structure of the parameters. Only
weight matrices and filters (leaves with two or more dimensions) are pruned;
biases and other vectors keep a mask of ones. The *density* of a mask is the
fraction of prunable entries it keeps; every mask built here keeps exactly
``round(density * n_prunable)`` of them (at least one).

* :func:`random_mask`, :func:`magnitude_mask`, :func:`top_k_mask` -- masks.
* :func:`apply_mask`, :func:`masked` -- the sparse network ``f(m * theta, x)``.
* :func:`tangent_transfer_mask` -- neural tangent transfer (after Liu & Zenke
  2020): a mask is learned, without labels, so that the sparse network at
  initialization reproduces the dense network's outputs and tangent kernel.

The two-Gaussian toy problem uses :class:`ntk_course.toy_models.GaussianModel`,
which gives the closed-form clean and l2-robust accuracy of linear classifiers.
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from . import _validate as V
from ._eager import compiled_when_eager, flat_draw
from .attacks import pgd
from .kernels import ntk_matrix
from .losses import cross_entropy, mean_cross_entropy
from .training import _adam, run_steps

__all__ = ["TransferResult", "prunable", "density", "top_k_mask", "random_mask", "magnitude_mask", "apply_mask",
           "masked", "train_sparse", "transfer_loss", "tangent_transfer_mask"]


# ----------------------------------------------------------------------------- masks
def prunable(params):
    """Pytree of booleans: ``True`` for leaves that are pruned (``ndim >= 2``).

    >>> prunable({"W": jnp.ones((2, 3)), "b": jnp.ones(3)})
    {'W': True, 'b': False}
    """
    return jax.tree_util.tree_map(lambda leaf: jnp.ndim(leaf) >= 2, params)


def _check_density(density):
    density = V.real("density", density, minimum=0.0, strict=True)
    if density > 1.0:
        raise ValueError(f"density must be in (0, 1], got {density}")
    return density


def _n_keep(n_total, density):
    return max(1, int(round(density * n_total)))


def density(mask) -> float:
    """Fraction of prunable entries that a mask keeps.

    >>> density({"W": jnp.array([[1.0, 0.0], [0.0, 0.0]]), "b": jnp.ones(2)})
    0.25
    """
    kept, total = 0.0, 0
    for leaf, is_p in zip(jax.tree_util.tree_leaves(mask),
                          jax.tree_util.tree_leaves(prunable(mask))):
        if is_p:
            kept += float(jnp.sum(leaf))
            total += int(np.size(leaf))
    if total == 0:
        raise ValueError("mask has no prunable (matrix-shaped) leaves")
    return kept / total


def top_k_mask(scores, density: float):
    """Keep the prunable entries with the largest ``scores`` (one global ranking).

    Args:
      scores: a pytree like the parameters; larger means more important.
      density: fraction of prunable entries kept, in ``(0, 1]``.

    Returns:
      a 0/1 mask (float arrays) of the same structure; ties are broken by
      position, so exactly ``round(density * n_prunable)`` entries are kept.

    >>> m = top_k_mask({"W": jnp.array([[3.0, -1.0], [2.0, 0.5]])}, 0.5)
    >>> m["W"].tolist()
    [[1.0, 0.0], [1.0, 0.0]]
    """
    density = _check_density(density)
    leaves = jax.tree_util.tree_leaves(scores)
    flags = jax.tree_util.tree_leaves(prunable(scores))
    for i, leaf in enumerate(leaves):
        V.array(f"scores (leaf {i})", leaf)
    n_prunable = sum(int(np.size(leaf)) for leaf, f in zip(leaves, flags) if f)
    if n_prunable == 0:
        raise ValueError("scores has no prunable (matrix-shaped) leaves")
    return _hard_top_k(scores, tuple(flags), _n_keep(n_prunable, density))


def random_mask(params, density: float, *, seed: int = 0):
    """A uniformly random mask keeping a fraction ``density`` of the prunable weights.

    >>> m = random_mask({"W": jnp.ones((4, 5))}, 0.2)
    >>> int(m["W"].sum())
    4
    """
    seed = V.positive_int("seed", seed, minimum=0)
    leaves, treedef = jax.tree_util.tree_flatten(params)
    scores = _uniform_scores(jax.random.PRNGKey(seed), tuple(jnp.shape(leaf) for leaf in leaves))
    return top_k_mask(jax.tree_util.tree_unflatten(treedef, scores), density)


@functools.partial(jax.jit, static_argnames="shapes")
def _uniform_scores(key, shapes):
    # one program for all leaves (drawn one by one, each shape compiles on its own);
    # each leaf drawn flat: the same numbers, compiled about 2x faster (_eager.flat_draw)
    keys = jax.random.split(key, len(shapes))
    return [flat_draw(jax.random.uniform, k, shape) for k, shape in zip(keys, shapes)]


def magnitude_mask(params, density: float):
    """Keep the prunable weights of largest absolute value (one global ranking).

    >>> magnitude_mask({"W": jnp.array([[0.1, -3.0]])}, 0.5)["W"].tolist()
    [[0.0, 1.0]]
    """
    return top_k_mask(jax.tree_util.tree_map(jnp.abs, params), density)


def apply_mask(params, mask):
    """``mask * params`` leaf by leaf (the structures must agree).

    >>> apply_mask({"W": jnp.array([[2.0, 3.0]])}, {"W": jnp.array([[1.0, 0.0]])})["W"].tolist()
    [[2.0, 0.0]]
    """
    if jax.tree_util.tree_structure(params) != jax.tree_util.tree_structure(mask):
        raise ValueError("mask must have the same tree structure as params")
    for (i, p), m in zip(enumerate(jax.tree_util.tree_leaves(params)),
                         jax.tree_util.tree_leaves(mask)):
        if jnp.shape(p) != jnp.shape(m):
            raise ValueError(f"mask leaf {i} has shape {jnp.shape(m)}, params leaf has "
                             f"{jnp.shape(p)}")
    return jax.tree_util.tree_map(lambda p, m: p * m, params, mask)


def masked(apply_fn: Callable, mask) -> Callable:
    """The sparse network ``params, x -> apply_fn(mask * params, x)``.

    Gradients of pruned entries are zero, so training ``masked(f, m)`` with
    any gradient method keeps the network sparse.

    >>> f = masked(lambda p, x: x @ p["W"], {"W": jnp.array([[1.0], [0.0]])})
    >>> f({"W": jnp.ones((2, 1))}, jnp.ones((1, 2))).tolist()
    [[1.0]]
    """
    if not callable(apply_fn):
        raise TypeError(f"apply_fn must be callable, got {type(apply_fn).__name__}")

    def apply(params, x, **kwargs):
        return apply_fn(jax.tree_util.tree_map(lambda p, m: p * m, params, mask), x, **kwargs)

    return apply


@dataclasses.dataclass(frozen=True)
class _MaskedStep:
    """One Adam step on the cross-entropy of the sparse network ``f(mask * theta)``.

    A :func:`ntk_course.training.run_steps` step with data ``(mask, x, y)``:
    the mask is data, so many masks of one network share one compiled loop.
    ``batch_size=None`` is full-batch training; otherwise each step draws a
    minibatch without replacement. With ``eps > 0`` the minibatch is first
    attacked (``l_inf`` PGD from a random start, box ``[0, 1]``, against the
    current sparse network): adversarial training of the sparse network.
    """

    apply_fn: Callable
    learning_rate: float
    batch_size: int | None = None
    eps: float = 0.0
    attack_step: float = 0.0
    attack_steps: int = 0

    def __call__(self, state, key, data):
        mask, x, y = data
        p, s = state["params"], state["opt_state"]
        if self.batch_size is not None:
            key, k_batch = jax.random.split(key)
            idx = jax.random.choice(k_batch, x.shape[0], (self.batch_size,), replace=False)
            x, y = x[idx], y[idx]
        if self.eps > 0:
            sparse = apply_mask(p, mask)
            loss_at = lambda xa: cross_entropy(self.apply_fn(sparse, xa), y)
            x = jax.lax.stop_gradient(pgd(loss_at, x, eps=self.eps, step=self.attack_step,
                                          steps=self.attack_steps, key=key))
        value, g = jax.value_and_grad(
            lambda q: mean_cross_entropy(self.apply_fn(apply_mask(q, mask), x), y))(p)
        upd, s = _adam(self.learning_rate).update(g, s, p)
        return {"params": optax.apply_updates(p, upd), "opt_state": s}, {"loss": value}


def _train_masked(step, params, mask, x, y, *, steps, key, description):
    mask = jax.tree_util.tree_map(lambda m: jnp.asarray(m, jnp.float32), mask)
    state = {"params": params, "opt_state": _adam(step.learning_rate).init(params)}
    run = run_steps(step, state, key, steps=steps, reduce="mean", data=(mask, x, y),
                    description=description)
    return apply_mask(run.state["params"], mask), run.history["loss"][1:]


def train_sparse(apply_fn: Callable, params, mask, x, y, *, steps: int,
                 learning_rate: float = 1e-2):
    """Train the sparse network ``apply_fn(mask * params, x)`` with full-batch Adam on cross-entropy.

    The mask is an argument of one compiled program, so training many masks
    of the same network compiles once.

    Args:
      apply_fn: the dense network's ``apply_fn(params, x)`` returning logits ``(n, c)``.
      params: initial parameters; mask: a 0/1 pytree of the same structure.
      x: ``(n, ...)`` inputs; y: ``(n,)`` integer labels.

    Returns:
      ``(params, losses)``: trained parameters with pruned entries set to zero
      (use them with ``apply_fn`` directly) and the mean loss over each of the
      (at most 20) chunks of steps of :func:`ntk_course.training.run_steps`.

    Raises:
      FloatingPointError: when training diverges (naming the step).

    >>> f = lambda p, x: x @ p["W"]
    >>> p, losses = train_sparse(f, {"W": jnp.zeros((2, 2))}, {"W": jnp.eye(2)},
    ...                          jnp.eye(2), jnp.array([0, 1]), steps=50)
    >>> bool(losses[-1] < losses[0]), float(p["W"][0, 1])
    (True, 0.0)
    """
    if not callable(apply_fn):
        raise TypeError(f"apply_fn must be callable, got {type(apply_fn).__name__}")
    apply_mask(params, mask)  # checks the structures agree
    x = jnp.asarray(V.array("x", x))
    y = jnp.asarray(V.array("y", y, ndim=1, dtype_kind="iu"))
    V.same_length("x", x, "y", y)
    steps = V.positive_int("steps", steps)
    learning_rate = V.real("learning_rate", learning_rate, minimum=0.0, strict=True)
    out = V.output_shape(apply_fn, params, x)
    if len(out) != 2:
        raise ValueError(f"apply_fn must return (n, c) logits, got shape {out}")
    V.class_labels("y", y, out[1])
    return _train_masked(_MaskedStep(apply_fn, learning_rate), params, mask, x, y, steps=steps,
                         key=None, description="sparse training")


# ----------------------------------------------------------------------------- tangent transfer
def transfer_loss(apply_fn: Callable, params_dense, params_sparse, mask, x, *,
                  gamma: float = 1.0):
    """Neural tangent transfer objective on unlabeled inputs ``x`` (``n`` rows).

    ``||f(theta_0, x) - f(m * w, x)||^2 / n + gamma^2 / n^2 ||Theta_0 - Theta_s||_F^2``:
    the sparse network should reproduce the dense network's outputs and its
    tangent kernel (``Theta_s = sum_{p kept} J_p J_p^T`` at ``m * w``: the
    kernel of the weights that survive).

    >>> f = lambda p, x: x @ p["w"]
    >>> p = {"w": jnp.ones((2, 1))}
    >>> float(transfer_loss(f, p, p, {"w": jnp.ones((2, 1))}, jnp.eye(2)))
    0.0
    """
    return _transfer_loss(apply_fn, apply_fn(params_dense, x), ntk_matrix(apply_fn, params_dense, x),
                          params_sparse, mask, x, gamma)


def _transfer_loss(apply_fn, f_dense, k_dense, params_sparse, mask, x, gamma):
    n = x.shape[0]
    theta_s = jax.tree_util.tree_map(lambda p, m: p * m, params_sparse, mask)
    out = jnp.sum((f_dense - apply_fn(theta_s, x)) ** 2) / n
    # Kernel of the surviving weights: sum over kept p of J_p J_p^T, linear in the
    # mask (for a 0/1 mask, m = m^2), so that pruned weights still get a gradient
    # under the straight-through estimator.
    k_sparse = ntk_matrix(apply_fn, theta_s, x, weights=mask)
    return out + gamma ** 2 / n ** 2 * jnp.sum((k_dense - k_sparse) ** 2)


class TransferResult(NamedTuple):
    """Mask found by neural tangent transfer, the learned scores and the loss history."""

    mask: object
    scores: object
    losses: np.ndarray



def _prunable_flags_and_keep(params0, density: float):
    """Which leaves of ``params0`` are prunable, and how many weights ``density`` keeps."""
    flags = tuple(bool(f) for f in jax.tree_util.tree_leaves(prunable(params0)))
    n_prunable = sum(int(np.size(l)) for l, f in zip(jax.tree_util.tree_leaves(params0), flags)
                     if f)
    if n_prunable == 0:
        raise ValueError("params0 has no prunable (matrix-shaped) leaves")
    return flags, _n_keep(n_prunable, density)

@compiled_when_eager(static_argnames="flags")
def _hard_top_k(scores, flags, k):
    """0/1 mask of the ``k`` largest prunable scores (traceable, also for a traced ``k``)."""
    leaves, treedef = jax.tree_util.tree_flatten(scores)
    flat = jnp.concatenate([jnp.ravel(l) for l, f in zip(leaves, flags) if f])
    order = jnp.argsort(-flat, stable=True)
    ranks = jnp.zeros(flat.shape, jnp.int32).at[order].set(jnp.arange(flat.size, dtype=jnp.int32))
    keep = (ranks < k).astype(flat.dtype)
    out, start = [], 0
    for leaf, f in zip(leaves, flags):
        if f:
            out.append(keep[start:start + leaf.size].reshape(leaf.shape))
            start += leaf.size
        else:
            out.append(jnp.ones(jnp.shape(leaf)))
    return jax.tree_util.tree_unflatten(treedef, out)


def _straight_through_mask(scores, flags, k):
    """The hard top-``k`` mask in the forward pass, the identity's gradient to ``scores``."""
    hard = _hard_top_k(scores, flags, k)
    return jax.tree_util.tree_map(lambda h, s: h + s - jax.lax.stop_gradient(s), hard, scores)


def _rms_descent(scores, grads, learning_rate, n_prunable):
    """``scores - learning_rate * grads / RMS(grads)``: one step of RMS size ``learning_rate``.

    One global scale for the step, not one per score as in Adam: the relative
    sizes of the gradients decide which weights enter the mask.
    """
    rms = jnp.sqrt(sum(jnp.sum(l ** 2) for l in jax.tree_util.tree_leaves(grads)) / n_prunable)
    return jax.tree_util.tree_map(lambda s, d: s - learning_rate * d / (rms + 1e-12),
                                  scores, grads)


@functools.partial(jax.jit, static_argnames=("apply_fn", "flags", "batch_size"))
def _ntt_run(apply_fn, flags, batch_size, params0, x, f_all, k_all, k, gamma, learning_rate,
             keys):
    """Score descent of :func:`tangent_transfer_mask`; compiled once per network and batch size."""
    n = x.shape[0]
    n_prunable = sum(l.size for l, f in zip(jax.tree_util.tree_leaves(params0), flags) if f)

    def loss(scores, idx):
        mask = _straight_through_mask(scores, flags, k)
        return _transfer_loss(apply_fn, f_all[idx], k_all[idx][:, idx], params0, mask, x[idx],
                              gamma)

    def step(scores, key):
        idx = jax.random.choice(key, n, (batch_size,), replace=False)
        value, g = jax.value_and_grad(loss)(scores, idx)
        return _rms_descent(scores, g, learning_rate, n_prunable), value

    scores0 = jax.tree_util.tree_map(jnp.abs, params0)
    return jax.lax.scan(step, scores0, keys)


def tangent_transfer_mask(apply_fn: Callable, params0, x, *, density: float, steps: int = 100,
                          learning_rate: float = 1e-2, gamma: float = 1.0,
                          batch_size: int | None = None, seed: int = 0) -> TransferResult:
    """Neural tangent transfer: a mask whose sparse network mimics the dense one at init.

    The weights stay at ``params0``; what is learned is one score per prunable
    weight. The mask keeps the ``density`` fraction of largest scores. Scores
    start at ``|params0|`` (the magnitude mask) and descend, with steps of RMS
    size ``learning_rate``, along the gradient of :func:`transfer_loss` of the sparse network ``f(m * params0, .)`` against
    the dense teacher ``f(params0, .)`` on mini-batches of the unlabeled ``x``.
    The top-k selection has no gradient; the straight-through estimator uses
    the gradient with respect to the mask entries as the gradient of the
    scores (forward: hard mask; backward: identity).

    Args:
      apply_fn: ``apply_fn(params, x)`` of the dense network.
      params0: its parameters at initialization.
      x: ``(n, ...)`` unlabeled inputs.
      density: fraction of prunable weights kept, in ``(0, 1]``.
      steps, learning_rate, batch_size, seed: the optimization of the scores.
      gamma: weight of the kernel term in :func:`transfer_loss`.

    Returns:
      ``TransferResult(mask, scores, losses)``; ``losses[t]`` is the transfer
      loss of the hard mask on the mini-batch of step ``t``.

    >>> f = lambda p, x: x @ p["w"]
    >>> r = tangent_transfer_mask(f, {"w": jnp.array([[0.1], [1.0], [0.2]])},
    ...                           jnp.diag(jnp.array([5.0, 1.0, 1.0])), density=1 / 3, steps=100)
    >>> r.mask["w"].ravel().tolist()   # the high-variance input wins over the large weight
    [1.0, 0.0, 0.0]
    """
    if not callable(apply_fn):
        raise TypeError(f"apply_fn must be callable, got {type(apply_fn).__name__}")
    density = _check_density(density)
    x = jnp.asarray(V.array("x", x))
    if x.ndim < 2:
        raise ValueError(f"x must have rank >= 2 (a batch of inputs), got shape {x.shape}")
    steps = V.positive_int("steps", steps)
    learning_rate = V.real("learning_rate", learning_rate, minimum=0.0, strict=True)
    gamma = V.real("gamma", gamma, minimum=0.0)
    n = x.shape[0]
    batch_size = V.batch_size("batch_size", batch_size, n)
    seed = V.positive_int("seed", seed, minimum=0)
    flags, k = _prunable_flags_and_keep(params0, density)

    # The teacher is fixed: its outputs and kernel on all of x are computed once.
    f_all = jax.jit(apply_fn)(params0, x)
    k_all = ntk_matrix(apply_fn, params0, x)   # compiled: ntk_matrix compiles when eager
    keys = jax.random.split(jax.random.PRNGKey(seed), steps)
    scores, losses = _ntt_run(apply_fn, flags, batch_size, params0, x, f_all, k_all, k, gamma,
                              learning_rate, keys)
    return TransferResult(top_k_mask(scores, density), scores, np.asarray(losses))


# ----------------------------------------------------------------------------- toy problem
