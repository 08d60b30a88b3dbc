"""The NTK function norm as a regularizer (Shi's thesis, chapter 2).

For a kernel ``Theta`` and function values ``f = f(X_I)`` on a sub-batch
``X_I`` of ``b`` points, the smallest RKHS norm of a function taking those
values is ``f^T Theta(X_I, X_I)^{-1} f``. Training a network on

    1/2 sum_i |f(x_i) - y_i|^2 + tau/2 * (n / b) * f(X_I)^T Theta(X_I, X_I)^{-1} f(X_I)

with a fresh random sub-batch ``I`` at every step penalizes the function, not
the weights. With ``I`` the whole training set and a fixed kernel the
minimizer over functions in the RKHS is kernel ridge regression with ridge
``tau``: ``f = Theta (Theta + tau I)^{-1} Y`` on the training points.

* :func:`ntk_norm_penalty` -- the penalty for given parameters and sub-batch.
* :func:`train_regularized` -- full-batch gradient descent with the NTK
  penalty, with weight decay, or with neither (compiled with ``lax.scan``).
"""
from __future__ import annotations

import dataclasses
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from . import _validate as V
from .kernels import ntk_matrix
from .training import run_steps

__all__ = ["ntk_norm_penalty", "train_regularized", "RegularizedResult", "PENALTIES"]

PENALTIES = ("ntk", "weight_decay", "none")


def _penalty(apply_fn, params, x_sub, jitter, kernel_gradient):
    f = apply_fn(params, x_sub)                          # (b, k)
    theta = ntk_matrix(apply_fn, params, x_sub)          # (b, b)
    if not kernel_gradient:
        theta = jax.lax.stop_gradient(theta)
    b = theta.shape[0]
    scale = jnp.trace(theta) / b
    theta = theta + jitter * scale * jnp.eye(b, dtype=theta.dtype)
    return jnp.sum(f * jnp.linalg.solve(theta, f))


def ntk_norm_penalty(apply_fn: Callable, params, x_sub, *, jitter: float = 1e-6,
                     kernel_gradient: bool = False):
    """``sum_k f_k^T Theta^{-1} f_k`` on a sub-batch, ``f_k`` the ``k``-th output column.

    ``Theta`` is the empirical NTK on ``x_sub`` averaged over the outputs
    (:func:`ntk_course.kernels.ntk_matrix`), plus ``jitter`` times its mean
    diagonal on the diagonal. The value is the squared RKHS norm of the
    smallest-norm function of that kernel taking the network's values on
    ``x_sub``: non-negative, zero when ``f = 0``. By default no gradient flows
    through ``Theta`` (the kernel is the metric, the function is penalized).

    Args:
      apply_fn: ``apply_fn(params, x)`` returning ``(b, k)``.
      params: parameters.
      x_sub: ``(b, ...)`` inputs of the sub-batch.

    >>> f = lambda p, x: x @ p["w"]
    >>> float(ntk_norm_penalty(f, {"w": jnp.array([[1.0], [2.0]])}, jnp.eye(2), jitter=0.0))
    5.0
    """
    if not callable(apply_fn):
        raise TypeError(f"apply_fn must be callable, got {type(apply_fn).__name__}")
    x_sub = jnp.asarray(V.array("x_sub", x_sub))
    if x_sub.ndim < 2:
        raise ValueError(f"x_sub must have rank >= 2 (a batch of inputs), got shape {x_sub.shape}")
    jitter = V.real("jitter", jitter, minimum=0.0)
    value = _penalty(apply_fn, params, x_sub, jitter, kernel_gradient)
    if not V.is_tracer(value) and not np.isfinite(float(value)):
        raise ValueError(f"the NTK on x_sub is singular (the penalty is {float(value)}); "
                         "add ridge: pass jitter > 0")
    return value


class RegularizedResult(NamedTuple):
    """Trained parameters and the training objective every ``record_every`` steps."""

    params: object
    losses: np.ndarray


def train_regularized(apply_fn: Callable, params, x, y, *, penalty: str, strength: float,
                      steps: int, learning_rate: float, sub_batch: int | None = None,
                      jitter: float = 1e-6, record_every: int | None = None,
                      seed: int = 0) -> RegularizedResult:
    """Full-batch gradient descent on the square loss plus a penalty.

    The objective is ``1/2 sum_i |f(x_i) - y_i|^2 + strength/2 * R``, with ``R``

    * ``"ntk"``: ``(n / b) * f(X_I)^T Theta(X_I, X_I)^{-1} f(X_I)`` on a random
      sub-batch ``I`` of ``b = sub_batch`` points drawn afresh at every step
      (``b = n`` uses the whole training set);
    * ``"weight_decay"``: ``||params||^2``;
    * ``"none"``: 0.

    Args:
      apply_fn: ``apply_fn(params, x)``, ``(n, k)`` outputs.
      params: initial parameters.
      x: ``(n, ...)`` inputs; y: ``(n, k)`` targets.
      penalty: one of :data:`PENALTIES`; strength: ``tau`` or the decay
        coefficient (``>= 0``).
      steps, learning_rate: plain gradient descent.
      sub_batch: ``b`` (default ``n``).

    Returns:
      :class:`RegularizedResult`.

    >>> f = lambda p, x: x @ p["w"]
    >>> r = train_regularized(f, {"w": jnp.zeros((2, 1))}, jnp.eye(2), jnp.ones((2, 1)),
    ...                       penalty="ntk", strength=1.0, steps=500, learning_rate=0.1)
    >>> r.params["w"].round(3).ravel().tolist()   # ridge: 1 / (1 + 1)
    [0.5, 0.5]
    """
    if not callable(apply_fn):
        raise TypeError(f"apply_fn must be callable, got {type(apply_fn).__name__}")
    V.choice("penalty", penalty, PENALTIES)
    strength = V.real("strength", strength, minimum=0.0)
    steps = V.positive_int("steps", steps)
    learning_rate = V.real("learning_rate", learning_rate, minimum=0.0, strict=True)
    jitter = V.real("jitter", jitter, minimum=0.0)
    x = jnp.asarray(V.array("x", x))
    y = jnp.asarray(V.array("y", y, ndim=2))
    V.same_length("x", x, "y", y)
    n = x.shape[0]
    b = n if sub_batch is None else V.positive_int("sub_batch", sub_batch)
    if b > n:
        raise ValueError(f"sub_batch must be <= the number of training points {n}, got {b}")
    record_every = max(1, steps // 20) if record_every is None else V.positive_int(
        "record_every", record_every)
    seed = V.positive_int("seed", seed, minimum=0)

    V.outputs_match("y", y, V.output_shape(apply_fn, params, x))
    # penalty, strength and step size are data, not settings of the step: one
    # compiled loop per network, data shape and sub-batch serves every combination
    step = _RegularizedStep(apply_fn, float(jitter), b)
    data = (x, y, jnp.int32(PENALTIES.index(penalty)), jnp.float32(strength),
            jnp.float32(learning_rate))
    state = {"params": params, "opt_state": optax.sgd(1.0).init(params)}
    run = run_steps(step, state, jax.random.PRNGKey(seed), steps=steps,
                    record_every=record_every, description=f"training ({penalty})", data=data)
    return RegularizedResult(run.state["params"], run.history["loss"][1:])


@dataclasses.dataclass(frozen=True)
class _RegularizedStep:
    """One gradient step on the square loss plus a penalty (a :func:`run_steps` step).

    Its data are ``(x, y, penalty index into PENALTIES, strength, learning_rate)``.
    """

    apply_fn: Callable
    jitter: float
    sub_batch: int

    def objective(self, p, key, x, y, penalty, strength):
        n, b = x.shape[0], self.sub_batch
        fit = 0.5 * jnp.sum((self.apply_fn(p, x) - y) ** 2)

        def ntk(p):
            idx = jax.random.choice(key, n, (b,), replace=False)
            return (n / b) * _penalty(self.apply_fn, p, x[idx], self.jitter, False)

        def weight_decay(p):
            return sum(jnp.sum(leaf ** 2) for leaf in jax.tree_util.tree_leaves(p))

        branches = {"ntk": ntk, "weight_decay": weight_decay,
                    "none": lambda p: jnp.zeros((), fit.dtype)}
        reg = jax.lax.switch(penalty, [branches[name] for name in PENALTIES], p)
        return fit + 0.5 * strength * reg

    def __call__(self, state, key, data):
        x, y, penalty, strength, learning_rate = data
        p = state["params"]
        loss, g = jax.value_and_grad(self.objective)(p, key, x, y, penalty, strength)
        upd, opt_state = optax.sgd(learning_rate).update(g, state["opt_state"], p)
        return {"params": optax.apply_updates(p, upd), "opt_state": opt_state}, {"loss": loss}
