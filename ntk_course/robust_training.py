"""Robust training and robust evaluation of classifiers.

- :func:`adversarial_training`: PGD-, DDi- or TRADES-based minibatch training
  with learning curves, each method one step function of
  :func:`ntk_course.training.run_steps`;
- :func:`accuracy`, :func:`robust_accuracy`: clean accuracy and accuracy under
  a cross-entropy PGD attack (best iterate);
- :func:`robust_accuracy_curve`: accuracy under PGD for a list of radii, compiled once.

Classifiers are ``apply_fn(params, x) -> (n, c)`` logits with integer labels in
``[0, c)`` (checked). Attacks and their ``box`` convention are those of
:mod:`ntk_course.attacks`; DDi's min-norm direction comes from
:func:`ntk_course.minimax.ddi_direction`.
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
from .attacks import NORMS, _check_key, _pgd, _pgd_from, project
from .losses import accuracy as _score
from .losses import cross_entropy, kl_divergence
from .minimax import ddi_direction
from .training import run_steps

__all__ = ["accuracy", "robust_accuracy", "TrainingCurves", "adversarial_training",
           "robust_accuracy_curve"]


def _check_classifier(apply_fn, params, x, y, *, x_name="x", y_name="y"):
    """Validate a classifier's inputs and integer labels against its number of outputs."""
    if not callable(apply_fn):
        raise TypeError(f"apply_fn must be callable, got {type(apply_fn).__name__}")
    x = jnp.asarray(V.array(x_name, x, ndim=tuple(range(2, 6))), jnp.float32)
    y = jnp.asarray(V.array(y_name, y, ndim=1, dtype_kind="iu"))
    V.same_length(x_name, x, y_name, y)
    out = V.output_shape(apply_fn, params, x, name=x_name)
    if len(out) != 2 or out[1] < 2:
        raise ValueError(f"apply_fn must return (n, c) logits with c >= 2 classes, got shape {out}")
    V.class_labels(y_name, y, out[1])
    return x, y


def accuracy(apply_fn, params, x, y) -> float:
    """Fraction of ``x`` whose arg-max logit equals the label (``nets.accuracy`` of the logits).

    ``y`` holds integer labels in ``[0, c)`` for ``c`` logits (checked).
    """
    x, y = _check_classifier(apply_fn, params, x, y)
    return _score(apply_fn(params, x), y)


def robust_accuracy(apply_fn, params, x, y, *, eps, step, steps, norm="linf", key=None,
                    box=(0.0, 1.0), random_start: bool = True,
                    best_iterate: bool = True) -> float:
    """Accuracy under a cross-entropy PGD attack with a random start.

    Each example is scored at its best iterate (the highest loss among the
    clean point, the start and every iterate), so a last step that overshoots
    cannot make the model look more robust than it is. ``eps = 0`` gives the
    clean accuracy exactly. ``x`` must lie in ``box`` (``None``: unbounded).
    ``key`` (a jax PRNG key) draws the random start; it is required when
    ``eps > 0`` and ``random_start`` is true. With ``random_start=False`` the
    attack starts at the clean point and needs no key. ``best_iterate=False``
    scores the last iterate instead of the best one; with ``steps=1,
    step=eps`` and no random start that is the accuracy under FGSM itself,
    compiled (a network can classify its FGSM point correctly and its clean
    point wrongly, which the best iterate would hide).
    """
    x, y = _check_classifier(apply_fn, params, x, y)
    eps = V.real("eps", eps, minimum=0.0)
    box = V.box("box", box)
    V.inside_box("x", x, box)
    if eps == 0:
        return _score(apply_fn(params, x), y)
    step = V.real("step", step, minimum=0.0, strict=True)
    steps = V.positive_int("steps", steps)
    V.choice("norm", norm, NORMS)
    for name, flag in (("random_start", random_start), ("best_iterate", best_iterate)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be a bool, got {type(flag).__name__}")
    if key is None and random_start:  # the random start samples: the caller owns the randomness
        raise ValueError("key must be a jax PRNG key when eps > 0 (PGD starts at a random point)")
    key = jax.random.PRNGKey(0) if key is None else _check_key(key)  # unused without random start
    xa = _best_attack(params, x, y, key, eps, step, apply_fn=apply_fn, steps=steps, norm=norm,
                      box=box, random_start=bool(random_start), best=bool(best_iterate))
    return _score(apply_fn(params, xa), y)


@functools.partial(jax.jit, static_argnames=("apply_fn", "steps", "norm", "box",
                                             "random_start", "best"))
def _best_attack(params, x, y, key, eps, step, *, apply_fn, steps, norm, box, random_start=True,
                 best=True):
    loss = lambda xa: cross_entropy(apply_fn(params, xa), y)
    return _pgd(loss, x, eps, step, steps, norm, random_start, key, box, return_best=best)


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
                         keep_snapshots: bool = False, beta: float = 6.0,
                         random_start: bool = True) -> TrainingCurves:
    """Adversarial training with minibatch SGD (momentum 0.9) on cross-entropy.

    ``method="pgd"`` steps along the gradient at one PGD perturbation per
    example (Madry et al.); ``method="ddi"`` runs ``n_starts`` PGD attacks from
    different random starts and steps along the DDi direction of their
    gradients; ``method="trades"`` (Zhang et al., ICML 2019) minimizes
    ``CE(f(x), y) + beta * KL(softmax f(x) || softmax f(x'))``, where ``x'``
    maximizes the KL term by PGD from ``x`` plus Gaussian noise of scale
    ``1e-3`` (``beta`` is used by TRADES only). With ``eps = 0`` every method
    reduces to clean training. Clean and robust test accuracy (PGD-``eval_steps``,
    random start, each example scored at its best iterate as in
    :func:`robust_accuracy`) are recorded every ``record_every`` steps, together with
    the parameters themselves when ``keep_snapshots`` is true (to follow, say, the
    network's tangent kernel during training).

    ``random_start`` (``method="pgd"`` only) starts the training attack at a
    uniform point of the ball, as by default, or, when false, at the clean
    input: with ``attack_steps=1`` and ``attack_step=eps`` that is FGSM
    training, and with a random start and ``attack_step=1.25 * eps`` the
    "FGSM-RS" of Wong et al. (2020). The evaluation attack always starts at
    random.
    """
    V.choice("method", method, ("pgd", "ddi", "trades"))
    if not isinstance(random_start, (bool, np.bool_)):
        raise TypeError(f"random_start must be a bool, got {type(random_start).__name__}")
    if not random_start and method != "pgd":
        raise ValueError(f"random_start=False needs method='pgd' (DDi needs distinct random "
                         f"starts, TRADES starts from Gaussian noise), got method={method!r}")
    beta = V.real("beta", beta, minimum=0.0)
    x, y = _check_classifier(apply_fn, params, x, y)
    x_test, y_test = _check_classifier(apply_fn, params, x_test, y_test, x_name="x_test",
                                       y_name="y_test")
    box = V.box("box", box)
    V.inside_box("x", x, box)
    V.inside_box("x_test", x_test, box)
    V.choice("norm", norm, NORMS)
    steps = V.positive_int("steps", steps)
    eval_steps = V.positive_int("eval_steps", eval_steps)
    seed = V.positive_int("seed", seed, minimum=0)
    batch_size = V.batch_size("batch_size", batch_size, x.shape[0])
    record_every = V.positive_int("record_every", record_every)
    n_starts = V.positive_int("n_starts", n_starts)
    attack_steps = V.positive_int("attack_steps", attack_steps)
    eps = V.real("eps", eps, minimum=0.0)
    attack_step = V.real("attack_step", attack_step, minimum=0.0, strict=True)
    learning_rate = V.real("learning_rate", learning_rate, minimum=0.0, strict=True)
    starts = n_starts if method == "ddi" else 1
    step = _AdversarialStep(apply_fn, method, attack_steps, starts, batch_size, norm, box, beta,
                            learning_rate, bool(random_start))
    # the radius and step size are data, not constants of the compiled loop: standard
    # training (eps = 0) and adversarial training at any radius share one program
    eps, attack_step = jnp.asarray(eps, x.dtype), jnp.asarray(attack_step, x.dtype)
    evaluate = functools.partial(_evaluate_robust, apply_fn=apply_fn, eps=eps,
                                 attack_step=attack_step, eval_steps=eval_steps, norm=norm,
                                 box=box)
    key = jax.random.PRNGKey(seed)
    snapshots = [] if keep_snapshots else None

    def record(state, t):
        # the evaluation attack's key depends on the step count only
        c, r = evaluate(state["params"], jax.random.fold_in(key, 10**6 + t), x_test, y_test)
        if keep_snapshots:
            snapshots.append(state["params"])
        return {"clean_acc": float(c), "robust_acc": float(r)}

    state = {"params": params, "opt_state": _momentum_sgd(learning_rate).init(params)}
    run = run_steps(step, state, key, steps=steps, record_every=record_every, record=record,
                    description=f"{method} training", data=(x, y, eps, attack_step))
    h = run.history
    return TrainingCurves(run.state["params"], h["step"].astype(int), h["clean_acc"],
                          h["robust_acc"], h["loss"], snapshots)


@functools.lru_cache(maxsize=64)
def _momentum_sgd(learning_rate):
    return optax.sgd(learning_rate, momentum=0.9)


@dataclasses.dataclass(frozen=True)
class _AdversarialStep:
    """One minibatch step of PGD, DDi or TRADES training (a :func:`run_steps` step).

    Its data are ``(x, y, eps, attack_step)``: the radius and the attack's step size
    are arrays, so one compiled loop serves every radius.
    """

    apply_fn: Callable
    method: str
    attack_steps: int
    starts: int
    batch_size: int
    norm: str
    box: tuple | None
    beta: float
    learning_rate: float
    random_start: bool = True

    def __call__(self, state, key, data):
        x, y, eps, attack_step = data
        p, s = state["params"], state["opt_state"]
        apply_fn, norm, box = self.apply_fn, self.norm, self.box
        kb, ka = jax.random.split(key)
        idx = jax.random.choice(kb, x.shape[0], (self.batch_size,), replace=False)
        xb, yb = x[idx], y[idx]
        if self.method == "trades":
            target = jax.lax.stop_gradient(apply_fn(p, xb))
            kl = lambda xa: kl_divergence(target, apply_fn(p, xa))
            start = project(1e-3 * jax.random.normal(ka, xb.shape), xb, eps=eps, norm=norm,
                            box=box)
            xadv = jax.lax.stop_gradient(_pgd_from(kl, xb, start, eps, attack_step,
                                                   self.attack_steps, norm, box))

            def trades_loss(p):
                logits = apply_fn(p, xb)
                return jnp.mean(cross_entropy(logits, yb)
                                + self.beta * kl_divergence(logits, apply_fn(p, xadv)))

            value, direction = jax.value_and_grad(trades_loss)(p)
        else:
            loss = lambda xa: cross_entropy(apply_fn(p, xa), yb)
            keys = jax.random.split(ka, self.starts)
            xadv = jax.vmap(lambda k: _pgd(loss, xb, eps, attack_step, self.attack_steps,
                                           norm, self.random_start, k, box))(keys)
            batch_loss = lambda p, xa: jnp.mean(cross_entropy(apply_fn(p, xa), yb))
            losses, grads = jax.vmap(lambda xa: jax.value_and_grad(batch_loss)(p, xa))(xadv)
            if self.starts == 1:
                direction = jax.tree_util.tree_map(lambda g: g[0], grads)
            else:
                direction, _ = ddi_direction(grads, iters=200)
            value = jnp.max(losses)
        upd, s = _momentum_sgd(self.learning_rate).update(direction, s, p)
        return {"params": optax.apply_updates(p, upd), "opt_state": s}, {"loss": value}


@functools.partial(jax.jit, static_argnames=("apply_fn", "eval_steps", "norm", "box"))
def _evaluate_robust(p, key, x_test, y_test, *, apply_fn, eps, attack_step, eval_steps, norm,
                     box):
    # scored at each example's best iterate, as in robust_accuracy
    loss = lambda xa: cross_entropy(apply_fn(p, xa), y_test)
    xa = _pgd(loss, x_test, eps, attack_step, eval_steps, norm, True, key, box, return_best=True)
    clean = jnp.mean(jnp.argmax(apply_fn(p, x_test), 1) == y_test)
    rob = jnp.mean(jnp.argmax(apply_fn(p, xa), 1) == y_test)
    return clean, rob


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
      key: jax PRNG key for the random starts; required when some ``eps > 0``.

    Returns:
      ``(m,)`` numpy array of accuracies.

    >>> f = lambda p, x: x @ p
    >>> x = jnp.array([[0.6, 0.5]]); y = jnp.array([0])   # margin 0.1, falls by 2 eps
    >>> robust_accuracy_curve(f, jnp.eye(2), x, y, eps=[0.0, 0.02, 0.1],
    ...                       key=jax.random.PRNGKey(0)).tolist()
    [1.0, 1.0, 0.0]
    """
    if not callable(apply_fn):
        raise TypeError(f"apply_fn must be callable, got {type(apply_fn).__name__}")
    x, y = _check_classifier(apply_fn, params, x, y)
    eps = np.asarray(V.array("eps", eps, ndim=1), dtype=np.float32)
    if eps.size == 0 or eps.min() < 0:
        raise ValueError(f"eps must be a non-empty list of radii >= 0, got {eps.tolist()}")
    box = V.box("box", box)
    V.inside_box("x", x, box)
    steps = V.positive_int("steps", steps)
    rel_step = V.real("rel_step", rel_step, minimum=0.0, strict=True)
    V.choice("norm", norm, NORMS)
    if key is None:
        if eps.max() > 0:
            raise ValueError("key must be a jax PRNG key when some eps > 0 "
                             "(PGD starts at a random point)")
        key = jax.random.PRNGKey(0)  # never used: eps = 0 scores the clean inputs
    else:
        key = _check_key(key)
    correct = _curve(apply_fn, params, x, y, jnp.asarray(eps), key, steps, rel_step, norm, box)
    return np.asarray(correct, dtype=np.float64) / x.shape[0]


def _curve_impl(apply_fn, params, x, y, eps, key, steps, rel_step, norm, box):
    loss = lambda xa: cross_entropy(apply_fn(params, xa), y)

    def one(e):
        xa = _pgd(loss, x, e, rel_step * e / steps, steps, norm, True, key, box,
                  return_best=True)
        # a count, divided on the host in float64: eps = 0 then gives exactly the clean accuracy
        return jnp.sum(jnp.argmax(apply_fn(params, xa), axis=1) == y)

    return jax.lax.map(one, eps)


_curve = jax.jit(_curve_impl, static_argnums=(0, 6, 7, 8, 9))
