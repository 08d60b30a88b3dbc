"""tools/book_pdf.py: the page it prints resolves the singlehtml build's relative links."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import book_pdf  # noqa: E402  (tools/book_pdf.py)


def test_printable_page_is_the_redirect_target_copied_to_the_root(tmp_path):
    # the singlehtml layout: the book in book/intro.html, links relative to the root
    (tmp_path / "book").mkdir()
    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / "fig.png").write_bytes(b"png")
    content = '<html><img src="_images/fig.png"><link href="_static/x.css"></html>'
    (tmp_path / "book" / "intro.html").write_text(content)
    (tmp_path / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=book/intro.html" />')
    page = book_pdf.printable_page(tmp_path)
    assert page.parent == tmp_path and page.read_text() == content
    assert (page.parent / "_images" / "fig.png").exists()   # where the page's link points
