"""State a quantitative claim, print measured against expected, raise if false.

Lectures never print a number in the text that was not computed: each number
they state goes through one of these functions, which prints a one-line
verdict and raises :class:`ClaimError` when the claim does not hold. Because
the lecture execution tests run every notebook, a number that drifts breaks
the build. ``glue=`` also stores the value for ``{glue:text}`` in the prose.
The functions return ``None``: the printed verdict is the output, and a cell
that ends with a claim shows nothing else.

>>> close("two plus two", 2 + 2, 4)
✓ two plus two: 4 (expected 4 ± 1e-08)
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

__all__ = ["ClaimError", "close", "between", "less", "greater", "holds", "history", "glue"]


class ClaimError(AssertionError):
    """A lecture claim does not hold for the numbers it computed."""


_HISTORY: list[tuple[str, bool]] = []


def history() -> list[tuple[str, bool]]:
    """The (statement, held) pairs checked so far in this process."""
    return list(_HISTORY)


def _fmt(value, spec: str | None) -> str:
    if spec is not None:
        return format(value, spec)
    if isinstance(value, (float, np.floating)):
        return f"{value:.4g}"
    return str(value)


def _as_scalar(statement: str, value):
    arr = np.asarray(value)
    if arr.ndim != 0:
        raise TypeError(f"claim {statement!r}: measured value must be a scalar, got shape {arr.shape}")
    value = arr.item()
    if isinstance(value, float) and not math.isfinite(value):
        raise ClaimError(f"✗ {statement}: measured value is {value}")
    return value


def _verdict(statement: str, ok: bool, text: str, value, glue: str | None, fmt: str | None):
    _HISTORY.append((statement, ok))
    mark = "✓" if ok else "✗"
    line = f"{mark} {statement}: {text}"
    if not ok:
        raise ClaimError(line)
    print(line)
    if glue is not None:
        _glue(glue, value, fmt)


def glue(name: str, value, fmt: str | None = None) -> None:
    """Store ``value`` (formatted) for ``{glue:text}`name``` in the page's prose.

    For values that are not claims themselves (sizes, labels, derived text).
    Outside a Jupyter Book build (Colab, plain Python) it does nothing.
    """
    _glue(name, value, fmt)


def _glue(name: str, value, fmt: str | None) -> None:
    """Store ``value`` (formatted) for ``{glue:text}`` references in the page."""
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # outside a Jupyter Book build there is nothing to glue to
        return
    myst_glue(name, _fmt(value, fmt), display=False)


def close(statement: str, measured, expected, *, rtol: float = 0.0, atol: float = 1e-8,
          glue: str | None = None, fmt: str | None = None):
    """Claim ``|measured - expected| <= atol + rtol * |expected|``."""
    value = _as_scalar(statement, measured)
    tol = atol + rtol * abs(expected)
    ok = abs(value - expected) <= tol
    return _verdict(statement, ok, f"{_fmt(value, fmt)} (expected {_fmt(expected, fmt)} ± {tol:.2g})",
                    value, glue, fmt)


def between(statement: str, measured, low, high, *, glue: str | None = None,
            fmt: str | None = None):
    """Claim ``low <= measured <= high``."""
    value = _as_scalar(statement, measured)
    ok = low <= value <= high
    return _verdict(statement, ok, f"{_fmt(value, fmt)} (expected in [{low}, {high}])", value,
                    glue, fmt)


def less(statement: str, measured, bound, *, glue: str | None = None, fmt: str | None = None):
    """Claim ``measured < bound``."""
    value = _as_scalar(statement, measured)
    ok = value < bound
    return _verdict(statement, ok, f"{_fmt(value, fmt)} (expected < {_fmt(bound, fmt)})", value,
                    glue, fmt)


def greater(statement: str, measured, bound, *, glue: str | None = None,
            fmt: str | None = None):
    """Claim ``measured > bound``."""
    value = _as_scalar(statement, measured)
    ok = value > bound
    return _verdict(statement, ok, f"{_fmt(value, fmt)} (expected > {_fmt(bound, fmt)})", value,
                    glue, fmt)


def holds(statement: str, condition: bool | Callable[[], bool], detail: str = ""):
    """Claim that a boolean condition is true (``detail`` says what was measured)."""
    ok = bool(condition() if callable(condition) else condition)
    return _verdict(statement, ok, detail or ("true" if ok else "false"), ok, None, None)
