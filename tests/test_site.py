"""What a reader sees in the built site (_build/html): run after the book build.

`make test` builds the book first; these tests fail, rather than skip, when the
site is missing.
"""
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.site
ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"


def pages(folder):
    if not (HTML / "index.html").exists():
        pytest.fail("the site is not built: run `make build-check` (or `make book`) first")
    found = sorted((HTML / folder).glob("*.html"))
    assert found, f"no pages under {folder}"
    return found


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.images = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        if tag == "img" and "src" in attrs:
            self.images.append(attrs["src"])


def parse(page):
    parser = Links()
    parser.feed(page.read_text())
    return parser


def repo_parts():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = config["repository"]["url"].rstrip("/")
    org, repo = url.split("/")[-2:]
    return org, repo, config["repository"].get("branch", "main")


@pytest.mark.parametrize("folder", ["lectures", "exercises"])
def test_colab_links_open_existing_notebooks(folder):
    org, repo, branch = repo_parts()
    prefix = f"https://colab.research.google.com/github/{org}/{repo}/blob/{branch}/"
    for page in pages(folder):
        colab = [link for link in parse(page).links if link.startswith("https://colab.research")]
        assert colab, f"{page.name} has no Colab link"
        for link in colab:
            assert link.startswith(prefix), link
            target = ROOT / link[len(prefix):]
            assert target.suffix == ".ipynb" and target.exists(), f"{link} -> missing {target}"
            assert target.stem == page.stem


def test_lectures_show_math_figures_and_folded_solutions():
    for page in pages("lectures"):
        text = page.read_text()
        assert 'class="math' in text, f"{page.name}: no typeset math"
        assert "mathjax" in text.lower(), f"{page.name}: MathJax not loaded"
        images = [src for src in parse(page).images if "_images/" in src]
        assert images, f"{page.name}: no figures"
        for src in images:
            assert (page.parent / src).resolve().exists(), f"{page.name}: missing image {src}"
        assert re.search(r'class="[^"]*solution[^"]*dropdown|class="[^"]*dropdown[^"]*solution', text), \
            f"{page.name}: no folded solution"
        assert 'class="exercise admonition"' in text, f"{page.name}: no exercises"
        assert 'class="proof' in text, f"{page.name}: no theorem or definition boxes"


def test_no_error_outputs_and_glued_numbers_rendered():
    for page in pages("lectures") + pages("exercises"):
        text = page.read_text()
        assert "Traceback (most recent call last)" not in text, page.name
        assert "ClaimError" not in text, page.name
        assert "{glue" not in text, f"{page.name}: an unresolved glue reference"


def test_claims_are_printed_in_lectures():
    for page in pages("lectures"):
        assert "✓" in page.read_text(), f"{page.name} states no checked claim"


def test_bibliography_lists_references():
    text = (HTML / "book" / "bibliography.html").read_text()
    assert "Jacot" in text and "Neural Tangent Kernel" in text
