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


def test_bibliography_labels_match_citations_and_link_papers():
    """Author-year labels, as in the text ("Jacot et al., 2018"), and an arXiv
    or DOI link for every entry that has an eprint or a doi."""
    from pybtex.database import parse_file

    text = (HTML / "book" / "bibliography.html").read_text()
    assert re.search(r"\[</span>Jacot et al\., 2018<span", text), "labels are not author-year"
    for key, entry in parse_file(ROOT / "book" / "references.bib").entries.items():
        if "eprint" in entry.fields:
            assert f"https://arxiv.org/abs/{entry.fields['eprint']}" in text, f"{key}: no arXiv link"
        if "doi" in entry.fields:
            assert f"https://doi.org/{entry.fields['doi']}" in text, f"{key}: no DOI link"


EXERCISE_NUMBER = re.compile(r'<span class="caption-number">Exercise ([\d.]+) </span>')


def test_exercises_numbered_per_lecture_and_per_problem_set():
    """Lecture 3 has "3. The neural tangent kernel" and Exercises 3.1, 3.2, ...;
    each problem set numbers its exercises 1, 2, ... (not the book-wide count)."""
    for page in pages("lectures"):
        lecture = int(re.match(r"l(\d+)_", page.stem).group(1))
        text = page.read_text()
        numbers = EXERCISE_NUMBER.findall(text)
        assert numbers == [f"{lecture}.{i}" for i in range(1, len(numbers) + 1)], \
            f"{page.name}: exercises numbered {numbers}"
        assert f'<span class="section-number">{lecture}. </span>' in text, \
            f"{page.name}: the title has no lecture number"
    for page in pages("exercises"):
        numbers = EXERCISE_NUMBER.findall(page.read_text())
        assert numbers and numbers == [str(i) for i in range(1, len(numbers) + 1)], \
            f"{page.name}: problems numbered {numbers}, not from 1 within the set"


def test_menu_links_the_proof_index():
    index = (HTML / "prf-prf.html")
    assert index.exists(), "sphinx-proof's index page is missing"
    page = pages("lectures")[0]
    assert 'href="../prf-prf.html"' in page.read_text(), "the menu does not link the Proof Index"


def test_pages_offer_their_notebook():
    for page in pages("lectures") + pages("exercises"):
        link = f"../_sources/{page.parent.name}/{page.stem}.ipynb"
        assert link in page.read_text(), f"{page.name}: no notebook download"
        assert (HTML / "_sources" / page.parent.name / f"{page.stem}.ipynb").exists()


def test_api_reference_documents_every_module():
    """The API page is generated from the package: each public module's first
    exported name has an entry (so a function moved between modules follows)."""
    import importlib
    import pkgutil

    import ntk_course

    text = (HTML / "book" / "api.html").read_text()
    for info in pkgutil.walk_packages(ntk_course.__path__, "ntk_course."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        assert f'id="module-{info.name}"' in text, f"{info.name} is not in the API reference"
        exported = [n for n in getattr(module, "__all__", []) if callable(getattr(module, n, None))]
        if exported:
            assert f'id="{info.name}.{exported[0]}"' in text, f"{info.name}.{exported[0]} undocumented"


def test_exercises_link_the_package_functions_they_ask_for():
    """Inline code such as ``ps11.kernel_distance(...)`` links to the API reference."""
    linked = [page.name for page in pages("exercises")
              if re.search(r'href="\.\./book/api\.html#ntk_course\.', page.read_text())]
    assert len(linked) >= len(pages("exercises")) // 2, f"only {linked} link the API reference"
