"""The smoke profile: full-only branches run at tiny size, offline; undefined names fail."""
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from ntk_course import data

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import smoke  # noqa: E402

PAGE = '''# %%
from ntk_course import config

P = config.scale(quick=dict(n=3, extra=False), full=dict(n=10_000, extra=True))

# %%
total = sum(range(P["n"]))
if P["extra"]:
    total += undefined_in_full_only_branch
'''


def test_fixtures_are_read_by_the_real_loaders(tmp_path, monkeypatch):
    smoke.write_fixtures(tmp_path, n_train=50, n_test=20)
    monkeypatch.setenv("NTK_COURSE_DATA", str(tmp_path))
    monkeypatch.setenv(data.TEST_DATA_ENV_VAR, "1")
    for split in (data.mnist(), data.fashion_mnist()):
        assert split.x_train.shape == (50, 784) and split.x_test.shape == (20, 784)
        assert set(split.y_train.tolist()) == set(range(10))
        assert 0.0 <= split.x_train.min() and split.x_train.max() <= 1.0
    cifar = data.cifar10()
    assert cifar.x_train.shape == (50, 32, 32, 3) and cifar.x_test.shape == (20, 32, 32, 3)
    monkeypatch.setenv("NTK_COURSE_DATA", str(tmp_path / "empty"))
    with pytest.raises(data.DatasetUnavailable, match="not generated"):
        data.mnist()  # never a download in the smoke profile


def test_pages_with_full_only_branches_are_found(tmp_path):
    listed = {p.name for p in smoke.sources() if smoke.needs_smoke(p)}
    assert {"l03_ntk.py", "l05_kip.py"} <= listed
    page = tmp_path / "page.py"
    page.write_text(PAGE)
    assert smoke.needs_smoke(page)
    page.write_text(PAGE.replace("extra=True", "extra=False"))
    assert not smoke.needs_smoke(page)


def execute(page: Path, profile: str):
    notebook = jupytext.read(page)
    code = f"import os; os.environ['NTK_COURSE_SCALE'] = {profile!r}"
    notebook.cells.insert(0, nbformat.v4.new_code_cell(code))
    NotebookClient(notebook, timeout=60, kernel_name="python3").execute()


def test_an_undefined_name_in_a_full_only_branch_fails(tmp_path):
    page = tmp_path / "page.py"
    page.write_text(PAGE)
    execute(page, "quick")  # the quick profile never sees the bug
    with pytest.raises(CellExecutionError, match="undefined_in_full_only_branch"):
        execute(page, "smoke")
    static = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "F821",
                             str(page)], capture_output=True, text=True)
    assert static.returncode == 1 and "undefined_in_full_only_branch" in static.stdout


def test_the_smoke_notebook_keeps_what_the_switch_reaches(tmp_path):
    page = tmp_path / "page.py"
    page.write_text(PAGE + "\n# %%\nunrelated = P['n'] ** 2\n")
    assert smoke.changed_switches(page) == {"extra"}
    notebook = smoke.smoke_notebook(page)
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    assert len(code) == 2 and "undefined_in_full_only_branch" in code[1]
    assert "Code cells [2]" in notebook.cells[0].source   # the skipped cell is named
    target = tmp_path / "smoke.ipynb"
    nbformat.write(notebook, target)
    with pytest.raises(CellExecutionError, match="undefined_in_full_only_branch"):
        execute(target, "smoke")
