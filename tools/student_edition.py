"""Build the sources of the student edition: the book with every solution removed.

    python tools/student_edition.py OUT_DIR

Writes into OUT_DIR a copy of the book (config, table of contents, front
matter) whose lectures and problem sets have their solutions cut out: the
``{solution}`` directives, and for gated solutions everything between
``{solution-start}`` and ``{solution-end}``, code cells included. Each page is
written as a py:percent source, which the book builds. Exercises stay. The
notebooks students open are the student set of the reader notebooks
(``notebooks/student``, written by tools/reader_notebooks.py from the main
build), where this site's Colab buttons point.

sphinx-exercise's own ``hide_solutions`` option is not used: in version 1.2.1
it drops the start of a gated solution but keeps its code cells and end
marker, so code solutions would leak and the HTML writer fails.
"""
from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import jupytext
import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
#: shown at the top of every page of the student site
STUDENT_BANNER = ("Student edition: the solutions are hidden. Each page's download "
                  "menu offers the student notebook.")
FENCE = re.compile(r"^(`{3,}|:{3,})\{(solution|solution-start|solution-end)\}")


def strip_solutions(notebook):
    """Return a copy of ``notebook`` without solutions (see the module docstring)."""
    cells = []
    in_gated = False      # between solution-start and solution-end
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            if not in_gated:
                cells.append(cell)
            continue
        kept, skip_until = [], None
        lines = cell.source.split("\n")
        i = 0
        while i < len(lines):
            line = lines[i]
            if skip_until is not None:
                if line.strip() == skip_until:
                    skip_until = None
                i += 1
                continue
            match = FENCE.match(line.strip())
            if match:
                fence, kind = match.groups()
                # The directive's block ends at the next bare fence of the same kind.
                skip_until = fence
                if kind == "solution-start":
                    in_gated = True
                elif kind == "solution-end":
                    in_gated = False
                i += 1
                continue
            if not in_gated:
                kept.append(line)
            i += 1
        text = "\n".join(kept).strip("\n")
        if text:
            cells.append(nbformat.v4.new_markdown_cell(text, metadata=cell.metadata))
    if in_gated:
        raise ValueError("a solution-start has no matching solution-end")
    return nbformat.v4.new_notebook(cells=cells, metadata=notebook.metadata)


def main(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["title"] += " (student edition)"
    # Colab buttons open the student set of the reader notebooks (notebooks/student),
    # which the main build generates; this build generates none.
    sphinx = config.setdefault("sphinx", {})
    sphinx.setdefault("local_extensions", {})["reader_notebooks"] = str(ROOT / "tools")
    sphinx.setdefault("config", {}).update(reader_notebooks_set="student",
                                           reader_notebooks_generate=False)
    config.setdefault("html", {})["announcement"] = STUDENT_BANNER
    (out / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    shutil.copy(ROOT / "_toc.yml", out / "_toc.yml")
    shutil.copytree(ROOT / "book", out / "book")
    shutil.copytree(ROOT / "_ext", out / "_ext")  # the book's Sphinx additions
    for folder in ("lectures", "exercises"):
        (out / folder).mkdir()
        for source in sorted((ROOT / folder).glob("*.py")):
            notebook = strip_solutions(jupytext.read(source))
            jupytext.write(notebook, out / folder / source.name, fmt="py:percent")
    print(f"student edition sources in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
