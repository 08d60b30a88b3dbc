"""Adversarial winning tickets: masks that preserve the dynamics of adversarial training.

After Shi's thesis (chapter 3; Shi et al., 2022, "Finding dynamics preserving
adversarial winning tickets"). Under gradient flow on the square loss, adversarial
training moves the network's outputs on the clean inputs ``X`` by
``-Theta_t(X, X_adv) (f_t(X_adv) - Y)``: the tangent kernel is replaced by the
*mixed tangent kernel* ``Theta(X, X_adv) = J(X) J(X_adv)^T`` between clean and
adversarial inputs. A sparse network ``f(m * theta_0, .)`` follows the dense
network's trajectory when, at initialization, its outputs on its own
adversarial examples and its mixed kernel match the dense network's:

::

    L(m) = 1/N ||f(theta_0, X_adv) - f(m * theta_0, X_adv^s)||^2
           + gamma^2 / N^2 ||Theta_0(X, X_adv) - Theta^m_0(X, X_adv^s)||_F^2

(the thesis' equation 3.13). :func:`adversarial_ticket_mask` minimizes it over
the mask, with the straight-through score descent of
:func:`ntk_course.pruning.tangent_transfer_mask`; :func:`adversarial_train_masked`
then trains any mask adversarially (PGD, Madry et al.), so that masks found by
different criteria are compared after the same training.
"""
from __future__ import annotations

import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from . import _validate as V
from .attacks import pgd
from .losses import cross_entropy
from .pruning import (
    TransferResult,
    _check_density,
    _MaskedStep,
    _prunable_flags_and_keep,
    _rms_descent,
    _straight_through_mask,
    _train_masked,
    top_k_mask,
)

__all__ = ["adversarial_ticket_mask", "adversarial_train_masked", "mixed_tangent_kernel"]


def _check_attack_inputs(x, y, eps, attack_step, attack_steps):
    """Validated (x, y, eps, attack_step, attack_steps) of the PGD attacks below."""
    x = jnp.asarray(V.array("x", x, ndim=tuple(range(2, 6))), jnp.float32)
    y = jnp.asarray(V.array("y", y, ndim=1, dtype_kind="iu"))
    V.same_length("x", x, "y", y)
    return (x, y, V.real("eps", eps, minimum=0.0),
            V.real("attack_step", attack_step, minimum=0.0, strict=True),
            V.positive_int("attack_steps", attack_steps))


def _mixed(apply_fn, params, x, x_adv, weights=None):
    ja = jax.jacrev(lambda p: apply_fn(p, x))(params)
    jb = jax.jacrev(lambda p: apply_fn(p, x_adv))(params)
    la, lb = jax.tree_util.tree_leaves(ja), jax.tree_util.tree_leaves(jb)
    ws = [None] * len(la) if weights is None else jax.tree_util.tree_leaves(weights)
    out_dim = la[0].shape[1]
    total = 0.0
    for a, b, w in zip(la, lb, ws):
        a = a.reshape(a.shape[0], a.shape[1], -1)
        b = b.reshape(b.shape[0], b.shape[1], -1)
        w = jnp.ones(a.shape[-1]) if w is None else jnp.ravel(w)
        total = total + jnp.einsum("aop,bop,p->ab", a, b, w)
    return total / out_dim


def mixed_tangent_kernel(apply_fn: Callable, params, x, x_adv, weights=None):
    """``Theta(x, x_adv)`` ``(n, m)``: ``J(x) J(x_adv)^T`` averaged over output units.

    With ``x_adv = x`` it is the empirical NTK (``kernels.ntk_matrix``); in
    general it is not symmetric. ``weights`` (a pytree like ``params``) scales
    each parameter's contribution, e.g. a 0/1 mask for the kernel of the
    surviving weights.

    >>> f = lambda p, x: x @ p["w"]
    >>> mixed_tangent_kernel(f, {"w": jnp.ones((2, 1))}, jnp.eye(2), 2 * jnp.eye(2)).tolist()
    [[2.0, 0.0], [0.0, 2.0]]
    """
    if not callable(apply_fn):
        raise TypeError(f"apply_fn must be callable, got {type(apply_fn).__name__}")
    x = jnp.asarray(V.array("x", x))
    x_adv = jnp.asarray(V.array("x_adv", x_adv))
    if x.shape[1:] != x_adv.shape[1:]:
        raise ValueError(f"x and x_adv must have the same feature shape, got {x.shape} and "
                         f"{x_adv.shape}")
    return _mixed(apply_fn, params, x, x_adv, weights)


def _attack(apply_fn, params, x, y, eps, step, steps, key):
    loss = lambda xa: cross_entropy(apply_fn(params, xa), y)
    return jax.lax.stop_gradient(pgd(loss, x, eps=eps, step=step, steps=steps, key=key))


@functools.partial(jax.jit, static_argnames=("apply_fn", "flags", "batch_size", "attack_steps", "eps",
                                             "attack_step"))
def _awt_run(apply_fn, flags, batch_size, attack_steps, params0, x, y, f_teacher, k_teacher, k,
             gamma, learning_rate, eps, attack_step, keys):
    n = x.shape[0]
    n_prunable = sum(l.size for l, f in zip(jax.tree_util.tree_leaves(params0), flags) if f)

    def loss(scores, idx, key):
        mask = _straight_through_mask(scores, flags, k)
        xb, yb = x[idx], y[idx]
        sparse = jax.tree_util.tree_map(lambda p, m: p * m, params0, mask)
        # the sparse network's own adversarial examples, at the current (hard) mask
        x_adv = _attack(apply_fn, jax.lax.stop_gradient(sparse), xb, yb, eps, attack_step,
                        attack_steps, key)
        out = jnp.sum((f_teacher[idx] - apply_fn(sparse, x_adv)) ** 2) / batch_size
        k_sparse = _mixed(apply_fn, sparse, xb, x_adv, mask)
        return out + gamma ** 2 / batch_size ** 2 * jnp.sum((k_teacher[idx][:, idx] - k_sparse) ** 2)

    def step(scores, key):
        kb, ka = jax.random.split(key)
        idx = jax.random.choice(kb, n, (batch_size,), replace=False)
        value, g = jax.value_and_grad(loss)(scores, idx, ka)
        return _rms_descent(scores, g, learning_rate, n_prunable), value

    scores0 = jax.tree_util.tree_map(jnp.abs, params0)
    return jax.lax.scan(step, scores0, keys)


def adversarial_ticket_mask(apply_fn: Callable, params0, x, y, *, density: float, eps: float,
                            attack_step: float, attack_steps: int = 5, steps: int = 100,
                            learning_rate: float = 1e-2, gamma: float = 1.0,
                            batch_size: int | None = None, seed: int = 0) -> TransferResult:
    """Adversarial winning ticket: a mask whose sparse net matches the dense one under attack.

    Minimizes the thesis' objective (module docstring) over a mask of the
    given ``density``. The dense teacher's adversarial examples ``X_adv``
    (``l_inf`` PGD of radius ``eps`` on the cross-entropy with labels ``y``, in
    the box ``[0, 1]``), its outputs on them and its mixed kernel
    ``Theta_0(X, X_adv)`` are computed once; at every step the sparse network at
    the current mask is attacked afresh on a mini-batch. Scores start at
    ``|params0|`` (the magnitude mask) and follow the straight-through gradient
    with steps of RMS size ``learning_rate``; the weights stay at ``params0``.

    Args:
      apply_fn: ``apply_fn(params, x)`` of the dense network (logits ``(n, c)``).
      params0: parameters at initialization.
      x: ``(n, ...)`` inputs in ``[0, 1]``; y: ``(n,)`` integer labels.
      density: fraction of prunable weights kept, in ``(0, 1]``.
      eps, attack_step, attack_steps: the PGD attack.
      steps, learning_rate, gamma, batch_size, seed: the score descent.

    Returns:
      ``TransferResult(mask, scores, losses)``.

    >>> f = lambda p, x: x @ p["w"]
    >>> x = jnp.array([[0.9, 0.1, 0.5], [0.1, 0.9, 0.5]]); y = jnp.array([0, 1])
    >>> r = adversarial_ticket_mask(f, {"w": jnp.eye(3)[:, :2]}, x, y, density=0.5, eps=0.05,
    ...                             attack_step=0.02, steps=5)
    >>> float(sum(r.mask["w"].ravel()))
    3.0
    """
    if not callable(apply_fn):
        raise TypeError(f"apply_fn must be callable, got {type(apply_fn).__name__}")
    density = _check_density(density)
    x, y, eps, attack_step, attack_steps = _check_attack_inputs(x, y, eps, attack_step,
                                                                attack_steps)
    steps = V.positive_int("steps", steps)
    learning_rate = V.real("learning_rate", learning_rate, minimum=0.0, strict=True)
    gamma = V.real("gamma", gamma, minimum=0.0)
    n = x.shape[0]
    batch_size = V.batch_size("batch_size", batch_size, n)
    seed = V.positive_int("seed", seed, minimum=0)
    flags, k = _prunable_flags_and_keep(params0, density)
    key = jax.random.PRNGKey(seed)
    x_adv = _attack(apply_fn, params0, x, y, eps, attack_step, attack_steps,
                    jax.random.fold_in(key, 1))
    f_teacher = jax.jit(apply_fn)(params0, x_adv)
    k_teacher = jax.jit(_mixed, static_argnums=0)(apply_fn, params0, x, x_adv)
    keys = jax.random.split(jax.random.fold_in(key, 2), steps)
    scores, losses = _awt_run(apply_fn, flags, batch_size, attack_steps, params0, x, y, f_teacher,
                              k_teacher, k, gamma, learning_rate, eps, attack_step, keys)
    return TransferResult(top_k_mask(scores, density), scores, np.asarray(losses))


def adversarial_train_masked(apply_fn: Callable, params, mask, x, y, *, eps: float,
                             attack_step: float, attack_steps: int, steps: int,
                             batch_size: int, learning_rate: float = 1e-2, seed: int = 0):
    """PGD adversarial training (Adam, cross-entropy) of the sparse network ``f(mask * params)``.

    Each step attacks a mini-batch with ``attack_steps`` ``l_inf`` PGD steps
    from a random start (radius ``eps``, box ``[0, 1]``) and descends on the
    cross-entropy at the attacked points. ``eps = 0`` is clean training. The
    mask is an argument of one compiled program: many masks of one network
    compile once.

    Returns ``(params, losses)``: trained parameters with pruned entries set to
    zero, and the mean training loss over each of the (at most 20) chunks of
    steps of :func:`ntk_course.training.run_steps`.

    >>> f = lambda p, x: x @ p["w"]
    >>> x = jnp.array([[1.0, 0.0], [0.0, 1.0]]); y = jnp.array([0, 1])
    >>> p, l = adversarial_train_masked(f, {"w": jnp.zeros((2, 2))}, {"w": jnp.eye(2)}, x, y,
    ...                                 eps=0.1, attack_step=0.05, attack_steps=2, steps=50,
    ...                                 batch_size=2)
    >>> bool(l[-1] < l[0]), float(p["w"][0, 1])
    (True, 0.0)
    """
    if not callable(apply_fn):
        raise TypeError(f"apply_fn must be callable, got {type(apply_fn).__name__}")
    if jax.tree_util.tree_structure(params) != jax.tree_util.tree_structure(mask):
        raise ValueError("mask must have the structure of params")
    x, y, eps, attack_step, attack_steps = _check_attack_inputs(x, y, eps, attack_step,
                                                                attack_steps)
    steps = V.positive_int("steps", steps)
    batch_size = V.batch_size("batch_size", batch_size, x.shape[0])
    learning_rate = V.real("learning_rate", learning_rate, minimum=0.0, strict=True)
    seed = V.positive_int("seed", seed, minimum=0)
    step = _MaskedStep(apply_fn, learning_rate, batch_size, eps, attack_step, attack_steps)
    return _train_masked(step, params, mask, x, y, steps=steps, key=jax.random.PRNGKey(seed),
                         description="adversarial training (sparse)")
