"""Lecture sources: paired notebooks in sync, Colab cells, table of contents, profiles."""
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import sync_notebooks  # noqa: E402

SOURCES = sync_notebooks.sources()


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc["parts"]:
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def test_there_are_lectures():
    assert any(p.parent.name == "lectures" for p in SOURCES)


def test_paired_notebooks_are_in_sync_and_have_no_outputs():
    assert sync_notebooks.problems(sync_notebooks.repository_url()) == []


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
        assert 'tags=["remove-cell"]' in text and '"google.colab" in sys.modules' in text, source
        assert "NTK_COURSE_ALLOW_UNTESTED_JAX" in text, source
        if source.parent.name == "lectures":
            assert len(re.findall(r"config\.scale\(", text)) == 1, f"{source}: one config.scale call"


def test_paired_notebooks_are_excluded_from_the_build():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    excluded = config["exclude_patterns"]
    assert "lectures/*.ipynb" in excluded and "exercises/*.ipynb" in excluded
