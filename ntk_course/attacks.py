"""Adversarial attacks: perturbations that maximize a loss over a norm ball.

Attacks maximize a per-example loss over a norm ball around the *clean* input,
intersected with the data box ``[lo, hi]``:

- :func:`project`: the map into the ball and the box;
- :func:`fgsm`: one signed-gradient step of size ``eps`` (l_inf);
- :func:`pgd`: projected gradient ascent (``norm="linf"`` or ``"l2"``), optional
  random start, fixed step size and number of steps, last or best iterate;
- :func:`margin_attack`: the margin (BETA) attacker, one PGD per wrong class;
- :func:`kernel_predictor`, :func:`kernel_adversary`: the kernel-regression classifier
  of a (neural tangent) kernel and PGD on it, the NTK adversary of Tsilivis & Kempe.

Inputs are batches ``x`` of shape ``(n, ...)``; the ball is taken per example
over all non-batch axes. Data must lie inside ``box`` (default ``(0, 1)``,
pixel intensities): clipping data that lie outside would move them further
than the attack's radius, so such data raise ``ValueError``; pass
``box=None`` for unbounded data (standardized inputs). The losses the attacks
ascend live in :mod:`ntk_course.losses`.

>>> import jax.numpy as jnp
>>> loss = lambda xa: jnp.sum(xa, axis=1)          # increases along (1, 1)
>>> x = jnp.full((1, 2), 0.5)
>>> fgsm(loss, x, eps=0.1).tolist()
[[0.6000000238418579, 0.6000000238418579]]
"""
from __future__ import annotations

import functools
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from . import _validate as V
from .kernels import support_coefficients
from .losses import cross_entropy, margin

__all__ = ["NORMS", "project", "fgsm", "pgd", "margin_attack", "kernel_predictor",
           "kernel_adversary"]

NORMS = ("linf", "l2")


def _is_tracer(x) -> bool:
    return isinstance(x, jax.core.Tracer)


def _check_attack(loss_fn, x, eps, box):
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    if not _is_tracer(x):
        x = V.array("x", x, ndim=tuple(range(1, 6)))
    eps = V.real("eps", eps, minimum=0.0)
    box = V.box("box", box)
    V.inside_box("x", x, box)
    return jnp.asarray(x, dtype=jnp.float32), eps, box


def _check_key(key):
    return key if key is None or _is_tracer(key) else V.key("key", key)


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
        return_best: bool = False, args=()):
    """Projected gradient ascent on ``sum(loss_fn(x_adv, *args))`` over the ball around ``x``.

    The attack is compiled once per ``loss_fn`` (and shapes): pass a function
    defined once (at module level) and its data (parameters, labels) through
    ``args``, and repeated attacks reuse one program. A fresh closure such as
    ``lambda xa: ce(f(params, xa), y)`` also works, but compiles on every call.

    Args:
      loss_fn: maps a batch ``(n, ...)`` (and ``*args``) to per-example losses ``(n,)``.
      x: clean inputs ``(n, ...)``, inside ``box`` (a ``ValueError`` otherwise:
        pass ``box=None`` for unbounded data such as standardized images).
      eps: radius of the ball (``linf`` or ``l2``, per example).
      step: step size (of the signed step for ``linf``, of the normalized
        gradient step for ``l2``).
      steps: number of ascent steps.
      random_start: start uniformly in the ball (needs ``key``).
      box: ``(lo, hi)`` data range, or ``None``.
      return_path: also return all iterates, shape ``(steps, n, ...)``.
      args: a tuple of arrays (pytrees) passed to ``loss_fn`` after the batch.
      return_best: return, per example, the candidate of highest loss among the
        clean point, the (random) start and all iterates, instead of the last
        iterate. Its loss is then never below the clean loss, whatever the
        step size (signed steps on a nonconvex loss can overshoot). Needs a
        ``loss_fn`` whose ``i``-th loss depends on the ``i``-th input only.

    Returns:
      ``x_adv`` with the shape of ``x`` (and the path if asked; the path holds
      the iterates themselves, also when ``return_best``).

    >>> loss = lambda xa, target: -jnp.sum((xa - target) ** 2, axis=1)
    >>> pgd(loss, jnp.zeros((1, 2)), eps=0.3, step=0.1, steps=5, random_start=False,
    ...     box=None, args=(2.0,)).tolist()
    [[0.30000001192092896, 0.30000001192092896]]
    """
    x, eps, box = _check_attack(loss_fn, x, eps, box)
    V.choice("norm", norm, NORMS)
    step = V.real("step", step, minimum=0.0, strict=True)
    steps = V.positive_int("steps", steps)
    if random_start and key is None:
        raise ValueError("key must be a jax PRNG key when random_start=True")
    # without a random start the key is never used
    key = jax.random.PRNGKey(0) if key is None else _check_key(key)
    if not isinstance(args, tuple):
        raise TypeError(f"args must be a tuple of arguments of loss_fn, got {type(args).__name__}")
    return _pgd_compiled(loss_fn, x, args, eps, step, key, steps=steps, norm=norm,
                         random_start=bool(random_start), box=box, return_path=bool(return_path),
                         return_best=bool(return_best))


@functools.partial(jax.jit, static_argnames=("loss_fn", "steps", "norm", "random_start", "box",
                                             "return_path", "return_best"))
def _pgd_compiled(loss_fn, x, args, eps, step, key, *, steps, norm, random_start, box,
                  return_path, return_best):
    return _pgd(lambda xa: loss_fn(xa, *args), x, eps, step, steps, norm, random_start, key, box,
                return_path, return_best)


def fgsm(loss_fn: Callable, x, *, eps: float, box=(0.0, 1.0)):
    """Fast gradient sign method: ``clip(x + eps * sign(grad), box)``, l_inf.

    It equals one :func:`pgd` step of size ``eps`` from the clean point.
    """
    x, eps, box = _check_attack(loss_fn, x, eps, box)
    g = jax.grad(lambda xa: jnp.sum(loss_fn(xa)))(x)
    return x + project(eps * jnp.sign(g), x, eps=eps, norm="linf", box=box)


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
    out = V.output_shape(apply_fn, params, x)
    if out[-1] != n_classes:
        raise ValueError(f"n_classes={n_classes} but the network has {out[-1]} outputs")
    V.class_labels("y", y, n_classes)
    box = V.box("box", box)
    V.inside_box("x", x, box)
    if random_start and key is None:
        raise ValueError("key must be a jax PRNG key when random_start=True")
    key = jax.random.PRNGKey(0) if key is None else _check_key(key)
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


def kernel_predictor(kernel: Callable, x_train, y_train, *, n_classes: int, ridge: float = 1e-6):
    """The kernel-regression classifier ``f(x) = K(x, X) (K(X, X) + r I)^{-1} Y``.

    ``Y`` holds one-hot rows of the integer labels ``y_train`` ``(n,)``; the ridge
    ``r`` is relative to the mean eigenvalue ``tr K / n`` (as in
    :func:`ntk_course.kernels.krr_predict`). Returns ``f``, mapping ``(m, d)`` to
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
        :func:`ntk_course.kernels.fc_ntk`.
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
