#!/usr/bin/env python
"""Execute chapters in a fresh kernel, top to bottom, and store them normalised.

    .venv/bin/python tools/run_notebook.py notebooks/01_introduction.ipynb [...]
    .venv/bin/python tools/run_notebook.py --all
    .venv/bin/python tools/run_notebook.py --normalize-only notebooks/02_neuron.ipynb

The environment is the one the tests use (``PYTHONHASHSEED=0``, ``NEURODL_OFFLINE=1``,
working directory ``notebooks/``), so the stored outputs are exactly what ``make test``
reproduces under nbval. Normalising keeps diffs small: execution counts 1, 2, 3, ...,
no timing or widget metadata, no Python patch version, a fixed kernelspec.

Exits non-zero if a cell raises (unless it is tagged ``raises-exception``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

#: Environment every chapter runs in, here and under pytest (see conftest.py).
TEST_ENV = {"PYTHONHASHSEED": "0", "NEURODL_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
}
#: Cell metadata keys that are volatile or belong to one user's editor session.
VOLATILE_CELL_KEYS = ("execution", "collapsed", "scrolled", "jupyter", "ExecuteTime")


def normalize(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip volatile metadata and renumber executed cells 1, 2, 3, ..."""
    nb.metadata = nbformat.from_dict(
        {
            "kernelspec": KERNELSPEC,
            "language_info": LANGUAGE_INFO,
            **{k: v for k, v in nb.metadata.items() if k in ("title", "authors")},
        }
    )
    count = 0
    for index, cell in enumerate(nb.cells):
        cell.setdefault("id", f"cell-{index:03d}")
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            if cell.outputs or cell.execution_count is not None:
                count += 1
                cell.execution_count = count
                for output in cell.outputs:
                    if "execution_count" in output:
                        output.execution_count = count
            else:
                cell.execution_count = None
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


def chapters(folder: Path = NOTEBOOKS) -> list[Path]:
    """Every chapter notebook in ``folder`` (``notebooks/NN_*.ipynb``), in chapter order."""
    return sorted(Path(folder).glob("[0-9][0-9]_*.ipynb"))


def run(path: Path, timeout: int = 900, **client_kwargs: Any) -> tuple[nbformat.NotebookNode, float]:
    """Run ``path`` in a fresh kernel in the tests' environment, without storing it.

    Returns the executed notebook and the seconds taken. Extra keyword arguments go to
    :class:`nbclient.NotebookClient` (for example hooks such as ``on_notebook_start``).
    Raises :class:`nbclient.exceptions.CellExecutionError` if a cell raises (unless it
    is tagged ``raises-exception``).
    """
    from nbclient import NotebookClient

    os.environ.update(TEST_ENV)
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(Path(path).parent)}},
        **client_kwargs,
    )
    start = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - start


def execute(path: Path, timeout: int = 900) -> float:
    """Run ``path`` in a fresh kernel and overwrite it, normalised; return the seconds taken."""
    nb, seconds = run(path, timeout)
    write(path, normalize(nb))
    return seconds


def write(path: Path, nb: nbformat.NotebookNode) -> None:
    """Validate ``nb`` and store it at ``path`` (nbformat 4, ending with a newline)."""
    nbformat.validate(nb)
    text = nbformat.writes(nb, version=4)
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """The command line: execute and store, or only normalise, the named notebooks."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--all", action="store_true", help="every notebooks/NN_*.ipynb")
    parser.add_argument("--normalize-only", action="store_true", help="do not execute, only normalise")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    paths = chapters() if args.all else args.notebooks
    if not paths:
        parser.error("name at least one notebook, or pass --all")
    for path in paths:
        if not path.is_file():
            parser.error(f"no such notebook: {path}")
        if args.normalize_only:
            write(path, normalize(nbformat.read(path, as_version=4)))
            print(f"normalised {path}")
            continue
        try:
            seconds = execute(path, args.timeout)
        except Exception as exc:  # CellExecutionError, timeouts, kernel deaths
            print(f"FAILED {path}: {exc}", file=sys.stderr)
            return 1
        print(f"executed {path} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
