"""Problem sets as handed out: answer and check cells survive the student edition, checkers
say "not implemented yet" on the stubs and pass on the reference solutions, and the Otter
autograder gives full marks to the solutions, zero to the stubs and a partial score to a
known wrong answer (tests/grading/psNN_wrong.py), offline.

Every problem set whose checker module defines ``AUTOGRADED`` is covered; a set without it
is reported as skipped (run with ``-rs`` to see which).
"""
import ast
import contextlib
import importlib
import io
import re
import sys
import time
from pathlib import Path

import jupytext
import pytest

from ntk_course import checks

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import assignments  # noqa: E402
from student_edition import strip_solutions  # noqa: E402

SOURCES = assignments.problem_sets()
HEADING = re.compile(r"^## Problem (\d+): .+ \((\d+) points?\)$", re.MULTILINE)


def autograded(source):
    module = importlib.import_module(f"ntk_course.checks.{source.name[:4]}")
    if not hasattr(module, "AUTOGRADED"):
        pytest.skip(f"{source.name[:4]} has no AUTOGRADED checkers yet")
    return module.AUTOGRADED


def tagged(notebook, tag):
    return [c for c in notebook.cells
            if c.cell_type == "code" and tag in c.metadata.get("tags", [])]


def setup_code(notebook):
    """The cells that run before the first problem (imports), minus the Colab install cell."""
    code = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and HEADING.search(cell.source):
            break
        if cell.cell_type == "code" and "remove-cell" not in cell.metadata.get("tags", []):
            code.append(cell.source)
    return "\n".join(code)


def test_there_are_eleven_problem_sets():
    assert [s.name[:4] for s in SOURCES] == [f"ps{i:02d}" for i in range(1, 12)]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name[:4])
def test_student_notebook_has_a_stub_and_a_check_per_autograded_problem(source):
    points = autograded(source)
    nn = source.name[:4]
    student = assignments.student_notebook(source)      # what the students get
    calls = assignments.check_calls(student, nn)
    assert sorted(c for c, _ in calls) == sorted(points), "one check cell per AUTOGRADED checker"
    stubs = assignments.stub_names(student)
    assert len(stubs) >= len(calls)
    for cell in tagged(student, "stub"):
        body = ast.parse(cell.source).body
        assert any(isinstance(n, ast.FunctionDef) for n in body), cell.source
        assert "raise NotImplementedError" in cell.source
    for _, call in calls:   # each check passes one of the stubbed functions
        names = {n.id for n in ast.walk(ast.parse(call)) if isinstance(n, ast.Name)}
        assert names & set(stubs), call
    assert not tagged(student, "solution"), "solution cells must sit inside the solution block"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name[:4])
def test_problems_state_points_and_how_they_are_graded(source):
    points = autograded(source)
    text = "\n".join(c.source for c in jupytext.read(source).cells if c.cell_type == "markdown")
    headings = HEADING.findall(text)
    assert 3 <= len(headings) <= 6
    assert [int(k) for k, _ in headings] == list(range(1, len(headings) + 1))
    total = sum(int(p) for _, p in headings)
    auto = sum(points.values())
    hand = total - auto
    assert hand > 0, "at least one proof or experiment graded by hand"
    flat = " ".join(text.split())
    assert f"{total} points: {auto} checked automatically and {hand} graded by hand" in flat
    assert text.count("checked automatically") >= 2 and "graded by hand" in text
    assert "Rubric" in text


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name[:4])
def test_checkers_say_not_implemented_on_stubs_and_pass_on_solutions(source):
    autograded(source)
    nn = source.name[:4]
    notebook = jupytext.read(source)
    calls = assignments.check_calls(notebook, nn)
    scope = {}
    exec(setup_code(notebook), scope)
    for cell in tagged(notebook, "stub"):
        exec(cell.source, scope)
    with checks.strict(True):   # a stub must never raise, even in build mode
        for checker, call in calls:
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                result = eval(call, scope)
            assert result.status == "not implemented", (checker, str(result))
            assert "not implemented yet" in str(result)
            assert "Traceback" not in str(result) + out.getvalue()
        for cell in tagged(notebook, "solution"):
            exec(cell.source, scope)
        for checker, call in calls:
            result = eval(call, scope)        # raises CheckFailed if the solution is wrong
            assert result.passed, str(result)
            for seed in assignments.HIDDEN_SEEDS:
                tree = ast.parse(call, mode="eval")
                tree.body.keywords.append(ast.keyword(arg="seed", value=ast.Constant(seed)))
                assert eval(compile(ast.fix_missing_locations(tree), "<check>", "eval"), scope)


# --- the autograder, end to end (Otter-Grader, offline, no Docker) -----------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return tmp_path_factory.mktemp("assignments")


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["solution", "stub", "wrong"])
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name[:4])
def test_autograder_scores(source, kind, built):
    autograded(source)
    nn = source.name[:4]
    folder = built / nn
    if not (folder / f"{nn}-autograder.zip").exists():
        assignments.build(built, [nn])
    student = next(folder.glob("*.ipynb"))
    assert student.name == source.with_suffix(".ipynb").name
    submission = assignments.submission(source, kind, built / f"{nn}-{kind}.ipynb")
    result = assignments.grade(folder / f"{nn}-autograder.zip", submission)
    total = sum(autograded(source).values())
    assert result["max_score"] == pytest.approx(total)
    if kind == "solution":
        assert result["score"] == pytest.approx(total), result["tests"]
    elif kind == "stub":
        assert result["score"] == 0, result["tests"]
    else:
        assert 0 < result["score"] < total, result["tests"]


def test_build_rejects_a_check_cell_inside_a_solution(tmp_path):
    notebook = jupytext.reads(
        '# %% [markdown]\n# ```{solution-start} x\n# ```\n\n'
        '# %% tags=["check"]\nps01.samples_needed(samples_needed)\n\n'
        '# %% [markdown]\n# ```{solution-end}\n# ```\n', fmt="py:percent")
    assert assignments.check_calls(notebook, "ps01")
    assert not assignments.check_calls(strip_solutions(notebook), "ps01")
    with pytest.raises(ValueError, match="one checker call"):
        assignments.check_calls(jupytext.reads('# %% tags=["check"]\nx = 1\n', fmt="py:percent"),
                                "ps01")
    with pytest.raises(ValueError, match="default seed"):
        assignments.check_calls(jupytext.reads(
            '# %% tags=["check"]\nps01.samples_needed(f, seed=3)\n', fmt="py:percent"), "ps01")


def test_grading_stops_at_its_time_limit():
    """grade() bounds Otter's executor, which has no timeout of its own."""
    start = time.perf_counter()
    with pytest.raises(TimeoutError, match="grading took longer than 0.2 s"):
        with assignments._time_limit(0.2, "grading"):
            time.sleep(5)
    assert time.perf_counter() - start < 2
    time.sleep(0.3)   # the alarm was cancelled: nothing fires after the block
