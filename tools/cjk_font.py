#!/usr/bin/env python
"""The font the site and the PDF show Chinese in: a subset of Noto Sans CJK SC.

    .venv/bin/python tools/cjk_font.py           # rewrite book/_static/fonts/ from the book's text
    .venv/bin/python tools/cjk_font.py --check   # exit 1 if a Chinese character of the book is missing

The glossary gives every term in Chinese as well as English, so the site must show Chinese
glyphs on every reader's machine, including Linux machines without a CJK font, and the PDF must
embed them. A whole CJK font is 16 MB or more; the book uses a few hundred characters, so the
site serves only those, cut from Noto Sans CJK SC (SIL Open Font License 1.1, which allows
subsetting and redistribution; ``book/_static/fonts/OFL.txt``) with fontTools. The style sheet
(``book/_static/book.css``) names it first for Chinese code points only, so Latin text keeps the
theme's fonts.

The subset is committed. Regenerate it after adding Chinese text (``tests/test_back_matter.py``
fails until it is); that needs the full font once: ``sudo apt-get install fonts-noto-cjk``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONT_DIR = ROOT / "book" / "_static" / "fonts"
SUBSET = FONT_DIR / "noto-sans-sc-book.woff"
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
#: In Noto's collection, font 2 is the simplified-Chinese one (Noto Sans CJK SC).
SOURCE_FONT_NUMBER = 2
#: Code points the style sheet sends to the subset: CJK punctuation and symbols, ideographs,
#: compatibility ideographs and full-width forms. Kept in step with book.css's unicode-range.
CJK = re.compile(r"[\u2e80-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
CSS_UNICODE_RANGE = "U+2E80-303F, U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF, U+FF00-FFEF"


def book_text() -> dict[str, str]:
    """Every text the site shows that a writer typed: the prose pages and the notebooks' cells."""
    import nbformat

    texts = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in sorted((ROOT / "book").glob("*.md"))}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        texts[str(path.relative_to(ROOT))] = "\n".join(cell.source for cell in cells)
    return texts


def book_characters() -> set[str]:
    """The CJK characters the book uses."""
    return {ch for text in book_text().values() for ch in CJK.findall(text)}


def font_characters(path: Path = SUBSET) -> set[str]:
    """The characters a font has glyphs for."""
    from fontTools.ttLib import TTFont

    with TTFont(path) as font:
        return {chr(code) for code in font.getBestCmap()}


def missing_characters() -> list[str]:
    """Chinese characters of the book that the served font lacks, sorted."""
    if not SUBSET.exists():
        return sorted(book_characters())
    return sorted(book_characters() - font_characters())


def write_subset(source: Path = SOURCE, output: Path = SUBSET) -> int:
    """Cut the book's characters out of Noto Sans CJK SC; return how many glyphs it holds."""
    from fontTools import subset

    if not source.exists():
        raise SystemExit(f"{source} is missing: sudo apt-get install fonts-noto-cjk (needed only to regenerate "
                         f"the subset; the site and the tests use {output.relative_to(ROOT)})")
    characters = book_characters()
    options = subset.Options()
    options.flavor = "woff"  # zlib, so reading it back needs nothing beyond fontTools
    options.font_number = SOURCE_FONT_NUMBER
    options.layout_features = ["*"]
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.notdef_outline = True
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(characters)))
    subsetter.subset(font)
    output.parent.mkdir(parents=True, exist_ok=True)
    subset.save_font(font, str(output), options)
    return len(characters)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that the served font covers the book")
    args = parser.parse_args(argv)
    if args.check:
        missing = missing_characters()
        if missing:
            print(f"{len(missing)} Chinese characters of the book are not in {SUBSET.relative_to(ROOT)}: "
                  f"{''.join(missing)}\nrun: .venv/bin/python tools/cjk_font.py", file=sys.stderr)
            return 1
        print(f"{SUBSET.relative_to(ROOT)} covers all {len(book_characters())} Chinese characters of the book")
        return 0
    count = write_subset()
    print(f"wrote {SUBSET.relative_to(ROOT)}: {count} characters, {SUBSET.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
