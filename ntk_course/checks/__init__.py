"""Automatic checkers for the problem sets, and the tools they share.

Problem set ``psNN`` keeps its checkers in ``ntk_course.checks.psNN``. A checker
takes the student's answer (usually a function), runs it on test inputs drawn
from ``seed``, compares with the course's reference and returns a
:class:`Result`, which displays as one line ``✓ name: ...`` or ``✗ name: ...``
with a hint, and is truthy when the answer is right.

Writing a checker (the API inst-a and inst-b share)
---------------------------------------------------

``Result(name, status, message)``
    ``status`` is one of ``"passed"``, ``"failed"`` (a wrong answer),
    ``"invalid"`` (``None``, a string, a wrong type or shape...),
    ``"not implemented"`` (the stub raised ``NotImplementedError``) or
    ``"error"`` (the student's code raised). ``bool(result)`` and
    ``result.passed`` are True only for ``"passed"``. Its repr is the verdict
    line, so a check cell ``ps03.empirical_ntk(my_empirical_ntk)`` shows it.

``finish(result)``
    Every checker returns ``finish(...)`` of its result. In build mode
    (``config.build_mode()``, i.e. the book build and tests) a ``"failed"``,
    ``"invalid"`` or ``"error"`` result raises :class:`CheckFailed` (an
    ``AssertionError``), so a broken reference solution fails the build; a
    ``"not implemented"`` result never raises. ``strict(False)`` (a context
    manager) turns raising off, e.g. in tests that feed wrong answers;
    ``strict(True)`` forces it on. The autograder runs with it off.

``rng(seed, salt)``
    The generator of a checker's test inputs: ``seed`` is the checker's
    keyword (``0`` in the notebook, other values in the hidden autograder
    tests); ``salt`` separates checkers. ``check_seed(seed)`` validates it.

``call(name, fn, *args, **kwargs)``
    Calls the student's ``fn`` on deep copies of the arguments (an in-place
    update cannot corrupt the test inputs). Returns ``(value, None)``, or
    ``(None, result)`` when ``fn`` is not callable, raises
    ``NotImplementedError`` (``"not implemented"``) or raises anything else
    (``"error"``, with the exception's last line, no traceback).

``as_array(name, value, shape=None)`` / ``as_number(name, value)``
    Converts an answer to a float64 array / a float, or returns a failing
    ``"invalid"`` result saying what was wrong: ``None`` ("returned None: did
    you forget return?"), a string (``"230"`` is not the number 230), a bool, a
    non-numeric object, a wrong shape, NaN or inf. Use as
    ``x, bad = as_array(...)``; ``if bad is not None: return finish(bad)``
    (a Result is falsy unless passed: test ``is not None``, not its truth).

``close(got, want, rtol, atol)``
    ``max|got - want| <= atol + rtol * max|want|``: the error is measured
    against the scale of the whole answer, which suits float32 (``FLOAT32``
    is ``dict(rtol=1e-4, atol=1e-6)``, a good default).

``check_value(name, answer, expected, ...)`` and ``check_function(name, student, reference, cases, ...)``
    Ready-made checkers for one number/array and for a function compared with
    a reference on a list of argument tuples (the student gets deep copies, the
    reference the originals; a stub returns before any reference is computed).

``positive_int(name, value)`` / ``positive_float(...)``
    Validate the checker's own extra arguments (``samples_needed(d=...)``),
    raising ``TypeError``/``ValueError`` naming the argument: these are the
    instructor's mistakes, not the student's.

Problem-set layout (checked by ``tests/test_assignments.py``)
-------------------------------------------------------------
The introduction says ``"... worth T points: A checked automatically and H graded
by hand."`` (exact phrase ``T points: A checked automatically and H graded by
hand``, with ``A`` the sum of ``AUTOGRADED``). Each problem is a markdown heading
``## Problem k: Title (N points)`` (3 to 6 problems, numbered from 1, the ``N``
adding up to ``T``) followed by a line saying what is checked automatically and
what is graded by hand; hand-graded solutions contain the word ``Rubric``. Each
auto-checked problem has a code cell tagged ``stub`` (defines the function, body
``raise NotImplementedError``), a gated solution whose code cell is tagged
``solution``, and after ``{solution-end}`` a cell tagged ``check`` holding only
``psNN.<checker>(<function>)`` (no ``seed``, no ``assert``). The cells before
the first problem heading (imports) must run without the solutions.

Autograding (``tools/assignments.py``)
--------------------------------------
Each ``psNN`` module defines ``AUTOGRADED``, a dict mapping the name of each
checker that a check cell calls to its points. For a check cell
``psNN.checker(answer)`` the autograder writes one public test (seed 0, half
the points) and hidden tests with seeds 1 and 2 (a quarter each). A known
wrong answer for the grading test lives in ``tests/grading/psNN_wrong.py``:
Python source whose top-level functions replace the stub cells defining the
same names in the student notebook (other stubs stay); the grading test
expects a score strictly between zero and full marks.

>>> check_value("two plus two", 4.0, 4.0)
✓ two plus two: correct.
>>> with strict(False):
...     check_value("two plus two", "4", 4.0)
✗ two plus two: your answer is the string '4', not a number: remove the quotes.
"""
from __future__ import annotations

import contextlib
import copy
import numbers
import traceback
from typing import Callable, Iterable

import numpy as np

from .. import config

__all__ = ["Result", "Verdict", "CheckFailed", "finish", "strict", "rng", "check_seed", "call",
           "as_array", "as_number", "close", "check_value", "check_function", "positive_int",
           "positive_float", "FLOAT32", "STATUSES"]

STATUSES = ("passed", "failed", "invalid", "not implemented", "error")
FLOAT32 = dict(rtol=1e-4, atol=1e-6)
_STRICT: list[bool | None] = [None]     # None: follow config.build_mode()


class CheckFailed(AssertionError):
    """Raised by :func:`finish` in strict (build) mode when an implemented answer is wrong."""


class Result:
    """Outcome of a check: a status, a one-line message, truthy when passed."""

    __slots__ = ("name", "status", "message")

    def __init__(self, name: str, status: str, message: str):
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        self.name, self.status, self.message = str(name), status, str(message).strip()

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        mark = "✓" if self.passed else "✗"
        return f"{mark} {self.name}: {self.message}" if self.name else f"{mark} {self.message}"

    __repr__ = __str__

    def _repr_pretty_(self, printer, cycle):   # IPython display: the bare verdict line
        printer.text(str(self))


Verdict = Result    # the former name


@contextlib.contextmanager
def strict(enabled: bool | None):
    """Wrong answers raise (True), never raise (False) or follow build mode (None) in the block."""
    if enabled is not None and not isinstance(enabled, bool):
        raise TypeError(f"enabled must be True, False or None, got {enabled!r}")
    previous = _STRICT[0]
    _STRICT[0] = enabled
    try:
        yield
    finally:
        _STRICT[0] = previous


def _is_strict() -> bool:
    return config.build_mode() if _STRICT[0] is None else _STRICT[0]


def finish(result: Result) -> Result:
    """Return ``result``; in strict mode raise :class:`CheckFailed` if an implemented answer failed.
    """
    if not isinstance(result, Result):
        raise TypeError(f"result must be a Result, got {type(result).__name__}")
    if result.status not in ("passed", "not implemented") and _is_strict():
        raise CheckFailed(str(result))
    return result


def _report(passed: bool, message: str) -> Result:
    """Former helper of the checkers (``message`` holds the name); use ``finish(Result(...))``."""
    return finish(Result("", "passed" if passed else "failed", message))


def check_seed(seed) -> int:
    """Validate a checker's ``seed`` keyword: a non-negative int."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(f"seed must be a non-negative int, got {seed!r}")
    return int(seed)


def rng(seed: int, salt: int) -> np.random.Generator:
    """Generator of a checker's test inputs for ``seed`` (``salt`` tells checkers apart)."""
    return np.random.default_rng([check_seed(seed), int(salt)])


def positive_int(name: str, value, minimum: int = 1) -> int:
    """Validate a checker's extra integer argument (raises TypeError/ValueError naming it)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def positive_float(name: str, value, *, low: float = 0.0, high: float = np.inf) -> float:
    """Validate a checker's extra real argument, ``low < value < high``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    if not (low < float(value) < high):
        raise ValueError(f"{name} must lie strictly between {low} and {high}, got {value}")
    return float(value)


def _describe(value) -> str:
    return f"{type(value).__name__} {value!r}" if len(repr(value)) < 40 else type(value).__name__


def as_array(name: str, value, shape: tuple | None = None):
    """``(array, None)`` for a finite numeric answer of the given shape, else ``(None, Result)``."""
    def bad(msg):
        return None, Result(name, "invalid", msg)

    if value is None:
        return bad("your answer is None: did the function forget to `return` its result?")
    if isinstance(value, (str, bytes)):
        return bad(f"your answer is the string {value!r}, not a number: remove the quotes.")
    if isinstance(value, (bool, np.bool_)):
        return bad(f"your answer is the boolean {value}, not a number.")
    try:
        arr = np.asarray(value)
    except Exception:   # objects whose conversion itself fails (ragged lists, ...)
        return bad(f"expected numbers, got {_describe(value)}.")
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.number)):
        return bad(f"expected numbers, got {_describe(value)}.")
    if np.iscomplexobj(arr):
        if np.any(np.imag(arr) != 0):
            return bad("your answer has a non-zero imaginary part.")
        arr = np.real(arr)
    arr = arr.astype(np.float64)
    if shape is not None and arr.shape != tuple(shape):
        return bad(f"expected shape {tuple(shape)}, got {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        return bad("your answer contains NaN or infinite values.")
    return arr, None


def as_number(name: str, value):
    """``(float, None)`` for a finite real scalar answer, else ``(None, Result)``."""
    arr, bad = as_array(name, value)
    if bad is not None:
        return None, bad
    if arr.size != 1:
        return None, Result(name, "invalid",
                            f"expected one number, got an array of shape {arr.shape}.")
    return float(arr.reshape(())), None


def close(got, want, rtol: float = FLOAT32["rtol"], atol: float = FLOAT32["atol"]) -> bool:
    """``max|got - want| <= atol + rtol * max|want|`` (arrays of the same shape)."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    return bool(got.shape == want.shape
                and np.max(np.abs(got - want), initial=0.0) <= atol + rtol * scale)


def call(name: str, fn: Callable, *args, **kwargs):
    """Call the student's ``fn`` on deep copies of the arguments.

    Returns ``(value, None)``, or ``(None, Result)`` when the call did not give an answer.
    """
    if not callable(fn):
        return None, Result(name, "invalid", f"expected a function, got {_describe(fn)}.")
    try:
        return fn(*copy.deepcopy(args), **copy.deepcopy(kwargs)), None
    except NotImplementedError:
        return None, Result(name, "not implemented",
                            "not implemented yet: replace `raise NotImplementedError` with "
                            "your code.")
    except Exception as err:  # a student's bug should print, not crash the notebook
        last = traceback.format_exception_only(type(err), err)[-1].strip()
        return None, Result(name, "error", f"your function raised {last}")


def check_value(name: str, answer, expected, *, rtol: float = FLOAT32["rtol"],
                atol: float = FLOAT32["atol"], hint: str = "") -> Result:
    """Compare a numeric answer (scalar or array) with the expected value."""
    want = np.asarray(expected, dtype=float)
    got, bad = as_array(name, answer, shape=want.shape)
    if bad is not None:
        return finish(bad)
    if close(got, want, rtol, atol):
        return finish(Result(name, "passed", "correct."))
    err = float(np.max(np.abs(got - want), initial=0.0))
    return finish(Result(name, "failed", f"not yet (largest deviation {err:.3g}). {hint}"))


def check_function(name: str, student: Callable, reference: Callable, cases: Iterable[tuple], *,
                   rtol: float = FLOAT32["rtol"], atol: float = FLOAT32["atol"],
                   hint: str = "") -> Result:
    """Compare ``student(*deep copy of case)`` with ``reference(*case)`` on each case."""
    cases = list(cases)
    for i, case in enumerate(cases):
        got, bad = call(name, student, *case)                # on deep copies of the case
        if bad is not None:
            if bad.status == "error":
                bad = Result(name, "error", f"on test case {i}: {bad.message}")
            return finish(bad)
        want = np.asarray(reference(*case), dtype=float)     # on the originals
        got, bad = as_array(name, got, shape=want.shape)
        if bad is not None:
            return finish(Result(name, "invalid", f"on test case {i}: {bad.message}"))
        if not close(got, want, rtol, atol):
            err = float(np.max(np.abs(got - want), initial=0.0))
            return finish(Result(name, "failed", f"wrong on test case {i} (largest deviation "
                                                 f"{err:.3g}). {hint}"))
    return finish(Result(name, "passed", f"correct on all {len(cases)} test cases."))
