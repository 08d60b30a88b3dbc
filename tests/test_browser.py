"""The built site in a real browser: headless Chromium at phone and desktop widths.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them)
and a local MathJax 3 (``make site-check`` installs the npm package into
``_build/vendor``; or set ``NTK_COURSE_MATHJAX`` to a folder holding ``es5/``).
Without them the tests skip with a message, except in CI (``CI=true``), where
they fail. Run after the book build, like tests/test_site.py.
"""
import os
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import browser  # noqa: E402  (tools/browser.py)

pytestmark = pytest.mark.site
HTML = Path(os.environ.get("NTK_COURSE_SITE", ROOT / "_build" / "html"))
MATHJAX = Path(os.environ.get("NTK_COURSE_MATHJAX",
                              ROOT / "_build" / "vendor" / "node_modules" / "mathjax"))
PHONE, DESKTOP = 390, 1280


def missing(reason):
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(f"{reason}: the browser test is skipped (run `make site-check` on a machine "
                "with Debian's chromium and chromium-driver, or in CI)")


def site_pages():
    if not (HTML / "index.html").exists():
        pytest.fail("the site is not built: run `make build-check` (or `make book`) first")
    pages = []
    for folder in ("book", "lectures", "exercises"):
        pages += sorted(p.relative_to(HTML).as_posix() for p in (HTML / folder).glob("*.html"))
    return pages


@pytest.fixture(scope="module")
def site():
    site_pages()
    if not (MATHJAX / "es5" / "tex-mml-chtml.js").exists():
        missing(f"no local MathJax in {MATHJAX}")
    with browser.Site(HTML, MATHJAX) as served:
        yield served


@pytest.fixture(scope="module")
def chrome():
    if browser.find_chromium() is None:
        missing("chromium or chromedriver is not installed")
    with browser.Browser() as session:
        yield session


# Waits for MathJax's first typesetting (a page without math resolves at once).
WAIT_FOR_MATH = """
var done = arguments[arguments.length - 1];
function ready() {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(() => done(true), e => done('MathJax failed: ' + e));
  } else if (document.querySelector('.math') && !window.__mathjax_waited) {
    window.__mathjax_waited = true; setTimeout(ready, 3000);
  } else { done(true); }
}
if (document.readyState === 'complete') ready(); else window.addEventListener('load', ready);
"""

# What a reader would notice on the loaded page.
INSPECT = """
var column = document.querySelector('article.bd-article, main');
var columnWidth = column ? column.clientWidth : window.innerWidth;
function describe(e) { return (e.getAttribute('alt') || e.getAttribute('src') ||
  e.textContent || '').trim().slice(0, 100); }
// a display equation must fit the box it sits in (the column, or an admonition)
var wide = Array.from(document.querySelectorAll('mjx-container[display="true"]')).filter(box => {
  var math = box.querySelector('mjx-math');
  return math && math.getBoundingClientRect().width > box.parentElement.clientWidth + 1;
}).map(box => {
  var math = box.querySelector('mjx-math'), div = box.closest('div.math');
  return Math.round(math.getBoundingClientRect().width) + ' px in ' + box.parentElement.clientWidth +
         ' px' + (div && div.id ? ', #' + div.id : '');
});
return {
  errors: window.__errors || ['the error hook was not installed'],
  formulas: document.querySelectorAll('mjx-container').length,
  untypeset: document.querySelectorAll('.math:not(:has(mjx-container))').length,
  mathErrors: Array.from(document.querySelectorAll('mjx-merror, [data-mjx-error]')).map(describe),
  brokenImages: Array.from(document.images).filter(i => i.complete && i.naturalWidth === 0)
                     .map(i => i.getAttribute('src')),
  // shown with another aspect ratio than the file's (a squeezed figure)
  distorted: Array.from(document.images).filter(i => i.naturalWidth > 0 && i.offsetWidth > 0 &&
      Math.abs(i.offsetWidth / i.offsetHeight - i.naturalWidth / i.naturalHeight) >
      0.03 * i.naturalWidth / i.naturalHeight).map(i => i.getAttribute('src')),
  // figures the column shrinks to under 60 % of their layout width (fonts too small)
  shrunk: Array.from(document.querySelectorAll('.cell_output img, figure img')).filter(i =>
      i.offsetWidth > 0 && parseFloat(i.style.width || i.getAttribute('width') || 0) > 0 &&
      i.offsetWidth < 0.6 * parseFloat(i.style.width || i.getAttribute('width'))).map(i =>
      (i.getAttribute('alt') || i.getAttribute('src')).slice(0, 80) + ' (' +
      Math.round(parseFloat(i.style.width || i.getAttribute('width'))) + ' px)'),
  scrollWidth: document.documentElement.scrollWidth,
  viewport: window.innerWidth,
  columnWidth: columnWidth,
  wideEquations: wide,
};
"""


def load(chrome, url, width):
    chrome.open(url, width=width)
    waited = chrome.run_async(WAIT_FOR_MATH)
    assert waited is True, f"{url}: {waited}"
    return chrome.run(INSPECT)


def test_every_page_reads_well_on_desktop_and_phone(site, chrome):
    """No console errors, every formula typeset, no broken image, equations
    within the column at 1280 px, no sideways scrolling at 390 px."""
    problems = []
    for page in site_pages():
        # one load per page; the phone width is then emulated on the same page
        # (layout follows the viewport; MathJax does not re-break lines)
        for width in (DESKTOP, PHONE):
            if width == DESKTOP:
                seen = load(chrome, site.url(page), width)
            else:
                chrome.resize(width)
                chrome.run_async("requestAnimationFrame(() => setTimeout(arguments[0], 50))")
                seen = chrome.run(INSPECT)
            where = f"{page} at {width} px"
            if width == DESKTOP:
                problems += [f"{page}: {e}" for e in seen["errors"]]
                problems += [f"{page}: MathJax error in {e!r}" for e in seen["mathErrors"]]
                if seen["untypeset"]:
                    problems.append(f"{page}: {seen['untypeset']} formulas not typeset")
                problems += [f"{page}: broken image {src}" for src in seen["brokenImages"]]
                problems += [f"{page}: image shown squeezed {src}" for src in seen["distorted"]]
                for figure in seen["shrunk"]:  # reported, not failed: the lectures own their figures
                    warnings.warn(f"{page}: figure wider than 7 in, its fonts shrink below "
                                  f"60 % in the column: {figure}")
                problems += [f"{where}: equation wider than its box ({e}); "
                             "break it over lines with aligned or split"
                             for e in seen["wideEquations"]]
            elif seen["scrollWidth"] > seen["viewport"] + 1:
                problems.append(f"{where}: the page scrolls sideways "
                                f"({seen['scrollWidth']} px wide)")
    assert not problems, "\n".join(problems)


MENU = """
var bar = document.querySelector(arguments[0]);
if (!bar) return {visible: false, links: 0};
var r = bar.getBoundingClientRect();
var links = Array.from(bar.querySelectorAll('a')).filter(a => {
  var q = a.getBoundingClientRect();
  return a.offsetWidth > 0 && q.left >= 0 && q.right <= window.innerWidth + 1 &&
         q.bottom > 0 && q.top < window.innerHeight;
});
return {visible: getComputedStyle(bar).visibility !== 'hidden' && r.right > 0 && r.left < window.innerWidth,
        links: links.length, texts: links.slice(0, 40).map(a => a.textContent.trim())};
"""


@pytest.mark.parametrize("width", [PHONE, 800])
def test_menu_and_contents_open_on_small_screens(site, chrome, width):
    """Below 992 px both sidebars are hidden behind buttons; each opens."""
    page = next(p for p in site_pages() if p.startswith("lectures/"))
    load(chrome, site.url(page), width)
    primary = "#pst-primary-sidebar, .bd-sidebar-primary"
    assert not chrome.run(MENU, primary)["visible"], "the menu shows before it is opened"
    assert chrome.click("button.primary-toggle, .primary-toggle"), "no visible menu button"
    chrome.run_async("setTimeout(arguments[0], 600)")
    menu = chrome.run(MENU, primary)
    assert menu["visible"] and menu["links"] >= 5, \
        f"the menu button does not open the table of contents at {width} px: {menu}"
    assert any("Bibliography" in t for t in menu["texts"]) or menu["links"] >= 10, menu
    # close it (Escape or the overlay), then open the page's contents
    chrome.open(site.url(page), width=width)
    chrome.run_async(WAIT_FOR_MATH)
    secondary = "#pst-secondary-sidebar, .bd-sidebar-secondary"
    assert chrome.click("button.secondary-toggle, .secondary-toggle"), "no visible contents button"
    chrome.run_async("setTimeout(arguments[0], 600)")
    contents = chrome.run(MENU, secondary)
    assert contents["visible"] and contents["links"] >= 2, \
        f"the contents button does not open the page's contents at {width} px: {contents}"
    assert chrome.errors() == []


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_one_search_field(site, chrome, width):
    """At most one search field or button: no second search bar taking a strip
    above the page (as with sphinx-book-theme 1.3.0 and pydata-sphinx-theme 0.17.1)."""
    page = next(p for p in site_pages() if p.startswith("lectures/"))
    load(chrome, site.url(page), width)
    visible = chrome.run("""return Array.from(document.querySelectorAll(
        '.search-button-field, .search-button, form.bd-search')).filter(e => {
        var r = e.getBoundingClientRect(); return e.offsetWidth > 0 && r.bottom > 0 &&
        r.top < window.innerHeight && r.left < window.innerWidth && r.right > 0;}).length;""")
    assert visible <= 1, f"{visible} search fields visible at {width} px"
