"""State a quantitative claim, check it against the measured value, report it.

Lectures never print a number in the text that was not computed: each number
they state goes through one of these functions. ``glue=`` also stores the value
for ``{glue:text}`` in the prose. The functions return ``None``.

**When a claim fails.** In the book build, the tests and CI
(:func:`ntk_course.config.build_mode`, ``NTK_COURSE_BUILD=1``, which the
Makefile exports) a failing claim raises :class:`ClaimError`, so a number that
drifts stops the build. In an interactive session (Colab, Jupyter) it prints
the failure clearly and the notebook goes on, so that "Run all" with another
seed, profile or device completes. In the ``smoke`` profile (full's branches
at tiny sizes, which test code paths, not numbers) failures are reported and
never raise.

**What a reader sees.** Inside IPython the verdicts of one cell are collected
and shown once, after the cell, as a single line (``✓ 6 checks``) whose details
are folded (an HTML ``<details>`` block, which the website and Colab both
render; plain text elsewhere). A failure is also printed at once, unfolded.
Outside IPython (scripts, doctests) each verdict is printed on its own line.
Every verdict is also appended to the file named by ``NTK_COURSE_CLAIMS_LOG``
when that variable is set (the Makefile sets it to ``_build/claims.log``),
so the verdicts stay visible in the build log.

>>> close("two plus two", 2 + 2, 4)
✓ two plus two: 4 (expected 4 ± 1e-08)
"""
from __future__ import annotations

import html
import math
import os
import sys
from typing import Callable

import numpy as np

__all__ = ["ClaimError", "close", "between", "less", "greater", "holds", "history", "glue",
           "raises_on_failure", "LOG_ENV_VAR", "summary"]

#: file to which every verdict line is appended (set by the Makefile for the build log)
LOG_ENV_VAR = "NTK_COURSE_CLAIMS_LOG"


class ClaimError(AssertionError):
    """A lecture claim does not hold for the numbers it computed."""


_HISTORY: list[tuple[str, bool]] = []
_PENDING: list[tuple[str, bool]] = []   # verdicts of the running IPython cell
_HOOKED: list[object] = []              # the IPython shell whose post_run_cell we hooked


def history() -> list[tuple[str, bool]]:
    """The (statement, held) pairs checked so far in this process."""
    return list(_HISTORY)


def raises_on_failure() -> bool:
    """True when a failing claim raises: the build and CI, except the smoke profile.

    >>> import os; os.environ["NTK_COURSE_BUILD"] = "1"; os.environ["NTK_COURSE_SCALE"] = "quick"
    >>> raises_on_failure()
    True
    """
    from ntk_course import config

    return config.build_mode() and config.profile() != "smoke"


def _fmt(value, spec: str | None) -> str:
    if spec is not None:
        return format(value, spec)
    if isinstance(value, (float, np.floating)):
        return f"{value:.4g}"
    return str(value)


def _check_statement(statement) -> None:
    if not isinstance(statement, str) or not statement.strip():
        raise TypeError(f"statement must be a non-empty string, got {statement!r}")


def _finite_number(name: str, value, statement: str) -> float:
    """A tolerance or bound given by the author: a finite real number, else an error."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer,
                                                                      np.floating)):
        arr = np.asarray(value) if not isinstance(value, (str, bytes)) else None
        if arr is None or arr.ndim != 0 or arr.dtype.kind not in "iuf":
            raise TypeError(f"claim {statement!r}: {name} must be a real number, got {value!r}")
        value = arr.item()
    if not math.isfinite(value):
        raise ValueError(f"claim {statement!r}: {name} must be finite, got {value}")
    return value


def _as_scalar(statement: str, value):
    """The measured value as a Python scalar; ``None`` when it is NaN or infinite."""
    arr = np.asarray(value)
    if arr.ndim != 0:
        raise TypeError(f"claim {statement!r}: measured value must be a scalar, got shape {arr.shape}")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"claim {statement!r}: measured value must be a real number, got {value!r}")
    value = arr.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _log(line: str) -> None:
    path = os.environ.get(LOG_ENV_VAR, "").strip()
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    except OSError:  # a log that cannot be written never breaks a lecture
        pass


def _shell():
    """The running IPython shell, or None (scripts, doctests, pytest)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    try:
        shell = ipython.get_ipython()
    except Exception:  # pragma: no cover - IPython half-imported
        return None
    # Only a kernel (Jupyter, Colab, the book build) shows rich output after a
    # cell. A bare InteractiveShell that some library created inside pytest or
    # a script (the autograder does) has no kernel: print lines there.
    if shell is None or getattr(shell, "kernel", None) is None or not hasattr(shell, "events"):
        return None
    return shell


def summary(verdicts: list[tuple[str, bool]]) -> str:
    """One line for a cell's verdicts: ``✓ 6 checks`` or ``✗ 1 of 6 checks failed``.

    >>> summary([("a", True), ("b", True)])
    '✓ 2 checks'
    >>> summary([("a", True), ("b", False)])
    '✗ 1 of 2 checks failed'
    """
    n = len(verdicts)
    failed = sum(not ok for _, ok in verdicts)
    if failed:
        return f"✗ {failed} of {n} check{'s' if n != 1 else ''} failed"
    return f"✓ {n} check{'s' if n != 1 else ''}"


class _Folded:
    """A cell's verdicts: one line, details folded (HTML) or listed (plain text)."""

    def __init__(self, lines: list[tuple[str, bool]]):
        self.lines = lines

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(line)}</li>" for line, _ in self.lines)
        return (f'<details class="ntk-claims"><summary>{html.escape(summary(self.lines))}'
                f'</summary><ul style="margin:0.2em 0;font-size:90%">{items}</ul></details>')

    def __repr__(self) -> str:
        return summary(self.lines) + "".join(f"\n  {line}" for line, _ in self.lines)


def _flush(*_args) -> None:
    """post_run_cell hook: show the verdicts of the cell that just ran, once."""
    if not _PENDING:
        return
    lines = list(_PENDING)
    _PENDING.clear()
    from IPython.display import display

    display(_Folded(lines))


def _hook(shell) -> bool:
    if not _HOOKED or _HOOKED[0] is not shell:
        try:
            shell.events.register("post_run_cell", _flush)
        except Exception:  # pragma: no cover - an unusual shell: print lines instead
            return False
        _HOOKED[:] = [shell]
    return True


def _verdict(statement: str, ok: bool, text: str, value, glue: str | None, fmt: str | None):
    _HISTORY.append((statement, ok))
    mark = "✓" if ok else "✗"
    line = f"{mark} {statement}: {text}"
    _log(line)
    if not ok:
        if raises_on_failure():
            raise ClaimError(line)
        print(f"{line}\n  This claim of the text does not hold in this run (another seed, profile "
              "or device?). The notebook goes on; the book build would stop here.",
              file=sys.stderr)
    shell = _shell()
    if shell is not None and _hook(shell):
        _PENDING.append((line, ok))
    elif ok:
        print(line)
    if glue is not None and value is not None:
        _glue(glue, value, fmt)


def glue(name: str, value, fmt: str | None = None) -> None:
    """Store ``value`` (formatted) for ``{glue:text}`name``` in the page's prose.

    For values that are not claims themselves (sizes, labels, derived text).
    Without myst-nb (Colab, plain Python) it does nothing; with it, the value
    becomes a hidden cell output that the book build reads (and
    tools/full_profile.py, which runs pages without build mode).
    """
    _glue(name, value, fmt)


def _glue(name: str, value, fmt: str | None) -> None:
    """Store ``value`` (formatted) for ``{glue:text}`` references in the page."""
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # outside a Jupyter Book build there is nothing to glue to
        return
    myst_glue(name, _fmt(value, fmt), display=False)


def _not_finite(statement: str, measured) -> str:
    return f"measured value is {np.asarray(measured).item()}"


def close(statement: str, measured, expected, *, rtol: float = 0.0, atol: float = 1e-8,
          glue: str | None = None, fmt: str | None = None):
    """Claim ``|measured - expected| <= atol + rtol * |expected|``.

    ``expected``, ``rtol`` and ``atol`` must be finite and the tolerances
    non-negative (an infinite tolerance would make the claim vacuous).
    """
    _check_statement(statement)
    expected = _finite_number("expected", expected, statement)
    rtol = _finite_number("rtol", rtol, statement)
    atol = _finite_number("atol", atol, statement)
    if rtol < 0 or atol < 0:
        raise ValueError(f"claim {statement!r}: rtol and atol must be >= 0, got {rtol}, {atol}")
    value = _as_scalar(statement, measured)
    if value is None:
        return _verdict(statement, False, _not_finite(statement, measured), None, glue, fmt)
    tol = atol + rtol * abs(expected)
    ok = abs(value - expected) <= tol
    return _verdict(statement, ok, f"{_fmt(value, fmt)} (expected {_fmt(expected, fmt)} ± {tol:.2g})",
                    value, glue, fmt)


def between(statement: str, measured, low, high, *, glue: str | None = None,
            fmt: str | None = None):
    """Claim ``low <= measured <= high`` (finite bounds, ``low <= high``)."""
    _check_statement(statement)
    low = _finite_number("low", low, statement)
    high = _finite_number("high", high, statement)
    if low > high:
        raise ValueError(f"claim {statement!r}: low={low} is above high={high}")
    value = _as_scalar(statement, measured)
    if value is None:
        return _verdict(statement, False, _not_finite(statement, measured), None, glue, fmt)
    ok = low <= value <= high
    return _verdict(statement, ok, f"{_fmt(value, fmt)} (expected in [{_fmt(low, fmt)}, "
                    f"{_fmt(high, fmt)}])", value, glue, fmt)


def less(statement: str, measured, bound, *, glue: str | None = None, fmt: str | None = None):
    """Claim ``measured < bound`` (a finite bound)."""
    _check_statement(statement)
    bound = _finite_number("bound", bound, statement)
    value = _as_scalar(statement, measured)
    if value is None:
        return _verdict(statement, False, _not_finite(statement, measured), None, glue, fmt)
    ok = value < bound
    return _verdict(statement, ok, f"{_fmt(value, fmt)} (expected < {_fmt(bound, fmt)})", value,
                    glue, fmt)


def greater(statement: str, measured, bound, *, glue: str | None = None,
            fmt: str | None = None):
    """Claim ``measured > bound`` (a finite bound)."""
    _check_statement(statement)
    bound = _finite_number("bound", bound, statement)
    value = _as_scalar(statement, measured)
    if value is None:
        return _verdict(statement, False, _not_finite(statement, measured), None, glue, fmt)
    ok = value > bound
    return _verdict(statement, ok, f"{_fmt(value, fmt)} (expected > {_fmt(bound, fmt)})", value,
                    glue, fmt)


def _as_bool(statement: str, condition) -> bool:
    """A real boolean (Python, NumPy or a 0-d JAX/NumPy bool array), else TypeError.

    Strings, numbers and lists are refused: ``holds(s, "False")`` would pass.
    """
    if isinstance(condition, (bool, np.bool_)):
        return bool(condition)
    dtype, shape = getattr(condition, "dtype", None), getattr(condition, "shape", None)
    if dtype is not None and np.dtype(dtype) == np.bool_ and tuple(shape) == ():
        return bool(condition)
    raise TypeError(f"claim {statement!r}: condition must be a boolean (True/False, or a "
                    f"0-d boolean array), got {type(condition).__name__} {condition!r}")


def holds(statement: str, condition: bool | Callable[[], bool], detail: str = ""):
    """Claim that a boolean condition is true (``detail`` says what was measured).

    ``condition`` is a bool (or a 0-d boolean array) or a function returning one.
    """
    _check_statement(statement)
    if not isinstance(detail, str):
        raise TypeError(f"claim {statement!r}: detail must be a string, got {detail!r}")
    ok = _as_bool(statement, condition() if callable(condition) else condition)
    return _verdict(statement, ok, detail or ("true" if ok else "false"), ok, None, None)
