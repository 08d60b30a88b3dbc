"""Automatic checkers for the problem sets.

A checker takes the student's answer (a number, an array or a function), compares
it with a reference computed by ``ntk_course`` on inputs the student did not
see, and prints a verdict. It returns a :class:`Verdict` that is truthy when
the answer is right, so problem sets can ``assert`` it in the instructor
edition, while students get a hint instead of a traceback.

Problem set ``psNN`` keeps its checkers in ``ntk_course.checks.psNN``; the
tools here are shared by all of them.

>>> check_value("two plus two", 4.0, 4.0)
✓ two plus two: correct.
Verdict(passed=True, message='two plus two: correct.')
"""
from __future__ import annotations

import traceback
from typing import Callable, NamedTuple

import numpy as np

__all__ = ["Verdict", "check_value", "check_function"]


class Verdict(NamedTuple):
    """Outcome of a check; truthy when the answer is right."""

    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed


def _report(passed: bool, message: str) -> Verdict:
    print(("✓ " if passed else "✗ ") + message)
    return Verdict(passed, message)


def check_value(name: str, answer, expected, *, rtol: float = 1e-4, atol: float = 1e-6,
                hint: str = "") -> Verdict:
    """Compare a numeric answer (scalar or array) with the expected value."""
    try:
        got = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return _report(False, f"{name}: expected a number or an array, got {type(answer).__name__}.")
    want = np.asarray(expected, dtype=float)
    if got.shape != want.shape:
        return _report(False, f"{name}: expected shape {want.shape}, got {got.shape}.")
    if not np.all(np.isfinite(got)):
        return _report(False, f"{name}: your answer contains NaN or infinite values.")
    if np.allclose(got, want, rtol=rtol, atol=atol):
        return _report(True, f"{name}: correct.")
    err = float(np.max(np.abs(got - want)))
    return _report(False, f"{name}: not yet (largest deviation {err:.3g}). {hint}".strip())


def check_function(name: str, student: Callable, reference: Callable, cases, *,
                   rtol: float = 1e-4, atol: float = 1e-6, hint: str = "") -> Verdict:
    """Call ``student(*case)`` and ``reference(*case)`` on each case and compare."""
    if not callable(student):
        return _report(False, f"{name}: expected a function, got {type(student).__name__}.")
    for i, case in enumerate(cases):
        try:
            got = student(*case)
        except NotImplementedError:
            return _report(False, f"{name}: not implemented yet.")
        except Exception as err:  # a student's bug should print, not crash the notebook
            last = traceback.format_exception_only(type(err), err)[-1].strip()
            return _report(False, f"{name}: your function raised on test case {i}: {last}")
        verdict_inputs = (got, reference(*case))
        try:
            got_arr = np.asarray(verdict_inputs[0], dtype=float)
        except (TypeError, ValueError):
            return _report(False, f"{name}: test case {i} returned {type(got).__name__}, "
                                  "expected numbers.")
        want = np.asarray(verdict_inputs[1], dtype=float)
        if got_arr.shape != want.shape:
            return _report(False, f"{name}: on test case {i} expected shape {want.shape}, "
                                  f"got {got_arr.shape}.")
        if not np.allclose(got_arr, want, rtol=rtol, atol=atol):
            err = float(np.max(np.abs(got_arr - want)))
            return _report(False, f"{name}: wrong on test case {i} (largest deviation "
                                  f"{err:.3g}). {hint}".strip())
    return _report(True, f"{name}: correct on all {len(cases)} test cases.")
