"""A sampled space of networks (perceptrons or CNNs), trained and scored all at once.

Training-free architecture search is judged by a rank correlation between a
proxy computed at initialization and the accuracy after training; with a
handful of hand-picked networks such a correlation means little. This module
samples many architectures from a stated space and evaluates them with one
compiled program:

* :func:`sample_space` -- ``n`` architectures: depth, width, activation and
  weight scale drawn independently and uniformly from given lists.
* :func:`padded_mlp` -- one network function for the whole space. Every
  architecture is embedded in a network of the largest depth and width: unused
  units are multiplied by zero and unused layers are skipped (identity), so the
  outputs, gradients and tangent kernel are exactly those of the small network.
  Because the architecture is *data*, many of them train in one ``vmap``.
  :func:`padded_cnn` does the same for convolutional networks on images
  (width = channels, global average pooling before the readout).
* :func:`init_params`, :func:`train_all`, :func:`ntk_all` -- initialization,
  full-batch Adam on cross-entropy, and the empirical NTK at initialization.
* :func:`spearman_ci` -- Spearman's rho with a bootstrap confidence interval
  over architectures; :func:`eigen_nas` -- the Eigen-NAS selection rule (keep
  the top-``K`` by the smallest NTK eigenvalue, train those, pick the best on
  validation data).

The network is in the NTK parametrization: layer ``l`` computes
``sigma_w / sqrt(fan_in) * W h + sigma_b * b`` with standard normal ``W, b``.

>>> space = sample_space(3, depths=[1, 2], widths=[8, 16], activations=["relu"],
...                      weight_scales=[1.0], seed=0)
>>> space.depth.shape
(3,)
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
from .losses import mean_cross_entropy
from .training import _adam, run_steps

__all__ = [
    "ACTIVATIONS",
    "apply_all",
    "expected_best_of_random",
    "Space",
    "describe",
    "eigen_nas",
    "init_many",
    "init_params",
    "ntk_all",
    "padded_cnn",
    "padded_mlp",
    "sample_space",
    "spearman_ci",
    "train_all",
]

#: activations of the space, in the order of their integer codes
ACTIVATIONS = ("relu", "erf", "tanh")


class Space(NamedTuple):
    """``n`` architectures as integer/float arrays of shape ``(n,)``."""

    depth: np.ndarray        # hidden layers, >= 1
    width: np.ndarray        # units per hidden layer
    activation: np.ndarray   # index into ACTIVATIONS
    weight_scale: np.ndarray  # sigma_w


def sample_space(n: int, *, depths, widths, activations, weight_scales, seed: int = 0,
                 unique: bool = True) -> Space:
    """Draw ``n`` architectures, each attribute uniform and independent over its list.

    With ``unique`` (the default) no architecture is drawn twice; ``n`` must
    then not exceed the size of the space.
    """
    n = V.positive_int("n", n)
    depths = [V.positive_int("depths", d) for d in depths]
    widths = [V.positive_int("widths", w) for w in widths]
    for a in activations:
        V.choice("activations", a, ACTIVATIONS)
    weight_scales = [V.real("weight_scales", s, minimum=0.0, strict=True) for s in weight_scales]
    size = len(depths) * len(widths) * len(activations) * len(weight_scales)
    if unique and n > size:
        raise ValueError(f"n must be <= the size of the space ({size}) when unique, got {n}")
    rng = np.random.default_rng(V.positive_int("seed", seed, minimum=0))
    picks, seen = [], set()
    while len(picks) < n:
        c = (int(rng.integers(len(depths))), int(rng.integers(len(widths))),
             int(rng.integers(len(activations))), int(rng.integers(len(weight_scales))))
        if unique and c in seen:
            continue
        seen.add(c)
        picks.append(c)
    picks = np.array(picks)
    return Space(np.array(depths)[picks[:, 0]], np.array(widths)[picks[:, 1]],
                 np.array([ACTIVATIONS.index(activations[i]) for i in picks[:, 2]]),
                 np.array(weight_scales, dtype=np.float32)[picks[:, 3]])


def describe(space: Space, i: int) -> str:
    """A short name of architecture ``i``, e.g. ``'relu 2x64 σw=1.4'``."""
    return (f"{ACTIVATIONS[int(space.activation[i])]} {int(space.depth[i])}x"
            f"{int(space.width[i])} σw={float(space.weight_scale[i]):.1f}")


def _act(code, h):
    return jnp.where(code == 0, jax.nn.relu(h),
                     jnp.where(code == 1, jax.scipy.special.erf(h), jnp.tanh(h)))


def padded_mlp(max_depth: int, max_width: int, b_std: float = 0.1):
    """``apply(params, arch, x)`` for architectures of depth <= ``max_depth``, width <= ``max_width``.

    ``arch`` is a tuple ``(depth, width, activation, weight_scale)`` of scalars
    (traceable); ``params`` come from :func:`init_params`. Unused units are
    zeroed and unused layers are the identity, so the function, its gradients
    with respect to the used parameters and its tangent kernel are those of
    the small network; the unused parameters get zero gradient.
    """
    max_depth = V.positive_int("max_depth", max_depth)
    max_width = V.positive_int("max_width", max_width)

    def apply(params, arch, x):
        depth, width, code, sw = arch
        units = (jnp.arange(max_width) < width).astype(x.dtype)
        # explicit leading axes: the tests run with jax_numpy_rank_promotion="raise"
        lead = (1,) * (x.ndim - 1)
        units = units.reshape(lead + units.shape)
        fan = jnp.asarray(x.shape[-1], x.dtype)
        h = x
        for layer, (w, b) in enumerate(params["hidden"]):
            if layer == 0:
                pre = sw / jnp.sqrt(fan) * (h @ w) + b_std * b.reshape(lead + b.shape)
            else:
                pre = sw / jnp.sqrt(width.astype(x.dtype)) * (h @ w) + b_std * b.reshape(lead + b.shape)
            new = _act(code, pre) * units
            h = new if layer == 0 else jnp.where(layer < depth, new, h)
        w, b = params["out"]
        return sw / jnp.sqrt(width.astype(x.dtype)) * (h @ w) + b_std * b.reshape(lead + b.shape)

    return apply


def padded_cnn(image_shape, max_depth: int, max_width: int, *, filter_size: int = 3,
               b_std: float = 0.1):
    """The convolutional counterpart of :func:`padded_mlp`: ``apply(params, arch, x)``.

    ``x`` is ``(n, h * w * c)`` (flattened ``image_shape = (h, w, c)`` images).
    Each hidden layer is a ``filter_size x filter_size`` convolution (stride 1,
    ``SAME`` padding, NTK parametrization: ``sigma_w / sqrt(fan_in)`` with
    ``fan_in = filter_size^2 x channels in``) with ``width`` channels; the readout
    averages each channel over the image (global average pooling) and applies a
    dense layer, so the network is translation invariant up to the border.
    Parameters come from :func:`init_params` with ``kind="cnn"``; unused channels
    are zeroed and unused layers are the identity, as in :func:`padded_mlp`.

    >>> apply = padded_cnn((4, 4, 1), 2, 8)
    >>> p = init_params(jax.random.PRNGKey(0), 1, 3, 2, 8, kind="cnn")
    >>> arch = (jnp.asarray(1), jnp.asarray(5), jnp.asarray(0), jnp.asarray(1.0))
    >>> apply(p, arch, jnp.ones((2, 16))).shape
    (2, 3)
    """
    if len(image_shape) != 3:
        raise ValueError(f"image_shape must be (height, width, channels), got {image_shape!r}")
    h, w, c = (V.positive_int("image_shape", v) for v in image_shape)
    max_depth = V.positive_int("max_depth", max_depth)
    max_width = V.positive_int("max_width", max_width)
    k = V.positive_int("filter_size", filter_size)
    lo, hi = (k - 1) // 2, k - 1 - (k - 1) // 2

    def conv(z, weights):
        # the k*k shifted copies times one matrix: XLA's CPU convolution is slow in loops
        zp = jnp.pad(z, ((0, 0), (lo, hi), (lo, hi), (0, 0)))
        windows = jnp.concatenate([zp[:, i:i + h, j:j + w, :] for i in range(k)
                                   for j in range(k)], axis=-1)
        return windows @ weights.reshape(-1, weights.shape[-1])

    def apply(params, arch, x):
        depth, width, code, sw = arch
        units = (jnp.arange(max_width) < width).astype(x.dtype).reshape(1, 1, 1, max_width)
        z = x.reshape(x.shape[0], h, w, c)
        for layer, (weights, b) in enumerate(params["hidden"]):
            fan_in = k * k * (jnp.asarray(c, x.dtype) if layer == 0 else width.astype(x.dtype))
            pre = sw / jnp.sqrt(fan_in) * conv(z, weights) + b_std * b.reshape(1, 1, 1, -1)
            new = _act(code, pre) * units
            z = new if layer == 0 else jnp.where(layer < depth, new, z)
        pooled = jnp.mean(z, axis=(1, 2))
        weights, b = params["out"]
        return (sw / jnp.sqrt(width.astype(x.dtype)) * (pooled @ weights)
                + b_std * b.reshape(1, -1))

    return apply


def init_params(key, in_dim: int, out_dim: int, max_depth: int, max_width: int, *,
                kind: str = "mlp", filter_size: int = 3):
    """Standard normal parameters of the padded network (one draw).

    ``kind="mlp"`` (:func:`padded_mlp`: ``in_dim`` input features) or ``"cnn"``
    (:func:`padded_cnn`: ``in_dim`` input channels, filters
    ``(filter_size, filter_size, channels in, max_width)``).
    """
    V.choice("kind", kind, ("mlp", "cnn"))
    keys = jax.random.split(key, 2 * max_depth + 2)
    hidden, fan = [], in_dim
    for layer in range(max_depth):
        shape = (fan, max_width) if kind == "mlp" else (filter_size, filter_size, fan, max_width)
        hidden.append((jax.random.normal(keys[2 * layer], shape),
                       jax.random.normal(keys[2 * layer + 1], (max_width,))))
        fan = max_width
    return {"hidden": hidden, "out": (jax.random.normal(keys[-2], (max_width, out_dim)),
                                      jax.random.normal(keys[-1], (out_dim,)))}


def init_many(keys, in_dim: int, out_dim: int, max_depth: int, max_width: int, *,
              kind: str = "mlp"):
    """:func:`init_params` for each key of ``keys`` ``(B, 2)``, stacked on a leading axis ``B``.

    Equal to ``jax.vmap`` of :func:`init_params`, but a few times faster to
    start: XLA compiles each batched random draw for ten seconds or more on a
    CPU, while the unbatched draws compile in a fraction of a second and are
    reused for every key.

    >>> p = init_many(jax.random.split(jax.random.PRNGKey(0), 3), 4, 2, 2, 8)
    >>> p["hidden"][1][0].shape
    (3, 8, 8)
    """
    keys = jnp.asarray(keys)
    if keys.ndim != 2 or keys.shape[1] != 2 or keys.dtype != jnp.uint32:
        raise ValueError(f"keys must be raw PRNG keys of shape (B, 2) (jax.random.split), got "
                         f"shape {keys.shape} and dtype {keys.dtype}")
    draws = [init_params(k, in_dim, out_dim, max_depth, max_width, kind=kind) for k in keys]
    return jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *draws)


def _arch_arrays(space: Space):
    return (jnp.asarray(space.depth, jnp.int32), jnp.asarray(space.width, jnp.int32),
            jnp.asarray(space.activation, jnp.int32), jnp.asarray(space.weight_scale, jnp.float32))


@dataclasses.dataclass(frozen=True)
class _TrainAllStep:
    """One full-batch Adam step of every architecture at once (a ``run_steps`` step)."""

    apply: Callable
    learning_rate: float

    def __call__(self, state, _key, data):
        arch, x, y = data
        opt = _adam(self.learning_rate)

        def one(p, s, a):
            value, g = jax.value_and_grad(lambda q: mean_cross_entropy(self.apply(q, a, x), y))(p)
            upd, s = opt.update(g, s, p)
            return optax.apply_updates(p, upd), s, value

        p, s, values = jax.vmap(one)(state["params"], state["opt_state"], arch)
        return {"params": p, "opt_state": s}, {"loss": jnp.mean(values)}


def train_all(apply, params, space: Space, x, y, *, steps: int, learning_rate: float = 1e-3):
    """Train every architecture (leading axis of ``params`` = architectures) with full-batch Adam.

    ``params`` is a batch of :func:`init_params` draws stacked along a leading
    axis of size ``len(space.depth)``; all architectures take their steps in
    one compiled loop (:func:`ntk_course.training.run_steps`). Returns the
    trained parameters (same layout).

    Raises:
      FloatingPointError: when any architecture's training diverges (naming the step).
    """
    if not callable(apply):
        raise TypeError(f"apply must be callable, got {type(apply).__name__}")
    x = jnp.asarray(V.array("x", x, ndim=2), jnp.float32)
    y = jnp.asarray(V.array("y", y, ndim=1, dtype_kind="iu"))
    V.same_length("x", x, "y", y)
    steps = V.positive_int("steps", steps)
    learning_rate = V.real("learning_rate", learning_rate, minimum=0.0, strict=True)
    arch = _arch_arrays(space)
    n_arch = len(space.depth)
    for leaf in jax.tree_util.tree_leaves(params):
        if jnp.ndim(leaf) == 0 or jnp.shape(leaf)[0] != n_arch:
            raise ValueError(f"params must have a leading axis of {n_arch} architectures "
                             f"(one per entry of space), got a leaf of shape {jnp.shape(leaf)}")
    state = {"params": params, "opt_state": jax.vmap(_adam(learning_rate).init)(params)}
    run = run_steps(_TrainAllStep(apply, learning_rate), state, None, steps=steps,
                    data=(arch, x, y), description="training every architecture")
    return run.state["params"]


@functools.partial(jax.jit, static_argnames=("apply",))
def _ntk_one(apply, params, arch, x):
    jac = jax.vmap(jax.jacrev(lambda p, xi: apply(p, arch, xi[None])[0]), (None, 0))(params, x)
    flat = jnp.concatenate([j.reshape(j.shape[0], j.shape[1], -1)
                            for j in jax.tree_util.tree_leaves(jac)], axis=-1)
    return jnp.einsum("aop,bop->ab", flat, flat) / flat.shape[1]


def ntk_all(apply, params, space: Space, x):
    """Empirical NTK ``(n_arch, n, n)`` at ``params`` of each architecture, averaged over outputs."""
    x = jnp.asarray(V.array("x", x, ndim=2), jnp.float32)
    arch = _arch_arrays(space)
    return jax.vmap(lambda p, a: _ntk_one(apply, p, a, x))(params, arch)


def apply_all(apply, params, space: Space, x):
    """Outputs ``(n_arch, n, out)`` of every architecture on ``x``."""
    arch = _arch_arrays(space)
    return jax.vmap(lambda p, a: apply(p, a, jnp.asarray(x, jnp.float32)))(params, arch)


def spearman_ci(a, b, *, n_boot: int = 2000, level: float = 0.9, seed: int = 0):
    """Spearman's rho of ``a`` and ``b`` ``(n,)`` with a percentile bootstrap interval.

    The interval resamples the ``n`` pairs (architectures) with replacement.
    Returns ``(rho, low, high)``.

    >>> rho, low, high = spearman_ci(np.arange(10), np.arange(10) ** 2)
    >>> round(rho, 6), round(low, 6), round(high, 6)
    (1.0, 1.0, 1.0)
    """
    from scipy import stats as _stats

    a = np.asarray(V.array("a", a, ndim=1), dtype=float)
    b = np.asarray(V.array("b", b, ndim=1), dtype=float)
    V.same_length("a", a, "b", b)
    if a.size < 4:
        raise ValueError(f"a and b need at least 4 entries, got {a.size}")
    level = V.real("level", level, minimum=0.0, strict=True)
    if level >= 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    rho = float(_stats.spearmanr(a, b).statistic)
    rng = np.random.default_rng(V.positive_int("seed", seed, minimum=0))
    idx = rng.integers(0, a.size, (V.positive_int("n_boot", n_boot), a.size))
    ra, rb = a[idx], b[idx]
    # a resample with a constant column has no rank correlation: drop it
    keep = (ra != ra[:, :1]).any(1) & (rb != rb[:, :1]).any(1)
    boots = _rank_correlation(_stats.rankdata(ra[keep], axis=1),
                              _stats.rankdata(rb[keep], axis=1))
    tail = (1 - level) / 2
    low, high = np.quantile(boots, [tail, 1 - tail])
    return rho, float(low), float(high)


def _rank_correlation(rank_a, rank_b):
    """Row-wise Pearson correlation of average ranks (Spearman's rho, as scipy computes it)."""
    da = rank_a - rank_a.mean(1, keepdims=True)
    db = rank_b - rank_b.mean(1, keepdims=True)
    return (da * db).sum(1) / np.sqrt((da ** 2).sum(1) * (db ** 2).sum(1))


def eigen_nas(scores, val_acc, *, top_k: int):
    """Eigen-NAS: keep the ``top_k`` architectures by ``scores``, return the one best on validation.

    ``scores`` ``(n,)`` are the proxy (larger is better, e.g. the smallest NTK
    eigenvalue); ``val_acc`` ``(n,)`` the validation accuracy after training.
    Returns ``(index, candidates)``.

    >>> eigen_nas(np.array([3.0, 2.0, 1.0]), np.array([0.5, 0.9, 0.99]), top_k=2)[0]
    1
    """
    scores = np.asarray(V.array("scores", scores, ndim=1), dtype=float)
    val_acc = np.asarray(V.array("val_acc", val_acc, ndim=1), dtype=float)
    V.same_length("scores", scores, "val_acc", val_acc)
    top_k = V.positive_int("top_k", top_k)
    if top_k > scores.size:
        raise ValueError(f"top_k must be <= {scores.size}, got {top_k}")
    cand = np.argsort(-scores, kind="stable")[:top_k]
    return int(cand[np.argmax(val_acc[cand])]), cand


def expected_best_of_random(val_acc, test_acc, top_k: int) -> float:
    """Expected test accuracy of the validation-best among ``top_k`` architectures drawn at random.

    Exact (no sampling): architecture ``i`` is chosen when it is in the draw and
    every architecture of higher validation accuracy is not.

    >>> expected_best_of_random(np.array([0.1, 0.2]), np.array([1.0, 3.0]), 1)
    2.0
    """
    from math import comb

    val_acc = np.asarray(val_acc, dtype=float)
    test_acc = np.asarray(test_acc, dtype=float)
    n = val_acc.size
    top_k = V.positive_int("top_k", top_k)
    order = np.argsort(-val_acc, kind="stable")
    total, norm = 0.0, comb(n, top_k)
    for rank, i in enumerate(order):      # `rank` architectures are better than i
        total += test_acc[i] * comb(n - rank - 1, top_k - 1) / norm
    return float(total)
