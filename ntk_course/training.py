"""One training loop for the iterative methods of the package.

A method is a pure *step function* ``step(state, key) -> (state, metrics)``
(or ``step(state, key, data)`` when data are passed separately), where
``state`` is any pytree (parameters, optimizer state, ...) and ``metrics`` a
dict of scalars. :func:`run_steps` runs it:

- in chunks of ``record_every`` steps, each chunk one ``lax.scan`` inside a
  jit-compiled function defined once at module level and keyed by the step
  function, so a second run with the same step function (a hashable object:
  a module-level function or a frozen dataclass) and the same shapes compiles
  nothing;
- the last, shorter chunk runs the same compiled program with its extra steps
  masked out (they leave the state unchanged), so it does not recompile;
- with a tqdm progress bar (silent under pytest and ``NTK_COURSE_QUIET=1``);
- raising ``FloatingPointError`` with the step number as soon as a metric stops
  being finite (checked every step inside the compiled chunk), or when a
  floating-point leaf of the state is not finite at the end of a chunk
  (checked on the host, which compiles nothing);
- recording the metrics of each chunk and, through ``record(state, step)``, any
  quantity evaluated on the host (test accuracy, outputs, ...).

Step ``t`` (counted from 0) of a chunk starting at step ``t0`` gets the key
``jax.random.split(jax.random.fold_in(key, t0), record_every)[t - t0]``.

>>> import jax.numpy as jnp
>>> def halve(state, key):
...     return state / 2, {"value": state}
>>> r = run_steps(halve, jnp.float32(8.0), None, steps=3, record_every=2)
>>> float(r.state), r.history["step"].tolist(), r.history["value"][1:].tolist()
(1.0, [0, 2, 3], [4.0, 2.0])
"""
from __future__ import annotations

import functools
import os
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from . import _validate as V

__all__ = ["run_steps", "RunResult", "progress"]


def progress(iterable=None, **kwargs):
    """A tqdm bar that stays silent under pytest and when ``NTK_COURSE_QUIET=1``."""
    from tqdm.auto import tqdm

    quiet = os.environ.get("NTK_COURSE_QUIET") == "1" or "PYTEST_CURRENT_TEST" in os.environ
    return tqdm(iterable, disable=quiet or kwargs.pop("disable", False), **kwargs)


@functools.lru_cache(maxsize=64)
def _adam(learning_rate):
    """One ``optax.adam`` per step size: a step object holding it stays equal (and
    hashable to the same compiled chunk) across calls."""
    return optax.adam(learning_rate)


class RunResult(NamedTuple):
    """The final state and the history of a :func:`run_steps` run.

    ``history["step"]`` holds the step counts at which values were recorded
    (0 first, then the end of each chunk); every metric of the step function
    (its value at the chunk's last step, or the chunk mean with
    ``reduce="mean"``; NaN at step 0) and every value returned by ``record``
    has one entry per recorded step.
    """

    state: object
    history: dict


def _all_finite(tree):
    leaves = [jnp.all(jnp.isfinite(leaf)) for leaf in jax.tree_util.tree_leaves(tree)
              if jnp.issubdtype(jnp.result_type(leaf), jnp.inexact)]
    return jnp.all(jnp.stack(leaves)) if leaves else jnp.bool_(True)


@functools.partial(jax.jit, static_argnames=("step", "length", "has_data"))
def _chunk(state, key, n_active, data, *, step, length, has_data):
    index = jnp.arange(length)
    keys = None if key is None else jax.random.split(key, length)

    def body(state, inputs):
        i, k = inputs
        new, metrics = step(state, k, data) if has_data else step(state, k)
        active = i < n_active
        # a step's metrics (its loss) are computed from the state it starts from, so
        # checking them every step finds a bad state one step late; the whole state
        # is checked on the host after the chunk (here every step when there are no
        # metrics)
        finite = _all_finite(metrics) if metrics else _all_finite(new)
        state = jax.tree_util.tree_map(lambda a, b: jnp.where(active, a, b), new, state)
        return state, (metrics, finite)

    state, (metrics, finite) = jax.lax.scan(body, state, (index, keys))
    return state, metrics, finite


def run_steps(step: Callable, state, key=None, *, steps: int, record_every: int | None = None,
              record: Callable | None = None, description: str = "training",
              reduce: str = "last", data=None, first_metrics: bool = False) -> RunResult:
    """Run ``steps`` steps of ``step`` from ``state``; see the module docstring.

    Args:
      step: ``step(state, key) -> (state, metrics)`` (``step(state, key, data)``
        when ``data`` is given), pure and traceable; ``metrics`` is a dict of
        scalars (possibly empty). Hashable, so that its compiled chunk is reused.
      state: the initial state, a pytree of arrays.
      key: a JAX PRNG key, or ``None`` for deterministic steps (which then get
        ``None`` as their key).
      steps: number of steps (``>= 1``).
      record_every: steps per compiled chunk and between records (default
        ``max(1, steps // 20)``).
      record: ``record(state, step) -> dict`` of host values, called at step 0
        and at the end of every chunk (``step`` is the number of steps done).
      description: label of the progress bar and of error messages.
      reduce: ``"last"`` or ``"mean"``: how a chunk's metrics are summarized.
      data: a pytree of arrays handed to every step as an argument (not
        captured as a constant, which XLA would fold at compile time).
      first_metrics: also record the first step's metrics at step 0. Right
        for metrics a step evaluates before its update (a batch loss at the
        current parameters): the record at step 0 then describes the initial
        state, at no extra compilation.

    Returns:
      a :class:`RunResult`.

    Raises:
      FloatingPointError: when a metric or the state becomes non-finite, naming the step.
    """
    if not callable(step):
        raise TypeError(f"step must be callable, got {type(step).__name__}")
    try:
        hash(step)
    except TypeError as err:
        raise TypeError("step must be hashable (a module-level function or a frozen "
                        "dataclass) so that its compiled loop is reused") from err
    steps = V.positive_int("steps", steps)
    record_every = max(1, steps // 20) if record_every is None else V.positive_int(
        "record_every", record_every)
    record_every = min(record_every, steps)
    V.choice("reduce", reduce, ("last", "mean"))
    if record is not None and not callable(record):
        raise TypeError(f"record must be callable, got {type(record).__name__}")
    if key is not None:
        key = V.key("key", key)

    history: dict = {"step": [0]}

    def add(values, t_index):
        for name, value in values.items():
            column = history.setdefault(name, [float("nan")] * t_index)
            column.append(value)

    if record is not None:
        add(dict(record(state, 0)), 0)
    done = 0
    bar = progress(total=steps, desc=description, leave=False)
    while done < steps:
        n = min(record_every, steps - done)
        chunk_key = None if key is None else jax.random.fold_in(key, done)
        state, metrics, finite = _chunk(state, chunk_key, jnp.int32(n), data, step=step,
                                        length=record_every, has_data=data is not None)
        finite = np.asarray(finite)[:n]
        if not finite.all():
            bad = done + int(np.argmin(finite)) + 1
            raise FloatingPointError(f"{description}: a NaN or infinite value appeared at step "
                                     f"{bad} of {steps}; lower learning_rate")
        if not all(V._all_finite(leaf) for leaf in jax.tree_util.tree_leaves(state)
                   if jnp.issubdtype(jnp.result_type(leaf), jnp.inexact)):
            raise FloatingPointError(f"{description}: a NaN or infinite value appeared by step "
                                     f"{done + n} of {steps}; lower learning_rate")
        if first_metrics and done == 0:
            add({name: float(np.asarray(value)[0]) for name, value in metrics.items()}, 0)
        done += n
        bar.update(n)
        values = {}
        for name, value in metrics.items():
            value = np.asarray(value)[:n]
            values[name] = float(value[-1] if reduce == "last" else value.mean())
        if record is not None:
            values.update(record(state, done))
        history["step"].append(done)
        add(values, len(history["step"]) - 1)
        if "loss" in values:
            bar.set_postfix(loss=f"{values['loss']:.3g}")
    bar.close()
    width = len(history["step"])
    out = {}
    for name, column in history.items():
        column = column + [float("nan")] * (width - len(column))
        try:
            out[name] = np.asarray(column, dtype=int if name == "step" else float)
        except (TypeError, ValueError):
            out[name] = column
    return RunResult(state, out)
