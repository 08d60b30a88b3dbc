"""The student edition keeps the exercises and removes every solution."""
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import student_edition  # noqa: E402


def notebook(*cells):
    made = []
    for kind, text in cells:
        maker = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        made.append(maker(text))
    return nbformat.v4.new_notebook(cells=made)


def test_gated_and_plain_solutions_are_removed():
    nb = notebook(
        ("md", "Intro\n\n```{exercise} One\n:label: e1\nDo it.\n```\n\n```{solution} e1\n:class: dropdown\nSecret text.\n```\n\nAfter."),
        ("code", "x = 1"),
        ("md", "```{exercise} Two\n:label: e2\nCode it.\n```\n\n```{solution-start} e2\n:class: dropdown\n```"),
        ("code", "secret_code = 42"),
        ("md", "Secret explanation."),
        ("code", "assert secret_code"),
        ("md", "```{solution-end}\n```\n\nClosing words."),
        ("code", "y = 2"),
    )
    out = student_edition.strip_solutions(nb)
    text = "\n".join(c.source for c in out.cells)
    assert "Secret" not in text and "secret_code" not in text and "solution" not in text
    assert "Do it." in text and "Code it." in text and "After." in text and "Closing words." in text
    assert [c.source for c in out.cells if c.cell_type == "code"] == ["x = 1", "y = 2"]


def test_unclosed_gate_is_an_error():
    nb = notebook(("md", "```{solution-start} e\n```"), ("code", "1"))
    with pytest.raises(ValueError, match="solution-end"):
        student_edition.strip_solutions(nb)


@pytest.mark.parametrize("source", sorted((ROOT / "lectures").glob("*.py"))
                         + sorted((ROOT / "exercises").glob("*.py")), ids=lambda p: p.name)
def test_real_pages_lose_solutions_but_keep_exercises(source):
    original = jupytext.read(source)
    out = student_edition.strip_solutions(original)
    text = "\n".join(c.source for c in out.cells)
    assert "{solution" not in text
    n_exercises = sum(c.source.count("{exercise}") for c in original.cells)
    assert text.count("{exercise}") == n_exercises and n_exercises >= 3


def test_student_config_shows_a_banner(tmp_path):
    import yaml

    out = tmp_path / "student"
    student_edition.main(out)
    config = yaml.safe_load((out / "_config.yml").read_text())
    assert "Student edition" in config["html"]["announcement"]
    assert config["title"].endswith("(student edition)")
    assert (out / "_ext" / "course_site.py").exists()
