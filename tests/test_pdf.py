"""``make pdf``: the whole book printed to one PDF (tools/pdf.py), built once and read back.

The PDF must hold every page of the table of contents, in order, as a top-level bookmark with
its sections under it; the maths typeset (no TeX source left in the text), the figures, working
links inside the document, and the glossary's Chinese terms in an embedded Chinese font.
Without Chromium these tests skip and say how to install it; under CI they fail instead.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import pdf  # noqa: E402
from test_site import RAW_MATH, toc_documents  # noqa: E402

pytestmark = [pytest.mark.site, pytest.mark.slow]
logging.getLogger("pypdf").setLevel(logging.ERROR)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory):
    if not pdf.CHROMIUM.exists():
        message = "Chromium is not installed; install it with: sudo apt-get install chromium"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message + " (CI must build the PDF)")
        pytest.skip(message)
    from pypdf import PdfReader

    out = tmp_path_factory.mktemp("pdf")
    report = pdf.make_pdf(out / "book.pdf", out / "single-page")
    print(f"\nmake pdf: {report['pages']} pages, {report['MB']:.1f} MB, single-page build {report['build s']:.0f} s, "
          f"printing {report['print s']:.0f} s")
    return report, PdfReader(out / "book.pdf")


def _titles() -> list[str]:
    """The title (first heading) of every document of the table of contents, in order."""
    import nbformat

    titles = []
    for doc in toc_documents():
        path = next(p for p in (ROOT / f"{doc}.md", ROOT / f"{doc}.ipynb") if p.exists())
        if path.suffix == ".md":
            text = path.read_text(encoding="utf-8")
        else:
            text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
        heading = re.search(r"^# (.+)$", text, re.M).group(1)
        titles.append(re.sub(r"[`*]", "", heading).strip())
    return titles


def _markdown_and_outputs() -> list[str]:
    """The MIME type of every output the notebooks of the table of contents show (hidden cells aside)."""
    import nbformat

    kinds = []
    for doc in toc_documents():
        path = ROOT / f"{doc}.ipynb"
        if not path.exists():
            continue
        for cell in nbformat.read(path, as_version=4).cells:
            tags = cell.get("metadata", {}).get("tags", [])
            if cell.cell_type != "code" or "remove-cell" in tags or "remove-output" in tags:
                continue
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                kinds.append("image/png" if "image/png" in data else output.get("output_type", ""))
    return kinds


def _outline(reader) -> list[tuple[str, int, int]]:
    """The bookmarks as ``(title, depth, page index)``, in order."""
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((item.title, depth, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return found


def test_every_page_of_the_book_is_a_bookmark_in_order(book):
    _, reader = book
    top = [(title, page) for title, depth, page in _outline(reader) if depth == 0]
    # the site numbers chapters ("2. The neuron"); the sources do not
    printed = [re.sub(r"^\d+\.\s+", "", title) for title, _ in top]
    assert printed == _titles(), f"top-level bookmarks {printed}"
    pages = [page for _, page in top]
    assert pages == sorted(pages) and len(set(pages)) == len(pages), f"pages out of order: {list(zip(printed, pages))}"
    # each bookmark opens the sheet its title is printed on
    wrong = []
    for title, page in zip(printed, pages):
        text = "".join(unicodedata.normalize("NFKC", reader.pages[page].extract_text()).split())
        if "".join(title.split())[:20] not in text:
            wrong.append(f"{title!r} -> page {page + 1}")
    assert not wrong, f"bookmarks that open a page without their title: {wrong}"


def test_sections_are_bookmarked_under_their_chapter_at_their_own_page(book):
    _, reader = book
    outline = _outline(reader)
    chapter, last_page, problems = None, -1, []
    sections = 0
    for title, depth, page in outline:
        if depth == 0:
            chapter, last_page = title, page
        elif page < last_page:
            problems.append(f"{chapter}: '{title}' on page {page + 1}, before the heading above it")
        else:
            last_page = page
            sections += 1
    assert sections > 100, f"only {sections} section bookmarks"
    assert not problems, "\n".join(problems[:20])


def test_pdf_has_the_books_pages_figures_and_links(book):
    report, reader = book
    assert report["pages"] == len(reader.pages) > 300, report
    assert report["maths"] > 500 and report["requests refused"] == 0, report
    def count_images(resources) -> int:
        found = 0
        for xobject in ((resources or {}).get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Image":
                found += 1
            elif xobject.get("/Subtype") == "/Form":  # a figure drawn inside a form holds its image there
                found += count_images(xobject.get("/Resources"))
        return found

    figures = sum(1 for c in _markdown_and_outputs() if c == "image/png")
    images = links = 0
    for page in reader.pages:
        images += count_images(page.get("/Resources"))
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/Link" and ("/Dest" in annotation or "/A" in annotation):
                links += 1
    assert images >= figures > 50, f"{images} images in the PDF for {figures} figures in the notebooks"
    assert links > 500, f"only {links} links in the PDF"


def test_pdf_text_has_no_tex_source_and_shows_the_glossary_in_chinese(book):
    _, reader = book
    outline = _outline(reader)
    top = [(title, page) for title, depth, page in outline if depth == 0]
    glossary = next(i for i, (title, _) in enumerate(top) if title.startswith("Glossary"))
    first, last = top[glossary][1], top[glossary + 1][1] if glossary + 1 < len(top) else len(reader.pages)
    text = "\n".join(reader.pages[i].extract_text() for i in range(len(reader.pages)))
    raw = [s for s in RAW_MATH if s in text]
    assert not raw, f"TeX source in the PDF's text: {raw}"
    from test_back_matter import glossary_entries

    # ligatures ("ﬂ") come back as one character; NFKC splits them
    glossary_text = unicodedata.normalize(
        "NFKC", "".join("\n".join(reader.pages[i].extract_text() for i in range(first, last)).split()))
    chinese = [entry["terms"][1] for entry in glossary_entries()]
    missing = [term for term in chinese if unicodedata.normalize("NFKC", "".join(term.split())) not in glossary_text]
    assert not missing, f"{len(missing)} Chinese terms not in the PDF's glossary pages: {missing[:10]}"
    fonts = set()
    for i in range(first, last):
        for font in ((reader.pages[i].get("/Resources") or {}).get("/Font") or {}).values():
            font = font.get_object()
            fonts.add(str(font.get("/BaseFont", "")))
            if "/FontDescriptor" in font:  # Chromium embeds web fonts as Type 3 fonts, named here
                fonts.add(str(font["/FontDescriptor"].get_object().get("/FontName", "")))
            for descendant in font.get("/DescendantFonts") or []:
                fonts.add(str(descendant.get_object().get("/BaseFont", "")))
    assert any("NotoSansCJKsc" in f for f in fonts), f"the site's Chinese font is not embedded: {fonts}"
