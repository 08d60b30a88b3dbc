"""Two-layer ReLU networks under the initializations of the lazy-training table.

``h(x) = alpha * sum_j v_j relu(w_j . x)`` with ``w_j ~ N(0, beta_1^2 I_p)`` and
``v_j ~ N(0, beta_L^2)``. The schemes (LeCun, He, "NTK" as in the
over-parameterization analyses, mean-field) differ only in ``beta_1``,
``beta_L`` and ``alpha``; lecture L11 trains each at several widths and
measures how far weights and tangent kernel move.

* :func:`two_layer_scales` -- ``(beta_1^2, beta_L^2, alpha)`` of a scheme,
* :func:`two_layer_relu` -- initial parameters and ``apply_fn``,
* :func:`two_layer_ntk` -- the tangent kernel in closed form,
* :func:`two_layer_train` -- compiled full-batch gradient descent.

>>> params, f = two_layer_relu("mean_field", in_dim=3, width=8)
>>> two_layer_ntk(params, jnp.ones((2, 3)), jnp.ones((2, 3)),
...               two_layer_scales("mean_field", in_dim=3, width=8)[2]).shape
(2, 2)
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from . import _validate as V
from ._eager import compiled_when_eager

__all__ = ["INITIALIZATIONS", "two_layer_scales", "two_layer_relu", "two_layer_apply",
           "two_layer_ntk", "two_layer_train"]

INITIALIZATIONS = ("lecun", "he", "ntk", "mean_field")

def two_layer_scales(scheme: str, *, in_dim: int, width: int) -> tuple[float, float, float]:
    """``(beta_1^2, beta_L^2, alpha)`` of an initialization scheme for a two-layer ReLU net.

    ``p = in_dim``, ``m = width``: LeCun ``(1/p, 1/m, 1)``, He ``(2/p, 2/m, 1)``,
    NTK ``(2/m, 1, 1)``, mean-field ``(1, 1, 1/m)`` (the output is an average
    over the ``m`` units).

    >>> two_layer_scales("he", in_dim=4, width=8)
    (0.5, 0.25, 1.0)
    """
    V.choice("scheme", scheme, INITIALIZATIONS)
    p = V.positive_int("in_dim", in_dim)
    m = V.positive_int("width", width)
    return {"lecun": (1 / p, 1 / m, 1.0), "he": (2 / p, 2 / m, 1.0), "ntk": (2 / m, 1.0, 1.0),
            "mean_field": (1.0, 1.0, 1 / m)}[scheme]


def two_layer_apply(params, x, alpha):
    """``alpha * relu(x W^T) v``: outputs ``(n, 1)`` for inputs ``x`` of shape ``(n, p)``.

    ``params = {"W": (m, p), "v": (m,)}``.

    >>> p = {"W": jnp.ones((2, 3)), "v": jnp.ones(2)}
    >>> two_layer_apply(p, jnp.ones((1, 3)), 0.5).tolist()
    [[3.0]]
    """
    return alpha * (jax.nn.relu(x @ params["W"].T) @ params["v"])[:, None]


def two_layer_relu(scheme: str, *, in_dim: int, width: int, seed: int = 0):
    """Initial parameters and ``apply_fn(params, x)`` of a two-layer ReLU net.

    Returns ``(params, apply_fn)`` with ``params = {"W": (width, in_dim),
    "v": (width,)}`` drawn with the variances of :func:`two_layer_scales`,
    and ``apply_fn`` multiplying by that scheme's ``alpha``.

    >>> params, f = two_layer_relu("ntk", in_dim=3, width=5)
    >>> f(params, jnp.ones((4, 3))).shape
    (4, 1)
    """
    b1, bl, alpha = two_layer_scales(scheme, in_dim=in_dim, width=width)
    seed = V.positive_int("seed", seed, minimum=0)
    k1, k2 = jax.random.split(jax.random.PRNGKey(seed))
    params = {"W": np.sqrt(b1) * jax.random.normal(k1, (width, in_dim)),
              "v": np.sqrt(bl) * jax.random.normal(k2, (width,))}
    return params, functools.partial(two_layer_apply, alpha=alpha)


@compiled_when_eager
def two_layer_ntk(params, x1, x2, alpha):
    """Tangent kernel of :func:`two_layer_apply` in closed form, ``(n1, n2)``.

    With ``h(x) = alpha sum_j v_j relu(w_j . x)``, the gradient in ``v_j`` is
    ``alpha relu(w_j . x)`` and in ``w_j`` it is ``alpha v_j 1[w_j . x > 0] x``, so

    ``Theta(x, x') = alpha^2 sum_j [relu(w_j.x) relu(w_j.x') + v_j^2 1[w_j.x > 0] 1[w_j.x' > 0] x.x']``.

    >>> p = {"W": jnp.eye(2), "v": jnp.ones(2)}
    >>> two_layer_ntk(p, jnp.array([[1.0, 0.0]]), jnp.array([[1.0, 0.0]]), 1.0).tolist()
    [[2.0]]
    """
    z1, z2 = x1 @ params["W"].T, x2 @ params["W"].T            # (n1, m), (n2, m)
    readout = jax.nn.relu(z1) @ jax.nn.relu(z2).T
    gates = ((z1 > 0) * params["v"][None, :] ** 2) @ (z2 > 0).T.astype(z1.dtype)
    return alpha ** 2 * (readout + gates * (x1 @ x2.T))


@functools.partial(jax.jit, static_argnames=("steps",))
def _two_layer_gd(params, x, y, alpha, learning_rate, steps):
    def loss(p):
        return 0.5 * jnp.sum((two_layer_apply(p, x, alpha) - y) ** 2)

    def step(p, _):
        value, g = jax.value_and_grad(loss)(p)
        return jax.tree_util.tree_map(lambda a, b: a - learning_rate * b, p, g), value

    params, losses = jax.lax.scan(step, params, None, length=steps)
    return params, jnp.append(losses, loss(params))


def two_layer_train(params, x, y, *, alpha: float, learning_rate: float, steps: int):
    """Full-batch gradient descent on ``sum_i (h(x_i) - y_i)^2 / 2`` for a two-layer ReLU net.

    ``alpha`` and the step size are arguments of one compiled program, so all
    initialization schemes of a given width share one compilation.

    Returns:
      ``(params, losses)`` with ``losses`` of shape ``(steps + 1,)`` (before each
      step, and at the end).

    >>> params, f = two_layer_relu("he", in_dim=3, width=16)
    >>> x, y = jnp.eye(3), jnp.ones((3, 1))
    >>> _, losses = two_layer_train(params, x, y, alpha=1.0, learning_rate=0.1, steps=20)
    >>> bool(losses[-1] < losses[0])
    True
    """
    x = jnp.asarray(V.array("x", x, ndim=2))
    y = jnp.asarray(V.array("y", y, ndim=2))
    V.same_length("x", x, "y", y)
    if params["W"].shape[1] != x.shape[1]:
        raise ValueError(f"x must have {params['W'].shape[1]} features, got {x.shape[1]}")
    alpha = V.real("alpha", alpha, minimum=0.0, strict=True)
    learning_rate = V.real("learning_rate", learning_rate, minimum=0.0, strict=True)
    steps = V.positive_int("steps", steps)
    params, losses = _two_layer_gd(params, x, y, alpha, learning_rate, steps)
    if not np.isfinite(float(losses[-1])):
        raise FloatingPointError("two_layer_train diverged; lower learning_rate")
    return params, np.asarray(losses)
