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

import functools

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
