"""tools/nbval_once.py skips a notebook only when the book build ran exactly its code."""
import importlib.util
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("nbval_once", ROOT / "tools" / "nbval_once.py")
nbval_once = importlib.util.module_from_spec(spec)
spec.loader.exec_module(nbval_once)

PAGE = '''# %% [markdown]
# # A page

# %%
x = 1

# %% [markdown]
# Some text.

# %%
print(x + 1)
'''


@pytest.fixture
def setup(tmp_path):
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    source = tmp_path / "lectures" / "l99_page.py"
    source.parent.mkdir()
    source.write_text(PAGE)
    cache = get_cache(tmp_path / "cache")
    page = jupytext.read(source)
    cache.cache_notebook_bundle(CacheBundleIn(page, str(source), data={"execution_seconds": 3.0}),
                                check_validity=False)
    return {"l99_page": source}, cache, page, tmp_path


def write(nb, path):
    nbformat.write(nb, path)
    return path


def test_same_code_with_other_markdown_is_not_run_again(setup):
    sources, cache, page, tmp = setup
    page.cells[0].source = "# A page, rewritten for Colab"
    reason = nbval_once.already_executed(write(page, tmp / "l99_page.ipynb"), sources, cache)
    assert reason and "executed by the book build in 3 s" in reason


@pytest.mark.parametrize("change", ["code", "extra cell", "tag", "marker", "kernel", "name"])
def test_anything_that_changes_execution_runs(setup, change):
    sources, cache, page, tmp = setup
    name = "l99_page.ipynb"
    if change == "code":
        page.cells[1].source = "x = 2"
    elif change == "extra cell":
        page.cells.append(nbformat.v4.new_code_cell("1 / 0"))
    elif change == "tag":
        page.cells[3].metadata["tags"] = ["raises-exception"]
    elif change == "marker":
        page.cells[3].source = "# NBVAL_CHECK_OUTPUT\nprint(x + 1)"
    elif change == "kernel":
        page.metadata["kernelspec"] = {"name": "other", "display_name": "other", "language": "python"}
    elif change == "name":
        name = "l98_other.ipynb"
    assert nbval_once.already_executed(write(page, tmp / name), sources, cache) is None


def test_a_page_changed_since_its_run_runs(setup):
    sources, cache, page, tmp = setup
    sources["l99_page"].write_text(PAGE.replace("x = 1", "x = 3"))
    page = jupytext.read(sources["l99_page"])
    assert nbval_once.already_executed(write(page, tmp / "l99_page.ipynb"), sources, cache) is None


def test_without_a_cache_everything_runs(setup):
    sources, _, page, tmp = setup
    assert nbval_once.already_executed(write(page, tmp / "l99_page.ipynb"), sources, None) is None
