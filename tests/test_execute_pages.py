"""tools/execute_pages.py: pages executed ahead of the build are found by the build's lookup."""
import pathlib
import sys

import jupytext
import pytest
from jupyter_cache import get_cache

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))   # the spawned workers import the tool by name
import execute_pages  # noqa: E402

PAGE = """# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# A page.

# %%
x = 6 * 7
print(x)
"""


def test_reads_pages_with_the_format_of_the_build_config():
    fmt, timeout, allow_errors = execute_pages._settings()
    assert fmt == "py:percent" and timeout > 0 and allow_errors is False


@pytest.mark.slow
def test_cached_pages_match_the_builds_lookup_and_failures_are_not_cached(tmp_path):
    good, bad = tmp_path / "good.py", tmp_path / "bad.py"
    good.write_text(PAGE)
    bad.write_text(PAGE.replace("x = 6 * 7", "raise ValueError('a failing claim')"))
    cache_path = tmp_path / "cache"
    failed = execute_pages.run([good, bad], cache_path, jobs=2, timeout=120)
    assert failed == [bad]
    cache = get_cache(str(cache_path))
    # the lookup myst-nb makes at build time: the page read with the config's format
    record = cache.match_cache_notebook(jupytext.reads(good.read_text(), fmt="py:percent"))
    _, merged = cache.merge_match_into_notebook(jupytext.reads(good.read_text(),
                                                               fmt="py:percent"))
    assert record.uri == str(good)
    assert merged.cells[-1].outputs[0]["text"] == "42\n"
    with pytest.raises(KeyError):
        cache.match_cache_notebook(jupytext.reads(bad.read_text(), fmt="py:percent"))
    # a second run finds everything that succeeded and runs only the failure again
    assert execute_pages.run([good], cache_path, jobs=1) == []
