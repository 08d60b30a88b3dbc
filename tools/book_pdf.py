"""Print the whole book to one PDF with headless Chromium.

    python tools/book_pdf.py SINGLEHTML_DIR OUT.pdf

SINGLEHTML_DIR is the output of ``jupyter-book build . --builder singlehtml``
(``make pdf`` runs both). The page is served locally with a local MathJax
(``make mathjax``), every formula is typeset, solutions are unfolded (the
toggle buttons open on print), and Chromium's print engine writes the PDF: no
LaTeX and no network needed.
"""
from __future__ import annotations

import base64
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MATHJAX = Path(os.environ.get("NTK_COURSE_MATHJAX",
                              ROOT / "_build" / "vendor" / "node_modules" / "mathjax"))

WAIT = """
var done = arguments[arguments.length - 1];
function ready() {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(() => done(true), e => done('MathJax failed: ' + e));
  } else { setTimeout(ready, 500); }
}
if (document.readyState === 'complete') ready(); else window.addEventListener('load', ready);
"""

# Open every folded block (solutions, hidden code) before printing.
UNFOLD = """
document.querySelectorAll('details').forEach(d => d.open = true);
document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
return document.querySelectorAll('mjx-container').length;
"""


def count_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


# Every image loaded (or failed) before printing; returns the sources that failed.
IMAGES = """
var done = arguments[arguments.length - 1];
function check() {
  const imgs = Array.from(document.images);
  if (imgs.every(i => i.complete)) done(imgs.filter(i => i.naturalWidth === 0).map(i => i.src));
  else setTimeout(check, 200);
}
imgs = Array.from(document.images); imgs.forEach(i => i.loading = 'eager'); check();
"""


def printable_page(html_dir: Path) -> Path:
    """The book as one page at the root of ``html_dir``, where its relative links point.

    Sphinx's singlehtml builder writes the book to ``<root_doc>.html``
    (``book/intro.html``) with links to ``_images`` and ``_static`` relative to
    the output root, and an ``index.html`` that redirects there. Printed from
    ``book/``, every figure and stylesheet would be missing; a copy at the root
    resolves them.
    """
    index = (html_dir / "index.html").read_text(encoding="utf-8")
    redirect = re.search(r'url=([^"\s>]+)', index)
    source = html_dir / redirect.group(1) if redirect else html_dir / "index.html"
    page = html_dir / "_book_print.html"
    page.write_bytes(source.read_bytes())
    return page


def main(html_dir: Path, out: Path) -> int:
    if not (html_dir / "index.html").exists():
        raise SystemExit(f"{html_dir}/index.html is missing: build with --builder singlehtml first")
    if not (MATHJAX / "es5" / "tex-mml-chtml.js").exists():
        raise SystemExit(f"no local MathJax in {MATHJAX}: run `make mathjax`")
    start = time.time()
    page = printable_page(html_dir)
    with browser.Site(html_dir, MATHJAX) as site, browser.Browser() as chrome:
        chrome.open(site.url(page.name), width=1280)
        waited = chrome.run_async(WAIT)
        if waited is not True:
            raise SystemExit(str(waited))
        broken = chrome.run_async(IMAGES)
        if broken:
            raise SystemExit(f"{len(broken)} images failed to load, e.g. {broken[0]}")
        images = chrome.run("return document.images.length;")
        formulas = chrome.run(UNFOLD)
        result = chrome._session("POST", "/goog/cdp/execute", {
            "cmd": "Page.printToPDF",
            "params": {"printBackground": True, "preferCSSPageSize": False,
                       "paperWidth": 8.27, "paperHeight": 11.69,  # A4
                       "marginTop": 0.6, "marginBottom": 0.6,
                       "marginLeft": 0.6, "marginRight": 0.6,
                       "displayHeaderFooter": True,
                       "headerTemplate": "<span></span>",
                       "footerTemplate": '<div style="font-size:8px;width:100%;text-align:center">'
                                         '<span class="pageNumber"></span></div>'}},
            timeout=1800)
    pdf = base64.b64decode(result["data"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    pages = count_pages(pdf)
    print(f"{out}: {pages} pages, {len(pdf) / 1e6:.1f} MB, {formulas} formulas, "
          f"{images} images, {time.time() - start:.0f} s")
    return pages


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
