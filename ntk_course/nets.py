"""Networks defined once through ``neural_tangents.stax``, and their training.

One ``stax`` specification gives three things: ``init_fn`` and ``apply_fn`` of
the finite network, and ``kernel_fn``, its infinite-width NNGP and NTK. The
lectures compare the two, so every model here is returned as a
:class:`Network` holding all three.

Training is full-batch gradient descent (or an optax optimizer) compiled with
``jax.lax.scan``; a tqdm bar reports progress and stays silent in tests.
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Callable, NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax

from . import _validate as V
from ._compat import nt, stax
from ._eager import compiled_when_eager, flat_normal_draws
from .losses import accuracy, squared_error, weighted_cross_entropy
from .training import progress, run_steps

__all__ = ["Network", "mlp", "centered", "train", "TrainResult", "mse_loss", "param_norm",
           "param_distance", "linearize", "progress", "conv1d", "kpattern_cnn", "kpattern_init",
           "window_conv2d",
           "fit", "fit_many", "accuracy", "gd_trajectory"]

_ACTIVATIONS = {"relu": stax.Relu, "erf": stax.Erf}


class Network(NamedTuple):
    """A finite network and its infinite-width kernels."""

    init_fn: Callable
    apply_fn: Callable
    kernel_fn: Callable

    def init(self, seed: int, input_shape: Sequence[int]):
        """Initial parameters for inputs of shape ``input_shape`` (without batch).

        >>> net = mlp(depth=1, width=4)
        >>> len(net.init(0, (3,)))
        3
        """
        seed = V.positive_int("seed", seed, minimum=0)
        with flat_normal_draws():   # the same numbers, compiled faster (see ntk_course._eager)
            _, params = self.init_fn(jax.random.PRNGKey(seed), (-1,) + tuple(input_shape))
        return params


def _conv(*args, **kwargs):
    """``stax.Conv``, whose initializer draws its filters flat (bitwise the same
    numbers; ``stax.Conv`` binds ``jax.random.normal`` when it is built)."""
    with flat_normal_draws():
        return stax.Conv(*args, **kwargs)


def _network(init_fn, apply_fn, kernel_fn) -> Network:
    # a stax kernel function called eagerly would compile each of its operations
    # separately for every input shape (seconds on a CPU): see ntk_course._eager
    return Network(init_fn, apply_fn, compiled_when_eager(kernel_fn, static_argnames="get"))


def mlp(*, depth: int, width: int, activation: str = "relu", W_std: float = 1.0,
        b_std: float = 0.0, out_dim: int = 1, W_std_out: float | None = None,
        parameterization: str = "ntk") -> Network:
    """A fully-connected network with ``depth`` hidden layers of size ``width``.

    Layers are ``Dense(width) -> activation`` repeated ``depth`` times, then a
    ``Dense(out_dim)`` readout. In the NTK parametrization each layer computes
    ``W_std / sqrt(fan_in) * W h + b_std * b`` with standard normal entries, so
    the kernel has a finite limit as ``width`` grows. ``W_std_out`` sets the
    readout's weight scale (default ``W_std``).

    >>> net = mlp(depth=2, width=16)
    >>> params = net.init(0, (5,))
    >>> net.apply_fn(params, jnp.ones((3, 5))).shape
    (3, 1)
    """
    depth = V.positive_int("depth", depth, minimum=0)
    width = V.positive_int("width", width)
    out_dim = V.positive_int("out_dim", out_dim)
    V.choice("activation", activation, _ACTIVATIONS)
    V.choice("parameterization", parameterization, ("ntk", "standard"))
    W_std = V.real("W_std", W_std, minimum=0.0, strict=True)
    b_std = V.real("b_std", b_std, minimum=0.0)
    W_std_out = W_std if W_std_out is None else V.real("W_std_out", W_std_out, minimum=0.0,
                                                       strict=True)
    # stax treats b_std=None as "no bias"; a zero bias would still be a parameter.
    bias = b_std if b_std > 0 else None
    layers = []
    for _ in range(depth):
        layers += [stax.Dense(width, W_std=W_std, b_std=bias, parameterization=parameterization),
                   _ACTIVATIONS[activation]()]
    layers.append(stax.Dense(out_dim, W_std=W_std_out, b_std=bias,
                             parameterization=parameterization))
    return _network(*stax.serial(*layers))


def centered(apply_fn: Callable, params0) -> Callable:
    """``f(params, x) - f(params0, x)``: a network whose output at initialization is zero.

    Subtracting a frozen copy of the initial network changes neither the
    gradients nor the NTK, but removes the random initial function, so the
    trained network can be compared directly with kernel regression from zero.

    >>> net = mlp(depth=1, width=4); p = net.init(0, (2,))
    >>> float(jnp.abs(centered(net.apply_fn, p)(p, jnp.ones((1, 2)))).max())
    0.0
    """
    if not callable(apply_fn):
        raise TypeError(f"apply_fn must be callable, got {type(apply_fn).__name__}")

    def apply(params, x, **kwargs):
        return apply_fn(params, x, **kwargs) - apply_fn(params0, x, **kwargs)

    return apply


def linearize(apply_fn: Callable, params0) -> Callable:
    """First-order Taylor expansion of ``apply_fn`` in the parameters around ``params0``."""
    if not callable(apply_fn):
        raise TypeError(f"apply_fn must be callable, got {type(apply_fn).__name__}")
    return nt.linearize(apply_fn, params0)


@dataclasses.dataclass(frozen=True)
class _MSELoss:
    apply_fn: Callable

    def __call__(self, params, x, y):
        return 0.5 * jnp.sum((self.apply_fn(params, x) - y) ** 2)


def mse_loss(apply_fn: Callable):
    """The loss ``sum_i |f(x_i) - y_i|^2 / 2`` used throughout the NTK lectures.

    Returns ``loss(params, x, y)``; two calls with the same ``apply_fn`` return
    equal (hashable) losses, so compiled training loops keyed on them are reused.
    """
    if not callable(apply_fn):
        raise TypeError(f"apply_fn must be callable, got {type(apply_fn).__name__}")
    return _MSELoss(apply_fn)


def param_norm(params) -> jax.Array:
    """Euclidean norm of all parameters together."""
    leaves = jax.tree_util.tree_leaves(params)
    return jnp.sqrt(sum(jnp.sum(leaf ** 2) for leaf in leaves))


def param_distance(params_a, params_b) -> jax.Array:
    """Euclidean distance between two parameter pytrees of the same structure."""
    return param_norm(jax.tree_util.tree_map(jnp.subtract, params_a, params_b))



@dataclasses.dataclass
class TrainResult:
    """Parameters after training and what was recorded on the way.

    ``times`` are the step counts at which ``losses`` (training loss) and
    ``outputs`` (predictions on ``x_eval``, if given) were recorded.
    ``snapshots`` holds the parameters at those times when requested.
    """

    params: object
    times: np.ndarray
    losses: np.ndarray
    outputs: np.ndarray | None
    snapshots: list | None


def train(apply_fn: Callable, params, x, y, *, steps: int, learning_rate: float,
          loss_fn: Callable | None = None, optimizer: optax.GradientTransformation | None = None,
          record_every: int | None = None, x_eval=None, keep_snapshots: bool = False,
          description: str = "training") -> TrainResult:
    """Full-batch training, compiled in chunks of ``record_every`` steps.

    Args:
      apply_fn: ``apply_fn(params, x)``.
      params: initial parameters.
      x: ``(n, ...)`` training inputs; y: ``(n, k)`` targets.
      steps: number of steps.
      learning_rate: step size of plain gradient descent (ignored when
        ``optimizer`` is given).
      loss_fn: ``loss_fn(params, x, y)``; default :func:`mse_loss`.
      optimizer: an optax transformation; default ``optax.sgd(learning_rate)``.
      record_every: record the loss (and outputs on ``x_eval``) every this
        many steps; default ``steps // 20``.
      x_eval: optional inputs on which outputs are recorded.
      keep_snapshots: also keep the parameters at each recording time.

    Returns:
      a :class:`TrainResult`.

    >>> net = mlp(depth=1, width=32); p = net.init(0, (2,))
    >>> x = jnp.ones((4, 2)); y = jnp.zeros((4, 1))
    >>> r = train(net.apply_fn, p, x, y, steps=10, learning_rate=0.1)
    >>> bool(r.losses[-1] < r.losses[0])
    True
    """
    if not callable(apply_fn):
        raise TypeError(f"apply_fn must be callable, got {type(apply_fn).__name__}")
    steps = V.positive_int("steps", steps)
    learning_rate = V.real("learning_rate", learning_rate, minimum=0.0, strict=True)
    x = jnp.asarray(V.array("x", x))
    y = jnp.asarray(V.array("y", y, ndim=2))
    V.same_length("x", x, "y", y)
    if loss_fn is None:
        V.outputs_match("y", y, V.output_shape(apply_fn, params, x))
    if x_eval is not None:
        x_eval = jnp.asarray(V.array("x_eval", x_eval))
        V.same_features("x", x, "x_eval", x_eval)
    record_every = max(1, steps // 20) if record_every is None else V.positive_int(
        "record_every", record_every)
    loss_fn = loss_fn or mse_loss(apply_fn)
    optimizer = optimizer or _sgd(learning_rate)
    outputs, snapshots = [], []

    def record(state, t):
        p = state["params"]
        loss, out = _evaluate(p, x, y, x_eval, loss_fn=loss_fn, apply_fn=apply_fn)
        loss = float(loss)
        if not np.isfinite(loss):
            raise FloatingPointError(f"{description}: loss became {loss}; lower learning_rate")
        if out is not None:
            outputs.append(np.asarray(out))
        if keep_snapshots:
            snapshots.append(p)
        return {"loss": loss}

    state = {"params": params, "opt_state": optimizer.init(params)}
    # Data enter the compiled loop as arguments, not as captured constants: XLA
    # would otherwise constant-fold products with them at compile time, which
    # takes seconds for wide networks.
    run = run_steps(_OptimizerStep(loss_fn, optimizer), state, None, steps=steps,
                    record_every=record_every, record=record, description=description,
                    data=(x, y))
    return TrainResult(params=run.state["params"], times=run.history["step"].astype(int),
                       losses=run.history["loss"],
                       outputs=np.stack(outputs) if outputs else None,
                       snapshots=snapshots if keep_snapshots else None)


@functools.lru_cache(maxsize=64)
def _sgd(learning_rate: float) -> optax.GradientTransformation:
    """``optax.sgd``, one object per step size, so compiled loops keyed on it are reused."""
    return optax.sgd(learning_rate)


@dataclasses.dataclass(frozen=True)
class _OptimizerStep:
    """One full-batch optimizer step on ``loss_fn(params, x, y)`` (a :func:`run_steps` step)."""

    loss_fn: Callable
    optimizer: optax.GradientTransformation

    def __call__(self, state, key, data):
        x, y = data
        loss, grads = jax.value_and_grad(self.loss_fn)(state["params"], x, y)
        updates, opt_state = self.optimizer.update(grads, state["opt_state"], state["params"])
        return ({"params": optax.apply_updates(state["params"], updates),
                 "opt_state": opt_state}, {"train_loss": loss})


@functools.partial(jax.jit, static_argnames=("loss_fn", "apply_fn"))
def _evaluate(p, x, y, x_eval, *, loss_fn, apply_fn):
    return loss_fn(p, x, y), (apply_fn(p, x_eval) if x_eval is not None else None)


# ---------------------------------------------------------------------------
# Convolutional and weight-shared models: inputs are 1-D signals of shape
# (n, length, channels).
# ---------------------------------------------------------------------------
_CONV_ACTIVATIONS = {"relu": stax.Relu, "erf": stax.Erf, "square": lambda: stax.Monomial(2),
                     "linear": stax.Identity}
_POOLS = ("avg", "sum", "flatten")

def conv1d(*, channels: int, filter_size: int, depth: int = 1, activation: str = "relu",
           pool: str = "avg", padding: str = "CIRCULAR", stride: int = 1, out_dim: int = 1,
           W_std: float = 1.0, b_std: float = 0.0, parameterization: str = "ntk") -> Network:
    """A 1-D convolutional network with weight sharing, and its kernels.

    ``depth`` times ``Conv(channels, filter_size) -> activation``, then a
    readout: ``"avg"``/``"sum"`` pool over positions before ``Dense(out_dim)``
    (translation invariant with ``padding="CIRCULAR"``), ``"flatten"`` keeps
    one readout weight per position and channel. ``activation`` is ``"relu"``,
    ``"erf"``, ``"square"`` (``z**2``) or ``"linear"``. Inputs have shape
    ``(n, length, in_channels)``. Parameters and kernels are those of
    ``stax.Conv``; the forward pass gathers the windows and multiplies once (equal
    up to float rounding, and several times faster to train on a CPU).

    >>> net = conv1d(channels=4, filter_size=3)
    >>> p = net.init(0, (10, 1))
    >>> net.apply_fn(p, jnp.ones((2, 10, 1))).shape, net.kernel_fn(jnp.ones((2, 10, 1)), None, "ntk").shape
    ((2, 1), (2, 2))
    """
    channels = V.positive_int("channels", channels)
    filter_size = V.positive_int("filter_size", filter_size)
    depth = V.positive_int("depth", depth)
    stride = V.positive_int("stride", stride)
    out_dim = V.positive_int("out_dim", out_dim)
    V.choice("activation", activation, _CONV_ACTIVATIONS)
    V.choice("pool", pool, _POOLS)
    V.choice("padding", padding, ("CIRCULAR", "SAME", "VALID"))
    V.choice("parameterization", parameterization, ("ntk", "standard"))
    W_std = V.real("W_std", W_std, minimum=0.0, strict=True)
    b_std = V.real("b_std", b_std, minimum=0.0)
    bias = b_std if b_std > 0 else None
    layers = []
    for _ in range(depth):
        # the windowed product: XLA's CPU convolution is many times slower in training
        layers += [_window_conv(channels, (filter_size,), (stride,), padding, W_std, bias,
                                parameterization),
                   _CONV_ACTIVATIONS[activation]()]
    layers.append({"avg": stax.GlobalAvgPool, "sum": stax.GlobalSumPool,
                   "flatten": stax.Flatten}[pool]())
    layers.append(stax.Dense(out_dim, W_std=W_std, b_std=bias, parameterization=parameterization))
    return _network(*stax.serial(*layers))


def window_conv2d(out_chan: int, filter_shape: tuple[int, int], *, padding: str = "SAME",
                  W_std: float = 1.0, b_std: float | None = 0.0,
                  parameterization: str = "ntk"):
    """``stax.Conv`` in 2-D (stride 1, NHWC inputs), applied as one matrix product.

    A drop-in layer for ``stax.serial``: the same parameters, initialization and
    infinite-width kernel as ``stax.Conv(out_chan, filter_shape, ...)``, and the
    same outputs up to float rounding, but the forward pass gathers the
    ``kh * kw`` shifted copies of the input and multiplies once. Inside a
    compiled training loop (``lax.scan``) XLA's CPU convolution is 20-40 times
    slower than this product; on a GPU both are fast.

    >>> init, apply, _ = stax.serial(window_conv2d(4, (3, 3)), stax.Flatten())
    >>> _, p = init(jax.random.PRNGKey(0), (-1, 5, 5, 2))
    >>> apply(p, jnp.ones((3, 5, 5, 2))).shape
    (3, 100)
    """
    out_chan = V.positive_int("out_chan", out_chan)
    if len(filter_shape) != 2:
        raise ValueError(f"filter_shape must be (height, width), got {filter_shape!r}")
    filter_shape = tuple(V.positive_int("filter_shape", k) for k in filter_shape)
    V.choice("padding", padding, ("SAME", "VALID"))
    V.choice("parameterization", parameterization, ("ntk", "standard"))
    return _window_conv(out_chan, filter_shape, (1, 1), padding, W_std, b_std, parameterization)


def _window_conv(out_chan, filter_shape, strides, padding, W_std, b_std, parameterization):
    """``stax.Conv`` (1-D or 2-D, channels last) whose forward pass is one matrix
    product over the gathered windows; parameters and kernel are ``stax.Conv``'s."""
    init_fn, _, kernel_fn = _conv(out_chan, filter_shape, strides=strides, padding=padding,
                                   W_std=W_std, b_std=b_std, parameterization=parameterization)
    fan_in_per_channel = int(np.prod(filter_shape))

    def apply_fn(params, x, **kwargs):
        W, b = params                                   # W: (*filter_shape, c_in, c_out)
        spatial = x.shape[1:-1]
        if padding in ("SAME", "CIRCULAR"):             # stax pads CIRCULAR like SAME, wrapped
            pads = jax.lax.padtype_to_pads(spatial, filter_shape, strides, "SAME")
            x = jnp.pad(x, ((0, 0), *pads, (0, 0)),
                        mode="wrap" if padding == "CIRCULAR" else "constant")
        out = [(size - k) // s + 1 for size, k, s in zip(x.shape[1:-1], filter_shape, strides)]
        windows = []
        for offset in np.ndindex(*filter_shape):        # the filter's row-major order
            index = tuple(slice(o, o + (m - 1) * s + 1, s)
                          for o, m, s in zip(offset, out, strides))
            windows.append(x[(slice(None), *index)])
        windows = jnp.stack(windows, axis=-2).reshape(*x.shape[:1], *out, -1)
        y = windows @ W.reshape(-1, W.shape[-1])
        if parameterization == "ntk":                   # weights N(0, 1), scaled here
            y = y * (W_std / np.sqrt(fan_in_per_channel * x.shape[-1]))
        if b is not None:
            y = y + (b_std * b if parameterization == "ntk" else b)
        return y

    return init_fn, apply_fn, kernel_fn


def kpattern_cnn(*, filters: int, k: int) -> Network:
    """The two-layer network of Malach & Shalev-Shwartz for k-patterns.

    ``h(x) = sum_j <u_j, relu(W x[j:j+k] + b)>``: one shared bank of ``filters``
    filters of size ``k`` slides over the input (``VALID`` windows), and each
    window ``j`` has its own readout ``u_j``. Standard parametrization, so the
    parameters are the weights themselves (set them with :func:`kpattern_init`).
    Inputs have shape ``(n, d, 1)``.

    >>> net = kpattern_cnn(filters=8, k=3)
    >>> p = kpattern_init(net, d=10, k=3, seed=0)
    >>> float(jnp.abs(net.apply_fn(p, jnp.ones((1, 10, 1)))).max())
    0.0
    """
    filters = V.positive_int("filters", filters)
    k = V.positive_int("k", k)
    init_fn, stax_apply, kernel_fn = stax.serial(
        _conv(filters, (k,), padding="VALID", b_std=1.0, parameterization="standard"),
        stax.Relu(), stax.Flatten(),
        stax.Dense(1, b_std=None, parameterization="standard"))

    def apply_fn(params, x, **kwargs):
        # The same function as ``stax_apply`` written with explicit windows
        # (one matrix product), which XLA runs much faster on a CPU than its
        # generic convolution.
        (W, b), _, _, (u, _) = params
        n, d = x.shape[0], x.shape[1]
        cols = jnp.arange(d - k + 1)[:, None] + jnp.arange(k)[None, :]
        windows = x[:, cols, :].reshape(n, d - k + 1, -1)          # (n, d-k+1, k*c_in)
        hidden = jax.nn.relu(windows @ W.reshape(-1, W.shape[-1]) + b.reshape(1, 1, -1))
        return hidden.reshape(n, -1) @ u

    apply_fn.stax_apply = stax_apply
    return _network(init_fn, apply_fn, kernel_fn)


def kpattern_init(net: Network, *, d: int, k: int, seed: int = 0):
    """Parameters of :func:`kpattern_cnn` at the theorem's initialization:
    filters uniform in ``{-1/k, +1/k}^k``, biases ``1/k - 1``, readout zero.

    Returns a pytree with the structure of ``net.init(seed, (d, 1))``.
    """
    from .toy_models import kpattern_filters

    d = V.positive_int("d", d)
    k = V.positive_int("k", k)
    if k > d:
        raise ValueError(f"k must be <= d, got k={k}, d={d}")
    params = net.init(seed, (d, 1))
    (W0, b0), _, _, (u0, u_bias) = params
    q = W0.shape[-1]
    if W0.shape[0] != k:
        raise ValueError(f"k={k} does not match the network's filter size {W0.shape[0]}")
    W, b = kpattern_filters(q, k, seed=seed)
    W = jnp.asarray(W.T[:, None, :], dtype=W0.dtype)            # (k, 1, q): stax's WIO layout
    b = jnp.broadcast_to(jnp.asarray(b, dtype=b0.dtype), b0.shape)
    return [(W, b), (), (), (jnp.zeros_like(u0), u_bias)]


def _losses(name: str):
    return {"mse": squared_error, "xent": weighted_cross_entropy}[name]


@dataclasses.dataclass(frozen=True)
class _FitStep:
    """One optimizer step of :func:`fit` (a :func:`ntk_course.training.run_steps` step).

    Data ``(x, y, w, keys)``; ``keys[t]`` draws step ``t``'s minibatch (with
    replacement), so the result does not depend on how the steps are chunked.
    With a leading problem axis on everything (``many=True``) the step is
    vectorized over problems, as in :func:`fit_many`.
    """

    apply_fn: Callable
    optimizer: optax.GradientTransformation
    loss: str
    batch_size: int | None
    many: bool = False

    def update(self, p, s, t, x, y, w, keys):
        if self.batch_size is not None:
            rows = jax.random.randint(keys[t], (self.batch_size,), 0, x.shape[0])
            x, y, w = x[rows], y[rows], w[rows]
        value, grads = jax.value_and_grad(
            lambda q: _losses(self.loss)(self.apply_fn(q, x), y, w))(p)
        updates, s = self.optimizer.update(grads, s, p)
        return optax.apply_updates(p, updates), s, value

    def __call__(self, state, _key, data):
        update = jax.vmap(self.update, (0, 0, None, 0, 0, 0, 0)) if self.many else self.update
        p, s, value = update(state["params"], state["opt_state"], state["t"], *data)
        return {"params": p, "opt_state": s, "t": state["t"] + 1}, {"loss": jnp.mean(value)}


@functools.partial(jax.jit, static_argnames=("step", "steps"))
def _fit_state(params, key, *, step, steps):
    """The initial state of :func:`fit` / :func:`fit_many` and the minibatch keys, in one
    compiled call (eagerly, every leaf shape would compile its own small programs)."""
    if step.many:
        opt_state = jax.vmap(step.optimizer.init)(params)
        keys = jax.vmap(lambda k: jax.random.split(k, steps))(
            jax.random.split(key, jax.tree_util.tree_leaves(params)[0].shape[0]))
    else:
        opt_state = step.optimizer.init(params)
        keys = jax.random.split(key, steps)
    return {"params": params, "opt_state": opt_state, "t": jnp.int32(0)}, keys


def _fit_steps(step, params, x, y, weights, seed, steps, description):
    state, keys = _fit_state(params, jax.random.PRNGKey(seed), step=step, steps=steps)
    # fit records nothing: one chunk of all the steps (one device call)
    return run_steps(step, state, None, steps=steps, record_every=steps,
                     data=(x, y, weights, keys), description=description).state["params"]


def _check_fit_args(x, y, weights, steps, batch_size, loss, lead: int):
    steps = V.positive_int("steps", steps)
    if batch_size is not None:
        batch_size = V.positive_int("batch_size", batch_size)
    V.choice("loss", loss, ("mse", "xent"))
    x = jnp.asarray(V.array("x", x))
    y = jnp.asarray(V.array("y", y, ndim=2 + lead))
    if x.ndim < 2 + lead:
        raise ValueError(f"x must have rank >= {2 + lead}, got shape {tuple(x.shape)}")
    if x.shape[: 1 + lead] != y.shape[: 1 + lead]:
        raise ValueError(f"x and y must agree in their leading dimensions, got "
                         f"{tuple(x.shape[:1 + lead])} and {tuple(y.shape[:1 + lead])}")
    if weights is None:
        weights = jnp.ones(y.shape[: 1 + lead], dtype=y.dtype)
    else:
        weights = jnp.asarray(V.array("weights", weights, ndim=1 + lead))
        if weights.shape != y.shape[: 1 + lead]:
            raise ValueError(f"weights must have shape {tuple(y.shape[:1 + lead])}, got "
                             f"{tuple(weights.shape)}")
    return x, y, weights, steps, batch_size


def fit(apply_fn: Callable, params, x, y, *, steps: int, learning_rate: float = 1e-2,
        optimizer: optax.GradientTransformation | None = None, loss: str = "mse",
        weights=None, batch_size: int | None = None, seed: int = 0):
    """Train with ``steps`` optimizer steps in one compiled ``lax.scan``; return the parameters.

    Args:
      apply_fn: ``apply_fn(params, x)`` returning ``(n, out)``.
      x: ``(n, ...)`` inputs; y: ``(n, out)`` targets (one-hot rows for ``loss="xent"``).
      loss: ``"mse"`` (``sum w_i |f(x_i) - y_i|^2 / 2``) or ``"xent"``
        (weighted mean softmax cross-entropy).
      weights: ``(n,)`` example weights (default ones); a zero weight removes
        an example, which lets sets of different sizes share one shape.
      batch_size: ``None`` for full-batch steps, else minibatches drawn with
        replacement.
      optimizer: default ``optax.sgd(learning_rate)``.

    >>> net = mlp(depth=1, width=16); p = net.init(0, (2,))
    >>> x = jnp.array([[1.0, 0.0], [0.0, 1.0]]); y = jnp.array([[1.0], [-1.0]])
    >>> p = fit(net.apply_fn, p, x, y, steps=200, learning_rate=0.2)
    >>> bool(jnp.allclose(net.apply_fn(p, x), y, atol=0.05))
    True
    """
    x, y, weights, steps, batch_size = _check_fit_args(x, y, weights, steps, batch_size, loss, 0)
    if not callable(apply_fn):
        raise TypeError(f"apply_fn must be callable, got {type(apply_fn).__name__}")
    learning_rate = V.real("learning_rate", learning_rate, minimum=0.0, strict=True)
    _check_targets(apply_fn, params, x, y, loss)
    optimizer = optimizer or _sgd(learning_rate)
    return _fit_steps(_FitStep(apply_fn, optimizer, loss, batch_size), params, x, y, weights,
                      V.positive_int("seed", seed, minimum=0), steps, "fit")


def fit_many(apply_fn: Callable, params, x, y, *, steps: int, learning_rate: float = 1e-2,
             optimizer: optax.GradientTransformation | None = None, loss: str = "mse",
             weights=None, batch_size: int | None = None, seed: int = 0):
    """:func:`fit` for a batch of independent problems, vectorized with ``jax.vmap``.

    Every leaf of ``params`` and the arrays ``x`` ``(B, n, ...)``, ``y``
    ``(B, n, out)``, ``weights`` ``(B, n)`` carry a leading batch axis ``B``
    (stack initializations with ``jax.tree_util.tree_map(lambda *a:
    jnp.stack(a), *inits)``). One compilation trains all ``B`` models.

    >>> net = mlp(depth=1, width=8); ps = [net.init(s, (2,)) for s in range(3)]
    >>> stacked = jax.tree_util.tree_map(lambda *a: jnp.stack(a), *ps)
    >>> out = fit_many(net.apply_fn, stacked, jnp.ones((3, 4, 2)), jnp.ones((3, 4, 1)), steps=5)
    >>> jax.tree_util.tree_leaves(out)[0].shape[0]
    3
    """
    x, y, weights, steps, batch_size = _check_fit_args(x, y, weights, steps, batch_size, loss, 1)
    if not callable(apply_fn):
        raise TypeError(f"apply_fn must be callable, got {type(apply_fn).__name__}")
    learning_rate = V.real("learning_rate", learning_rate, minimum=0.0, strict=True)
    optimizer = optimizer or _sgd(learning_rate)
    B = x.shape[0]
    for leaf in jax.tree_util.tree_leaves(params):
        if leaf.shape[:1] != (B,):
            raise ValueError(f"params leaves must have leading batch axis {B}, got a leaf of "
                             f"shape {tuple(leaf.shape)}")
    one = jax.tree_util.tree_map(lambda leaf: leaf[0], params)
    _check_targets(apply_fn, one, x[0], y[0], loss)
    return _fit_steps(_FitStep(apply_fn, optimizer, loss, batch_size, many=True), params, x, y,
                      weights, V.positive_int("seed", seed, minimum=0), steps, "fit_many")


def _check_targets(apply_fn, params, x, y, loss):
    out = V.output_shape(apply_fn, params, x)
    V.outputs_match("y", y, out)
    if loss == "xent":
        y_np = np.asarray(y)
        if not (np.all((y_np == 0) | (y_np == 1)) and np.allclose(y_np.sum(-1), 1)):
            raise ValueError("y must hold one-hot rows for loss='xent' (see data.one_hot)")


@functools.partial(jax.jit, static_argnums=(0, 5))
def _gd_trajectory(apply_fn, params, x, y, x_eval, steps, learning_rate):
    loss = mse_loss(apply_fn)

    def step(p, _):
        p = jax.tree_util.tree_map(lambda a, g: a - learning_rate * g, p, jax.grad(loss)(p, x, y))
        return p, apply_fn(p, x_eval)

    _, outs = jax.lax.scan(step, params, None, length=steps)
    return jnp.concatenate([apply_fn(params, x_eval)[None], outs])


def gd_trajectory(apply_fn: Callable, params, x, y, x_eval, *, steps: int,
                  learning_rate: float) -> np.ndarray:
    """Outputs on ``x_eval`` after each of ``steps`` plain gradient-descent steps.

    The loss is :func:`mse_loss`. Returns ``(steps + 1, len(x_eval), out)``;
    row 0 is the initial output. Compiled once per ``apply_fn`` and shape,
    so calling it again with other data or parameters of the same shapes is
    fast.

    >>> net = mlp(depth=1, width=8); p = net.init(0, (3,))
    >>> gd_trajectory(net.apply_fn, p, jnp.ones((2, 3)), jnp.ones((2, 1)), jnp.ones((4, 3)),
    ...               steps=5, learning_rate=0.1).shape
    (6, 4, 1)
    """
    if not callable(apply_fn):
        raise TypeError(f"apply_fn must be callable, got {type(apply_fn).__name__}")
    steps = V.positive_int("steps", steps)
    learning_rate = V.real("learning_rate", learning_rate, minimum=0.0, strict=True)
    x = jnp.asarray(V.array("x", x))
    y = jnp.asarray(V.array("y", y, ndim=2))
    x_eval = jnp.asarray(V.array("x_eval", x_eval))
    V.same_length("x", x, "y", y)
    V.same_features("x", x, "x_eval", x_eval)
    return np.asarray(_gd_trajectory(apply_fn, params, x, y, x_eval, steps, learning_rate))

