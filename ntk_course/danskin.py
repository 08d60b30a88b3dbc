"""Danskin's descent direction in adversarial training: variants and diagnostics.

:func:`ntk_course.robust_training.adversarial_training` (``method="ddi"``) steps along
the min-norm element of the convex hull of ``K`` *minibatch* gradients, each
taken at one set of PGD perturbations, fed unnormalized to SGD. Two things
separate that from the method's idea, and this module makes both explicit:

* **Step length.** The min-norm element is never longer than the shortest of
  the ``K`` gradients, and much shorter when they disagree; with the same
  learning rate it takes shorter steps, a confound. ``direction="ddi_matched"``
  rescales it to the mean length of the ``K`` gradients.
* **Which hull.** The Danskin set of the minibatch loss
  ``(1/B) sum_i max_{delta_i} L_i`` is the Minkowski sum of the per-example
  sets, ``(1/B) sum_i conv{g_i^(1), ..., g_i^(K)}``: each example chooses its
  own weights. The hull of the ``K`` batch gradients is the subset in which all
  examples share one weight vector. ``direction="ddi_per_example"`` solves the
  min-norm problem over the Minkowski sum (weights ``lam`` ``(B, K)``, each row
  in the simplex) with accelerated projected gradient on the ``BK x BK`` Gram
  matrix of per-example gradients, then matches the step length as above.

:func:`train` records, besides clean and robust accuracy, the mean pairwise
cosine of the ``K`` minibatch gradients, the largest min-norm weight and the
length ratio ``||d|| / mean_j ||g_j||`` -- the quantities that decide whether
DDi can differ from the plain PGD gradient.
"""
from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.flatten_util import ravel_pytree

from . import _validate as V
from .attacks import pgd
from .losses import cross_entropy
from .minimax import _min_norm, project_simplex
from .robust_training import _best_attack, _momentum_sgd
from .training import run_steps

__all__ = ["DIRECTIONS", "DanskinCurves", "min_norm_product_simplex", "train"]

DIRECTIONS = ("pgd", "ddi", "ddi_matched", "ddi_per_example")


def _min_norm_product(G, iters):
    """FISTA on 1/2 ||sum_ij lam_ij G_ij||^2 with each row lam_i in the simplex; G (B, K, p)."""
    B, K, _ = G.shape
    flat = G.reshape(B * K, -1)
    M = flat @ flat.T
    M = M / jnp.maximum(jnp.trace(M) / (B * K), 1e-30)
    # Gershgorin bound on the largest eigenvalue: cheap for the (BK x BK) Gram matrix
    L = jnp.maximum(jnp.max(jnp.sum(jnp.abs(M), axis=1)), 1e-12)
    lam0 = jnp.full((B, K), 1.0 / K)

    def body(_, carry):
        lam, w, t = carry
        grad = (M @ w.ravel()).reshape(B, K)
        new = jax.vmap(project_simplex)(w - grad / L)
        t_new = 0.5 * (1 + jnp.sqrt(1 + 4 * t * t))
        return new, new + (t - 1) / t_new * (new - lam), t_new

    lam, _, _ = jax.lax.fori_loop(0, iters, body, (lam0, lam0, 1.0))
    return lam


def min_norm_product_simplex(G, *, iters: int = 500):
    """Weights ``lam`` ``(B, K)``, rows in the simplex, minimizing ``||sum_ij lam_ij G[i, j]||``.

    ``G`` is ``(B, K, p)``: ``K`` gradients for each of ``B`` examples. This is the
    min-norm element of the Minkowski sum of the ``B`` convex hulls. With
    ``B = 1`` it is :func:`ntk_course.minimax.min_norm_simplex`.

    >>> G = jnp.array([[[-1.0, 1.0], [1.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]]])
    >>> lam = min_norm_product_simplex(G)
    >>> [round(float(v), 3) for v in (lam[:, :, None] * G).sum((0, 1))]
    [0.0, 2.0]
    """
    G = jnp.asarray(V.array("G", G, ndim=3), jnp.float32)
    return _min_norm_product(G, V.positive_int("iters", iters))


class DanskinCurves(NamedTuple):
    """Training result and the diagnostics recorded every ``record_every`` steps."""

    params: object
    steps: np.ndarray
    clean_acc: np.ndarray
    robust_acc: np.ndarray
    cosine: np.ndarray        # mean pairwise cosine of the K minibatch gradients (nan for pgd)
    max_weight: np.ndarray    # largest min-norm weight of the K batch gradients
    length_ratio: np.ndarray  # ||min-norm element|| / mean ||g_j||  (before any rescaling)


def train(apply_fn: Callable, params, x, y, x_test, y_test, *, direction: str, eps: float,
          attack_step: float, attack_steps: int, n_starts: int, steps: int, batch_size: int,
          learning_rate: float, record_every: int, eval_steps: int = 10, seed: int = 0,
          qp_iters: int = 200) -> DanskinCurves:
    """Adversarial training (SGD, momentum 0.9, cross-entropy, ``l_inf`` PGD in ``[0, 1]``).

    ``direction``: ``"pgd"`` (the gradient at one PGD perturbation per example,
    Madry et al.), ``"ddi"`` (min-norm element of the hull of the ``n_starts``
    minibatch gradients, unnormalized), ``"ddi_matched"`` (the same, rescaled to
    the mean length of those gradients) or ``"ddi_per_example"`` (min-norm
    element of the Minkowski sum of the per-example hulls, rescaled likewise).
    Every variant attacks from ``n_starts`` random starts (PGD uses the first),
    so all see the same perturbations for a given ``seed``.
    """
    V.choice("direction", direction, DIRECTIONS)
    x = jnp.asarray(V.array("x", x), jnp.float32)
    y = jnp.asarray(V.array("y", y, ndim=1, dtype_kind="iu"))
    V.same_length("x", x, "y", y)
    x_test = jnp.asarray(V.array("x_test", x_test), jnp.float32)
    y_test = jnp.asarray(V.array("y_test", y_test, ndim=1, dtype_kind="iu"))
    n_starts = V.positive_int("n_starts", n_starts)
    if direction != "pgd" and n_starts < 2:
        raise ValueError(f"n_starts must be >= 2 for direction={direction!r}, got {n_starts}")
    steps = V.positive_int("steps", steps)
    record_every = V.positive_int("record_every", record_every)
    eps = V.real("eps", eps, minimum=0.0)
    attack_step = V.real("attack_step", attack_step, minimum=0.0, strict=True)
    attack_steps = V.positive_int("attack_steps", attack_steps)
    learning_rate = V.real("learning_rate", learning_rate, minimum=0.0, strict=True)
    eval_steps = V.positive_int("eval_steps", eval_steps)
    qp_iters = V.positive_int("qp_iters", qp_iters)
    batch_size = V.batch_size("batch_size", batch_size, x.shape[0])
    step = _DanskinStep(apply_fn, direction, n_starts, batch_size, eps, attack_step,
                        attack_steps, qp_iters, learning_rate)
    key = jax.random.PRNGKey(V.positive_int("seed", seed, minimum=0))

    def record(state, t):
        c, r = _evaluate(state[0], x_test, y_test, jax.random.fold_in(key, 10**6 + t),
                         apply_fn=apply_fn, eps=eps, attack_step=attack_step,
                         eval_steps=eval_steps)
        return {"clean": float(c), "robust": float(r)}

    run = run_steps(step, (params, _momentum_sgd(learning_rate).init(params)), key, steps=steps,
                    record_every=record_every, record=record, reduce="mean",
                    description=f"adversarial training ({direction})", data=(x, y))
    h = run.history
    return DanskinCurves(run.state[0], h["step"], h["clean"], h["robust"], h["cos"], h["w"],
                         h["ratio"])


@dataclasses.dataclass(frozen=True)
class _DanskinStep:
    """One SGD step along the chosen direction (a :func:`~ntk_course.training.run_steps` step)."""

    apply_fn: Callable
    direction: str
    n_starts: int
    batch_size: int
    eps: float
    attack_step: float
    attack_steps: int
    qp_iters: int
    learning_rate: float

    def __call__(self, state, key, data):
        (p, s), (x, y) = state, data
        kb, ka = jax.random.split(key)
        idx = jax.random.choice(kb, x.shape[0], (self.batch_size,), replace=False)
        xb, yb = x[idx], y[idx]
        loss = lambda xa: cross_entropy(self.apply_fn(p, xa), yb)
        xadv = jax.vmap(lambda k: pgd(loss, xb, eps=self.eps, step=self.attack_step,
                                      steps=self.attack_steps, key=k))(
            jax.random.split(ka, self.n_starts))                                   # (K, B, ...)
        _, unravel = ravel_pytree(p)
        batch_grad = lambda xa: ravel_pytree(jax.grad(
            lambda q: jnp.mean(cross_entropy(self.apply_fn(q, xa), yb)))(p))[0]
        G = jax.vmap(batch_grad)(xadv)                                            # (K, p)
        norms = jnp.linalg.norm(G, axis=1)
        unit = G / jnp.maximum(norms[:, None], 1e-30)
        k = G.shape[0]
        cos = (jnp.sum(unit @ unit.T) - k) / max(k * (k - 1), 1)
        lam = _min_norm(G, self.qp_iters) if k > 1 else jnp.ones((1,))
        d_hull = lam @ G
        ratio = jnp.linalg.norm(d_hull) / jnp.mean(norms)
        if self.direction == "pgd":
            d = G[0]
        elif self.direction == "ddi":
            d = d_hull
        elif self.direction == "ddi_matched":
            d = d_hull * jnp.mean(norms) / jnp.maximum(jnp.linalg.norm(d_hull), 1e-30)
        else:
            ex_grad = lambda xa: jax.vmap(lambda xi, yi: ravel_pytree(jax.grad(
                lambda q: cross_entropy(self.apply_fn(q, xi[None]), yi[None])[0])(p))[0])(xa, yb)
            Gi = jnp.swapaxes(jax.vmap(ex_grad)(xadv), 0, 1) / self.batch_size     # (B, K, p)
            lam_i = _min_norm_product(Gi, self.qp_iters)
            d = jnp.einsum("bk,bkp->p", lam_i, Gi)
            d = d * jnp.mean(norms) / jnp.maximum(jnp.linalg.norm(d), 1e-30)
        upd, s = _momentum_sgd(self.learning_rate).update(unravel(d), s, p)
        return (optax.apply_updates(p, upd), s), {"cos": cos, "w": jnp.max(lam), "ratio": ratio}


@functools.partial(jax.jit, static_argnames=("apply_fn", "eps", "attack_step", "eval_steps"))
def _evaluate(p, x_test, y_test, key, *, apply_fn, eps, attack_step, eval_steps):
    """Clean and PGD accuracy (best iterate, l_inf, in [0, 1]) on the test set."""
    xa = _best_attack(p, x_test, y_test, key, eps, attack_step, apply_fn=apply_fn,
                      steps=eval_steps, norm="linf", box=(0.0, 1.0))
    return (jnp.mean(jnp.argmax(apply_fn(p, x_test), 1) == y_test),
            jnp.mean(jnp.argmax(apply_fn(p, xa), 1) == y_test))
