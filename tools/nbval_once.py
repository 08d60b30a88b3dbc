"""Run nbval only on the notebooks whose code the book build has not already executed.

    python tools/nbval_once.py DIR [pytest options...]

``make test`` builds the book first: the build executes every page (lectures and
problem sets, read from their py:percent sources) in a fresh ``python3`` kernel
and fails on any cell error (``allow_errors: false`` and ``-W``). Successful
runs are stored in the execution cache ``_build/.jupyter_cache`` (by the build,
or ahead of it by tools/execute_pages.py, which runs the pages two at a time the
same way), keyed by the page's code cells. nbval (``--nbval-lax``) then asks the same question of each
notebook in ``DIR`` (the notebooks readers open): do all its code cells run, in
order, in a fresh ``python3`` kernel, without an error? For a notebook whose
code is the page's code, the answer is already known, so it is not executed a
second time. A notebook counts as already executed when all of these hold:

* a page source with the same file name exists, and the execution cache holds
  a successful run of exactly that source's current code cells and kernel
  (jupyter-cache's own key: a page that changed since its run does not match);
* the notebook's code cells are the same strings, in the same order, as the
  page's code cells (Markdown may differ: it does not execute), with two
  differences that the reader-notebook generator makes and that execute
  nothing different: a reader notebook's ``#@title ...`` first lines are
  comments (Colab's folded forms), and its first cell is the install cell that
  replaces the page's Colab-only cell; outside Colab, with the package
  installed, both do nothing but imports (tests/test_reader_notebooks.py runs
  the install cell on its own and checks that it is silent);
* neither side carries a tag that changes what executes or what counts as a
  failure (``skip-execution``, ``raises-exception``, ``nbval-*``), and no
  source comment asks nbval to compare outputs (``# NBVAL_*``);
* the notebook's kernel is ``python3``, the kernel the build uses.

Everything else (a notebook with an extra or changed cell, one without a page,
any page the build did not cache) runs under nbval as before. Environment
variables are the ones ``make`` exports to both runs (NTK_COURSE_*, PYTHONHASHSEED).
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "_build" / ".jupyter_cache"
SOURCE_DIRS = ("lectures", "exercises")
EXECUTION_TAGS = ("skip-execution", "raises-exception")
#: first line of the reader notebooks' install cell (tools/reader_notebooks.py)
INSTALL_TITLE = "#@title Setup"


def page_sources() -> dict[str, Path]:
    return {p.stem: p for d in SOURCE_DIRS for p in sorted((ROOT / d).glob("*.py"))}


def code_cells(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


def page_code(page) -> list[str]:
    """The page's code cells without its Colab-only install cell."""
    return [c.source for c in page.cells if c.cell_type == "code"
            and not ("google.colab" in c.source and "remove-cell" in c.metadata.get("tags", []))]


def reader_code(nb) -> list[str]:
    """A reader notebook's code cells without its install cell and form titles."""
    cells = code_cells(nb)
    if cells and cells[0].startswith(INSTALL_TITLE):
        cells = cells[1:]
    return [re.sub(r"^#@title [^\n]*\n", "", c) for c in cells]


def changes_execution(nb) -> bool:
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if any(t in EXECUTION_TAGS or t.startswith("nbval") for t in tags):
            return True
        if "# NBVAL_" in cell.source:
            return True
    return False


def already_executed(notebook: Path, sources: dict[str, Path], cache) -> str | None:
    """The reason the notebook need not run again, or None if it must run."""
    source = sources.get(notebook.stem)
    if source is None or cache is None:
        return None
    page = jupytext.read(source)
    try:
        record = cache.match_cache_notebook(page)
    except KeyError:
        return None
    reader = nbformat.read(notebook, as_version=4)
    kernel = reader.metadata.get("kernelspec", {}).get("name", "python3")
    if kernel != "python3" or reader_code(reader) != page_code(page):
        return None
    if changes_execution(reader) or changes_execution(page):
        return None
    seconds = (record.data or {}).get("execution_seconds")
    when = f" in {seconds:.0f} s" if seconds is not None else ""
    return f"same code as {source.parent.name}/{source.name}, executed by the book build{when}"


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    folder, pytest_args = Path(argv[0]), argv[1:]
    cache = None
    if CACHE.exists():
        from jupyter_cache import get_cache

        cache = get_cache(CACHE)
    sources = page_sources()
    to_run = []
    for notebook in sorted(folder.rglob("*.ipynb")):
        reason = already_executed(notebook, sources, cache)
        if reason:
            print(f"{notebook.relative_to(folder)}: {reason}")
        else:
            to_run.append(str(notebook))
    print(f"{len(to_run)} notebooks to execute under nbval")
    if not to_run:
        return 0
    cmd = [sys.executable, "-m", "pytest", "--nbval-lax", *pytest_args, *to_run]
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
