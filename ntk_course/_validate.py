"""Argument checks shared by the public functions of ``ntk_course``.

Every check raises ``TypeError`` (wrong kind of object or dtype) or
``ValueError`` (wrong shape, rank or value) with the argument's name in the
message, so a reader sees at once which input was wrong.
"""
from __future__ import annotations

import numbers

import numpy as np


def array(name: str, value, *, ndim: int | tuple[int, ...] | None = None,
          finite: bool = True, dtype_kind: str = "fiub"):
    """Return ``value`` as an array after checking its dtype, rank and values.

    ``dtype_kind`` lists the allowed numpy dtype kinds (f float, i int, u
    unsigned, b bool). JAX arrays are accepted and returned unchanged.

    >>> array("x", [[1.0, 2.0]], ndim=2).shape
    (1, 2)
    """
    if value is None:
        raise TypeError(f"{name} must be an array, got None")
    if isinstance(value, (str, bytes, dict, set)):
        raise TypeError(f"{name} must be a numeric array, got {type(value).__name__}")
    if not hasattr(value, "dtype"):
        try:
            value = np.asarray(value)
        except (ValueError, TypeError) as err:
            raise TypeError(f"{name} must be a numeric array: {err}") from err
    kind = np.dtype(value.dtype).kind
    if kind not in dtype_kind:
        raise TypeError(f"{name} must have {_KIND_WORDS.get(dtype_kind, 'a numeric')} dtype, "
                        f"got {value.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if value.ndim not in allowed:
            want = " or ".join(str(a) for a in allowed)
            raise ValueError(f"{name} must have rank {want}, got shape {tuple(value.shape)}")
    if finite and kind == "f" and not _all_finite(value):
        raise ValueError(f"{name} contains NaN or infinite values")
    return value


_KIND_WORDS = {"iu": "an integer", "f": "a floating-point", "fiu": "a numeric (not bool)",
               "fiub": "a numeric", "b": "a boolean"}


def _all_finite(value) -> bool:
    if type(value).__module__.startswith("jax"):
        import jax
        import jax.numpy as jnp

        if _on_cpu(value):
            # A host array is viewed without a copy; jnp.isfinite would compile
            # once per new shape (dozens of compilations on one page).
            return bool(np.all(np.isfinite(np.asarray(value))))
        # On an accelerator, check where the array lives, without a copy to the
        # host. A concrete array used inside a jit-compiled function would
        # otherwise be staged into the trace, and bool() of a tracer raises.
        with jax.ensure_compile_time_eval():
            return bool(jnp.all(jnp.isfinite(value)))
    return bool(np.all(np.isfinite(value)))


def _on_cpu(value) -> bool:
    try:
        return all(device.platform == "cpu" for device in value.devices())
    except Exception:  # a tracer or an older array type: take the general path
        return False


def box(name: str, value):
    """Return a data range ``(lo, hi)`` as a pair of floats (hashable), or ``None``.

    >>> box("box", [0, 1])
    (0.0, 1.0)
    """
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or len(value) != 2:
        raise ValueError(f"{name} must be a pair (lo, hi), got {value!r}")
    lo, hi = real(f"{name}[0]", value[0]), real(f"{name}[1]", value[1])
    if lo >= hi:
        raise ValueError(f"{name} must satisfy lo < hi, got {value!r}")
    return (lo, hi)


def same_features(name1: str, x1, name2: str, x2) -> None:
    """Check that two data matrices have the same trailing (feature) shape."""
    if tuple(x1.shape[1:]) != tuple(x2.shape[1:]):
        raise ValueError(f"{name1} and {name2} must have the same feature shape, got "
                         f"{tuple(x1.shape[1:])} and {tuple(x2.shape[1:])}")


def same_length(name1: str, a, name2: str, b) -> None:
    """Check that two arrays have the same number of rows."""
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"{name1} and {name2} must have the same number of rows, got "
                         f"{a.shape[0]} and {b.shape[0]}")


def positive_int(name: str, value, *, minimum: int = 1) -> int:
    """Return ``value`` as an int, checking it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def batch_size(name: str, value, n: int) -> int:
    """A minibatch size for ``n`` rows drawn without replacement: ``None`` means all
    ``n``; otherwise an integer in ``[1, n]`` (a larger one raises, it is never capped)."""
    if value is None:
        return int(n)
    value = positive_int(name, value)
    if value > n:
        raise ValueError(f"{name} must be <= the number of rows {n} (batches are drawn without "
                         f"replacement), got {value}")
    return value


def real(name: str, value, *, minimum: float | None = None, strict: bool = False) -> float:
    """Return ``value`` as a finite float, optionally bounded below."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if minimum is not None and (value <= minimum if strict else value < minimum):
        rel = ">" if strict else ">="
        raise ValueError(f"{name} must be {rel} {minimum}, got {value}")
    return value


def choice(name: str, value, options) -> str:
    """Check that ``value`` is one of ``options``."""
    if value not in options:
        raise ValueError(f"{name} must be one of {sorted(options)}, got {value!r}")
    return value


def is_tracer(value) -> bool:
    """True when ``value`` is an abstract value inside a JAX transformation."""
    import jax

    return isinstance(value, jax.core.Tracer)


def key(name: str, value):
    """Check that ``value`` is a JAX PRNG key: a typed key (``jax.random.key``) or
    a raw ``uint32`` key of shape ``(2,)`` (``jax.random.PRNGKey``).

    >>> import jax
    >>> key("key", 0)
    Traceback (most recent call last):
    ...
    TypeError: key must be a JAX PRNG key such as jax.random.key(0), got int
    """
    import jax

    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        if jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key):
            return value
        if np.dtype(dtype) == np.uint32 and tuple(value.shape)[-1:] == (2,):
            return value
    raise TypeError(f"{name} must be a JAX PRNG key such as jax.random.key(0), got "
                    f"{type(value).__name__}" + (f" of dtype {dtype}" if dtype is not None else ""))


def class_labels(name: str, labels, n_classes: int):
    """Check integer class labels ``(n,)`` against the number of classes (outputs).

    >>> class_labels("y", np.array([0, 2]), 3).tolist()
    [0, 2]
    """
    if is_tracer(labels):
        return labels
    arr = np.asarray(array(name, labels, ndim=1, dtype_kind="iu"))
    if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
        raise ValueError(f"{name} must hold class labels in [0, {n_classes}) to match "
                         f"{n_classes} outputs, got range [{arr.min()}, {arr.max()}]")
    return labels


def sign_labels(name: str, labels):
    """Check that labels are ``-1`` or ``+1`` (binary tasks scored by sign)."""
    if is_tracer(labels):
        return labels
    arr = np.asarray(array(name, labels, ndim=1))
    bad = ~np.isin(arr, (-1, 1))
    if np.any(bad):
        raise ValueError(f"{name} must hold labels -1 or +1, got {arr[bad][:3].tolist()}"
                         + (" (for 0/1 labels use 2 * y - 1)" if np.all(np.isin(arr, (0, 1)))
                            else ""))
    return labels


def inside_box(name: str, x, box, *, tol: float = 1e-6) -> None:
    """Check that data ``x`` lie in ``box = (lo, hi)`` (skipped for ``None`` and tracers).

    An attack clips ``x + delta`` to the box; data outside it would be moved
    by the clipping itself, far more than the attack's radius.
    """
    if box is None or is_tracer(x):
        return
    arr = np.asarray(x)
    if arr.size == 0:
        return
    lo, hi = float(arr.min()), float(arr.max())
    if lo < box[0] - tol or hi > box[1] + tol:
        raise ValueError(f"{name} lies outside box={tuple(box)} (its values range over "
                         f"[{lo:.3g}, {hi:.3g}]); pass box=None for unbounded data or the "
                         "data's own range")


def output_shape(apply_fn, params, x, *, name: str = "x"):
    """The output shape of ``apply_fn(params, x)``, computed without running it.

    Turns the low-level error of a wrong input shape (a ``dot_general`` or
    ``conv`` message) into a ``ValueError`` naming ``name``.
    """
    import jax

    try:
        out = jax.eval_shape(apply_fn, params, x)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} of shape {tuple(x.shape)} does not fit the network's "
                         f"parameters (applying it fails: {str(err).splitlines()[0]})") from err
    shape = getattr(out, "shape", None)
    if shape is None:
        raise TypeError(f"apply_fn must return one array, got {type(out).__name__}")
    return tuple(shape)


def outputs_match(name: str, y, out_shape, *, x_name: str = "x") -> None:
    """Check that targets ``y`` have the shape of the network's outputs."""
    if tuple(y.shape) != tuple(out_shape):
        raise ValueError(f"{name} must have the shape of the network's outputs on {x_name}, "
                         f"{tuple(out_shape)}, got {tuple(y.shape)} (no broadcasting)")
