#!/usr/bin/env python
"""Print the whole book to one PDF, offline: ``make pdf``.

    .venv/bin/python tools/pdf.py [--output _build/pdf/neurons-to-networks.pdf]

Two well-kept tools do the work, and nothing is downloaded:

1. **jupyter-book** builds the book as one HTML page (Sphinx's ``singlehtml`` builder), from
   the notebooks' stored outputs: every page of ``_toc.yml`` in order, with the site's section,
   figure and equation numbers, and every cross-reference turned into a link inside the page.
2. **Chromium**, the system's (``/usr/bin/chromium``, the one the site tests drive), opens that
   page from a server on 127.0.0.1 through Playwright, waits for MathJax to typeset the maths,
   opens every exercise's solution, and prints it: A4, page numbers, tagged for screen
   readers. The print style sheet (``book/_static/book.css``) starts each chapter on a new
   page and wraps long code lines.
3. **pypdf** adds the outline (bookmarks): every page of the book, its sections and their
   subsections, with the site's numbers, each opening at the page where its heading lies.
   (Chromium's own outline, built from the printed text, loses the first-level headings and
   repeats words of headings that wrap.)

This is the route jupyter-book's own ``pdfhtml`` builder takes, with the system's browser
instead of one that pyppeteer downloads. The glossary's Chinese terms print in the font the
site serves (``book/_static/fonts``), so the PDF shows them on any machine.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "_build" / "pdf" / "neurons-to-networks.pdf"
#: Debian's Chromium, which the site tests drive too, and the flags both use: no sandbox (it runs as
#: root in CI), no GPU, and none of the browser's own traffic (updates, sync, QUIC probes).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]
#: The page file of the single-page build that the PDF is printed from.
PRINT_PAGE = "book.html"
FOOTER = ('<div style="font-size:8px; width:100%; text-align:center; color:#555;">'
          '<span class="pageNumber"></span></div>')
#: Solutions are collapsed on the site; on paper there is nothing to click, so they are opened.
OPEN_SOLUTIONS = """() => {
  let opened = 0;
  document.querySelectorAll('.dropdown button.toggle-button').forEach(button => {
    const box = button.closest('.dropdown');
    if (box && box.classList.contains('toggle-hidden')) { button.click(); opened++; }
  });
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
  return opened;
}"""


#: The headings of the page (first to third level). Each gets an anchor of its own right after it
#: (the sections' ids repeat from page to page: every chapter has a "setup"; an anchor before a
#: heading that starts a new sheet stays on the old one, and Chromium writes no destination for
#: one in or on a heading at the top of a sheet), and each anchor is made the target of a link,
#: so that Chromium writes a named destination for it.
HEADINGS = """() => {
  const found = [];
  document.querySelectorAll('section > h1, section > h2, section > h3').forEach(h => {
    if (h.closest('.bd-sidebar-primary, .bd-sidebar-secondary, nav')) return;
    const clone = h.cloneNode(true);
    clone.querySelectorAll('.headerlink, .toc-backref').forEach(e => e.remove());
    const title = clone.textContent.replace(/\\s+/g, ' ').trim();
    if (!title) return;
    const anchor = document.createElement('span');
    anchor.id = 'pdf-outline-' + found.length;
    h.after(anchor);
    found.push([Number(h.tagName[1]), title, anchor.id]);
  });
  const links = document.createElement('div');
  links.setAttribute('aria-hidden', 'true');
  links.style.cssText = 'position:absolute; top:0; left:0; width:1px; height:1px; overflow:hidden;';
  for (const [, , id] of found) {
    const a = document.createElement('a');
    a.href = '#' + id;
    a.textContent = '.';
    links.appendChild(a);
  }
  document.body.appendChild(links);
  return found;
}"""


class PdfError(RuntimeError):
    """The book could not be printed; the message says why and what to do."""


def build_single_page(build_dir: Path) -> Path:
    """Build the book as one HTML page into ``build_dir``; return the page to print."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    if not jupyter_book.exists():
        raise PdfError(f"jupyter-book is not installed beside {sys.executable}: run `make setup` first")
    proc = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "--builder", "singlehtml", "-W", "-n", "--keep-going",
         "--path-output", str(build_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=1800,
    )
    html_dir = build_dir / "_build" / "singlehtml"
    log = proc.stdout + proc.stderr
    warnings = [line for line in log.splitlines() if re.search(r"WARNING|ERROR", line)]
    if proc.returncode != 0 or warnings:
        raise PdfError("jupyter-book's single-page build failed:\n" + "\n".join(warnings or log.splitlines()[-40:]))
    # Sphinx writes the page under the root document's name (book/intro.html) but with links
    # relative to the build's top folder, and sends every cross-reference to that file by
    # name: put it at the top and make those links point inside the page itself.
    redirect = (html_dir / "index.html").read_text(encoding="utf-8")
    match = re.search(r"url=([^\"']+\.html)", redirect)
    if not match:
        raise PdfError(f"cannot find the single page in {html_dir / 'index.html'}")
    source = match.group(1)
    text = (html_dir / source).read_text(encoding="utf-8")
    text = text.replace(f'href="{source}#', 'href="#')
    text = text.replace('<script src="searchindex.js"></script>', "")  # the single page has no search
    page = html_dir / PRINT_PAGE
    page.write_text(text, encoding="utf-8")
    return page


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def print_page(page: Path, output: Path, chromium: Path = CHROMIUM) -> tuple[list[tuple[int, str, str]], dict[str, int]]:
    """Open ``page`` in Chromium and print it to ``output``.

    Returns the page's headings ``(level, title, id)`` and counts for the report.
    """
    if not chromium.exists():
        raise PdfError(f"Chromium is not installed at {chromium}: sudo apt-get install chromium")
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_QuietHandler, directory=str(page.parent))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    outside: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True)
            context = browser.new_context()

            def route(route):
                if re.match(r"(data|blob|about):|http://127\.0\.0\.1[:/]", route.request.url):
                    route.continue_()
                else:  # offline: nothing leaves this machine
                    outside.append(route.request.url)
                    route.abort()

            context.route("**/*", route)
            tab = context.new_page()
            tab.goto(f"http://127.0.0.1:{httpd.server_address[1]}/{page.name}", wait_until="load", timeout=600_000)
            tab.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=300_000)
            tab.evaluate("() => MathJax.startup.promise")
            equations = tab.locator("mjx-container").count()
            solutions = tab.evaluate(OPEN_SOLUTIONS)
            headings = [tuple(h) for h in tab.evaluate(HEADINGS)]
            tab.evaluate("() => document.fonts.ready.then(() => true)")
            output.parent.mkdir(parents=True, exist_ok=True)
            tab.pdf(
                path=str(output), format="A4", print_background=True, outline=False, tagged=True,
                margin={"top": "16mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
                display_header_footer=True, header_template="<span></span>", footer_template=FOOTER,
            )
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    return headings, {"maths": equations, "solutions opened": solutions, "requests refused": len(outside)}


def add_outline(pdf: Path, headings: list[tuple[int, str, str]]) -> int:
    """Give ``pdf`` an outline of ``headings``, each at its named destination; return its length."""
    import logging

    from pypdf import PdfReader, PdfWriter

    # Chromium's cross-reference table is one entry short of its object count; pypdf reads it
    # correctly and says so on every open
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(pdf)
    destinations = reader.named_destinations
    writer = PdfWriter(clone_from=reader)
    parents: dict[int, object] = {}
    added = 0
    missing = []
    for level, title, anchor in headings:
        destination = destinations.get("/" + anchor) or destinations.get(anchor)
        if destination is None:
            missing.append(anchor)
            continue
        parent = next((parents[k] for k in range(level - 1, 0, -1) if k in parents), None)
        item = writer.add_outline_item(title=title, page_number=reader.get_destination_page_number(destination),
                                       parent=parent)
        parents = {k: v for k, v in parents.items() if k < level}
        parents[level] = item
        added += 1
    if missing:
        raise PdfError(f"{len(missing)} headings have no destination in the PDF: {missing[:10]}")
    writer.page_mode = "/UseOutlines"
    with open(pdf, "wb") as handle:
        writer.write(handle)
    return added


def make_pdf(output: Path = DEFAULT_OUTPUT, build_dir: Path | None = None) -> dict[str, float]:
    """Build and print the book; return its page count, size and the time each step took."""
    start = time.perf_counter()
    build_dir = build_dir or output.parent / "single-page"
    if build_dir.exists():
        shutil.rmtree(build_dir)
    page = build_single_page(build_dir)
    built = time.perf_counter()
    headings, counts = print_page(page, output)
    bookmarks = add_outline(output, headings)
    printed = time.perf_counter()
    from pypdf import PdfReader

    pages = len(PdfReader(output).pages)
    return {"pages": pages, "MB": output.stat().st_size / 1e6, "build s": built - start,
            "print s": printed - built, "bookmarks": bookmarks, **counts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the PDF to write (default: %(default)s)")
    parser.add_argument("--build-dir", type=Path, default=None,
                        help="where the single-page HTML is built (default: beside the PDF)")
    args = parser.parse_args(argv)
    try:
        report = make_pdf(args.output.resolve(), args.build_dir)
    except PdfError as exc:
        print(f"make pdf: {exc}", file=sys.stderr)
        return 1
    print(f"{args.output}: {report['pages']} pages, {report['MB']:.1f} MB "
          f"(single-page build {report['build s']:.0f} s, printing {report['print s']:.0f} s; "
          f"{report['maths']} typeset formulas, {report['solutions opened']} solutions opened, "
          f"{report['bookmarks']} bookmarks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
