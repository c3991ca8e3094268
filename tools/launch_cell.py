#!/usr/bin/env python
"""The hidden first cell that makes a chapter run on Colab and Binder: its one source, and its insertion.

    .venv/bin/python tools/launch_cell.py --check            # exit 1 if a chapter lacks the current cell
    .venv/bin/python tools/launch_cell.py                    # insert or update it in every chapter
    .venv/bin/python tools/launch_cell.py notebooks/03_learning.ipynb --print   # show the cell

The cell is the first of every chapter (and of the mathematics appendix), tagged ``remove-cell`` (hidden on the site). When
``import neurodl`` works (the repository's environment, Binder's environment.yml, a learner's
install) it does nothing: no output, no network, no subprocess. When it fails (a fresh Colab
runtime) it installs ``neurodl`` with pip, from ``$NEURODL_SOURCE`` if set (a path, a wheel,
a ``git+`` URL) or else from the book's repository (``_config.yml``'s ``repository.url``), with
any extra pip options in ``$NEURODL_PIP_OPTIONS``. A chapter that needs packages Colab lacks
(``EXTRAS``: Captum and Opacus in chapter 11, the data packages of chapter 07) also installs
those that do not import, at the versions pinned in ``requirements.txt``. Then, in chapters that
use Fashion-MNIST and
unless ``$NEURODL_OFFLINE`` is set, it downloads the data set when no local copy exists. The
source is plain Python (no magics), so it runs the same in a kernel and in ``python -c``.

Inserting is idempotent: the cell is found by its ``metadata["neurodl"]["role"] == "launch"``
and rewritten only when its source or tags differ; every other cell is left exactly as it is
(the chapter's stored outputs stay valid; the cell itself has no output to store).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_notebook import chapters, write  # noqa: E402

CELL_ID = "neurodl-launch"
TAGS = ["remove-cell"]
ROLE = {"role": "launch"}

TEMPLATE = '''\
# Hidden setup cell (tools/launch_cell.py): on Colab or any Python without the book's helper
# package `neurodl` (or this chapter's other packages), install them{and_data}.
# Where they all import, it does nothing.
def _neurodl_launch(fetch_fashion_mnist={fetch}, extras={extras}):
    import importlib
    import importlib.util
    import os
    import shlex
    import site
    import subprocess
    import sys

    missing = [pin for module, pin in extras if importlib.util.find_spec(module) is None]
    try:
        import neurodl  # noqa: F401
        if not missing:
            return
        source = None
    except ImportError:
        source = os.environ.get("NEURODL_SOURCE") or "git+{url}"
    options = shlex.split(os.environ.get("NEURODL_PIP_OPTIONS", ""))
    wanted = ([source] if source else []) + missing
    print("Installing what this chapter needs:", ", ".join(wanted), "...")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *options, *wanted], check=True)
    importlib.invalidate_caches()
    try:
        import neurodl  # noqa: F401
    except ImportError:  # installed into a user site folder that did not exist at start-up
        site.addsitedir(site.getusersitepackages())
        import neurodl  # noqa: F401
    if fetch_fashion_mnist and os.environ.get("NEURODL_OFFLINE", "") in ("", "0"):
        from neurodl import data

        try:
            if data.find_fashion_mnist() is None:
                print("Downloading Fashion-MNIST ...")
                print("Fashion-MNIST is in", data.download_fashion_mnist())
        except Exception as exc:  # offline: the chapter's loader will say what to do
            print(f"Fashion-MNIST could not be downloaded now: {{exc}}".splitlines()[0])


_neurodl_launch()
del _neurodl_launch'''


def repository_url() -> str:
    """The book's git repository, from ``_config.yml`` (``repository.url``)."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return str(config["repository"]["url"]).rstrip("/")


def uses_fashion_mnist(nb: nbformat.NotebookNode) -> bool:
    """True if a code cell of the chapter (the launch cell aside) mentions Fashion-MNIST's loader."""
    return any("fashion_mnist" in cell.source for cell in nb.cells if cell.cell_type == "code" and not is_launch(cell))


#: Packages some chapters need that Colab does not ship: (what in a chapter's code shows the need,
#: the module to import, the distribution as requirements.txt pins it).
EXTRAS = (
    ("captum", "captum", "captum"),
    ("opacus", "opacus", "opacus"),
    ("load_japanese_vowels", "sktime", "sktime"),
    ("load_austen", "rdata", "rdata"),
    ("make_sentiment", "vaderSentiment", "vaderSentiment"),
    ("statsmodels", "statsmodels", "statsmodels"),
)


def pinned(dist: str) -> str:
    """``dist==version`` as requirements.txt pins it."""
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        spec = line.split("#")[0].split(";")[0].strip()
        if spec.lower().startswith(dist.lower() + "=="):
            return spec
    raise ValueError(f"{dist} is not pinned in requirements.txt")


def chapter_extras(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(module, pinned requirement) for each package of ``EXTRAS`` the chapter's code needs."""
    code = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code" and not is_launch(cell))
    return [(module, pinned(dist)) for marker, module, dist in EXTRAS if marker in code]


def launch_source(fetch_fashion_mnist: bool = True, url: str | None = None,
                  extras: list[tuple[str, str]] | tuple = ()) -> str:
    """The cell's source, for a chapter that does (or does not) use Fashion-MNIST, and needs ``extras``."""
    return TEMPLATE.format(
        fetch=bool(fetch_fashion_mnist),
        extras=repr(tuple((str(m), str(p)) for m, p in extras)),
        url=url or repository_url(),
        and_data=" (and fetch Fashion-MNIST when online)" if fetch_fashion_mnist else "",
    )


def is_launch(cell: dict) -> bool:
    """True for the launch cell (found by its metadata role, or by its id)."""
    metadata = cell.get("metadata") or {}
    return (metadata.get("neurodl") or {}).get("role") == ROLE["role"] or cell.get("id") == CELL_ID


def find(nb: nbformat.NotebookNode) -> int | None:
    """Index of the (first) launch cell in ``nb``, or ``None``."""
    return next((index for index, cell in enumerate(nb.cells) if is_launch(cell)), None)


def expected_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(launch_source(uses_fashion_mnist(nb), extras=chapter_extras(nb)))
    cell.id = CELL_ID
    cell.metadata = nbformat.from_dict({"tags": list(TAGS), "neurodl": dict(ROLE)})
    return cell


def is_current(nb: nbformat.NotebookNode) -> bool:
    """True if the first cell, and only it, is the launch cell, with the current source and tags and no output."""
    if not nb.cells or sum(is_launch(c) for c in nb.cells) != 1 or not is_launch(nb.cells[0]):
        return False
    cell, want = nb.cells[0], expected_cell(nb)
    return (
        cell.cell_type == "code"
        and cell.source == want.source
        and cell.metadata.get("tags") == TAGS
        and not cell.get("outputs")  # its execution count may be set: tools/run_notebook.py executes it
    )


def apply(nb: nbformat.NotebookNode) -> bool:
    """Insert or update the launch cell as ``nb``'s first cell; return True if ``nb`` changed."""
    if is_current(nb):
        return False
    want = expected_cell(nb)
    nb.cells = [want] + [c for c in nb.cells if not is_launch(c)]
    return True


def every_notebook() -> list[Path]:
    """The chapters, then the other notebooks of notebooks/ (the appendix): all run on Colab."""
    others = sorted(set((ROOT / "notebooks").glob("*.ipynb")) - set(chapters()))
    return chapters() + others


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks (default: every notebook of notebooks/, the chapters and the appendix)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a chapter's cell is missing or stale")
    parser.add_argument("--print", action="store_true", help="print the cell's source for the first chapter given")
    args = parser.parse_args(argv)
    paths = args.notebooks or every_notebook()
    if args.print:
        print(expected_cell(nbformat.read(paths[0], as_version=4)).source)
        return 0
    stale = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if args.check:
            if not is_current(nb):
                stale.append(path)
        elif apply(nb):
            write(path, nb)
            print(f"launch cell written: {path}")
    if args.check and stale:
        print("the launch cell is missing or stale in: " + ", ".join(p.name for p in stale))
        print("run: .venv/bin/python tools/launch_cell.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
