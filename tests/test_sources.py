"""Lecture sources: no raw-MyST notebooks, Colab cells, table of contents, profiles, names."""
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for folder in ("lectures", "exercises") for p in (ROOT / folder).glob("*.py"))


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc["parts"]:
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def test_there_are_lectures():
    assert any(p.parent.name == "lectures" for p in SOURCES)


def test_no_raw_myst_notebook_next_to_the_sources():
    """Readers open the generated notebooks (notebooks/); a jupytext pair would show raw MyST."""
    tracked = subprocess.run(["git", "ls-files", "lectures", "exercises"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    assert not [f for f in tracked if f.endswith(".ipynb")]
    for source in SOURCES:
        assert "formats: ipynb" not in source.read_text(), f"{source.name}: pairs with an .ipynb"


def test_every_toc_entry_exists_and_every_source_is_listed():
    listed = toc_files()
    for entry in listed:
        candidates = [ROOT / f"{entry}{ext}" for ext in (".md", ".py", ".ipynb")]
        assert any(c.exists() for c in candidates), f"{entry} is in _toc.yml but missing"
    for source in SOURCES:
        rel = str(source.relative_to(ROOT).with_suffix(""))
        assert rel in listed, f"{rel} is not in _toc.yml: every lecture and problem set is published"


def test_each_page_has_colab_cell_and_one_profile():
    for source in SOURCES:
        text = source.read_text()
        # tools/reader_notebooks.py replaces this hidden cell by the install cell.
        assert 'tags=["remove-cell"]' in text and '"google.colab" in sys.modules' in text, source
        if source.parent.name == "lectures":
            assert len(re.findall(r"config\.scale\(", text)) == 1, f"{source}: one config.scale call"


def test_notebooks_are_excluded_from_the_build():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    excluded = config["exclude_patterns"]
    assert "notebooks" in excluded
    assert "lectures/*.ipynb" in excluded and "exercises/*.ipynb" in excluded


def test_no_page_uses_an_undefined_name():
    """Static check of every page, branches that no profile runs in CI included."""
    pages = [str(p) for p in SOURCES]
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "F821",
                             "--output-format", "concise", *pages], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
