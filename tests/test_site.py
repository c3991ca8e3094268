"""The published site, built once per session and checked in a real browser.

The site is built with ``jupyter-book build -W -n --keep-going`` into a temporary folder
(the stored notebook outputs are used, nothing is executed), served on 127.0.0.1 from a
thread, and every page is opened in Debian's Chromium, headless, driven by Playwright.
Requests that would leave 127.0.0.1 are recorded and refused. Without Chromium these
tests skip and say how to install it; under CI (``CI=true``) they fail instead.

The link check needs no browser: every internal ``href``/``src`` of the built HTML must
name a file that exists and, with a ``#fragment``, an ``id`` in that file.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from cjk_font import CJK  # noqa: E402
from pdf import CHROMIUM, CHROMIUM_ARGS, _QuietHandler  # noqa: E402  (make pdf's browser, flags, server)

SCREENSHOTS = ROOT / "_build" / "screenshots"
#: Folders of the build that hold assets, not pages.
ASSET_DIRS = {"_static", "_sources", "_images", "mathjax", "_sphinx_design_static"}
#: Text that must never show on a page: maths MathJax did not typeset.
RAW_MATH = ("$$", "\\[", "\\]", "\\(", "\\begin{")

pytestmark = [pytest.mark.site, pytest.mark.slow]

# ----------------------------------------------------------------------------- building


@dataclass
class Site:
    html: Path
    returncode: int
    log: str


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The book built once per session, into a temporary --path-output."""
    out = tmp_path_factory.mktemp("site")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "-W", "-n", "--keep-going", "--path-output", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    html = out / "_build" / "html"
    if not (html / "index.html").exists():
        pytest.fail(f"jupyter-book build produced no site:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return Site(html, proc.returncode, proc.stdout + proc.stderr)


def pages(site: Site) -> list[Path]:
    """Every HTML page of the site (assets such as MathJax's own files excluded)."""
    return sorted(
        p for p in site.html.rglob("*.html") if not ASSET_DIRS & set(p.relative_to(site.html).parts[:-1])
    )


def is_redirect(path: Path) -> bool:
    """A stub that only sends the browser on (jupyter-book's index.html)."""
    return bool(re.search(r'http-equiv="refresh"', path.read_text(encoding="utf-8", errors="replace"), re.I))


def toc_documents() -> list[str]:
    """The documents of _toc.yml in reading order: the root, then every part's chapters."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    docs = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries or []:
            if "file" in entry:
                docs.append(re.sub(r"\.(md|ipynb)$", "", entry["file"]))
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return docs


def test_site_builds_without_warnings(site):
    warnings = [line for line in site.log.splitlines() if re.search(r"WARNING|ERROR", line)]
    assert site.returncode == 0 and not warnings, (
        f"jupyter-book build -W -n --keep-going exited {site.returncode} with:\n" + "\n".join(warnings)
    )


# ----------------------------------------------------------------------------- link check


class _LinkParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if values.get(key):
                self.ids.add(values[key])
        for key in ("href", "src"):
            if values.get(key) and not (tag == "link" and values.get("rel") in ("canonical",)):
                self.links.append(values[key])


@functools.lru_cache(maxsize=None)
def _parse(path: Path) -> _LinkParser:
    parser = _LinkParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def broken_links(html_dir: Path, page_list: list[Path]) -> list[str]:
    """Internal links whose file or #fragment does not exist, as ``page: link (why)``."""
    problems = []
    for page in page_list:
        for link in _parse(page).links:
            parsed = urlparse(link)
            if parsed.scheme or parsed.netloc or link.startswith(("mailto:", "javascript:", "data:")):
                continue  # external: allowed as a link to click, never loaded (see the browser tests)
            target = page if not parsed.path else (page.parent / unquote(parsed.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(html_dir)}: {link}"
            if not target.exists():
                problems.append(f"{where} (no such file)")
            elif parsed.fragment and target.suffix == ".html":
                if unquote(parsed.fragment) not in _parse(target).ids:
                    problems.append(f"{where} (no id {parsed.fragment!r} in {target.name})")
    return problems


def test_no_broken_internal_links_or_anchors(site):
    page_list = pages(site)
    assert len(page_list) >= 3, page_list
    problems = broken_links(site.html, page_list)
    assert not problems, f"{len(problems)} broken internal link(s):\n" + "\n".join(problems[:100])


def test_link_check_catches_a_broken_link_and_anchor(tmp_path):
    (tmp_path / "a.html").write_text('<a id="top" href="b.html#here">x</a><a href="b.html#nowhere">y</a>'
                                     '<a href="missing.html">z</a><a href="#top">t</a><a href="https://x.org/">e</a>')
    (tmp_path / "b.html").write_text('<h1 id="here">b</h1>')
    problems = broken_links(tmp_path, [tmp_path / "a.html", tmp_path / "b.html"])
    assert len(problems) == 2 and "nowhere" in problems[0] and "missing.html" in problems[1], problems


# ----------------------------------------------------------------------------- the browser


def _chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    message = "Chromium is not installed; install it with: sudo apt-get install chromium"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message + " (CI must run the browser tests)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def server(site: Site) -> Iterator[str]:
    """The site served on 127.0.0.1 from a thread; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site.html))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@dataclass
class Visit:
    """What one page did when opened."""

    url: str
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    has_math_markup: bool = False
    mjx_containers: int = 0
    wide_equations: list[str] = field(default_factory=list)
    raw_math: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    images: int = 0


#: Display equations wider than the text column (a reader would have to scroll sideways),
#: by the label of their equation, or their first characters.
WIDE_EQUATIONS = """() => Array.from(document.querySelectorAll('mjx-container[display="true"]'))
  .filter(e => e.scrollWidth > e.clientWidth + 2)
  .map(e => { const box = e.closest('div.math'); return (box && box.id) || e.textContent.slice(0, 40); })"""


TEXT_WITHOUT_CODE = """() => {
  if (!document.body) return '';  // index.html only redirects
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, mjx-container, .highlight, textarea').forEach(e => e.remove());
  return clone.innerText;
}"""


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob", "about") or parsed.hostname == "127.0.0.1"


@pytest.fixture(scope="module")
def context(browser, server):
    """A browser context that records, and refuses, every request leaving 127.0.0.1."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.outside: list[str] = []  # type: ignore[attr-defined]

    def route(route):
        if _is_local(route.request.url):
            route.continue_()
        else:
            context.outside.append(route.request.url)  # type: ignore[attr-defined]
            route.abort()

    context.route("**/*", route)
    yield context
    context.close()


@pytest.fixture(scope="module")
def visits(site, server, context) -> dict[str, Visit]:
    """Every page opened once: console errors, requests, maths, images; chapter screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    results: dict[str, Visit] = {}
    page = context.new_page()
    for path in pages(site):
        if is_redirect(path):
            continue  # its target is visited itself; test_index_redirects_to_the_root checks it
        rel = path.relative_to(site.html).as_posix()
        visit = Visit(urljoin(server, rel))
        outside_before = len(context.outside)
        on_console = lambda msg, v=visit: v.console_errors.append(msg.text) if msg.type == "error" else None  # noqa: E731
        on_error = lambda exc, v=visit: v.console_errors.append(f"uncaught: {exc}")  # noqa: E731
        on_failed = lambda req, v=visit: v.failed_requests.append(f"{req.url} ({req.failure})") if _is_local(req.url) else None  # noqa: E731
        page.on("console", on_console)
        page.on("pageerror", on_error)
        page.on("requestfailed", on_failed)
        response = page.goto(visit.url, wait_until="load")
        if response is None or response.status != 200:
            visit.console_errors.append(f"HTTP {response.status if response else 'no response'}")
        visit.has_math_markup = page.locator(".math").count() > 0
        if visit.has_math_markup:
            try:
                page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=30000)
                page.evaluate("() => MathJax.startup.promise")
            except Exception as exc:  # reported as a missing typeset below
                visit.console_errors.append(f"MathJax did not start: {exc}")
        visit.mjx_containers = page.locator("mjx-container").count()
        visit.wide_equations = page.evaluate(WIDE_EQUATIONS)
        text = page.evaluate(TEXT_WITHOUT_CODE)
        visit.raw_math = [s for s in RAW_MATH if s in text]
        if rel.startswith("notebooks/"):
            page.screenshot(path=str(SCREENSHOTS / f"{Path(rel).stem}.png"))
        page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_load_state("networkidle")
        visit.images = page.locator("img").count()
        visit.broken_images = page.evaluate(
            "() => Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
        )
        visit.outside_requests = context.outside[outside_before:]
        page.remove_listener("console", on_console)
        page.remove_listener("pageerror", on_error)
        page.remove_listener("requestfailed", on_failed)
        results[rel] = visit
    page.close()
    return results


def _chapter_pages(site: Site) -> list[str]:
    return [p.relative_to(site.html).as_posix() for p in sorted((site.html / "notebooks").glob("[0-9][0-9]_*.html"))]


def test_every_chapter_is_a_page(site):
    chapters = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    built = [Path(p).stem for p in _chapter_pages(site)]
    assert built == chapters, f"chapters {chapters}, pages built {built}"


def test_pages_load_without_console_errors(visits):
    problems = {url: v.console_errors + v.failed_requests for url, v in visits.items() if v.console_errors or v.failed_requests}
    assert not problems, "\n".join(f"{url}: {errors}" for url, errors in problems.items())


def test_no_request_leaves_localhost(visits):
    problems = {url: v.outside_requests for url, v in visits.items() if v.outside_requests}
    assert not problems, "Requests to other hosts (refused):\n" + "\n".join(f"{u}: {r}" for u, r in problems.items())


def test_maths_is_typeset(site, visits):
    chapters = _chapter_pages(site)
    assert any(visits[c].has_math_markup for c in chapters), "no chapter has any maths: is the check looking?"
    untypeset = [url for url, v in visits.items() if v.has_math_markup and v.mjx_containers == 0]
    raw = {url: v.raw_math for url, v in visits.items() if v.raw_math}
    assert not untypeset, f"MathJax rendered nothing on: {untypeset}"
    assert not raw, f"Raw TeX left in the rendered text: {raw}"


def test_equations_fit_the_text_column(visits):
    """At the 1280-pixel desktop width, no displayed equation needs a sideways scrollbar."""
    wide = {url: v.wide_equations for url, v in visits.items() if v.wide_equations}
    assert not wide, f"Equations wider than the text column (split them with aligned): {wide}"


def test_every_image_loads(site, visits):
    assert sum(visits[c].images for c in _chapter_pages(site)) > 0, "no chapter has an image: is the check looking?"
    broken = {url: v.broken_images for url, v in visits.items() if v.broken_images}
    assert not broken, f"Images that did not load: {broken}"


def test_screenshots_of_every_chapter(site, visits):
    for chapter in _chapter_pages(site):
        shot = SCREENSHOTS / f"{Path(chapter).stem}.png"
        assert shot.exists() and shot.stat().st_size > 10_000, f"no screenshot for {chapter}"


def test_one_search_box_per_page(site, server, context):
    """The theme puts a search field in the sidebar and another in the header; keep one."""
    page = context.new_page()
    for chapter in _chapter_pages(site):
        page.goto(urljoin(server, chapter), wait_until="load")
        visible = [b for b in page.locator("button.search-button-field").all() if b.is_visible()]
        assert len(visible) == 1, f"{chapter}: {len(visible)} search boxes are visible"
    page.close()


def test_logo_text_fits_inside_the_logo(site, server, context):
    """Each line of the logo's text ends inside its view box (it was clipped: 'Neurons to Network')."""
    page = context.new_page()
    page.goto(urljoin(server, "_static/logo.svg"), wait_until="load")
    width = page.evaluate("() => document.documentElement.viewBox.baseVal.width")
    ends = page.evaluate("() => Array.from(document.querySelectorAll('text')).map(t => { const b = t.getBBox(); return [t.textContent, b.x + b.width]; })")
    page.close()
    assert ends, "the logo has no text: is the check looking?"
    clipped = [(text, round(end, 1)) for text, end in ends if end > width]
    assert not clipped, f"logo text runs past the view box's width {width}: {clipped}"


def test_search_finds_the_books_terms(site, server, context):
    if (ROOT / "notebooks" / "04_backprop.ipynb").exists():
        term, expected = "backpropagation", "04_backprop"
    else:  # before chapter 04 exists: the longest word of chapter 01's title
        title = next((p for p in (ROOT / "notebooks").glob("01_*.ipynb")))
        import nbformat

        heading = next(c.source for c in nbformat.read(title, as_version=4).cells if c.cell_type == "markdown")
        term = max(re.findall(r"[A-Za-z]+", heading.splitlines()[0]), key=len).lower()
        expected = title.stem
    page = context.new_page()
    page.goto(urljoin(server, f"search.html?q={term}"))
    page.wait_for_selector("#search-results ul.search li a", timeout=60000)
    hrefs = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(e => e.href)")
    page.close()
    assert any(expected in href for href in hrefs), f"searching {term!r} did not find {expected}: {hrefs}"


def _path_of(url: str, server: str) -> str:
    return re.sub(r"\.html$", "", urlparse(url).path.lstrip("/"))


def test_next_and_previous_links_walk_the_book_in_order(site, server, context):
    expected = [d for d in toc_documents() if (site.html / f"{d}.html").exists()]
    page = context.new_page()
    page.goto(urljoin(server, f"{expected[0]}.html"))
    forward = [_path_of(page.url, server)]
    while page.locator("a.right-next").count() and len(forward) <= len(expected):
        page.locator("a.right-next").first.click()
        page.wait_for_load_state("load")
        forward.append(_path_of(page.url, server))
    backward = [forward[-1]]
    while page.locator("a.left-prev").count() and len(backward) <= len(expected):
        page.locator("a.left-prev").first.click()
        page.wait_for_load_state("load")
        backward.append(_path_of(page.url, server))
    page.close()
    assert forward == expected, f"'next' links visit {forward}, the table of contents says {expected}"
    assert backward == expected[::-1], f"'previous' links visit {backward}"


def test_index_redirects_to_the_root(site, server, context):
    root = toc_documents()[0]
    page = context.new_page()
    page.goto(server)
    page.wait_for_url(f"**/{root}.html", timeout=15000)
    assert page.locator("h1").count() >= 1
    page.close()


def test_table_of_contents_links_open_every_page(site, server, context):
    expected = [d for d in toc_documents() if (site.html / f"{d}.html").exists()]
    page = context.new_page()
    page.goto(urljoin(server, f"{expected[0]}.html"))
    count = page.locator("nav.bd-docs-nav a.reference").count()
    assert count >= len(expected) - 1, f"the sidebar has {count} links for {len(expected)} pages"
    reached = []
    for index in range(count):
        page.goto(urljoin(server, f"{expected[0]}.html"))
        link = page.locator("nav.bd-docs-nav a.reference").nth(index)
        href = link.get_attribute("href")
        link.click()
        page.wait_for_load_state("load")
        assert page.title() != "Error response", f"ToC link {href!r} leads to a missing page ({page.url})"
        assert page.locator("h1").count() >= 1, f"ToC link {href!r} opened a page without a title: {page.url}"
        reached.append(_path_of(page.url, server))
    page.close()
    assert set(expected[1:]) <= set(reached), f"the ToC reaches {reached}, not every page of {expected}"


def test_exercise_solutions_stay_hidden_until_clicked(site, server, context):
    page = context.new_page()
    checked = 0
    for chapter in _chapter_pages(site):
        page.goto(urljoin(server, chapter), wait_until="load")
        solutions = page.locator(".solution.dropdown")
        for index in range(solutions.count()):
            solution = solutions.nth(index)
            body = solution.locator(":scope > :not(.admonition-title)").first
            assert body.count() == 1, f"{chapter}: solution {index} has no body"
            assert not body.is_visible(), f"{chapter}: solution {index} is visible before it is clicked"
            toggle = solution.locator("button.toggle-button")
            (toggle.first if toggle.count() else solution.locator(".admonition-title").first).click()
            body.wait_for(state="visible", timeout=5000)
            assert body.is_visible(), f"{chapter}: solution {index} stays hidden after a click"
            checked += 1
    page.close()
    assert checked > 0, "no dropdown solution found in any chapter"


# ----------------------------------------------------------------------------- back matter

BACK_MATTER_WITH_MATHS = ("notebooks/appendix_maths.html", "book/glossary.html")
CJK_TEXT = CJK.pattern  # the code points the site's Chinese font serves (tools/cjk_font.py)


def test_back_matter_maths_is_typeset(site, visits):
    for page in BACK_MATTER_WITH_MATHS:
        visit = visits[page]
        assert visit.has_math_markup and visit.mjx_containers > 0, f"{page}: maths not typeset ({visit})"


def test_chinese_text_renders_with_a_font_that_has_its_glyphs(site, server, context):
    """Chromium reports which font drew each glossary term: the site's own, with every glyph."""
    page = context.new_page()
    page.goto(urljoin(server, "book/glossary.html"), wait_until="load")
    marked = page.evaluate(
        """(pattern) => { const re = new RegExp(pattern); let n = 0;
             document.querySelectorAll('dl.glossary dt, article p').forEach(e => {
               const own = Array.from(e.childNodes).filter(c => c.nodeType === 3).map(c => c.data).join('');
               if (re.test(own)) { e.setAttribute('data-zh', own.match(new RegExp(pattern, 'g')).length); n++; }
             }); return n; }""",
        CJK_TEXT,
    )
    page.evaluate("() => document.fonts.ready.then(() => true)")
    assert marked > 100, f"only {marked} elements of the glossary hold Chinese text: is the check looking?"
    cdp = context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    nodes = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": "[data-zh]"})["nodeIds"]
    problems = []
    for node in nodes:
        expected = int(dict(zip(*[iter(cdp.send("DOM.getAttributes", {"nodeId": node})["attributes"])] * 2))["data-zh"])
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        served = sum(f["glyphCount"] for f in fonts if f.get("isCustomFont") and "CJK SC" in f["familyName"])
        if served < expected:
            problems.append(f"{expected} Chinese glyphs, {served} from the site's font: {fonts}")
    page.close()
    assert len(nodes) == marked
    assert not problems, f"{len(problems)} of {len(nodes)} elements:\n" + "\n".join(problems[:10])


def test_search_finds_glossary_terms_in_both_languages(site, server, context):
    from test_back_matter import glossary_entries

    entries = glossary_entries()
    page = context.new_page()
    missed = []
    for entry in (entries[0], entries[len(entries) // 2], entries[-1]):
        for term in entry["terms"]:
            query = term
            page.goto(urljoin(server, f"search.html?q={quote(query)}"))
            page.wait_for_selector("#search-results p.search-summary", timeout=60000)
            hrefs = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(e => e.href)")
            if not any("book/glossary.html" in href for href in hrefs):
                missed.append(f"{query!r} -> {hrefs[:5]}")
    page.close()
    assert not missed, "searches that did not find the glossary:\n" + "\n".join(missed)
