"""claims: verdicts, failure behaviour (build vs interactive), one folded line per cell."""
import math

import jax.numpy as jnp
import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from ntk_course import claims


@pytest.fixture
def build(monkeypatch):
    monkeypatch.setenv("NTK_COURSE_BUILD", "1")
    monkeypatch.setenv("NTK_COURSE_SCALE", "quick")


@pytest.fixture
def interactive(monkeypatch):
    monkeypatch.delenv("NTK_COURSE_BUILD", raising=False)
    monkeypatch.setenv("NTK_COURSE_SCALE", "quick")


def test_build_mode_raises_on_every_kind_of_failure(build):
    for call in (lambda: claims.less("too big", 2.0, 1.0),
                 lambda: claims.between("outside", 5, 0, 1),
                 lambda: claims.greater("not greater", 1, 1),
                 lambda: claims.close("far", 1.0, 2.0, atol=0.5),
                 lambda: claims.holds("false", False),
                 lambda: claims.less("nan never passes", float("nan"), 1.0),
                 lambda: claims.greater("inf is not a measurement", math.inf, 1.0)):
        with pytest.raises(claims.ClaimError, match="✗"):
            call()
    assert claims.raises_on_failure()


def test_interactive_run_prints_the_failure_and_goes_on(interactive, capsys):
    assert claims.less("too big", 2.0, 1.0) is None
    claims.holds("nan-free", False)
    claims.close("nan", float("nan"), 1.0)
    err = capsys.readouterr().err
    assert "✗ too big: 2 (expected < 1)" in err and "does not hold in this run" in err
    assert "✗ nan-free" in err and "✗ nan: measured value is nan" in err
    assert claims.history()[-1] == ("nan", False)
    assert not claims.raises_on_failure()


def test_smoke_profile_reports_without_raising(monkeypatch, capsys):
    monkeypatch.setenv("NTK_COURSE_BUILD", "1")
    monkeypatch.setenv("NTK_COURSE_SCALE", "smoke")
    claims.greater("tiny sizes, meaningless number", 0.1, 5.0)
    assert "✗ tiny sizes" in capsys.readouterr().err


def test_passing_claims_print_one_line_outside_ipython(build, capsys):
    claims.close("pi", 3.14159, np.pi, atol=1e-4)
    claims.between("in range", jnp.float32(0.5), 0, 1)
    out = capsys.readouterr().out
    assert "✓ pi: 3.142 (expected 3.142 ± 0.0001)" in out and "✓ in range: 0.5" in out


def test_holds_accepts_only_booleans(build):
    claims.holds("python bool", True)
    claims.holds("numpy bool", np.int64(3) > 2)
    claims.holds("jax 0-d bool", jnp.array(1.0) == 1.0)
    claims.holds("callable", lambda: np.all(np.ones(3) > 0))
    for bad in ("False", "True", 1, 0.0, [True], np.array([True, True]), None):
        with pytest.raises(TypeError, match="condition must be a boolean"):
            claims.holds("not a boolean", bad)
    with pytest.raises(TypeError, match="condition"):
        claims.holds("callable returning a string", lambda: "yes")


@pytest.mark.parametrize("kwargs, match", [
    (dict(atol=math.inf), "atol must be finite"),
    (dict(atol=math.nan), "atol must be finite"),
    (dict(rtol=math.inf), "rtol must be finite"),
    (dict(rtol=-0.1), "must be >= 0"),
    (dict(atol="0.1"), "atol must be a real number"),
])
def test_close_rejects_vacuous_tolerances(build, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        claims.close("anything", 1.0, 1.0, **kwargs)


def test_bounds_must_be_finite_and_ordered(build):
    with pytest.raises(ValueError, match="high must be finite"):
        claims.between("open range", 1.0, 0.0, math.inf)
    with pytest.raises(ValueError, match="low=2"):
        claims.between("empty range", 1.0, 2.0, 1.0)
    with pytest.raises(ValueError, match="bound must be finite"):
        claims.less("vacuous", 1.0, math.inf)
    with pytest.raises(ValueError, match="bound must be finite"):
        claims.greater("vacuous", 1.0, -math.inf)
    with pytest.raises(ValueError, match="expected must be finite"):
        claims.close("nan expected", 1.0, math.nan)
    with pytest.raises(TypeError, match="scalar"):
        claims.close("array", np.ones(2), 1.0)
    with pytest.raises(TypeError, match="statement"):
        claims.close("", 1.0, 1.0)


def test_verdicts_go_to_the_build_log(build, monkeypatch, tmp_path):
    log = tmp_path / "claims.log"
    monkeypatch.setenv(claims.LOG_ENV_VAR, str(log))
    claims.greater("logged", 2.0, 1.0)
    with pytest.raises(claims.ClaimError):
        claims.less("logged failure", 2.0, 1.0)
    assert log.read_text().splitlines() == ["✓ logged: 2 (expected > 1)",
                                            "✗ logged failure: 2 (expected < 1)"]


def test_summary_line():
    assert claims.summary([("a", True)]) == "✓ 1 check"
    assert claims.summary([("a", True), ("b", False), ("c", False)]) == "✗ 2 of 3 checks failed"


def run_notebook(cells, env_code):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(env_code)]
                                  + [nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    return nb.cells[1:]


def outputs_of(cell, kind):
    return [o for o in cell.outputs if o.output_type == kind]


def test_a_kernel_shows_one_folded_line_per_cell_and_interactive_runs_complete():
    cells = run_notebook(
        ["from ntk_course import claims\n"
         "for i in range(6):\n    claims.greater(f'check {i}', i + 1, 0)",
         "claims.less('fails here', 2.0, 1.0)\nclaims.greater('still runs', 2.0, 1.0)",
         "x = 1  # no claims: no output"],
        "import os; os.environ.pop('NTK_COURSE_BUILD', None); os.environ['NTK_COURSE_SCALE'] = 'quick'")
    first, second, third = cells
    displays = outputs_of(first, "display_data")
    assert len(displays) == 1 and not outputs_of(first, "stream")
    html = displays[0].data["text/html"]
    assert "<details" in html and "<summary>✓ 6 checks</summary>" in html and html.count("<li>") == 6
    assert displays[0].data["text/plain"].startswith("✓ 6 checks")
    assert not outputs_of(second, "error")  # the notebook went on
    assert "✗ fails here" in "".join(o.text for o in outputs_of(second, "stream") if o.name == "stderr")
    assert "✗ 1 of 2 checks failed" in outputs_of(second, "display_data")[0].data["text/html"]
    assert third.outputs == []


def test_a_kernel_in_build_mode_stops_at_a_failing_claim():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in (
        "import os; os.environ['NTK_COURSE_BUILD'] = '1'; os.environ['NTK_COURSE_SCALE'] = 'quick'",
        "from ntk_course import claims\nclaims.less('fails here', 2.0, 1.0)",
        "never = True")])
    with pytest.raises(Exception, match="ClaimError"):
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()


def test_a_bare_ipython_shell_without_kernel_prints_lines(interactive, capsys):
    # The autograder creates an InteractiveShell inside pytest; verdicts must
    # still be printed there (CI once lost the doctest's output this way).
    from IPython.core.interactiveshell import InteractiveShell

    InteractiveShell.instance()
    try:
        assert claims._shell() is None
        claims.close("two plus two", 2 + 2, 4)
        assert "✓ two plus two" in capsys.readouterr().out
    finally:
        InteractiveShell.clear_instance()


def test_claims_pass_and_fail(capsys):
    assert claims.close("pi", 3.14159, np.pi, atol=1e-4) is None  # nothing for Jupyter to echo
    assert "✓ pi: 3.142" in capsys.readouterr().out
    with pytest.raises(claims.ClaimError, match="✗ too big"):
        claims.less("too big", 2.0, 1.0)
    with pytest.raises(claims.ClaimError):
        claims.between("outside", 5, 0, 1)
    with pytest.raises(claims.ClaimError):
        claims.greater("not greater", 1, 1)
    with pytest.raises(claims.ClaimError):
        claims.holds("false", False)
    with pytest.raises(claims.ClaimError, match="nan"):
        claims.less("nan never passes", float("nan"), 1.0)
    with pytest.raises(TypeError, match="scalar"):
        claims.close("array", np.ones(2), 1.0)
    assert claims.history()[-1] == ("nan never passes", False)


def test_claims_rtol():
    claims.close("rel", 101.0, 100.0, rtol=0.02)
    with pytest.raises(claims.ClaimError):
        claims.close("rel", 103.0, 100.0, rtol=0.02)
