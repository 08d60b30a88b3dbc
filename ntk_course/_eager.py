"""Compile traceable helpers when they are called eagerly.

A jax.numpy function called outside ``jit`` runs op by op, and on a CPU XLA
compiles every operation separately for each new input shape: a kernel or a
Jacobian of a few dozen operations costs seconds of compilation per shape.
:func:`compiled_when_eager` makes such a function one compiled program when
called with concrete arrays, and leaves it untouched inside a caller's trace
(where it is already part of the caller's program, so results there are
bitwise what they were).
"""
from __future__ import annotations

import contextlib
import functools
import math

import jax


def compiled_when_eager(fn=None, *, static_argnames=()):
    """Decorator: call ``jax.jit(fn, static_argnames=...)`` unless an argument is a tracer.

    >>> import jax.numpy as jnp
    >>> @compiled_when_eager
    ... def double(x):
    ...     return 2 * x
    >>> double(jnp.ones(2)).tolist()
    [2.0, 2.0]
    """
    if fn is None:
        return functools.partial(compiled_when_eager, static_argnames=static_argnames)
    compiled = jax.jit(fn, static_argnames=static_argnames)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        traced = any(isinstance(leaf, jax.core.Tracer)
                     for leaf in jax.tree_util.tree_leaves((args, kwargs)))
        return fn(*args, **kwargs) if traced else compiled(*args, **kwargs)

    return wrapper


def flat_draw(sample, key, shape, *args):
    """``sample(key, shape, *args)`` drawn as one flat vector and reshaped.

    The numbers are bitwise those of ``sample(key, shape, *args)`` (JAX derives
    each random value from its flat index), but XLA on a CPU compiles the flat
    draw several times faster than one whose last axis is small and odd. Used
    eagerly (:func:`flat_normal_draws`) and inside compiled functions
    (``pruning._uniform_scores``).

    >>> key = jax.random.PRNGKey(0)
    >>> bool((flat_draw(jax.random.uniform, key, (3, 5)) == jax.random.uniform(key, (3, 5))).all())
    True
    """
    return sample(key, (math.prod(shape),), *args).reshape(shape)


@contextlib.contextmanager
def flat_normal_draws():
    """Within the block, ``jax.random.normal`` draws a flat vector and reshapes it.

    The numbers are bitwise the same (JAX derives each random value from its
    flat index), but XLA on a CPU compiles the flat draw several times faster:
    0.2 s against 0.7-1.1 s for a (512, 10) or (64, 10) weight matrix, the
    read-out layer of every 10-class network. ``Network.init`` draws its
    weights this way when called eagerly; traced calls are left alone.

    >>> key = jax.random.PRNGKey(0)
    >>> with flat_normal_draws():
    ...     a = jax.random.normal(key, (3, 2))
    >>> bool((a == jax.random.normal(key, (3, 2))).all())
    True
    """
    original = jax.random.normal

    @functools.wraps(original)
    def normal(key, shape=(), dtype=None, **kwargs):
        shape = tuple(shape) if not isinstance(shape, int) else (shape,)
        if len(shape) < 2 or kwargs or isinstance(key, jax.core.Tracer):
            return original(key, shape, dtype, **kwargs)
        return flat_draw(original, key, shape, dtype)

    jax.random.normal = normal
    try:
        yield
    finally:
        jax.random.normal = original
