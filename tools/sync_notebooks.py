"""Keep every lecture's .ipynb (for Colab) in sync with its py:percent source.

    python tools/sync_notebooks.py            # rewrite the paired .ipynb files
    python tools/sync_notebooks.py --check    # fail if any pair is out of sync
    python tools/sync_notebooks.py --export D # write executable copies into D (for nbval)

The repository URL in each notebook's Colab install cell is taken from
``_config.yml`` (``repository.url``), the single place where it is set.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import jupytext
import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("lectures", "exercises")
REPO_LINE = re.compile(r'^(\s*REPO = )"[^"]*"', re.MULTILINE)


def repository_url() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["repository"]["url"].rstrip("/")


def sources() -> list[Path]:
    return sorted(p for folder in SOURCES for p in (ROOT / folder).glob("*.py"))


def with_repo_url(text: str, url: str) -> str:
    return REPO_LINE.sub(lambda m: f'{m.group(1)}"{url}"', text)


def notebook_for(source: Path):
    notebook = jupytext.reads(source.read_text(), fmt="py:percent")
    for index, cell in enumerate(notebook.cells):
        # Deterministic ids keep re-synced notebooks free of spurious diffs.
        cell["id"] = f"cell-{index:03d}"
        if cell.cell_type == "code":
            cell.update(outputs=[], execution_count=None)
    return notebook


def problems(url: str) -> list[str]:
    found = []
    for source in sources():
        text = source.read_text()
        rel = source.relative_to(ROOT)
        urls = re.findall(r'^\s*REPO = "([^"]*)"', text, re.MULTILINE)
        if urls != [url]:
            found.append(f"{rel}: the Colab install cell must set REPO = \"{url}\" once (found {urls})")
        paired = source.with_suffix(".ipynb")
        if not paired.exists():
            found.append(f"{rel}: no paired notebook {paired.name}; run `make sync`")
            continue
        stored = nbformat.read(paired, as_version=4)
        expected = notebook_for(source)
        if any(c.get("outputs") for c in stored.cells if c.cell_type == "code"):
            found.append(f"{paired.relative_to(ROOT)} holds outputs; run `make sync`")
        if [(c.cell_type, c.source) for c in stored.cells] != [(c.cell_type, c.source) for c in expected.cells]:
            found.append(f"{paired.relative_to(ROOT)} differs from {rel}; run `make sync`")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--export", type=Path)
    args = parser.parse_args()
    url = repository_url()
    if args.check:
        found = problems(url)
        for line in found:
            print(line, file=sys.stderr)
        print(f"{len(sources())} sources checked, {len(found)} problems")
        return 1 if found else 0
    if args.export:
        args.export.mkdir(parents=True, exist_ok=True)
        for source in sources():
            target = args.export / source.parent.name / source.with_suffix(".ipynb").name
            target.parent.mkdir(exist_ok=True)
            nbformat.write(notebook_for(source), target)
        return 0
    for source in sources():
        text = source.read_text()
        fixed = with_repo_url(text, url)
        if fixed != text:
            source.write_text(fixed)
        nbformat.write(notebook_for(source), source.with_suffix(".ipynb"))
        print(f"synced {source.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
