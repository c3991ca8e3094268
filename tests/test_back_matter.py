"""The back matter, checked on its sources (nothing is built or run; the site tests build it).

* The glossary: every entry has its English and its Chinese term, a definition and a link to the
  chapter that introduces it; every ``{term}`` role in the book names an entry; every entry is
  used by at least one role, and by one in the chapter its link names.
* The installation page is the README's installation part, included, not copied.
* The font the site serves for Chinese has a glyph for every Chinese character of the book.
* Every page of ``book/`` and ``notebooks/`` is in the table of contents.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import cjk_font  # noqa: E402

GLOSSARY = ROOT / "book" / "glossary.md"
ROLE = re.compile(r"\{term\}`([^`]+)`")
LINK = re.compile(r"Introduced in \[([^\]]+)\]\((\.\./notebooks/([^)#]+\.ipynb))(#[^)]+)?\)\.\s*$")


def _key(term: str) -> str:
    # Sphinx matches glossary terms case-insensitively, with runs of white space as one space
    return re.sub(r"\s+", " ", term).strip().lower()


def glossary_entries() -> list[dict]:
    """The glossary's entries: their term lines and their definition, in file order."""
    text = GLOSSARY.read_text(encoding="utf-8")
    match = re.search(r"^(`{3,})\{glossary\}[^\n]*\n(.*?)^\1\s*$", text, re.S | re.M)
    assert match, f"{GLOSSARY.name} has no {{glossary}} directive"
    entries: list[dict] = []
    terms: list[str] = []
    for line in match.group(2).splitlines():
        if not line.strip() or line.startswith(":"):
            continue
        if line[0].isspace():
            assert terms or entries, f"a definition before any term: {line!r}"
            if terms:
                entries.append({"terms": terms, "definition": line.strip()})
                terms = []
            else:
                entries[-1]["definition"] += " " + line.strip()
        else:
            terms.append(line.strip())
    assert not terms, f"terms without a definition at the end of the glossary: {terms}"
    return entries


def term_roles() -> list[tuple[str, str]]:
    """Every ``{term}`` role of the book's pages, as ``(file, target)``."""
    sources = [(p, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "book").glob("*.md"))]
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        sources.append((path, "\n".join(c.source for c in cells if c.cell_type == "markdown")))
    roles = []
    for path, text in sources:
        for body in ROLE.findall(text):
            explicit = re.fullmatch(r"(?s)(.*?)\s*<([^<>]+)>", body)
            roles.append((path.name, explicit.group(2) if explicit else body))
    return roles


def test_glossary_has_entries_in_both_languages_with_a_link():
    entries = glossary_entries()
    assert len(entries) >= 100, f"only {len(entries)} glossary entries"
    problems = []
    for entry in entries:
        terms = entry["terms"]
        english, chinese = (terms + ["", ""])[:2]
        if len(terms) != 2 or cjk_font.CJK.search(english) or not cjk_font.CJK.search(chinese):
            problems.append(f"{terms}: expected the English term, then the Chinese one")
        link = LINK.search(entry["definition"])
        if not link:
            problems.append(f"{english}: the definition does not end with 'Introduced in [Chapter N, section](...).'")
        elif not (ROOT / "notebooks" / link.group(3)).exists():
            problems.append(f"{english}: links to {link.group(2)}, which does not exist")
        elif len(entry["definition"]) - len(link.group(0)) < 20:
            problems.append(f"{english}: the definition is too short to define anything")
    assert not problems, "\n".join(problems)


def test_glossary_terms_are_unique():
    seen: dict[str, list[str]] = {}
    for entry in glossary_entries():
        for term in entry["terms"]:
            seen.setdefault(_key(term), []).append(entry["terms"][0])
    repeated = {term: owners for term, owners in seen.items() if len(owners) > 1}
    assert not repeated, f"terms given to more than one entry: {repeated}"


def test_every_term_role_names_a_glossary_entry():
    known = {_key(term) for entry in glossary_entries() for term in entry["terms"]}
    roles = term_roles()
    assert roles, "no {term} role anywhere: is the check looking?"
    unknown = sorted({f"{path}: {target!r}" for path, target in roles if _key(target) not in known})
    assert not unknown, "{term} roles with no glossary entry:\n" + "\n".join(unknown)


def test_every_glossary_entry_is_used_where_the_book_introduces_it():
    roles = term_roles()
    used_in: dict[str, set[str]] = {}
    for path, target in roles:
        used_in.setdefault(_key(target), set()).add(path)
    unused, elsewhere = [], []
    for entry in glossary_entries():
        files = set().union(*(used_in.get(_key(t), set()) for t in entry["terms"]))
        if not files:
            unused.append(entry["terms"][0])
            continue
        link = LINK.search(entry["definition"])
        if link and link.group(3) not in files:
            elsewhere.append(f"{entry['terms'][0]}: introduced in {link.group(3)}, referenced only in {sorted(files)}")
    assert not unused, f"glossary entries no chapter refers to with {{term}}: {unused}"
    assert not elsewhere, "\n".join(elsewhere)


def test_glossary_checks_catch_a_bad_role(tmp_path, monkeypatch):
    """The role parser sees explicit targets, and an unknown one fails the check."""
    assert ROLE.findall("a {term}`Neurons <neuron>` and {term}`ReLU`") == ["Neurons <neuron>", "ReLU"]
    fake = tmp_path / "book"
    fake.mkdir()
    (fake / "page.md").write_text("see {term}`no such term <flux capacitor>`", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "notebooks").mkdir()
    assert term_roles() == [("page.md", "flux capacitor")]


# ----------------------------------------------------------------------------- installation

INSTALL = ROOT / "book" / "install.md"
START, END = "<!-- install:start -->", "<!-- install:end -->"


def test_install_page_includes_the_readme_part():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count(START) == 1 and readme.count(END) == 1, "README.md must hold each install marker once"
    part = readme[readme.index(START) + len(START):readme.index(END)]
    for topic in ("pip", "conda", "GPU", "Apple silicon", "offline", "Troubleshooting"):
        assert topic in part, f"README's installation part does not mention {topic!r}"
    page = INSTALL.read_text(encoding="utf-8")
    include = re.search(r"```\{include\} \.\./README\.md\n(.*?)```", page, re.S)
    assert include, "book/install.md must include ../README.md (one source), not copy it"
    options = dict(re.findall(r"^:([a-z-]+): \"?(.*?)\"?$", include.group(1), re.M))
    assert options.get("start-after") == START and options.get("end-before") == END, options
    # a relative link in the README would break on the site, where the page lives in book/
    relative = [href for href in re.findall(r"\]\(([^)]+)\)", part) if not re.match(r"(https?:|mailto:|#)", href)]
    assert not relative, f"relative links in README's installation part (use full addresses): {relative}"


# ----------------------------------------------------------------------------- Chinese font

def test_served_font_has_every_chinese_character_of_the_book():
    characters = cjk_font.book_characters()
    assert len(characters) > 50, f"only {len(characters)} Chinese characters in the book: is the check looking?"
    missing = cjk_font.missing_characters()
    assert not missing, f"not in {cjk_font.SUBSET.name}: {''.join(missing)}; run .venv/bin/python tools/cjk_font.py"
    assert cjk_font.SUBSET.stat().st_size < 1_000_000, "the font subset should stay small"
    css = (ROOT / "book" / "_static" / "book.css").read_text(encoding="utf-8")
    assert cjk_font.CSS_UNICODE_RANGE in css and cjk_font.SUBSET.name in css, "book.css and tools/cjk_font.py disagree"


# ----------------------------------------------------------------------------- table of contents

def test_every_page_is_in_the_table_of_contents():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    listed = {toc["root"]}

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                listed.add(re.sub(r"\.(md|ipynb)$", "", entry["file"]))
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    pages = {str(p.relative_to(ROOT).with_suffix("")) for p in (ROOT / "book").glob("*.md")}
    pages |= {str(p.relative_to(ROOT).with_suffix("")) for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert pages - listed == set(), f"pages missing from _toc.yml (the site would leave them out): {sorted(pages - listed)}"
    assert listed - pages == set(), f"_toc.yml lists pages that do not exist: {sorted(listed - pages)}"
