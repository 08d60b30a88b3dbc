"""Reader notebooks: MyST turned into plain Markdown, two sets, install cell, Colab buttons."""
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import reader_notebooks as rn  # noqa: E402

SITE = "https://example.org/book/"
DOC = "lectures/l01_x"
REF = rn.Reference(
    site=SITE,
    labels={"lecture-x": (DOC, "lecture-x", "The X lecture"),
            "sec-y": ("lectures/l02_y", "sec-y", "A section of Y"),
            "fig-a": (DOC, "fig-a", "")},
    numbers={DOC: {"theorem": {"thm-a": (2,)}, "exercise": {"ex-a": (4,), "ex-b": (5,)},
                   "displaymath": {"equation-eq-a": (7,)}, "figure": {"fig-a": (3,)}}},
    equations={"eq-a": (DOC, "7")},
    proofs={"thm-a": (DOC, "theorem")},
    exercises={"ex-a": DOC, "ex-b": DOC},
    citations={"jacot2018ntk": (SITE + "book/bibliography.html#id6", "Jacot et al.", "2018"),
               "cho2009kernel": (SITE + "book/bibliography.html#id11", "Cho and Saul", "2009")},
    glue={DOC: {"err": "2.9e-15", "slope": "-0.50"}},
    macros={"R": r"\mathbb{R}", "E": r"\mathbb{E}"},
    profile="quick", repository="https://github.com/o/r", release="v9.9")

PAGE = [
    ("md", "(lecture-x)=\n# The X lecture\n\nIntro citing {cite}`jacot2018ntk,cho2009kernel`."),
    ("code", 'import sys\n\nif "google.colab" in sys.modules:\n    pass', ["remove-cell"]),
    ("md", "```{prf:theorem} Big result\n:label: thm-a\nFor $x\\in\\R^d$,\n\n"
           "$$\n\\E[x] = 0\n$$ (eq-a)\n\n```\n\n"
           "```{prf:proof}\nBy {eq}`eq-a`.\n```\n\nSee {prf:ref}`thm-a`, {ref}`sec-y`, "
           "{ref}`the lecture <lecture-x>`, {doc}`the set <../exercises/ps01_x>`, {numref}`fig-a`. "
           "The error is {glue:text}`err` and the slope {glue}`slope`. "
           "Write `{cite}` for a citation.\n% an author's comment"),
    ("code", "fig = make()\nplotting.glue_figure('fig-a', fig)"),
    ("md", "```{glue:figure} fig-a\n:name: fig-a\n:alt: A line going up.\n\nThe line goes up.\n```"),
    ("md", "```{exercise} Do it\n:label: ex-a\nShow that $\\R$ is big.\n```\n\n"
           "```{solution} ex-a\n:class: dropdown\nSecret text solution.\n```\n\nAfter the exercise."),
    ("md", "```{exercise} Code it\n:label: ex-b\nWrite `f`.\n```"),
    ("code", "def f():\n    raise NotImplementedError", ["stub"]),
    ("code", "check(f)", ["check"]),
    ("md", "```{solution-start} ex-b\n:class: dropdown\n```"),
    ("code", "secret_code = 42"),
    ("md", "Secret explanation."),
    ("md", "```{solution-end}\n```\n\nClosing words."),
    ("code", "secret_tagged = 1", ["solution"]),
    ("code", "y = 2"),
]


def page():
    cells = []
    for kind, text, *tags in PAGE:
        cell = (nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell)(text)
        if tags:
            cell.metadata["tags"] = tags[0]
        cells.append(cell)
    return nbformat.v4.new_notebook(cells=cells)


@pytest.fixture(scope="module")
def editions():
    return {e: rn.convert_notebook(page(), DOC, REF, e) for e in rn.SETS}


def markdown(nb):
    return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("edition", rn.SETS)
def test_no_myst_survives(editions, edition):
    nb = editions[edition]
    assert rn.leftovers(nb) == []
    text = markdown(nb)
    assert "```{" not in text and "% an author" not in text
    assert "Write `{cite}` for a citation." in text  # inline code is left alone


def test_boxes_equations_and_macros(editions):
    text = markdown(editions["self-study"])
    assert "**Theorem 2** (Big result)" in text and '<a id="thm-a"></a>' in text
    assert "\\tag{7}" in text and '<a id="equation-eq-a"></a>' in text
    assert "*Proof.* By [(7)](https://example.org/book/lectures/l01_x.html#equation-eq-a)." in text
    assert "\\mathbb{R}^d" in text and "\\mathbb{E}[x]" in text and "\\R" not in text.split("$", 2)[2]
    first = next(c for c in editions["self-study"].cells if c.cell_type == "markdown").source
    assert first.startswith('<a id="lecture-x"></a>\n# The X lecture')
    assert "\\newcommand{\\R}{\\mathbb{R}}" in first and "reference run (`quick` profile)" in first


def test_citations_references_and_glued_values(editions):
    text = markdown(editions["self-study"])
    assert ("[[Jacot et al., 2018](https://example.org/book/book/bibliography.html#id6); "
            "[Cho and Saul, 2009](https://example.org/book/book/bibliography.html#id11)]") in text
    assert "[Theorem 2](https://example.org/book/lectures/l01_x.html#thm-a)" in text
    assert "[A section of Y](https://example.org/book/lectures/l02_y.html#sec-y)" in text
    assert "[the lecture](https://example.org/book/lectures/l01_x.html#lecture-x)" in text
    assert "[the set](https://example.org/book/exercises/ps01_x.html)" in text
    assert "[Figure 3](https://example.org/book/lectures/l01_x.html#fig-a)" in text
    assert "The error is 2.9e-15† and the slope -0.50†." in text


def test_figure_caption_follows_the_cell_that_draws_it(editions):
    cells = editions["self-study"].cells
    index = next(i for i, c in enumerate(cells) if "glue_figure('fig-a'" in c.source)
    assert cells[index + 1].cell_type == "markdown"
    assert cells[index + 1].source == '<a id="fig-a"></a>\n\n**Figure 3.** The line goes up.'
    assert markdown(editions["self-study"]).count("The line goes up.") == 1


def test_self_study_folds_every_solution_after_its_exercise(editions):
    nb = editions["self-study"]
    text = markdown(nb)
    assert "<summary><b>Solution to Exercise 4</b> (click to show)</summary>" in text
    assert text.index("Show that") < text.index("Secret text solution.") < text.index("After the")
    assert ("<summary><b>Solution to Exercise 5: explanation</b> (click to show)</summary>\n\n"
            "Secret explanation.") in text
    heading = next(i for i, c in enumerate(nb.cells) if c.source.startswith("**Solution to Exercise 5**"))
    assert nb.cells[heading + 1].source.startswith("#@title Solution to Exercise 5")  # before the code
    hidden = [c for c in nb.cells if c.cell_type == "code" and "secret" in c.source]
    assert len(hidden) == 2
    assert hidden[1].source.startswith("#@title Solution to Exercise 5 ")  # tagged `solution`
    for cell in hidden:
        assert cell.source.startswith("#@title Solution")
        assert cell.metadata["cellView"] == "form" and cell.metadata["jupyter"]["source_hidden"]
    assert "Closing words." in text and "**Exercise 5** (Code it)" in text


def test_student_set_has_no_solution_but_keeps_stubs_and_checks(editions):
    nb = editions["student"]
    everything = "\n".join(c.source for c in nb.cells)
    assert "Secret" not in everything and "secret" not in everything and "Solution" not in everything
    codes = [c.source for c in nb.cells if c.cell_type == "code"]
    assert "def f():\n    raise NotImplementedError" in codes and "check(f)" in codes and "y = 2" in codes
    assert "# Your work on Exercise 5" in codes  # where the gated solution's code was
    tags = [c.metadata.get("tags") for c in nb.cells if c.cell_type == "code"]
    assert ["stub"] in tags and ["check"] in tags
    text = markdown(nb)
    assert "**Exercise 4** (Do it)" in text and "After the exercise." in text and "Closing words." in text


def test_install_cell_replaces_the_colab_cell(editions):
    for nb in editions.values():
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code[0].source == rn.install_cell_source(REF)
        assert "ntk_course @ git+https://github.com/o/r@v9.9" in code[0].source
        assert not any("google.colab\" in sys.modules:\n    pass" in c.source for c in code)


def test_unresolved_references_are_errors():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "# T\n\n{ref}`nowhere` {cite}`nobody2020` {glue:text}`missing` {eq}`eq-none`")])
    with pytest.raises(ValueError) as err:
        rn.convert_notebook(nb, DOC, REF, "self-study")
    for piece in ("nowhere", "nobody2020", "missing", "eq-none"):
        assert piece in str(err.value)


def test_unclosed_gate_is_an_error():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("```{solution-start} ex-a\n```"),
                                         nbformat.v4.new_code_cell("1")])
    with pytest.raises(ValueError, match="solution-end"):
        rn.convert_notebook(nb, DOC, REF, "student")


def test_install_cell_is_silent_when_installed_and_explains_otherwise(tmp_path):
    cell = rn.install_cell_source(rn.Reference(site=SITE, repository="https://github.com/o/r",
                                               release="v1.0"))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)])
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    assert nb.cells[0].outputs == []
    # Without the package and outside Colab: an error that says how to install (no pip run).
    script = tmp_path / "cell.py"
    script.write_text(cell)
    run = subprocess.run([sys.executable, "-I", "-S", str(script)], capture_output=True, text=True,
                         cwd=tmp_path)
    assert run.returncode == 1
    assert "ModuleNotFoundError" in run.stderr
    assert "pip install 'ntk_course @ git+https://github.com/o/r@v1.0'" in run.stderr


def test_the_install_cell_pins_the_release_of_this_version():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)[1]
    assert config["repository"]["release"] == f"v{version}"


@pytest.mark.parametrize("edition", rn.SETS)
def test_colab_buttons_point_at_the_right_set(edition):
    app = SimpleNamespace(config=SimpleNamespace(reader_notebooks_set=edition))
    url = "https://colab.research.google.com/github/o/r/blob/main/lectures/l03_ntk.py"
    context = {"header_buttons": [{"label": "launch-buttons", "buttons": [
        {"text": "Colab", "url": url}, {"text": "Binder", "url": "https://binder/x"}]}]}
    rn._colab_buttons(app, "lectures/l03_ntk", "page.html", context, None)
    buttons = context["header_buttons"][0]["buttons"]
    assert buttons[0]["url"] == ("https://colab.research.google.com/github/o/r/blob/main/"
                                 f"notebooks/{edition}/lectures/l03_ntk.ipynb")
    assert buttons[1]["url"] == "https://binder/x"


TRACKED = sorted(rn.TRACKED.rglob("*.ipynb"))


@pytest.mark.parametrize("path", TRACKED, ids=lambda p: str(p.relative_to(rn.TRACKED)))
def test_tracked_reader_notebooks(path):
    nb = nbformat.read(path, as_version=4)
    edition = path.relative_to(rn.TRACKED).parts[0]
    assert edition in rn.SETS
    assert rn.leftovers(nb) == [], path
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in nb.cells if c.cell_type == "code"), f"{path} holds outputs"
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.source.startswith("#@title Setup: make the course package")
    assert first_code.metadata.get("cellView") == "form"
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    if edition == "student":
        assert not solutions and "<summary><b>Solution" not in markdown(nb)
    source = ROOT / path.relative_to(rn.TRACKED / edition).with_suffix(".py")
    assert source.exists(), f"{path}: no source {source}"


@pytest.mark.site
def test_tracked_reader_notebooks_match_the_build():
    """`make book` writes notebooks/; a stale or missing notebook fails here."""
    assert rn.compare(rn.BUILT, rn.TRACKED) == [], "run `make book` and commit notebooks/"


def check_buttons(html: Path, edition: str):
    pages = sorted((html / "lectures").glob("*.html")) + sorted((html / "exercises").glob("*.html"))
    assert pages, f"no pages in {html}"
    for page in pages:
        links = re.findall(r'href="(https://colab\.research\.google\.com/[^"]+)"', page.read_text())
        assert links, f"{page.name}: no Colab button"
        for link in links:
            path = link.split("/blob/", 1)[1].split("/", 1)[1]
            rel = page.relative_to(html).with_suffix(".ipynb").as_posix()
            assert path == f"notebooks/{edition}/{rel}", link
            assert (ROOT / path).exists(), f"{link}: missing {path}"


@pytest.mark.site
def test_every_colab_button_opens_a_notebook_of_the_right_set():
    html = ROOT / "_build" / "html"
    if not (html / "index.html").exists():
        pytest.fail("the site is not built: run `make build-check` (or `make book`) first")
    check_buttons(html, "self-study")
    student = ROOT / "_build" / "student" / "_build" / "html"
    if (student / "index.html").exists():  # built by `make student`
        check_buttons(student, "student")


@pytest.mark.parametrize("path", [p for p in TRACKED if p.relative_to(rn.TRACKED).parts[0] == "self-study"],
                         ids=lambda p: str(p.relative_to(rn.TRACKED)))
def test_self_study_code_is_the_page_code(path):
    """The self-study notebook runs exactly the page's code (after its install cell), so the
    book build, which executes the page, also vouches for the notebook's code."""
    import jupytext

    source = ROOT / path.relative_to(rn.TRACKED / "self-study").with_suffix(".py")
    page = [c.source for c in jupytext.read(source).cells
            if c.cell_type == "code" and not rn._is_colab_cell(c)]
    code = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    assert code[0].startswith("#@title Setup")
    unfolded = [re.sub(r"^#@title [^\n]*\n", "", c) for c in code[1:]]
    assert unfolded == page, f"{path} is stale: run `make book`"
