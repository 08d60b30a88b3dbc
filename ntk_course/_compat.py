"""Import neural-tangents 0.6.5 on a current JAX, without TensorFlow.

neural-tangents 0.6.5 (Dec 2023) is the latest release. On JAX >= 0.6 it fails
to import for three reasons, which this module bridges *before* importing it:

1. ``neural_tangents/__init__.py`` imports its ``experimental`` sub-package,
   which only wraps TensorFlow (``jax2tf``). We register an empty stand-in.
2. Names it imports from ``jax.core`` (``Jaxpr``, ``JaxprEqn``, ``Var``,
   ``Literal``, ``Primitive``) moved to ``jax.extend.core``.
3. ``jax.util`` became private (``jax._src.util``), and
   ``jax.interpreters.ad.zeros_like_p`` moved to ``jax._src.ad_util``.

The bridge only *adds* missing names; it never replaces an existing one. It is
tested on the JAX versions in :data:`TESTED_JAX`. On another version it refuses
to run unless ``NTK_COURSE_ALLOW_UNTESTED_JAX=1`` is set (the Colab install
cell sets it, because Colab ships its own JAX that we must not downgrade); in
that case :func:`self_check` compares an analytic kernel against its closed
form and raises if the bridge produced wrong numbers.

Use it as::

    from ntk_course._compat import nt, stax
"""
from __future__ import annotations

import importlib
import os
import sys
import types
import warnings

import jax

#: JAX releases on which every bridged entry point was tested against the
#: package's own from-scratch kernels (tests/test_compat.py, tests/test_kernels.py;
#: the pinned JAX in CI, the others with tools/jax_matrix.sh).
TESTED_JAX = ("0.7.2", "0.8.3", "0.9.2", "0.10.2")
NT_VERSION = "0.6.5"
_ALLOW_ENV = "NTK_COURSE_ALLOW_UNTESTED_JAX"


class CompatError(ImportError):
    """neural-tangents cannot be imported safely on this JAX."""


def _has(module, name: str) -> bool:
    """hasattr without the DeprecationWarning JAX emits for deprecated names."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return hasattr(module, name)


def _bridge_jax() -> None:
    import jax.core as jcore
    import jax.extend.core as xcore
    import jax.interpreters.ad as ad

    for name in ("Jaxpr", "JaxprEqn", "Var", "Literal", "Primitive"):
        if not hasattr(jcore, name) and hasattr(xcore, name):
            setattr(jcore, name, getattr(xcore, name))
    private_util = importlib.import_module("jax._src.util")
    try:
        public_util = importlib.import_module("jax.util")
    except ImportError:  # removed in recent JAX
        sys.modules["jax.util"] = private_util
    else:  # JAX 0.7 keeps the module but not every name neural-tangents imports
        for name in ("safe_map", "safe_zip"):
            if not _has(public_util, name):
                setattr(public_util, name, getattr(private_util, name))
    ad_util = importlib.import_module("jax._src.ad_util")
    for name in ("zeros_like_p", "add_jaxvals_p"):
        if not _has(ad, name) and _has(ad_util, name):
            setattr(ad, name, getattr(ad_util, name))
    # The experimental sub-package only wraps TensorFlow; an empty module keeps
    # `from . import experimental` in neural_tangents/__init__.py working.
    if "neural_tangents.experimental" not in sys.modules:
        stub = types.ModuleType("neural_tangents.experimental")
        stub.__doc__ = "Not available: needs TensorFlow (stubbed by ntk_course._compat)."
        sys.modules["neural_tangents.experimental"] = stub


def _check_versions() -> bool:
    """Return True if this JAX is a tested one; raise if it must not be used."""
    if jax.__version__ in TESTED_JAX:
        return True
    # Colab ships its own JAX, which must never be downgraded: there the
    # self-check decides, even after a restart that lost the variable.
    if os.environ.get(_ALLOW_ENV) == "1" or "google.colab" in sys.modules:
        return False
    raise CompatError(
        f"ntk_course bridges neural-tangents {NT_VERSION} to JAX and was tested "
        f"with JAX {', '.join(TESTED_JAX)}; this environment has JAX "
        f"{jax.__version__}. Either install a tested JAX "
        f"(pip install 'jax=={TESTED_JAX[-1]}') or set {_ALLOW_ENV}=1 to try this "
        "one: the bridge then runs a numerical self-check at import and raises "
        "if it fails."
    )


def _import_neural_tangents():
    tested = _check_versions()
    _bridge_jax()
    try:
        module = importlib.import_module("neural_tangents")
    except ImportError as err:  # pragma: no cover - depends on the JAX at hand
        raise CompatError(
            f"neural-tangents {NT_VERSION} could not be imported on JAX "
            f"{jax.__version__} even with the compatibility bridge: {err}. "
            "Install it without dependencies: pip install --no-deps "
            f"neural-tangents=={NT_VERSION} frozendict"
        ) from err
    if module.__version__ != NT_VERSION:
        raise CompatError(
            f"ntk_course needs neural-tangents {NT_VERSION}, found {module.__version__}."
        )
    return module, tested


def self_check(nt_module=None) -> float:
    """Compare neural-tangents' one-layer ReLU NNGP against its closed form.

    Returns the largest relative error; raises :class:`CompatError` if it
    exceeds 1e-5. For ReLU with unit weight variance and inputs on the sphere,
    the post-activation covariance is the arc-cosine kernel
    ``(sin t + (pi - t) cos t) / (2 pi)`` with ``cos t = <x, x'> / d``.
    """
    import jax.numpy as jnp
    import numpy as np

    module = nt_module or nt
    _, _, kernel_fn = module.stax.serial(module.stax.Dense(1, W_std=1.0), module.stax.Relu(),
                                         module.stax.Dense(1, W_std=1.0))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 7))
    x = x / np.linalg.norm(x, axis=1, keepdims=True) * np.sqrt(7)
    got = np.asarray(kernel_fn(jnp.asarray(x), None, "nngp"))
    cos = np.clip(x @ x.T / 7, -1, 1)
    t = np.arccos(cos)
    want = (np.sin(t) + (np.pi - t) * cos) / (2 * np.pi)
    err = float(np.max(np.abs(got - want)) / np.max(np.abs(want)))
    if not err < 1e-5:
        raise CompatError(f"neural-tangents self-check failed on JAX {jax.__version__}: "
                          f"relative error {err:.2e} against the arc-cosine kernel")
    return err


nt, JAX_IS_TESTED = _import_neural_tangents()
stax = nt.stax
if not JAX_IS_TESTED:
    self_check(nt)

__all__ = ["nt", "stax", "TESTED_JAX", "NT_VERSION", "CompatError", "self_check",
           "JAX_IS_TESTED"]
