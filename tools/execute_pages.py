"""Execute the book's pages N at a time into the build's execution cache.

Usage: python tools/execute_pages.py [--jobs N] [--cache _build/.jupyter_cache]

`jupyter-book build` executes pages one after another while it reads them
(myst-nb's cache mode), and Sphinx's parallel reading is unavailable because
one of jupyter-book's own extensions does not declare itself safe for it. On a
CPU most of a page's time is single-threaded XLA compilation, so running two
pages at once on two cores takes little more than the longer of the two.

This script reads every page exactly as the build does (`jupytext.reads` with
the format of `_config.yml`), skips those the cache already holds, executes
the others in worker processes the way myst-nb does (nbclient, in the page's
folder, no errors allowed, the configured timeout), and stores each success in
the cache under the key myst-nb looks up (a hash of the code and the
kernelspec). The build that follows then finds every page cached. A page that
fails here is not cached: the build executes it again and reports the error
as usual, so a failure is never hidden. Only the parent process writes the
cache database.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import os
import pathlib
import sys
import time

import jupytext
import yaml
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_cache.executors.utils import single_nb_execution

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGE_DIRS = ("lectures", "exercises")


def _settings():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    execute = config.get("execute", {})
    fmt = config["sphinx"]["config"]["nb_custom_formats"][".py"][1]["fmt"]
    return fmt, int(execute.get("timeout", 1200)), bool(execute.get("allow_errors", False))


def _read(path: pathlib.Path, fmt: str):
    return jupytext.reads(path.read_text(), fmt=fmt)


def _execute(path: str, fmt: str, timeout: int, allow_errors: bool):
    page = pathlib.Path(path)
    nb = _read(page, fmt)
    result = single_nb_execution(nb, cwd=str(page.parent), timeout=timeout,
                                 allow_errors=allow_errors, meta_override=True)
    error = None if result.err is None else f"{type(result.err).__name__}: {result.err}"
    return path, nb, result.time, error


def run(pages, cache_path, jobs: int, fmt: str = "py:percent", timeout: int = 1200,
        allow_errors: bool = False) -> list:
    """Execute the ``pages`` missing from the cache at ``cache_path``, ``jobs`` at a
    time; cache the successes; return the pages that failed."""
    cache = get_cache(str(cache_path))
    todo = []
    for page in pages:
        try:
            cache.match_cache_notebook(_read(page, fmt))
        except KeyError:
            todo.append(page)
    if not todo:
        print(f"execute_pages: all {len(pages)} pages are cached")
        return []
    # longest first (the last recorded time, else the file size), so that the
    # workers finish together
    seconds = {r.uri: r.data.get("execution_seconds", 0.0) for r in cache.list_cache_records()}
    todo.sort(key=lambda p: (seconds.get(str(p), 0.0), p.stat().st_size), reverse=True)
    print(f"execute_pages: {len(todo)} of {len(pages)} pages to run, {jobs} at a time",
          flush=True)
    start, failed = time.perf_counter(), []
    # spawned, not forked: a caller that has imported JAX (a test) runs threads, and a
    # forked child can inherit a lock held by one of them
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=spawn) as pool:
        futures = [pool.submit(_execute, str(p), fmt, timeout, allow_errors) for p in todo]
        for future in concurrent.futures.as_completed(futures):
            path, nb, seconds_taken, error = future.result()
            if error is None:
                cache.cache_notebook_bundle(
                    CacheBundleIn(nb, path, data={"execution_seconds": seconds_taken}),
                    check_validity=False, overwrite=True)
                print(f"  {seconds_taken:6.1f} s  {path}", flush=True)
            else:
                failed.append(pathlib.Path(path))
                print(f"  FAILED   {path} ({error.splitlines()[0][:200]}); the build will "
                      "run it again and show the error", flush=True)
    print(f"execute_pages: {len(todo) - len(failed)} executed and cached, {len(failed)} failed, "
          f"{time.perf_counter() - start:.0f} s", flush=True)
    return failed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--cache", default=str(ROOT / "_build" / ".jupyter_cache"))
    args = parser.parse_args(argv)
    fmt, timeout, allow_errors = _settings()
    pages = sorted(p for d in PAGE_DIRS for p in (ROOT / d).glob("*.py"))
    run(pages, args.cache, args.jobs, fmt, timeout, allow_errors)
    return 0   # the build that follows reports any failure


if __name__ == "__main__":
    sys.exit(main())
