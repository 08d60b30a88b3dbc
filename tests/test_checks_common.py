"""The shared checker tools: verdicts, invalid answers, deep copies, build-mode raising."""
import importlib
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from ntk_course import checks
from ntk_course.checks import (
    Result,
    as_array,
    as_number,
    call,
    check_function,
    check_value,
)


def test_result_display_and_truth():
    ok, bad = Result("sum", "passed", "correct."), Result("sum", "failed", "off by one.")
    assert ok and ok.passed and str(ok) == "✓ sum: correct."
    assert not bad and repr(bad) == "✗ sum: off by one."
    with pytest.raises(ValueError, match="status"):
        Result("sum", "good", "")


@pytest.mark.parametrize("value, words", [
    (None, "None"), ("230", "string"), (True, "boolean"), (object(), "numbers"),
    ([1.0, np.nan], "NaN"), ([[1, 2], [3]], "numbers"), (1 + 2j, "imaginary")])
def test_invalid_answers_say_what_is_wrong(value, words):
    got, bad = as_array("x", value)
    assert got is None and bad.status == "invalid" and words in bad.message


def test_string_number_is_not_the_number():
    assert not check_value("count", "230", 230)
    assert check_value("count", 230, 230) and check_value("count", np.int64(230), 230.0)
    assert as_number("x", np.ones((1, 1)))[0] == 1.0
    assert as_number("x", np.ones(2))[1].status == "invalid"


def test_shape_is_checked():
    assert check_value("v", np.zeros(3), np.zeros(3))
    assert "shape" in check_value("v", np.zeros(4), np.zeros(3)).message


def test_tolerance_is_relative_to_the_answer_scale():
    want = np.array([1e3, 1e-9])
    assert checks.close(want + np.array([0.05, 1e-3]), want)     # float32-level error
    assert not checks.close(want + np.array([0.5, 0.0]), want)


def test_call_copies_arguments_and_reports_stubs_and_errors():
    x = np.zeros(3)

    def in_place(a):
        a += 1
        return a

    got, bad = call("f", in_place, x)
    assert bad is None and np.all(got == 1) and np.all(x == 0)

    def stub(a):
        raise NotImplementedError

    _, bad = call("f", stub, x)
    assert bad.status == "not implemented" and "Traceback" not in bad.message
    _, bad = call("f", lambda a: 1 / 0, x)
    assert bad.status == "error" and "ZeroDivisionError" in bad.message
    _, bad = call("f", "not a function", x)
    assert bad.status == "invalid"


def test_check_function_reports_none_and_wrong_values():
    def stub(a):
        raise NotImplementedError

    ref = lambda a: 2 * a  # noqa: E731
    cases = [(np.arange(3.0),)]
    assert check_function("double", lambda a: 2 * a, ref, cases)
    assert check_function("double", lambda a: None, ref, cases).status == "invalid"
    assert check_function("double", lambda a: 3 * a, ref, cases).status == "failed"
    assert check_function("double", stub, ref, cases).status == "not implemented"


def test_build_mode_raises_on_wrong_answers_but_never_on_stubs(monkeypatch):
    def stub(a):
        raise NotImplementedError

    monkeypatch.setenv("NTK_COURSE_BUILD", "1")
    with checks.strict(None):
        with pytest.raises(checks.CheckFailed, match="double"):
            check_function("double", lambda a: 3 * a, lambda a: 2 * a, [(1.0,)])
        assert check_function("double", stub, lambda a: 2 * a, [(1.0,)]).status == "not implemented"
    monkeypatch.setenv("NTK_COURSE_BUILD", "0")
    with checks.strict(None):
        assert not check_function("double", lambda a: 3 * a, lambda a: 2 * a, [(1.0,)])
    with checks.strict(True):
        with pytest.raises(checks.CheckFailed):
            check_value("v", 1.0, 2.0)


def test_seed_and_argument_validation():
    assert checks.rng(0, 1).normal() == checks.rng(0, 1).normal() != checks.rng(1, 1).normal()
    for bad in (-1, 1.5, "0", True):
        with pytest.raises(TypeError, match="seed"):
            checks.rng(bad, 1)
    with pytest.raises(TypeError, match="d must be an int"):
        checks.positive_int("d", 2.0)
    with pytest.raises(ValueError, match="d must be at least 2"):
        checks.positive_int("d", 1, minimum=2)
    with pytest.raises(ValueError, match="eps"):
        checks.positive_float("eps", 0.7, high=0.5)


def test_checkers_accept_right_and_reject_wrong():
    assert checks.check_value("v", [1.0, 2.0], [1.0, 2.0])
    assert not checks.check_value("v", [1.0, 2.5], [1.0, 2.0])
    assert not checks.check_value("v", [1.0], [1.0, 2.0])
    assert not checks.check_value("v", "abc", 1.0)
    square = lambda x: x ** 2
    assert checks.check_function("f", square, square, [(1.0,), (np.arange(3.0),)])
    assert not checks.check_function("f", lambda x: x ** 3, square, [(2.0,)])

    def broken(x):
        raise RuntimeError("oops")

    verdict = checks.check_function("f", broken, square, [(2.0,)])
    assert not verdict and "oops" in verdict.message

    def todo(x):
        raise NotImplementedError

    assert "not implemented" in checks.check_function("f", todo, square, [(2.0,)]).message


@pytest.mark.parametrize("nn", ["06", "07", "08", "09", "10", "11"])
def test_known_wrong_answer_is_partly_right(nn):
    """tests/grading/psNN_wrong.py (the autograder's partial-score case) passes one
    auto-checked problem and fails another, on every seed the autograder uses; it
    answers each auto-checked problem ``name`` with a function ``my_name``."""
    module = importlib.import_module(f"ntk_course.checks.ps{nn}")
    path = Path(__file__).parent / "grading" / f"ps{nn}_wrong.py"
    spec = importlib.util.spec_from_file_location(f"ps{nn}_wrong", path)
    wrong = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(wrong)
    verdicts = {name: [bool(getattr(module, name)(getattr(wrong, f"my_{name}"), seed=s))
                       for s in (0, 1, 2)] for name in module.AUTOGRADED}
    assert any(all(v) for v in verdicts.values()) and any(not any(v) for v in verdicts.values())
