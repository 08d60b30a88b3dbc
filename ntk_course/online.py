"""Online SGD on a stream of fresh samples, and the number of steps it needs.

A sample-complexity experiment with a fixed training set mixes two questions:
can the network compute the target, and does it overfit its sample? Online SGD
removes the second one: every step draws a new minibatch from the data
distribution, so the test set is never trained on and "steps to reach a target
test accuracy" (equivalently, samples = steps x batch size) measures how much
computation gradient descent needs. :func:`online_sgd` trains a grid of step
sizes x seeds in one compiled, vectorized call; :func:`steps_to_target` reads
the first evaluation at which a curve reaches the target.
"""
from __future__ import annotations

import functools
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import _validate as V

__all__ = ["kpattern_sampler", "kpattern_apply", "kpattern_params", "online_sgd", "OnlineResult",
           "steps_to_target", "tune"]


def kpattern_sampler(d: int, k: int, start: int, table) -> Callable:
    """A JAX sampler of the k-pattern task: ``sample(key, batch) -> (x, y)``.

    ``x`` ``(batch, d)`` has uniform entries in ``{-1, +1}`` and
    ``y = table[pattern of x[:, start:start + k]]`` (patterns indexed as in
    :func:`ntk_course.toy_models.pattern_index`, first bit most significant).

    >>> import jax
    >>> s = kpattern_sampler(6, 2, 1, [1.0, -1.0, -1.0, 1.0])   # parity of bits 1, 2
    >>> x, y = s(jax.random.PRNGKey(0), 5)
    >>> bool(jnp.all(y == x[:, 1] * x[:, 2]))
    True
    """
    d = V.positive_int("d", d)
    k = V.positive_int("k", k)
    start = V.positive_int("start", start, minimum=0)
    if start + k > d:
        raise ValueError(f"start + k must be <= d = {d}, got start={start}, k={k}")
    table = jnp.asarray(V.array("table", table, ndim=1), dtype=jnp.float32)
    if table.shape[0] != 2 ** k:
        raise ValueError(f"table must have 2^k = {2 ** k} entries, got {table.shape[0]}")
    powers = jnp.asarray(1 << np.arange(k - 1, -1, -1))
    words = -(-d // 32)
    shifts = jnp.arange(32, dtype=jnp.uint32)

    def sample(key, batch):
        # one random 32-bit word gives 32 independent fair bits
        bits = jax.random.bits(key, (batch, words), dtype=jnp.uint32)
        bits = ((bits[:, :, None] >> shifts[None, None, :]) & 1).reshape(batch, 32 * words)[:, :d]
        x = 2.0 * bits.astype(jnp.float32) - 1.0
        index = (x[:, start:start + k] > 0).astype(jnp.int32) @ powers
        return x, table[index]

    return sample


def kpattern_apply(params, x):
    """The network of :func:`ntk_course.nets.kpattern_cnn` on ``x`` ``(n, d)`` (no channel axis).

    The same function, ``h(x) = sum_j <u_j, relu(W x[j:j+k] + b)>``, written
    with ``k`` shifted slices instead of a gather, so that its gradient is
    cheap inside a long training loop on a CPU.

    >>> from ntk_course import nets
    >>> net = nets.kpattern_cnn(filters=4, k=3)
    >>> p = net.init(0, (7, 1)); x = jnp.ones((2, 7))
    >>> bool(jnp.allclose(kpattern_apply(p, x), net.apply_fn(p, x[..., None]), atol=1e-5))
    True
    """
    (W, b), _, _, (u, _) = params
    k = W.shape[0]
    d = x.shape[1]
    pre = (sum(x[:, i:i + d - k + 1, None] * W[i, 0][None, None, :] for i in range(k))
           + b.reshape(1, 1, -1))
    return jax.nn.relu(pre).reshape(x.shape[0], -1) @ u


def kpattern_params(q: int, k: int, d: int, *, seed: int = 0):
    """The theorem's initialization of :func:`ntk_course.nets.kpattern_cnn` for inputs of
    length ``d``, built directly (no ``stax`` initialization): filters and biases from
    :func:`ntk_course.toy_models.kpattern_filters` (seed ``seed``), readout zero.

    Same pytree and values as ``nets.kpattern_init(net, d=d, k=k, seed=seed)``.

    >>> (W, b), _, _, (u, _) = kpattern_params(8, 3, 10)
    >>> W.shape, b.shape, u.shape
    ((3, 1, 8), (1, 1, 8), (64, 1))
    """
    from .toy_models import kpattern_filters

    q = V.positive_int("q", q)
    k = V.positive_int("k", k)
    d = V.positive_int("d", d)
    if k > d:
        raise ValueError(f"k must be <= d, got k={k}, d={d}")
    W, b = kpattern_filters(q, k, seed=seed)
    W = jnp.asarray(W.T[:, None, :], dtype=jnp.float32)
    b = jnp.asarray(b.reshape(1, 1, q), dtype=jnp.float32)
    return [(W, b), (), (), (jnp.zeros(((d - k + 1) * q, 1), jnp.float32), None)]


class OnlineResult(NamedTuple):
    """Test accuracy of every run after every ``eval_every`` steps."""

    steps: np.ndarray      # (n_evals,) steps taken at each evaluation
    accuracy: np.ndarray   # (n_rates, n_seeds, n_evals)


def online_sgd(apply_fn: Callable, params, sample: Callable, x_test, y_test, *,
               learning_rates, steps: int, batch_size: int, eval_every: int,
               seed: int = 0) -> OnlineResult:
    """Online SGD on the square loss ``mean (f(x) - y)^2 / 2``, fresh minibatches every step.

    Args:
      apply_fn: ``apply_fn(params, x) -> (n, 1)``.
      params: a pytree whose leaves carry a leading seed axis ``S`` (one
        initialization per seed; stack them with ``jax.tree_util.tree_map``).
      sample: ``sample(key, batch_size) -> (x, y)`` with ``y`` ``(batch,)`` in
        ``{-1, +1}``, e.g. :func:`kpattern_sampler`.
      x_test, y_test: ``(n_test, ...)`` and ``(n_test,)``: accuracy (sign of the
        output) is measured on them after every ``eval_every`` steps.
      learning_rates: ``(R,)`` step sizes; every one is run with every seed.
    Returns an :class:`OnlineResult` with accuracies ``(R, S, steps // eval_every)``.
    The minibatch stream of seed ``s`` is the same for every step size.

    >>> from ntk_course import nets
    >>> net = nets.mlp(depth=1, width=16)
    >>> p = jax.tree_util.tree_map(lambda a: a[None], net.init(0, (4,)))
    >>> s = kpattern_sampler(4, 1, 0, [-1.0, 1.0])          # y = x_0
    >>> xt, yt = s(jax.random.PRNGKey(1), 64)
    >>> r = online_sgd(net.apply_fn, p, s, xt, yt, learning_rates=[0.5], steps=200,
    ...                batch_size=8, eval_every=100)
    >>> r.accuracy.shape, bool(r.accuracy[0, 0, -1] == 1.0)
    ((1, 1, 2), True)
    """
    if not callable(apply_fn):
        raise TypeError(f"apply_fn must be callable, got {type(apply_fn).__name__}")
    if not callable(sample):
        raise TypeError(f"sample must be callable, got {type(sample).__name__}")
    steps = V.positive_int("steps", steps)
    batch_size = V.positive_int("batch_size", batch_size)
    eval_every = V.positive_int("eval_every", eval_every)
    if steps % eval_every:
        raise ValueError(f"steps must be a multiple of eval_every={eval_every}, got {steps}")
    seed = V.positive_int("seed", seed, minimum=0)
    rates = np.asarray(V.array("learning_rates", learning_rates, ndim=1), dtype=np.float32)
    if np.any(rates <= 0):
        raise ValueError("learning_rates must be positive")
    x_test = jnp.asarray(V.array("x_test", x_test))
    y_test = jnp.asarray(V.array("y_test", y_test, ndim=1))
    if x_test.shape[0] != y_test.shape[0]:
        raise ValueError(f"x_test and y_test must have the same length, got {x_test.shape[0]} "
                         f"and {y_test.shape[0]}")
    leaves = jax.tree_util.tree_leaves(params)
    if not leaves:
        raise ValueError("params must have at least one array leaf")
    n_seeds = leaves[0].shape[0]
    for leaf in leaves:
        if leaf.shape[:1] != (n_seeds,):
            raise ValueError(f"params leaves must share a leading seed axis of {n_seeds}, got "
                             f"a leaf of shape {tuple(leaf.shape)}")
    n_evals = steps // eval_every

    keys = jax.random.split(jax.random.PRNGKey(seed), n_seeds)
    acc = _online_runs(params, jnp.asarray(rates), keys, x_test, y_test, apply_fn=apply_fn,
                       sample=sample, batch_size=batch_size, eval_every=eval_every,
                       n_evals=n_evals)
    return OnlineResult(np.arange(1, n_evals + 1) * eval_every, np.asarray(acc))


@functools.partial(jax.jit, static_argnames=("apply_fn", "sample", "batch_size", "eval_every",
                                             "n_evals"))
def _online_runs(params, rates, keys, x_test, y_test, *, apply_fn, sample, batch_size, eval_every,
                 n_evals):
    """Accuracies ``(R, S, n_evals)`` of online SGD for every step size and seed.

    Its own loop rather than :func:`ntk_course.training.run_steps`: a step-size
    grid is expected to diverge at its top, and a diverged run is recorded as
    wrong on every test point instead of stopping the grid.
    """
    def loss(p, x, y):
        return 0.5 * jnp.mean((apply_fn(p, x)[:, 0] - y) ** 2)

    def one_run(p, lr, key):
        def sgd_step(i, carry):
            p, key = carry
            key, sub = jax.random.split(key)
            x, y = sample(sub, batch_size)
            g = jax.grad(loss)(p, x, y)
            return jax.tree_util.tree_map(lambda a, b: a - lr * b, p, g), key

        def block(carry, _):
            carry = jax.lax.fori_loop(0, eval_every, sgd_step, carry)
            out = apply_fn(carry[0], x_test)[:, 0]
            acc = jnp.mean(jnp.where(jnp.isfinite(out), jnp.sign(out) * y_test > 0, False))
            return carry, acc

        _, accs = jax.lax.scan(block, (p, key), None, length=n_evals)
        return accs

    over_seeds = jax.vmap(one_run, in_axes=(0, None, 0))
    return jax.vmap(over_seeds, in_axes=(None, 0, None))(params, rates, keys)


def steps_to_target(result: OnlineResult, target: float) -> np.ndarray:
    """First evaluation step at which each run's test accuracy is ``>= target``
    (``inf`` where it never is). Returns ``(R, S)``.

    >>> r = OnlineResult(np.array([10, 20, 30]), np.array([[[0.5, 0.9, 0.99]]]))
    >>> steps_to_target(r, 0.95).tolist()
    [[30.0]]
    """
    target = V.real("target", target)
    acc = np.asarray(result.accuracy)
    hit = acc >= target
    first = np.argmax(hit, axis=-1)
    out = np.asarray(result.steps, dtype=float)[first]
    return np.where(hit.any(axis=-1), out, np.inf)


def tune(result: OnlineResult, target: float):
    """Index of the step size whose *slowest* seed reaches ``target`` first, and that
    worst-seed step count (``inf`` if no step size brings every seed there).

    Judging a step size by its worst seed rules out step sizes that are fast on
    some seeds and diverge on others. Ties go to the larger mean final accuracy.

    >>> acc = np.array([[[0.5, 0.99]], [[0.99, 0.99]]])
    >>> tune(OnlineResult(np.array([10, 20]), acc), 0.95)
    (1, 10.0)
    """
    s = steps_to_target(result, target)
    worst = np.max(s, axis=1)
    final = np.asarray(result.accuracy)[:, :, -1].mean(axis=1)
    order = np.lexsort((-final, worst))
    best = int(order[0])
    return best, float(worst[best])
