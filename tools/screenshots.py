"""Screenshots of built pages at phone and desktop widths, for reviews.

    python tools/screenshots.py SITE_DIR OUT_DIR lectures/l11_practice.html [...]

For each page: ``<name>-1280.png`` and ``<name>-390.png`` (the top of the page),
``<name>-390-menu.png`` (the menu opened with its button) and
``<name>-1280-full.png`` (the whole page). Needs Chromium and a local MathJax,
like the browser test.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MATHJAX = Path(os.environ.get("NTK_COURSE_MATHJAX",
                              ROOT / "_build" / "vendor" / "node_modules" / "mathjax"))
WAIT = ("var done = arguments[arguments.length - 1]; (window.MathJax && MathJax.startup ? "
        "MathJax.startup.promise : Promise.resolve()).then(() => done(true));")


def shoot(site_dir: Path, out: Path, pages: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with browser.Site(site_dir, MATHJAX) as site, browser.Browser() as chrome:
        for page in pages:
            name = Path(page).stem
            for width in (1280, 390):
                chrome.open(site.url(page), width=width)
                chrome.run_async(WAIT)
                chrome.screenshot(out / f"{name}-{width}.png")
            chrome.click(".primary-toggle")
            chrome.run_async("setTimeout(arguments[0], 600)")
            chrome.screenshot(out / f"{name}-390-menu.png")
            chrome.open(site.url(page), width=1280)
            chrome.run_async(WAIT)
            chrome.screenshot(out / f"{name}-1280-full.png", full_page=True)
            print(f"{page}: screenshots in {out}")


if __name__ == "__main__":
    shoot(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])
