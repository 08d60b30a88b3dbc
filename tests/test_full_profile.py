"""tools/full_profile.py: the GPU report runs a page and records time, memory, claims, values."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import full_profile  # noqa: E402

PAGE = '''# %%
from ntk_course import claims, config

P = config.scale(quick=dict(n=3), full=dict(n=5))
claims.greater("n is positive", P["n"], 0, glue="n-value")
claims.less("a claim that fails is reported, not raised", P["n"], 0)
'''


def test_report_of_one_page(tmp_path):
    page = tmp_path / "l99_try.py"
    page.write_text(PAGE)
    result = full_profile.run(page, timeout=120, profile="quick")
    assert "error" not in result, result
    assert result["values"] == {"n-value": "3"} and result["held"] == 1
    assert result["failed"] == ["a claim that fails is reported, not raised"]
    assert result["device"] and result["seconds"] > 0
    table = full_profile.table([result])
    assert "| l99_try |" in table and "Profile quick" in table
    slow = dict(result, seconds=700.0, peak_bytes=20 * 2**30)
    assert "over 10 min; over a T4's 16 GB" in full_profile.table([slow])
