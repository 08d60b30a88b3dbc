"""Scale profiles, seeds and a device report.

Every lecture takes its sizes from :func:`scale`, which returns the ``quick``
value on a CPU (and in CI) and the ``full`` value where JAX sees a GPU or TPU.
Set ``NTK_COURSE_SCALE=quick``, ``full`` or ``smoke`` to force one.

The ``smoke`` profile exists for CI: it takes every branch that ``full`` takes,
at ``quick``'s sizes, so that an undefined name or a shape error in a
full-only branch fails the tests without a GPU. Rule (see :func:`smoke_value`):
booleans, strings and ``None`` (branch switches, implementation or dataset
names) come from ``full``; numbers and containers of numbers (sizes, steps,
lists of widths) come from ``quick``; dicts are merged key by key with the same
rule. Claims report but never raise in ``smoke`` (tiny sizes test code paths,
not numbers), and downloads are replaced by tiny files in the real formats that
the tests generate (``tools/smoke.py``).

>>> from ntk_course import config
>>> width = config.scale(quick=256, full=4096)   # doctest: +SKIP
"""
from __future__ import annotations

import os
import platform

__all__ = ["PROFILES", "ENV_VAR", "BUILD_ENV_VAR", "SEED", "profile", "build_mode", "scale",
           "double_precision", "device_report", "smoke_value"]

PROFILES = ("quick", "smoke", "full")
ENV_VAR = "NTK_COURSE_SCALE"
#: set to 1 by the Makefile (book build, notebook tests, CI): claims raise, figures are glued
BUILD_ENV_VAR = "NTK_COURSE_BUILD"
#: the seed every lecture starts from, so executed pages are reproducible
SEED = 0


def _accelerator_present() -> bool:
    import jax

    return any(d.platform in ("gpu", "tpu", "cuda", "rocm") for d in jax.devices())


def profile() -> str:
    """Return the active profile: ``"quick"``, ``"smoke"`` or ``"full"``."""
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


def _is_switch(value) -> bool:
    return value is None or isinstance(value, (bool, str))


def smoke_value(quick, full):
    """The ``smoke`` value from a ``quick`` and a ``full`` value.

    Switches (bool, str, None) from ``full``, everything else from ``quick``;
    dicts key by key (both must have the same keys).

    >>> smoke_value(dict(n=64, mnist=False, impl="jacobian", widths=[8, 16]),
    ...             dict(n=4096, mnist=True, impl="ntvp", widths=[8, 16, 32]))
    {'n': 64, 'mnist': True, 'impl': 'ntvp', 'widths': [8, 16]}
    """
    if isinstance(quick, dict) and isinstance(full, dict):
        if set(quick) != set(full):
            raise ValueError("quick and full must have the same keys; only in quick: "
                             f"{sorted(set(quick) - set(full))}, only in full: "
                             f"{sorted(set(full) - set(quick))}")
        return {k: smoke_value(quick[k], full[k]) for k in quick}
    if _is_switch(full) or _is_switch(quick):
        return full
    return quick


def scale(*, quick, full):
    """Return ``quick``, ``full`` or their smoke mix according to :func:`profile`.

    When both are dicts they must have the same keys (full-only branches are
    gated by boolean entries, never by sizes present only in ``full``).

    >>> os.environ[ENV_VAR] = "quick"; scale(quick=1, full=2)
    1
    >>> os.environ[ENV_VAR] = "smoke"; scale(quick=dict(n=1, big=False), full=dict(n=9, big=True))
    {'n': 1, 'big': True}
    >>> os.environ[ENV_VAR] = "quick"
    """
    if isinstance(quick, dict) and isinstance(full, dict) and set(quick) != set(full):
        raise ValueError("quick and full must have the same keys; only in quick: "
                         f"{sorted(set(quick) - set(full))}, only in full: "
                         f"{sorted(set(full) - set(quick))}")
    chosen = profile()
    if chosen == "smoke":
        return smoke_value(quick, full)
    return full if chosen == "full" else quick


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
