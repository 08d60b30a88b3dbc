"""Dataset distillation: one-step distillation and kernel inducing points (KIP).

* :func:`kip_loss` -- the square loss on a target set of kernel ridge
  regression from a support set (lecture L5, eq. ``eq-kip``); the kernels
  (``fc_ntk``, ``conv_ntk``) and the regression itself (``krr_predict``,
  ``krr_from_support``, ``support_coefficients``) live in
  :mod:`ntk_course.kernels`, and ``per_class_sample`` in :mod:`ntk_course.data`.
* :func:`kip` -- learn support images (and optionally labels) by
  backpropagating :func:`kip_loss`, with a fresh target batch each step;
  steps are compiled and run in chunks with ``lax.scan``.
* :func:`adversarial_kip` -- KIP against PGD-attacked target batches.
* :func:`one_step_distill` -- Wang et al.'s one-step dataset distillation of a
  finite network (fixed or resampled initializations).

The loss used by :func:`kip` is pluggable (``loss_fn``), so that variants such
as adversarial KIP can perturb the target batch inside the loss and reuse the
same compiled loop, history and progress bar.

>>> import jax.numpy as jnp
>>> from ntk_course.kernels import fc_ntk
>>> kernel = fc_ntk(depth=1)
>>> x = jnp.eye(4); y = jnp.eye(4)
>>> float(kip_loss(kernel, x, y, x, y, ridge=0.0)) < 1e-10
True
"""
from __future__ import annotations

import dataclasses
import functools
import time
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax

from . import _validate as V
from . import attacks
from .kernels import _check_support as _check_xy
from .kernels import krr_from_support, support_coefficients
from .losses import argmax_accuracy as accuracy
from .losses import cross_entropy, mean_cross_entropy
from .training import run_steps

__all__ = ["kip_loss", "kip_step", "KIPResult", "kip", "OneStepResult", "one_step_distill",
           "one_step_eval", "AdversarialKIPLoss", "adversarial_kip"]


def kip_loss(kernel: Callable, x_support, y_support, x_target, y_target, *, ridge: float = 1e-6):
    """The KIP loss ``|Y_t - K(X_t, X_s)(K(X_s, X_s) + reg I)^{-1} Y_s|^2 / (2 n_t)``.

    Differentiable in all arguments (no validation inside, so it can be traced).
    Shapes: ``x_support (n_s, d)``, ``y_support (n_s, k)``, ``x_target (n_t, d)``,
    ``y_target (n_t, k)``.
    """
    pred = krr_from_support(kernel, x_support, y_support, x_target, ridge)
    return 0.5 * jnp.sum((pred - y_target) ** 2) / x_target.shape[0]


# ---------------------------------------------------------------------------
# KIP
# ---------------------------------------------------------------------------
@dataclasses.dataclass
class KIPResult:
    """Learned support set and the history of the optimization.

    ``history`` maps ``"step"``, ``"loss"`` (KIP loss on the sampled target
    batch, averaged since the last record), ``"train_acc"`` (accuracy on that
    batch) and, when a test set was given, ``"test_acc"`` to 1-D arrays.
    """

    x_support: np.ndarray
    y_support: np.ndarray
    history: dict
    steps_per_second: float


def kip(kernel: Callable, x_support, y_support, x_target, y_target, *, steps: int,
        learning_rate: float = 0.01, batch_size: int | None = None, learn_labels: bool = False,
        ridge: float = 1e-6, seed: int = 0, record_every: int | None = None, x_test=None,
        labels_test=None, loss_fn: Callable | None = None,
        description: str = "KIP") -> KIPResult:
    """Kernel inducing points: learn a support set whose kernel regressor fits the target.

    Each step samples ``batch_size`` target rows without replacement, computes
    :func:`kip_loss` (or ``loss_fn``) and takes an Adam step on the support
    images (and on the support labels when ``learn_labels``). Steps run inside
    one compiled ``lax.scan`` per record interval.

    Args:
      kernel: ``kernel(x1, x2) -> (n1, n2)``, e.g. :func:`fc_ntk` or :func:`conv_ntk`.
      x_support: ``(n_s, d)`` initial support images; y_support: ``(n_s, k)`` labels.
      x_target: ``(n_t, d)`` target images; y_target: ``(n_t, k)`` target labels
        (accuracy uses their argmax).
      steps: number of optimization steps.
      learning_rate: Adam step size.
      batch_size: target rows per step (default: all, capped at ``n_t``).
      learn_labels: also optimize ``y_support``.
      ridge: relative ridge of the regression (see :func:`krr_predict`).
      seed: seed of the target-batch sampling.
      record_every: steps between history records (default ``steps // 20``).
      x_test, labels_test: optional ``(m, d)`` inputs and ``(m,)`` int labels;
        the support set's test accuracy is recorded.
      loss_fn: ``loss_fn(support, x_batch, y_batch, key) -> (loss, pred)``
        where ``support = {"x": ..., "y": ...}`` and ``pred`` are the
        ``(batch, k)`` predictions used for the batch accuracy; default: the
        :func:`kip_loss` of ``kernel`` with ``ridge``. A variant (adversarial
        KIP) perturbs the batch here, using ``key`` for its randomness.

    Returns a :class:`KIPResult`.

    >>> from ntk_course.kernels import fc_ntk
    >>> k = fc_ntk(depth=1)
    >>> xt = jnp.asarray(np.random.default_rng(0).normal(size=(40, 5)), jnp.float32)
    >>> yt = jnp.stack([xt[:, 0] > 0, xt[:, 0] <= 0], 1).astype(jnp.float32)
    >>> r = kip(k, xt[:4], yt[:4], xt, yt, steps=20)
    >>> bool(r.history["loss"][-1] < r.history["loss"][0])
    True
    """
    if not callable(kernel):
        raise TypeError(f"kernel must be callable, got {type(kernel).__name__}")
    x_support, y_support = _check_xy(x_support, y_support)
    x_target = jnp.asarray(V.array("x_target", x_target, ndim=2))
    y_target = jnp.asarray(V.array("y_target", y_target, ndim=2))
    V.same_length("x_target", x_target, "y_target", y_target)
    V.same_features("x_support", x_support, "x_target", x_target)
    if y_target.shape[1] != y_support.shape[1]:
        raise ValueError(f"y_support and y_target must have the same number of columns, got "
                         f"{y_support.shape[1]} and {y_target.shape[1]}")
    steps = V.positive_int("steps", steps)
    learning_rate = V.real("learning_rate", learning_rate, minimum=0.0, strict=True)
    ridge = V.real("ridge", ridge, minimum=0.0)
    n_t = x_target.shape[0]
    batch_size = V.batch_size("batch_size", batch_size, n_t)
    record_every = max(1, steps // 20) if record_every is None else V.positive_int(
        "record_every", record_every)
    has_test = x_test is not None
    if has_test:
        x_test = jnp.asarray(V.array("x_test", x_test, ndim=2))
        labels_test = jnp.asarray(V.array("labels_test", labels_test, ndim=1, dtype_kind="iu"))
        V.same_length("x_test", x_test, "labels_test", labels_test)
        V.same_features("x_support", x_support, "x_test", x_test)
    if loss_fn is None:
        loss_fn = _DefaultLoss(kernel, ridge)
    elif not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")

    support = {"x": x_support, "y": y_support}
    step = _KIPStep(loss_fn, learning_rate, batch_size)
    key = jax.random.PRNGKey(seed)
    data = (jnp.float32(1.0 if learn_labels else 0.0), x_target, y_target)
    # The sampling key is part of the state (split once per step), so a run's
    # batches do not depend on record_every.
    state = {"support": support, "opt_state": optax.adam(learning_rate).init(support),
             "key": key}
    clock = []

    def record(state, t):
        clock.append(time.perf_counter())  # the chunk has finished: run_steps read its flags
        values = {}
        if has_test:
            values["test_acc"] = float(_test_accuracy(state["support"], x_test, labels_test,
                                                      kernel=kernel, ridge=ridge))
        return values

    run = run_steps(step, state, None, steps=steps, record_every=record_every, record=record,
                    description=description, reduce="mean", data=data,
                    # a step's loss and batch accuracy are those of the support before its
                    # update: the first step's are the initial support's (step 0)
                    first_metrics=True)
    support = run.state["support"]
    # speed after the first chunk, which includes compilation
    timed = steps - min(record_every, steps)
    elapsed = clock[-1] - clock[1] if len(clock) > 2 else 0.0
    rate = timed / elapsed if elapsed > 0 else float("nan")
    history = {k: np.asarray(v) for k, v in run.history.items()}
    return KIPResult(np.asarray(support["x"]), np.asarray(support["y"]), history, rate)


@dataclasses.dataclass(frozen=True)
class _DefaultLoss:
    """The KIP loss of ``kernel`` with ``ridge``, in the ``loss_fn`` form (hashable)."""

    kernel: Callable
    ridge: float

    def __call__(self, support, xb, yb, key):
        pred = krr_from_support(self.kernel, support["x"], support["y"], xb, self.ridge)
        return 0.5 * jnp.sum((pred - yb) ** 2) / xb.shape[0], pred


def kip_step(support, opt_state, key, learn, x_target, y_target, *, loss_fn: Callable,
             learning_rate: float, batch_size: int):
    """One KIP step: ``-> (support, opt_state, loss, batch_accuracy)``.

    Samples ``batch_size`` target rows with ``key`` (without replacement),
    differentiates ``loss_fn(support, xb, yb, key)``, and applies one Adam step
    of size ``learning_rate``. ``learn`` (1.0 or 0.0) switches label learning on
    or off without recompiling. Pure and traceable: :func:`kip` runs it inside a
    compiled ``lax.scan``; the benchmark also runs it eagerly.
    """
    n_t = x_target.shape[0]
    k_batch, k_loss = jax.random.split(key)
    idx = jax.random.choice(k_batch, n_t, (batch_size,), replace=False)
    xb, yb = x_target[idx], y_target[idx]
    (loss, pred), grads = jax.value_and_grad(loss_fn, has_aux=True)(support, xb, yb, k_loss)
    grads = {"x": grads["x"], "y": learn * grads["y"]}
    updates, opt_state = optax.adam(learning_rate).update(grads, opt_state, support)
    new_support = optax.apply_updates(support, updates)
    # Adam moves a parameter even with a zero gradient once it has momentum; with
    # label learning off the moments stay zero, but keep the labels exactly fixed anyway.
    new_support = {"x": new_support["x"],
                   "y": jnp.where(learn > 0, new_support["y"], support["y"])}
    return new_support, opt_state, loss, accuracy(pred, jnp.argmax(yb, axis=1))


@dataclasses.dataclass(frozen=True)
class _KIPStep:
    """A :func:`kip` step for :func:`ntk_course.training.run_steps` (hashable: compiled once)."""

    loss_fn: Callable
    learning_rate: float
    batch_size: int

    def __call__(self, state, _key, data):
        learn, x_target, y_target = data
        key, sub = jax.random.split(state["key"])
        support, opt_state, loss, acc = kip_step(
            state["support"], state["opt_state"], sub, learn, x_target, y_target,
            loss_fn=self.loss_fn, learning_rate=self.learning_rate, batch_size=self.batch_size)
        return ({"support": support, "opt_state": opt_state, "key": key},
                {"loss": loss, "train_acc": acc})


@functools.partial(jax.jit, static_argnames=("kernel", "ridge"))
def _test_accuracy(support, x_test, labels_test, *, kernel, ridge):
    return accuracy(krr_from_support(kernel, support["x"], support["y"], x_test, ridge),
                    labels_test)


# ---------------------------------------------------------------------------
# One-step dataset distillation (Wang et al. 2018)
# ---------------------------------------------------------------------------
@dataclasses.dataclass
class OneStepResult:
    """Distilled inputs, the learned step size and the history of the outer loss."""

    x_support: np.ndarray
    learning_rate: float
    history: dict


def _one_step_params(apply_fn, params0, x_support, labels_support, eta):
    grads = jax.grad(lambda p: mean_cross_entropy(apply_fn(p, x_support), labels_support))(params0)
    return jax.tree_util.tree_map(lambda p, g: p - eta * g, params0, grads)


def _dd_outer_loss(params, key, init_keys, x_target, labels_target, net, batch_size):
    k_batch, _ = jax.random.split(key)
    idx = jax.random.choice(k_batch, x_target.shape[0], (batch_size,), replace=False)
    d = params["x"].shape[1]
    labels_support = params["labels"]

    def one(k):
        p0 = net.init_fn(k, (-1, d))[1]
        p1 = _one_step_params(net.apply_fn, p0, params["x"], labels_support,
                              jnp.exp(params["log_eta"]))
        return mean_cross_entropy(net.apply_fn(p1, x_target[idx]), labels_target[idx])

    return jnp.mean(jax.vmap(one)(init_keys))


@dataclasses.dataclass(frozen=True)
class _OneStepDistillStep:
    """An Adam step on ``(x_support, log eta)`` of the one-step distillation loss (``run_steps``)."""

    net: object
    batch_size: int
    learning_rate: float
    n_inits: int

    def __call__(self, state, _key, data):
        use_fixed, fixed_keys, x_target, labels_target = data
        key, k_step, k_init = jax.random.split(state["key"], 3)
        # fresh initializations each step, or the same one n_inits times: one program for both
        init_keys = jnp.where(use_fixed, fixed_keys, jax.random.split(k_init, self.n_inits))
        params = state["params"]
        trainable = {"x": params["x"], "log_eta": params["log_eta"]}

        def loss_of(trainable):
            return _dd_outer_loss({**trainable, "labels": params["labels"]}, k_step, init_keys,
                                  x_target, labels_target, self.net, self.batch_size)

        loss, grads = jax.value_and_grad(loss_of)(trainable)
        updates, opt_state = optax.adam(self.learning_rate).update(grads, state["opt_state"],
                                                                   trainable)
        trainable = optax.apply_updates(trainable, updates)
        return ({"params": {**trainable, "labels": params["labels"]}, "opt_state": opt_state,
                 "key": key}, {"loss": loss})


def one_step_distill(net, x_support, labels_support, x_target, labels_target, *, steps: int,
                     learning_rate: float = 0.01, eta0: float = 0.1, batch_size: int = 256,
                     n_inits: int = 4, fixed_init: int | None = None, seed: int = 0,
                     description: str = "one-step DD") -> OneStepResult:
    """One-step dataset distillation: learn inputs (and a step size) such that ONE
    gradient step on them, from an initialization, gives low loss on real data.

    Outer loss: cross-entropy on a target batch of the network after one GD
    step of size ``eta`` on the support set (cross-entropy too). With
    ``fixed_init=s`` every step uses the initialization of seed ``s``;
    otherwise ``n_inits`` fresh initializations are drawn each step.

    Args:
      net: a :class:`ntk_course.nets.Network` with ``k`` outputs.
      x_support: ``(m, d)`` initial support; labels_support: ``(m,)`` int labels (fixed).
      x_target: ``(n, d)``; labels_target: ``(n,)`` ints.
      steps, learning_rate: Adam steps on ``(x_support, log eta)``.
      eta0: initial inner step size.

    Returns a :class:`OneStepResult`, whose history holds the mean outer loss
    over each of the (at most 20) chunks of steps of
    :func:`ntk_course.training.run_steps`.

    Raises:
      FloatingPointError: when the outer loss diverges (naming the step).
    """
    x_support = jnp.asarray(V.array("x_support", x_support, ndim=2), jnp.float32)
    labels_support = jnp.asarray(V.array("labels_support", labels_support, ndim=1,
                                         dtype_kind="iu"))
    V.same_length("x_support", x_support, "labels_support", labels_support)
    x_target = jnp.asarray(V.array("x_target", x_target, ndim=2), jnp.float32)
    labels_target = jnp.asarray(V.array("labels_target", labels_target, ndim=1, dtype_kind="iu"))
    V.same_length("x_target", x_target, "labels_target", labels_target)
    V.same_features("x_support", x_support, "x_target", x_target)
    steps = V.positive_int("steps", steps)
    learning_rate = V.real("learning_rate", learning_rate, minimum=0.0, strict=True)
    eta0 = V.real("eta0", eta0, minimum=0.0, strict=True)
    batch_size = V.batch_size("batch_size", batch_size, x_target.shape[0])
    n_inits = V.positive_int("n_inits", n_inits)
    if fixed_init is not None:
        fixed_init = V.positive_int("fixed_init", fixed_init, minimum=0)

    params = {"x": x_support, "log_eta": jnp.log(jnp.float32(eta0)), "labels": labels_support}
    opt_state = optax.adam(learning_rate).init({"x": x_support, "log_eta": params["log_eta"]})
    # the sampling key is part of the state, split once per step
    state = {"params": params, "opt_state": opt_state, "key": jax.random.PRNGKey(seed)}
    fixed_keys = jnp.stack([jax.random.PRNGKey(0 if fixed_init is None else fixed_init)] * n_inits)
    data = (jnp.bool_(fixed_init is not None), fixed_keys, x_target, labels_target)
    step = _OneStepDistillStep(net, batch_size, learning_rate, n_inits)
    run = run_steps(step, state, None, steps=steps, reduce="mean", data=data,
                    description=description)
    params = run.state["params"]
    return OneStepResult(np.asarray(params["x"]), float(jnp.exp(params["log_eta"])),
                         {"step": run.history["step"][1:], "loss": run.history["loss"][1:]})


@functools.partial(jax.jit, static_argnames=("net",))
def _dd_eval(key, x_support, labels_support, eta, x_test, labels_test, *, net):
    p0 = net.init_fn(key, (-1, x_support.shape[1]))[1]
    p1 = _one_step_params(net.apply_fn, p0, x_support, labels_support, eta)
    return accuracy(net.apply_fn(p1, x_test), labels_test)


def one_step_eval(net, x_support, labels_support, learning_rate: float, x_test, labels_test,
                  init_seeds) -> np.ndarray:
    """Test accuracy after one GD step on the support set, for each init seed: ``(len(seeds),)``."""
    x_support = jnp.asarray(V.array("x_support", x_support, ndim=2))
    labels_support = jnp.asarray(V.array("labels_support", labels_support, ndim=1,
                                         dtype_kind="iu"))
    x_test = jnp.asarray(V.array("x_test", x_test, ndim=2))
    labels_test = jnp.asarray(V.array("labels_test", labels_test, ndim=1, dtype_kind="iu"))
    learning_rate = V.real("learning_rate", learning_rate, minimum=0.0, strict=True)
    return np.array([float(_dd_eval(jax.random.PRNGKey(int(s)), x_support, labels_support,
                                    learning_rate, x_test, labels_test, net=net))
                     for s in init_seeds])


# ---------------------------------------------------------------------------
# Adversarial KIP (Tsilivis, Su & Kempe 2022)
# ---------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class AdversarialKIPLoss:
    """The adversarial KIP loss in the ``loss_fn`` form of :func:`kip` (hashable).

    For a target batch ``(X_t, Y_t)`` it first attacks the batch: PGD
    (:func:`ntk_course.attacks.pgd`, random start, ``attack_steps`` steps of
    size ``attack_step`` in the ``eps``-ball of ``norm`` intersected with
    ``box``) ascends the cross-entropy of the *current* support-set predictor
    ``K(X, X_s)(K_ss + reg I)^{-1} Y_s`` (its outputs read as logits, the label
    being ``argmax Y_t``). The perturbed batch is then held fixed
    (``stop_gradient``: by Danskin's theorem the gradient of a maximum is the
    gradient at the maximizer) and the loss is the squared KIP loss
    ``|Y_t - K(X_t + delta, X_s)(K_ss + reg I)^{-1} Y_s|^2 / (2 n_t)`` on it.

    Returns ``(loss, pred)`` with ``pred`` the ``(n_t, k)`` predictions on the
    attacked batch, so :func:`kip`'s batch accuracy is the robust accuracy.
    """

    kernel: Callable
    ridge: float
    eps: float
    attack_step: float
    attack_steps: int
    norm: str = "linf"
    box: tuple | None = (0.0, 1.0)

    def attack(self, support, xb, yb, key):
        """The PGD-perturbed batch ``(n_t, d)`` against the support predictor."""
        support = jax.lax.stop_gradient(support)
        labels = jnp.argmax(yb, axis=1)
        # the support predictor does not change during the attack: solve once
        coefficients = support_coefficients(self.kernel, support["x"], support["y"], self.ridge)

        def loss(xa):
            logits = self.kernel(xa, support["x"]) @ coefficients
            return cross_entropy(logits, labels)

        return jax.lax.stop_gradient(attacks.pgd(
            loss, xb, eps=self.eps, step=self.attack_step, steps=self.attack_steps,
            norm=self.norm, random_start=True, key=key, box=self.box))

    def __call__(self, support, xb, yb, key):
        xa = self.attack(support, xb, yb, key)
        pred = krr_from_support(self.kernel, support["x"], support["y"], xa, self.ridge)
        return 0.5 * jnp.sum((pred - yb) ** 2) / xb.shape[0], pred


def adversarial_kip(kernel: Callable, x_support, y_support, x_target, y_target, *, eps: float,
                    attack_step: float, attack_steps: int, steps: int, norm: str = "linf",
                    box=(0.0, 1.0), ridge: float = 1e-6, description: str = "adversarial KIP",
                    **kwargs) -> KIPResult:
    """Adversarial KIP: :func:`kip` with :class:`AdversarialKIPLoss`.

    Each step draws a target batch, attacks it with PGD against the current
    support predictor, and takes an Adam step on the support set to fit the
    attacked batch. Other keyword arguments go to :func:`kip` (``learning_rate``,
    ``batch_size``, ``learn_labels``, ``seed``, ``x_test``, ...). The recorded
    ``train_acc`` is the support predictor's accuracy on the *attacked* batches.

    Cost: each step evaluates ``attack_steps + 1`` gradients through the kernel
    predictor on a batch (``attack_steps`` for PGD, one for the update).

    >>> from ntk_course.kernels import fc_ntk
    >>> k = fc_ntk(depth=1)
    >>> rng = np.random.default_rng(0)
    >>> xt = jnp.asarray(rng.uniform(size=(40, 5)), jnp.float32)
    >>> yt = jnp.stack([xt[:, 0] > 0.5, xt[:, 0] <= 0.5], 1).astype(jnp.float32)
    >>> r = adversarial_kip(k, xt[:4], yt[:4], xt, yt, eps=0.05, attack_step=0.02,
    ...                     attack_steps=3, steps=20)
    >>> r.x_support.shape
    (4, 5)
    """
    V.choice("norm", norm, ("linf", "l2"))
    eps = V.real("eps", eps, minimum=0.0)
    attack_step = V.real("attack_step", attack_step, minimum=0.0, strict=True)
    attack_steps = V.positive_int("attack_steps", attack_steps)
    ridge = V.real("ridge", ridge, minimum=0.0)
    box = V.box("box", box)
    if not callable(kernel):
        raise TypeError(f"kernel must be callable, got {type(kernel).__name__}")
    V.inside_box("x_target", V.array("x_target", x_target, ndim=2), box)
    loss_fn = AdversarialKIPLoss(kernel, ridge, eps, attack_step, attack_steps, norm, box)
    return kip(kernel, x_support, y_support, x_target, y_target, steps=steps, ridge=ridge,
               loss_fn=loss_fn, description=description, **kwargs)

