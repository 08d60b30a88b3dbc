"""Run the lectures in the ``full`` profile on this machine's GPU and report.

    python tools/full_profile.py                  # every lecture
    python tools/full_profile.py l03 l05          # some lectures
    python tools/full_profile.py --out DIR        # where to write (default _build/full_profile)

For each lecture: wall time, peak device memory (from JAX's allocator
statistics), the claims that held and those that failed (the run is
interactive: a failing claim is reported, not raised), and every glued value
(the numbers the text quotes). Writes ``report.md`` (a table for
``book/reproducibility.md``, with the date and the device) and ``values.json``.
A lecture must stay within 10 minutes on one modern GPU and within the 16 GB
of a Colab T4; the report flags the ones that do not.
"""
from __future__ import annotations

import argparse
import ast
import datetime
import json
import os
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
LIMIT_S = 600
T4_BYTES = 16 * 2**30
REPORT = '''import json, jax
from ntk_course import claims
_stats = [d.memory_stats() or {} for d in jax.devices()]
print("FULL_PROFILE " + json.dumps({
    "peak_bytes": max(s.get("peak_bytes_in_use", 0) for s in _stats),
    "device": jax.devices()[0].device_kind, "jax": jax.__version__,
    "held": sum(ok for _, ok in claims.history()),
    "failed": [s for s, ok in claims.history() if not ok]}))'''


def run(source: Path, timeout: int, profile: str = "full") -> dict:
    notebook = jupytext.read(source)
    notebook.cells.append(nbformat.v4.new_code_cell(REPORT))
    env = dict(os.environ, NTK_COURSE_SCALE=profile, PYTHONHASHSEED="0")
    env.pop("NTK_COURSE_BUILD", None)
    start = time.perf_counter()
    result = {"page": source.stem, "profile": profile}
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(source.parent)}})
    try:
        client.execute(env=env)
    except CellExecutionError as err:
        result["error"] = str(err).strip().splitlines()[-1][:300]
    except Exception as err:  # a timeout or a dead kernel
        result["error"] = f"{type(err).__name__}: {err}"[:300]
    result["seconds"] = round(time.perf_counter() - start, 1)
    values = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            # glue(display=False) stores "application/papermill.record/text/plain"
            text = next((v for k, v in output.get("data", {}).items() if k.endswith("text/plain")),
                        None)
            if name and text:
                try:
                    values[name] = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    values[name] = text
            if output.get("output_type") == "stream" and "FULL_PROFILE " in output.get("text", ""):
                line = output["text"].split("FULL_PROFILE ", 1)[1].splitlines()[0]
                result.update(json.loads(line))
    result["values"] = values
    return result


def table(results: list[dict]) -> str:
    device = next((r["device"] for r in results if "device" in r), "?")
    profile = results[0].get("profile", "full")
    lines = [f"Profile {profile}, {datetime.date.today().isoformat()}, on {device}:", "",
             "| lecture | time (s) | peak device memory (GB) | claims held | failed | notes |",
             "|---|---:|---:|---:|---|---|"]
    for r in results:
        notes = []
        if r["seconds"] > LIMIT_S:
            notes.append("over 10 min")
        if r.get("peak_bytes", 0) > T4_BYTES:
            notes.append("over a T4's 16 GB")
        if "error" in r:
            notes.append(f"error: {r['error']}")
        lines.append(f"| {r['page']} | {r['seconds']:.0f} | {r.get('peak_bytes', 0) / 2**30:.1f} | "
                     f"{r.get('held', '?')} | {'; '.join(r.get('failed', [])) or '-'} | "
                     f"{'; '.join(notes) or '-'} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="*", help="prefixes such as l03 (default: every lecture)")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "full_profile")
    parser.add_argument("--timeout", type=int, default=3 * LIMIT_S)
    parser.add_argument("--profile", default="full", help="for trying the tool on a CPU: quick")
    args = parser.parse_args()
    sources = sorted((ROOT / "lectures").glob("*.py"))
    if args.pages:
        sources = [s for s in sources if any(s.stem.startswith(p) for p in args.pages)]
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for source in sources:
        results.append(run(source, args.timeout, args.profile))
        print(f"{source.stem}: {results[-1]['seconds']:.0f} s", results[-1].get("error", ""),
              flush=True)
        (args.out / "values.json").write_text(json.dumps(results, indent=1))
        (args.out / "report.md").write_text(table(results))
    print(table(results))
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
