"""Scale profiles, seeds and a device report.

Every lecture takes its sizes from :func:`scale`, which returns the ``quick``
value on a CPU (and in CI) and the ``full`` value where JAX sees a GPU or TPU.
Set ``NTK_COURSE_SCALE=quick`` or ``NTK_COURSE_SCALE=full`` to force one.

>>> from ntk_course import config
>>> width = config.scale(quick=256, full=4096)   # doctest: +SKIP
"""
from __future__ import annotations

import os
import platform

__all__ = ["PROFILES", "ENV_VAR", "BUILD_ENV_VAR", "SEED", "profile", "build_mode", "scale",
           "double_precision", "device_report"]

PROFILES = ("quick", "full")
ENV_VAR = "NTK_COURSE_SCALE"
#: set to 1 by the Makefile (book build, notebook tests, CI): claims raise, figures are glued
BUILD_ENV_VAR = "NTK_COURSE_BUILD"
#: the seed every lecture starts from, so executed pages are reproducible
SEED = 0


def _accelerator_present() -> bool:
    import jax

    return any(d.platform in ("gpu", "tpu", "cuda", "rocm") for d in jax.devices())


def profile() -> str:
    """Return the active profile: ``"quick"`` or ``"full"``."""
    forced = os.environ.get(ENV_VAR, "").strip().lower()
    if forced:
        if forced not in PROFILES:
            raise ValueError(f"{ENV_VAR} must be one of {PROFILES}, got {forced!r}")
        return forced
    return "full" if _accelerator_present() else "quick"


def build_mode() -> bool:
    """True inside the book build and the tests (``NTK_COURSE_BUILD=1``), False in
    an interactive session (Colab, Jupyter).

    >>> os.environ[BUILD_ENV_VAR] = "1"; build_mode()
    True
    """
    return os.environ.get(BUILD_ENV_VAR, "").strip() == "1"


def scale(*, quick, full):
    """Return ``quick`` or ``full`` according to :func:`profile`.

    >>> os.environ[ENV_VAR] = "quick"; scale(quick=1, full=2)
    1
    """
    return full if profile() == "full" else quick


def double_precision():
    """Context manager that computes in float64 inside its block, on any JAX.

    JAX computes in float32 unless told otherwise; comparisons of two
    implementations of the same formula need more digits. (The context lives
    at ``jax.enable_x64`` in recent JAX and ``jax.experimental.enable_x64``
    before 0.8.)

    >>> import jax.numpy as jnp
    >>> with double_precision():
    ...     print(jnp.ones(1).dtype)
    float64
    """
    import jax

    enable = getattr(jax, "enable_x64", None)
    if enable is None:
        from jax.experimental import enable_x64 as enable
    return enable(True)


def device_report() -> str:
    """One line naming the profile, the JAX backend and its devices."""
    import jax

    devices = jax.devices()
    kinds = sorted({d.device_kind for d in devices})
    return (f"profile={profile()} | JAX {jax.__version__} on {jax.default_backend()} "
            f"({len(devices)} device{'s' if len(devices) != 1 else ''}: {', '.join(kinds)}) | "
            f"Python {platform.python_version()}")
