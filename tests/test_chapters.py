"""The chapters follow the book's template, checked on the stored notebooks (nothing is run).

* Every chapter has a ``## Setup`` section, and the template's closing sections.
* Each ``{exercise}``, ``{solution-start}`` and ``{solution-end}`` directive sits alone in its
  own markdown cell, so that a student edition can remove a solution cell by cell; every
  exercise has exactly one solution, opened and closed in order.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
DIRECTIVE = re.compile(r"```\{(exercise|solution-start|solution-end)\}")
ALONE = re.compile(r"\A```\{(exercise|solution-start|solution-end)\}[^\n]*\n(?:.*\n)*?```\s*\Z")
SECTIONS = ("## Setup", "## Brain connection", "## Exercises", "## Summary", "## Further reading", "## Questionnaire")


def test_there_are_chapters():
    assert CHAPTERS, "no notebooks/NN_*.ipynb"


def _markdown(path: Path) -> list[nbformat.NotebookNode]:
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_template_sections(path):
    headings = {line.strip() for cell in _markdown(path) for line in cell.source.splitlines() if line.startswith("## ")}
    missing = [s for s in SECTIONS if s not in headings and not (s == "## Brain connection" and path.stem.startswith("05"))]
    assert not missing, f"{path.name} lacks {missing}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_exercise_directives_alone_and_paired(path):
    sequence = []
    for cell in _markdown(path):
        found = DIRECTIVE.findall(cell.source)
        if not found:
            continue
        assert len(found) == 1 and ALONE.match(cell.source.strip("\n") + "\n"), (
            f"{path.name} cell {cell.get('id')}: a directive must be alone in its markdown cell:\n{cell.source[:300]}"
        )
        sequence.append(found[0])
    assert sequence, f"{path.name} has no exercises"
    expected = ["exercise", "solution-start", "solution-end"] * (len(sequence) // 3)
    assert sequence == expected, f"{path.name}: directives out of order: {sequence}"
