"""Adversarial perturbations and robust training directions.

Attacks maximize a per-example loss over a norm ball around the *clean* input,
intersected with the data box ``[lo, hi]``:

- :func:`fgsm`: one signed-gradient step of size ``eps`` (l_inf);
- :func:`pgd`: projected gradient ascent (``norm="linf"`` or ``"l2"``), optional
  random start, fixed step size and number of steps, last or best iterate;
- :func:`margin_attack`: the margin (BETA) attacker, one PGD per wrong class;
- :func:`min_norm_simplex`: the minimum-norm point of the convex hull of a few
  vectors (a quadratic program on the simplex);
- :func:`ddi_direction`: Danskin's descent direction (DDi) of Latorre et al.
  (ICLR 2023): the min-norm element of the convex hull of the gradients taken
  at several maximizers;
- :func:`adversarial_training`: PGD-, DDi- or TRADES-based training with learning
  curves (:func:`kl_divergence` is the TRADES regularizer);
- :func:`robust_accuracy_curve`: accuracy under PGD for a list of radii, compiled once;
- :func:`kernel_predictor`, :func:`kernel_adversary`: the kernel-regression classifier
  of a (neural tangent) kernel and PGD on it, the NTK adversary of Tsilivis & Kempe.

Inputs are batches ``x`` of shape ``(n, ...)``; the ball is taken per example
over all non-batch axes.

>>> import jax.numpy as jnp
>>> loss = lambda xa: jnp.sum(xa, axis=1)          # increases along (1, 1)
>>> x = jnp.full((1, 2), 0.5)
>>> fgsm(loss, x, eps=0.1).tolist()
[[0.6000000238418579, 0.6000000238418579]]
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.flatten_util import ravel_pytree

from . import _validate as V
from . import nets
from .kip import support_coefficients

__all__ = ["fgsm", "pgd", "project", "cross_entropy", "kl_divergence", "margin", "margin_attack",
           "project_simplex", "min_norm_simplex", "ddi_direction", "accuracy",
           "robust_accuracy", "adversarial_training", "TrainingCurves", "robust_accuracy_curve",
           "kernel_predictor", "kernel_adversary"]

NORMS = ("linf", "l2")


def _is_tracer(x) -> bool:
    return isinstance(x, jax.core.Tracer)


def _check_attack(loss_fn, x, eps, box):
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    if not _is_tracer(x):
        x = V.array("x", x, ndim=tuple(range(1, 6)))
    eps = V.real("eps", eps, minimum=0.0)
    V.box("box", box)
    return jnp.asarray(x, dtype=jnp.float32), eps


def _norms(d):
    return jnp.sqrt(jnp.sum(d.reshape(d.shape[0], -1) ** 2, axis=1))


def _bcast(v, x):
    return v.reshape((x.shape[0],) + (1,) * (x.ndim - 1))


def project(delta, x, *, eps: float, norm: str = "linf", box=(0.0, 1.0)):
    """Map a perturbation into the ``eps``-ball (around the clean ``x``) and the box.

    For ``linf`` this is the exact Euclidean projection onto the intersection
    (both are boxes). For ``l2`` the ball projection is followed by clipping
    to the box; clipping only shrinks each coordinate of ``delta`` (``x`` lies
    in the box), so the result stays in the ball: it is feasible, though not
    always the nearest feasible point.

    >>> project(jnp.array([[3.0, 4.0]]), jnp.zeros((1, 2)), eps=1.0, norm="l2", box=None).tolist()
    [[0.6000000238418579, 0.800000011920929]]
    """
    V.choice("norm", norm, NORMS)
    if norm == "linf":
        delta = jnp.clip(delta, -eps, eps)
    else:
        n = _norms(delta)
        delta = delta * _bcast(jnp.minimum(1.0, eps / jnp.maximum(n, 1e-12)), delta)
    if box is not None:
        delta = jnp.clip(x + delta, box[0], box[1]) - x
    return delta


def _ascent(g, norm):
    if norm == "linf":
        return jnp.sign(g)
    return g / _bcast(jnp.maximum(_norms(g), 1e-12), g)


def _random_start(key, x, eps, norm):
    if norm == "linf":
        return jax.random.uniform(key, x.shape, minval=-eps, maxval=eps)
    k1, k2 = jax.random.split(key)
    d = jax.random.normal(k1, x.shape)
    dim = int(np.prod(x.shape[1:]))
    r = eps * jax.random.uniform(k2, (x.shape[0],)) ** (1.0 / dim)
    return d * _bcast(r / jnp.maximum(_norms(d), 1e-12), d)


def _pgd_from(loss_fn, x, delta, eps, step, steps, norm, box, return_path=False,
              return_best=False):
    """PGD from the perturbation ``delta`` (already feasible); traceable, no validation."""
    def ascend(delta, g):
        return project(delta + step * _ascent(g, norm), x, eps=eps, norm=norm, box=box)

    if not return_best:
        grad = jax.grad(lambda xa: jnp.sum(loss_fn(xa)))

        def body(delta, _):
            delta = ascend(delta, grad(x + delta))
            return delta, delta

        delta, path = jax.lax.scan(body, delta, None, length=steps)
    else:
        def body_best(carry, _):
            delta, best, best_loss = carry
            losses, vjp = jax.vjp(loss_fn, x + delta)      # losses (n,) and the gradient
            better = losses > best_loss
            best = jnp.where(_bcast(better, x), delta, best)
            best_loss = jnp.maximum(losses, best_loss)
            delta = ascend(delta, vjp(jnp.ones_like(losses))[0])
            return (delta, best, best_loss), delta

        # the clean point (delta = 0) is the first candidate for the best iterate
        init = (delta, jnp.zeros_like(x), loss_fn(x))
        (delta, best, best_loss), path = jax.lax.scan(body_best, init, None, length=steps)
        better = loss_fn(x + delta) > best_loss           # the final iterate is scored last
        delta = jnp.where(_bcast(better, x), delta, best)
    if return_path:
        return x + delta, x[None] + path
    return x + delta


def _pgd(loss_fn, x, eps, step, steps, norm, random_start, key, box, return_path=False,
         return_best=False):
    delta = _random_start(key, x, eps, norm) if random_start else jnp.zeros_like(x)
    delta = project(delta, x, eps=eps, norm=norm, box=box)
    return _pgd_from(loss_fn, x, delta, eps, step, steps, norm, box, return_path, return_best)


def pgd(loss_fn: Callable, x, *, eps: float, step: float, steps: int, norm: str = "linf",
        random_start: bool = True, key=None, box=(0.0, 1.0), return_path: bool = False,
        return_best: bool = False):
    """Projected gradient ascent on ``sum(loss_fn(x_adv))`` over the ball around ``x``.

    Args:
      loss_fn: maps a batch ``(n, ...)`` to per-example losses ``(n,)``.
      x: clean inputs ``(n, ...)``, inside ``box``.
      eps: radius of the ball (``linf`` or ``l2``, per example).
      step: step size (of the signed step for ``linf``, of the normalized
        gradient step for ``l2``).
      steps: number of ascent steps.
      random_start: start uniformly in the ball (needs ``key``).
      box: ``(lo, hi)`` data range, or ``None``.
      return_path: also return all iterates, shape ``(steps, n, ...)``.
      return_best: return, per example, the candidate of highest loss among the
        clean point, the (random) start and all iterates, instead of the last
        iterate. Its loss is then never below the clean loss, whatever the
        step size (signed steps on a nonconvex loss can overshoot). Needs a
        ``loss_fn`` whose ``i``-th loss depends on the ``i``-th input only.

    Returns:
      ``x_adv`` with the shape of ``x`` (and the path if asked; the path holds
      the iterates themselves, also when ``return_best``).

    >>> loss = lambda xa: -jnp.sum((xa - 2.0) ** 2, axis=1)
    >>> pgd(loss, jnp.zeros((1, 2)), eps=0.3, step=0.1, steps=5, random_start=False,
    ...     box=None).tolist()
    [[0.30000001192092896, 0.30000001192092896]]
    """
    x, eps = _check_attack(loss_fn, x, eps, box)
    V.choice("norm", norm, NORMS)
    step = V.real("step", step, minimum=0.0, strict=True)
    steps = V.positive_int("steps", steps)
    if random_start and key is None:
        raise ValueError("key must be a jax PRNG key when random_start=True")
    key = jax.random.PRNGKey(0) if key is None else key
    return _pgd(loss_fn, x, eps, step, steps, norm, bool(random_start), key, box, return_path,
                bool(return_best))


def fgsm(loss_fn: Callable, x, *, eps: float, box=(0.0, 1.0)):
    """Fast gradient sign method: ``clip(x + eps * sign(grad), box)``, l_inf.

    It equals one :func:`pgd` step of size ``eps`` from the clean point.
    """
    x, eps = _check_attack(loss_fn, x, eps, box)
    g = jax.grad(lambda xa: jnp.sum(loss_fn(xa)))(x)
    return x + project(eps * jnp.sign(g), x, eps=eps, norm="linf", box=box)


# ----------------------------------------------------------------------------- losses
def cross_entropy(logits, labels):
    """Per-example cross-entropy of integer ``labels`` ``(n,)`` under ``logits`` ``(n, c)``."""
    return optax.softmax_cross_entropy_with_integer_labels(logits, labels)


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


def margin_attack(apply_fn: Callable, params, x, y, *, n_classes: int, eps: float, step: float,
                  steps: int, norm: str = "linf", key=None, random_start: bool = True,
                  box=(0.0, 1.0)):
    """The BETA attacker: for every wrong class ``j`` run PGD on ``h_j - h_b`` and
    keep, per example, the perturbation with the largest final margin.

    Returns ``x_adv`` ``(n, ...)``. (The target class ``j*`` is chosen *after*
    each class's perturbation is optimized, which breaks the circularity of the
    definition printed in the CVPR 2023 slides.)
    """
    n_classes = V.positive_int("n_classes", n_classes, minimum=2)
    x = jnp.asarray(V.array("x", x), jnp.float32)
    y = jnp.asarray(V.array("y", y, ndim=1, dtype_kind="iu"))
    V.same_length("x", x, "y", y)
    key = jax.random.PRNGKey(0) if key is None else key
    best_x, best_m = x, jnp.full((x.shape[0],), -jnp.inf)
    for j in range(n_classes):
        target = jnp.full_like(y, j)
        loss = lambda xa, t=target: margin(apply_fn(params, xa), y, t)
        xa = pgd(loss, x, eps=eps, step=step, steps=steps, norm=norm,
                 key=jax.random.fold_in(key, j), random_start=random_start, box=box)
        m = jnp.where(y == j, -jnp.inf, margin(apply_fn(params, xa), y, target))
        better = m > best_m
        best_x = jnp.where(_bcast(better, x), xa, best_x)
        best_m = jnp.maximum(m, best_m)
    return best_x


# ----------------------------------------------------------------------------- DDi
def project_simplex(v):
    """Euclidean projection of ``v`` ``(k,)`` onto the probability simplex.

    >>> project_simplex(jnp.array([2.0, 0.0])).tolist()
    [1.0, 0.0]
    """
    k = v.shape[0]
    u = jnp.sort(v)[::-1]
    css = jnp.cumsum(u) - 1.0
    ind = jnp.arange(1, k + 1)
    cond = u - css / ind > 0
    rho = jnp.max(jnp.where(cond, ind, 0))
    theta = css[rho - 1] / rho
    return jnp.maximum(v - theta, 0.0)


def _min_norm(G, iters):
    M = G @ G.T
    scale = jnp.maximum(jnp.trace(M), 1e-30)
    M = M / scale
    L = jnp.maximum(jnp.linalg.eigvalsh(M)[-1], 1e-12)
    k = G.shape[0]
    lam0 = jnp.full((k,), 1.0 / k)

    def body(_, carry):  # FISTA on 1/2 lam^T M lam over the simplex
        lam, w, t = carry
        new = project_simplex(w - (M @ w) / L)
        t_new = 0.5 * (1 + jnp.sqrt(1 + 4 * t * t))
        w = new + (t - 1) / t_new * (new - lam)
        return new, w, t_new

    lam, _, _ = jax.lax.fori_loop(0, iters, body, (lam0, lam0, 1.0))
    return lam


_min_norm_jit = jax.jit(_min_norm, static_argnums=1)


def min_norm_simplex(G, *, iters: int = 500):
    """Weights ``lam`` on the simplex minimizing ``||lam^T G||``, for ``G`` ``(k, p)``.

    Solved by accelerated projected gradient (FISTA) on the Gram matrix. At the
    solution the optimality (KKT) conditions hold: ``(G G^T lam)_i >= lam^T G G^T lam``
    for every ``i``, with equality where ``lam_i > 0``.

    >>> min_norm_simplex(jnp.array([[-1.0, 1.0], [1.0, 1.0]])).round(3).tolist()
    [0.5, 0.5]
    """
    if not _is_tracer(G):
        G = V.array("G", G, ndim=2)
        iters = V.positive_int("iters", iters)
    return _min_norm_jit(jnp.asarray(G, jnp.float32), iters)


def ddi_direction(grads, *, iters: int = 500):
    """Danskin's descent direction from gradients taken at ``k`` maximizers.

    ``grads`` is a pytree whose leaves have a leading axis of size ``k`` (the
    gradient of the loss at the ``j``-th perturbation). Returns
    ``(direction, lam)``: the min-norm element ``sum_j lam_j g_j`` of their
    convex hull (a pytree like one gradient) and its weights ``lam`` ``(k,)``.
    When all ``g_j`` coincide it returns that gradient.
    """
    leaves = jax.tree_util.tree_leaves(grads)
    if not leaves:
        raise ValueError("grads must be a non-empty pytree")
    k = leaves[0].shape[0]
    flat = jax.vmap(lambda g: ravel_pytree(g)[0])(grads)
    _, unravel = ravel_pytree(jax.tree_util.tree_map(lambda l: l[0], grads))
    lam = _min_norm(flat, iters) if k > 1 else jnp.ones((1,))
    return unravel(lam @ flat), lam


# ----------------------------------------------------------------------------- training
def accuracy(apply_fn, params, x, y) -> float:
    """Fraction of ``x`` whose arg-max logit equals the label (``nets.accuracy`` of the logits)."""
    return nets.accuracy(apply_fn(params, x), y)


def robust_accuracy(apply_fn, params, x, y, *, eps, step, steps, norm="linf", key=None,
                    box=(0.0, 1.0)) -> float:
    """Accuracy under a cross-entropy PGD attack with a random start.

    Each example is scored at its best iterate (the highest loss among the
    clean point, the start and every iterate), so a last step that overshoots
    cannot make the model look more robust than it is.
    """
    key = jax.random.PRNGKey(1) if key is None else key
    loss = lambda xa: cross_entropy(apply_fn(params, xa), y)
    xa = pgd(loss, x, eps=eps, step=step, steps=steps, norm=norm, key=key, box=box,
             return_best=True)
    return accuracy(apply_fn, params, xa, y)


class TrainingCurves(NamedTuple):
    """Parameters after training and the recorded learning curves."""

    params: object
    steps: np.ndarray
    clean_acc: np.ndarray
    robust_acc: np.ndarray
    train_loss: np.ndarray   # training objective (adversarial CE or TRADES) at the recorded steps
    snapshots: list | None = None  # parameters at ``steps`` when ``keep_snapshots=True``


def adversarial_training(apply_fn: Callable, params, x, y, x_test, y_test, *, method: str,
                         eps: float, attack_step: float, attack_steps: int, n_starts: int = 1,
                         steps: int, batch_size: int, learning_rate: float,
                         record_every: int, eval_steps: int = 10, norm: str = "linf",
                         box=(0.0, 1.0), seed: int = 0,
                         keep_snapshots: bool = False, beta: float = 6.0) -> TrainingCurves:
    """Adversarial training with minibatch SGD (momentum 0.9) on cross-entropy.

    ``method="pgd"`` steps along the gradient at one PGD perturbation per
    example (Madry et al.); ``method="ddi"`` runs ``n_starts`` PGD attacks from
    different random starts and steps along the DDi direction of their
    gradients; ``method="trades"`` (Zhang et al., ICML 2019) minimizes
    ``CE(f(x), y) + beta * KL(softmax f(x) || softmax f(x'))``, where ``x'``
    maximizes the KL term by PGD from ``x`` plus Gaussian noise of scale
    ``1e-3`` (``beta`` is used by TRADES only). With ``eps = 0`` every method
    reduces to clean training. Clean and robust test accuracy (PGD-``eval_steps``, random
    start) are recorded every ``record_every`` steps, together with the
    parameters themselves when ``keep_snapshots`` is true (to follow, say, the
    network's tangent kernel during training).
    """
    V.choice("method", method, ("pgd", "ddi", "trades"))
    beta = V.real("beta", beta, minimum=0.0)
    x = jnp.asarray(V.array("x", x), jnp.float32)
    y = jnp.asarray(V.array("y", y, ndim=1, dtype_kind="iu"))
    V.same_length("x", x, "y", y)
    x_test = jnp.asarray(V.array("x_test", x_test), jnp.float32)
    y_test = jnp.asarray(V.array("y_test", y_test, ndim=1, dtype_kind="iu"))
    steps = V.positive_int("steps", steps)
    batch_size = V.positive_int("batch_size", batch_size)
    record_every = V.positive_int("record_every", record_every)
    n_starts = V.positive_int("n_starts", n_starts)
    attack_steps = V.positive_int("attack_steps", attack_steps)
    eps = V.real("eps", eps, minimum=0.0)
    attack_step = V.real("attack_step", attack_step, minimum=0.0, strict=True)
    learning_rate = V.real("learning_rate", learning_rate, minimum=0.0, strict=True)
    starts = n_starts if method == "ddi" else 1
    opt = optax.sgd(learning_rate, momentum=0.9)
    opt_state = opt.init(params)
    n = x.shape[0]

    def batch_loss(p, xa, yb):
        return jnp.mean(cross_entropy(apply_fn(p, xa), yb))

    def trades_loss(p, xa, xb, yb):
        logits = apply_fn(p, xb)
        return jnp.mean(cross_entropy(logits, yb) + beta * kl_divergence(logits, apply_fn(p, xa)))

    def trades_step(p, xb, yb, ka):
        target = jax.lax.stop_gradient(apply_fn(p, xb))
        loss = lambda xa: kl_divergence(target, apply_fn(p, xa))
        start = project(1e-3 * jax.random.normal(ka, xb.shape), xb, eps=eps, norm=norm, box=box)
        xadv = jax.lax.stop_gradient(_pgd_from(loss, xb, start, eps, attack_step, attack_steps,
                                               norm, box))
        return jax.value_and_grad(trades_loss)(p, xadv, xb, yb)

    def one_step(carry, key):
        p, s = carry
        kb, ka = jax.random.split(key)
        idx = jax.random.choice(kb, n, (batch_size,), replace=False)
        xb, yb = x[idx], y[idx]
        if method == "trades":
            value, direction = trades_step(p, xb, yb, ka)
            upd, s = opt.update(direction, s, p)
            return (optax.apply_updates(p, upd), s), value
        loss = lambda xa: cross_entropy(apply_fn(p, xa), yb)
        keys = jax.random.split(ka, starts)
        xadv = jax.vmap(lambda k: _pgd(loss, xb, eps, attack_step, attack_steps, norm, True,
                                       k, box))(keys)
        losses, grads = jax.vmap(lambda xa: jax.value_and_grad(batch_loss)(p, xa, yb))(xadv)
        if starts == 1:
            direction = jax.tree_util.tree_map(lambda g: g[0], grads)
        else:
            direction, _ = ddi_direction(grads, iters=200)
        upd, s = opt.update(direction, s, p)
        return (optax.apply_updates(p, upd), s), jnp.max(losses)

    @jax.jit
    def chunk(p, s, keys):
        (p, s), losses = jax.lax.scan(one_step, (p, s), keys)
        return p, s, losses[-1]

    @jax.jit
    def evaluate(p, key):
        loss = lambda xa: cross_entropy(apply_fn(p, xa), y_test)
        xa = _pgd(loss, x_test, eps, attack_step, eval_steps, norm, True, key, box)
        clean = jnp.mean(jnp.argmax(apply_fn(p, x_test), 1) == y_test)
        rob = jnp.mean(jnp.argmax(apply_fn(p, xa), 1) == y_test)
        return clean, rob

    key = jax.random.PRNGKey(seed)
    rec_t, rec_c, rec_r, rec_l = [], [], [], []
    c, r = evaluate(params, jax.random.fold_in(key, 10**6))
    rec_t.append(0); rec_c.append(float(c)); rec_r.append(float(r)); rec_l.append(float("nan"))
    snapshots = [params] if keep_snapshots else None
    t = 0
    while t < steps:
        m = min(record_every, steps - t)
        keys = jax.random.split(jax.random.fold_in(key, t), m)
        params, opt_state, last = chunk(params, opt_state, keys)
        t += m
        c, r = evaluate(params, jax.random.fold_in(key, 10**6 + t))
        rec_t.append(t); rec_c.append(float(c)); rec_r.append(float(r)); rec_l.append(float(last))
        if keep_snapshots:
            snapshots.append(params)
    return TrainingCurves(params, np.array(rec_t), np.array(rec_c), np.array(rec_r),
                          np.array(rec_l), snapshots)


# ----------------------------------------------------------------------------- evaluation
def robust_accuracy_curve(apply_fn: Callable, params, x, y, *, eps, steps: int = 10,
                          rel_step: float = 2.5, norm: str = "linf", key=None,
                          box=(0.0, 1.0)) -> np.ndarray:
    """Accuracy under cross-entropy PGD for each radius in ``eps``, compiled once.

    Each radius gets ``steps`` PGD steps of size ``rel_step * eps / steps``
    (so the iterates can cross the ball ``rel_step / 2`` times) from a random
    start, and the *best* iterate per example (:func:`pgd` with
    ``return_best``) is scored. ``eps = 0`` gives the clean accuracy.

    Args:
      apply_fn, params: the classifier, ``apply_fn(params, x) -> (n, c)`` logits.
      x: ``(n, ...)`` inputs in ``box``; y: ``(n,)`` integer labels.
      eps: 1-D sequence of radii ``(m,)``, each ``>= 0``.

    Returns:
      ``(m,)`` numpy array of accuracies.

    >>> f = lambda p, x: x @ p
    >>> x = jnp.array([[0.6, 0.5]]); y = jnp.array([0])   # margin 0.1, falls by 2 eps
    >>> robust_accuracy_curve(f, jnp.eye(2), x, y, eps=[0.0, 0.02, 0.1]).tolist()
    [1.0, 1.0, 0.0]
    """
    if not callable(apply_fn):
        raise TypeError(f"apply_fn must be callable, got {type(apply_fn).__name__}")
    x = jnp.asarray(V.array("x", x, ndim=tuple(range(2, 6))), jnp.float32)
    y = jnp.asarray(V.array("y", y, ndim=1, dtype_kind="iu"))
    V.same_length("x", x, "y", y)
    eps = np.asarray(V.array("eps", eps, ndim=1), dtype=np.float32)
    if eps.size == 0 or eps.min() < 0:
        raise ValueError(f"eps must be a non-empty list of radii >= 0, got {eps.tolist()}")
    steps = V.positive_int("steps", steps)
    rel_step = V.real("rel_step", rel_step, minimum=0.0, strict=True)
    V.choice("norm", norm, NORMS)
    key = jax.random.PRNGKey(1) if key is None else key
    return np.asarray(_curve(apply_fn, params, x, y, jnp.asarray(eps), key, steps, rel_step,
                             norm, box))


def _curve_impl(apply_fn, params, x, y, eps, key, steps, rel_step, norm, box):
    loss = lambda xa: cross_entropy(apply_fn(params, xa), y)

    def one(e):
        xa = _pgd(loss, x, e, rel_step * e / steps, steps, norm, True, key, box,
                  return_best=True)
        return jnp.mean(jnp.argmax(apply_fn(params, xa), axis=1) == y)

    return jax.lax.map(one, eps)


_curve = jax.jit(_curve_impl, static_argnums=(0, 6, 7, 8, 9))


# ----------------------------------------------------------------------------- NTK adversary
def kernel_predictor(kernel: Callable, x_train, y_train, *, n_classes: int, ridge: float = 1e-6):
    """The kernel-regression classifier ``f(x) = K(x, X) (K(X, X) + r I)^{-1} Y``.

    ``Y`` holds one-hot rows of the integer labels ``y_train`` ``(n,)``; the ridge
    ``r`` is relative to the mean eigenvalue ``tr K / n`` (as in
    :func:`ntk_course.kip.krr_predict`). Returns ``f``, mapping ``(m, d)`` to
    ``(m, n_classes)`` outputs used as logits; it is differentiable in ``x``.

    >>> lin = lambda a, b: a @ b.T
    >>> f = kernel_predictor(lin, jnp.eye(2), jnp.array([0, 1]), n_classes=2, ridge=0.0)
    >>> f(jnp.array([[2.0, 0.0]])).tolist()
    [[2.0, 0.0]]
    """
    if not callable(kernel):
        raise TypeError(f"kernel must be callable, got {type(kernel).__name__}")
    x_train = jnp.asarray(V.array("x_train", x_train, ndim=2), jnp.float32)
    y_train = np.asarray(V.array("y_train", y_train, ndim=1, dtype_kind="iu"))
    V.same_length("x_train", x_train, "y_train", y_train)
    n_classes = V.positive_int("n_classes", n_classes, minimum=2)
    if y_train.min() < 0 or y_train.max() >= n_classes:
        raise ValueError(f"y_train must hold labels in [0, {n_classes}), got range "
                         f"[{y_train.min()}, {y_train.max()}]")
    ridge = V.real("ridge", ridge, minimum=0.0)
    alpha = support_coefficients(kernel, x_train, jax.nn.one_hot(y_train, n_classes), ridge)

    def predict(xq):
        return kernel(xq, x_train) @ alpha

    return predict


def kernel_adversary(kernel: Callable, x_train, y_train, x, y, *, eps: float, step: float,
                     steps: int, n_classes: int, ridge: float = 1e-6, norm: str = "linf",
                     random_start: bool = False, key=None, box=(0.0, 1.0)):
    """The NTK adversary (Tsilivis & Kempe, 2022): PGD on a kernel machine.

    Builds the kernel-regression classifier of :func:`kernel_predictor` on
    ``(x_train, y_train)`` and maximizes its cross-entropy at ``(x, y)`` with
    :func:`pgd` (best iterate kept). The perturbed inputs can then be fed to
    any model, e.g. finite networks whose infinite-width NTK is ``kernel``,
    without touching their weights (a black-box transfer attack).

    Args:
      kernel: ``kernel(x1, x2) -> (n1, n2)`` on flat inputs, e.g.
        :func:`ntk_course.kip.fc_ntk`.
      x_train: ``(n, d)``; y_train: ``(n,)`` integer labels.
      x: ``(m, d)`` inputs to perturb, in ``box``; y: ``(m,)`` their labels.
      eps, step, steps, norm, random_start, key, box: as in :func:`pgd`.

    Returns:
      ``(m, d)`` perturbed inputs, inside the ``eps``-ball around ``x`` and the box.

    For the linear kernel ``x1 @ x2.T`` and two classes the attack is the
    closed-form one, ``x + eps * sign(w_j - w_y)`` with ``W = X^T alpha``.
    """
    x = jnp.asarray(V.array("x", x, ndim=2), jnp.float32)
    y = jnp.asarray(V.array("y", y, ndim=1, dtype_kind="iu"))
    V.same_length("x", x, "y", y)
    V.same_features("x_train", V.array("x_train", x_train, ndim=2), "x", x)
    predict = kernel_predictor(kernel, x_train, y_train, n_classes=n_classes, ridge=ridge)
    loss = lambda xa: cross_entropy(predict(xa), y)
    return pgd(loss, x, eps=eps, step=step, steps=steps, norm=norm, random_start=random_start,
               key=key, box=box, return_best=True)
