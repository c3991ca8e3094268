"""Teaching with the book: student editions, grading, the teachers' page, the launch cell.

* **Student editions** of every real chapter (built in memory, nothing executed): no line of
  any solution (code or prose) is left in them, checked by content; teaching cells are
  unchanged; each exercise's checks are visible and marked; ``tools/student.py`` writes the
  folder, the zip and the manifest.
* **Grading**, on a small synthetic chapter in the book's layout
  (``tests/data/teaching/99_fixture.ipynb``: three auto-graded exercises, one of them in the
  older layout with its check inside the solution, and one manual): the instructor edition and
  a student notebook with the solutions pasted back get full marks; a blank one fails exactly
  the auto-graded exercises; every bad submission (invalid JSON, a deleted, edited or moved
  check cell, an infinite loop, a network attempt, a write outside its folder, a kernel crash,
  a renamed file, a notebook of no chapter) gets its own row. The submissions are graded in one
  run (one kernel each), once per session.
* **The teachers' page**: its exercise table is the one the manifest gives.
* **The launch cell**: silent where ``neurodl`` imports; inserted idempotently; and in a fresh
  virtual environment without ``neurodl`` it installs it from ``$NEURODL_SOURCE``, offline.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import grade
import launch_cell
import nbformat
import pytest
import student

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_DIR = ROOT / "tests" / "data" / "teaching"
FIXTURE = FIXTURE_DIR / "99_fixture.ipynb"
CHAPTERS = student.chapter_paths()
AUTO = ["ex99-square", "ex99-mean", "ex99-total"]
PYTHON_ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


# ----------------------------------------------------------------------------- helpers


def _lines(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if line.strip()}


def _nontrivial(line: str) -> bool:
    """A line worth looking for: not a comment, not a bracket or a keyword alone."""
    return len(line) >= 12 and not line.startswith("#") and bool(re.search(r"[A-Za-z0-9]{2}", line))


def leaked_solution_lines(chapter: student.Chapter, nb: nbformat.NotebookNode) -> list[str]:
    """Non-trivial lines of the chapter's solutions (code and prose) found in ``nb``.

    A line that also occurs outside the solutions (in teaching text, a prompt or a check) is
    not a leak and is not looked for."""
    solution = {i for e in chapter.exercises for i in e.solution_code + e.solution_prose}
    elsewhere: set[str] = set()
    for i, cell in enumerate(chapter.nb.cells):
        if i not in solution:
            elsewhere |= _lines(cell.source)
    present: set[str] = set()
    for cell in nb.cells:
        present |= _lines(cell.source)
        for output in cell.get("outputs", []):
            present |= _lines(json.dumps(output))
    leaks = []
    for i in sorted(solution):
        for line in _lines(chapter.nb.cells[i].source):
            if _nontrivial(line) and line not in elsewhere and line in present:
                leaks.append(f"cell {i}: {line}")
    return leaks


# ----------------------------------------------------------------------------- the real chapters


def test_there_are_chapters_with_exercises():
    assert CHAPTERS, "no notebooks/NN_*.ipynb found"
    for path in CHAPTERS:
        chapter = student.read_chapter(path)
        assert chapter.exercises, f"{path.name}: no exercises found"
        for exercise in chapter.exercises:
            assert exercise.solution_code or exercise.solution_prose, f"{path.name} {exercise.label}: empty solution"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_solution_in_the_student_edition(path):
    chapter = student.read_chapter(path)
    nb = student.student_edition(chapter)
    assert leaked_solution_lines(chapter, nb) == []
    for cell in nb.cells:
        assert "solution-start" not in cell.source and "solution-end" not in cell.source
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    # the check is real: the same edition with the solutions' code pasted back is caught
    leaked = copy.deepcopy(nb)
    leaked.cells += [copy.deepcopy(chapter.nb.cells[i]) for e in chapter.exercises for i in e.solution_code]
    assert leaked_solution_lines(chapter, leaked)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_student_edition_keeps_teaching_and_shows_checks(path):
    chapter = student.read_chapter(path)
    nb = student.student_edition(chapter)
    inside = chapter.exercise_cells()
    teaching = [c for i, c in enumerate(chapter.nb.cells) if i not in inside]
    by_id = {c.id: c for c in nb.cells}
    for cell in teaching:  # every teaching cell, unchanged (tags and source), in order
        copy_ = by_id[cell.id]
        assert copy_.source == cell.source and copy_.metadata.get("tags") == cell.metadata.get("tags")
        assert copy_.metadata.get(student.META) == cell.metadata.get(student.META)
    order = [c.id for c in nb.cells if c.id in {t.id for t in teaching}]
    assert order == [t.id for t in teaching]
    for exercise in chapter.exercises:
        marked = [c for c in nb.cells if c.metadata.get(student.META, {}).get("exercise") == exercise.label]
        roles = [c.metadata[student.META]["role"] for c in marked]
        checks = [c for c in marked if c.metadata[student.META]["role"] == "check"]
        assert [c.source for c in checks] == [chapter.nb.cells[j].source for j in exercise.checks]
        assert all("remove-cell" not in c.metadata.get("tags", []) for c in checks)
        stubs = [c for c in marked if c.cell_type == "code" and c.metadata[student.META]["role"] == "answer"]
        assert len(stubs) == (1 if exercise.solution_code else 0)
        for stub in stubs:
            assert f'raise NotImplementedError("exercise {exercise.label}' in stub.source
            assert student.is_unanswered([stub.source])
        assert roles[0] == "exercise"
        if not exercise.auto:
            assert any(c.cell_type == "markdown" and "Graded by your teacher" in c.source for c in marked)
    assert nb.metadata[student.META]["chapter"] == chapter.stem
    nbformat.validate(nb)


def test_make_student_writes_folder_zip_and_manifest_without_executing(tmp_path, monkeypatch, capsys):
    import jupyter_client
    import nbclient

    def forbidden(*args, **kwargs):
        raise AssertionError("building the student edition must not execute anything")

    monkeypatch.setattr(nbclient.NotebookClient, "__init__", forbidden)
    monkeypatch.setattr(jupyter_client.KernelManager, "start_kernel", forbidden)
    out = tmp_path / "student"
    assert student.main(["--out", str(out)]) == 0
    names = sorted(p.name for p in out.glob("*.ipynb"))
    assert names == [p.name for p in CHAPTERS]
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [c["chapter"] for c in data["chapters"]] == [p.stem for p in CHAPTERS]
    for entry in data["chapters"]:
        chapter = student.read_chapter(ROOT / "notebooks" / entry["file"])
        assert [e["label"] for e in entry["exercises"]] == [e.label for e in chapter.exercises]
        for row, exercise in zip(entry["exercises"], chapter.exercises, strict=False):
            assert row["grading"] == ("auto" if exercise.auto else "manual")
            assert row["checks"] == (len(exercise.checks) if exercise.auto else 0)
            assert row["title"] == exercise.title and row["chapter"] == entry["chapter"]
    with zipfile.ZipFile(out.with_name("student.zip")) as archive:
        zipped = set(archive.namelist())
    assert {f"student/{n}" for n in names} | {"student/manifest.json", "student/README.md"} <= zipped
    assert "auto-graded" in capsys.readouterr().out


# ----------------------------------------------------------------------------- the teachers' page


def test_teachers_page_table_matches_the_manifest():
    page = (ROOT / "book" / "teachers.md").read_text(encoding="utf-8")
    entries = student.manifest([student.read_chapter(p) for p in CHAPTERS])["chapters"]
    assert student.page_table(page) == student.teachers_table(entries), (
        "book/teachers.md's exercise table is out of date: run "
        ".venv/bin/python tools/student.py --teachers-page"
    )


def test_teachers_page_is_in_the_table_of_contents():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    assert re.search(r"^\s*- file: book/teachers\s*$", toc, re.M)


# ----------------------------------------------------------------------------- the fixture chapter


def test_fixture_chapter_layout():
    chapter = student.read_chapter(FIXTURE)
    assert [(e.label, e.auto, len(e.checks)) for e in chapter.exercises] == [
        ("ex99-square", True, 1), ("ex99-mean", True, 1), ("ex99-explain", False, 0), ("ex99-total", True, 2)
    ]
    nb = student.student_edition(chapter)
    teaching_check = next(c for c in nb.cells if c.source.startswith("# check: the claims") and "data.mean()" in c.source)
    assert teaching_check.metadata.get("tags") == ["remove-cell"] and student.META not in teaching_check.metadata
    assert leaked_solution_lines(chapter, nb) == []
    stub = next(c for c in nb.cells if c.get("id") == "ex99-square-answer")
    assert "# The checks below use: square" in stub.source


def _student_nb(tmp_path: Path) -> nbformat.NotebookNode:
    out = tmp_path / "edition"
    student.build([FIXTURE], out, None)
    return nbformat.read(out / FIXTURE.name, as_version=4)


def _answer(nb: nbformat.NotebookNode, label: str, *sources: str) -> nbformat.NotebookNode:
    """``nb`` with the stub of ``label`` replaced by code cells holding ``sources``."""
    nb = copy.deepcopy(nb)
    index = next(i for i, c in enumerate(nb.cells) if c.get("id") == f"{label}-answer")
    stub = nb.cells[index]
    new = []
    for k, source in enumerate(sources):
        cell = copy.deepcopy(stub) if k == 0 else nbformat.v4.new_code_cell()
        cell.source = source
        new.append(cell)
    nb.cells[index : index + 1] = new
    return nb


def _checks(nb: nbformat.NotebookNode, label: str) -> list[int]:
    marks = [c.metadata.get(student.META, {}) for c in nb.cells]
    return [i for i, m in enumerate(marks) if m.get("exercise") == label and m.get("role") == "check"]


SOLUTIONS = {
    "ex99-square": "def square(x):\n    return x * x",
    "ex99-mean": "centred = data - data.mean()",
    "ex99-total": "total = float(np.sum(data ** 2))",
}


def _full(nb: nbformat.NotebookNode, **override: str) -> nbformat.NotebookNode:
    for label, source in {**SOLUTIONS, **override}.items():
        nb = _answer(nb, label, source)
    return nb


def _write(path: Path, nb: nbformat.NotebookNode) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nb), encoding="utf-8")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every kind of submission, graded in one run; returns (rows by student, output folder, tmp)."""
    tmp = tmp_path_factory.mktemp("grading")
    subs = tmp / "submissions"
    blank = _student_nb(tmp)
    outside = tmp / "outside" / "written-by-a-student.txt"
    outside.parent.mkdir()
    subs.mkdir()
    shutil.copy(FIXTURE, subs / "teacher.ipynb")  # the instructor edition itself
    # a full answer, pasted from the instructor notebook's solution cells (prose too)
    chapter = student.read_chapter(FIXTURE)
    pasted = copy.deepcopy(blank)
    for exercise in chapter.exercises:
        solution = [copy.deepcopy(chapter.nb.cells[i]) for i in sorted(exercise.solution_code + exercise.solution_prose)]
        index = next(i for i, c in enumerate(pasted.cells) if c.metadata.get(student.META, {}).get("role") == "exercise"
                     and c.metadata[student.META]["exercise"] == exercise.label)
        pasted.cells[index + 1 : index + 1] = solution
    pasted.cells = [c for c in pasted.cells if not (c.get("id") or "").endswith("-answer")]
    _write(subs / "full.ipynb", pasted)
    _write(subs / "blank.ipynb", blank)
    (subs / "broken.ipynb").write_text('{"cells": [{"cell_type": "code", "source": "x = 1"', encoding="utf-8")
    # wrong answers, with the checks deleted, edited to pass, or moved and edited
    wrong = _full(blank, **{"ex99-square": "def square(x):\n    return x + x", "ex99-mean": "centred = data",
                            "ex99-total": "total = 1.0"})
    deleted = copy.deepcopy(wrong)
    deleted.cells = [c for c in deleted.cells if c.metadata.get(student.META, {}).get("role") != "check"]
    _write(subs / "deleted_checks.ipynb", deleted)
    edited = copy.deepcopy(wrong)
    for i in _checks(edited, "ex99-square") + _checks(edited, "ex99-total"):
        edited.cells[i].source = "assert True"
    moved = _checks(edited, "ex99-mean")
    cell = edited.cells.pop(moved[0])
    cell.source = "centred = data - data.mean()\nassert True"
    edited.cells.insert(2, cell)
    _write(subs / "edited_checks.ipynb", edited)
    reordered = _full(blank)
    index = _checks(reordered, "ex99-total")
    reordered.cells[index[0]], reordered.cells[index[1]] = reordered.cells[index[1]], reordered.cells[index[0]]
    cell = reordered.cells.pop(_checks(reordered, "ex99-square")[0])
    reordered.cells.insert(len(reordered.cells), cell)
    _write(subs / "reordered_checks.ipynb", reordered)
    # runaway, hostile and crashing code
    _write(subs / "loop.ipynb", _full(blank, **{"ex99-mean": "centred = data - data.mean()\nwhile True:\n    pass"}))
    stubborn = "import time\nwhile True:\n    try:\n        time.sleep(1)\n    except KeyboardInterrupt:\n        pass"
    _write(subs / "stubborn.ipynb", _full(blank, **{"ex99-mean": stubborn}))
    network = ("import socket\nimport urllib.request\n"
               "try:\n    urllib.request.urlopen('http://example.com', timeout=3)\nexcept OSError as e:\n    print(e)\n"
               "socket.create_connection(('192.0.2.1', 80), timeout=3)")
    _write(subs / "network.ipynb", _full(blank, **{"ex99-square": SOLUTIONS["ex99-square"] + "\n" + network}))
    write = f"open('inside.txt', 'w').write('fine')\nopen({str(outside)!r}, 'w').write('not allowed')"
    _write(subs / "writer.ipynb", _full(blank, **{"ex99-total": SOLUTIONS["ex99-total"] + "\n" + write}))
    _write(subs / "crash.ipynb", _full(blank, **{"ex99-total": "import os\nos._exit(3)"}))
    # renamed files: metadata kept; metadata stripped too; a folder per student; no chapter at all
    _write(subs / "carol_final_v2.ipynb", _full(blank))
    stripped = _full(blank)
    stripped.metadata.pop(student.META)
    _write(subs / "dave.ipynb", stripped)
    _write(subs / "erin" / "my homework.ipynb", _full(blank, **{"ex99-total": "total = 285"}))
    _write(subs / "frank.ipynb", nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('hello')")]))
    out = tmp / "out"
    rows = grade.grade(subs, out, FIXTURE_DIR, cell_timeout=3, notebook_timeout=60, echo=False)
    return {r.student: r for r in rows}, out, outside


def _results(row: grade.Row) -> dict[str, str]:
    return {r.label: r.result for r in row.results}


@pytest.mark.slow
def test_instructor_edition_and_pasted_solutions_get_full_marks(graded):
    rows, _, _ = graded
    for name in ("teacher", "full"):
        row = rows[name]
        assert row.status == "graded" and row.chapter == "99_fixture", row.notes
        assert _results(row) == {**dict.fromkeys(AUTO, "pass"), "ex99-explain": "manual"}, row.results
        assert row.total == 3 and not row.teaching_errors and not row.events


@pytest.mark.slow
def test_blank_fails_exactly_the_auto_graded_exercises(graded):
    row = graded[0]["blank"]
    assert _results(row) == {**dict.fromkeys(AUTO, "fail"), "ex99-explain": "manual"}
    assert all(r.note == "not answered" for r in row.auto) and row.total == 0


@pytest.mark.slow
def test_invalid_json_gets_a_row(graded):
    row = graded[0]["broken"]
    assert row.status == "invalid" and "invalid JSON" in row.notes[0] and row.results == []


@pytest.mark.slow
def test_deleted_edited_or_moved_checks_do_not_help(graded):
    rows = graded[0]
    for name in ("deleted_checks", "edited_checks"):
        assert _results(rows[name]) == {**dict.fromkeys(AUTO, "fail"), "ex99-explain": "manual"}, (name, rows[name].results)
    assert _results(rows["reordered_checks"]) == {**dict.fromkeys(AUTO, "pass"), "ex99-explain": "manual"}


@pytest.mark.slow
def test_infinite_loop_times_out_and_the_rest_is_graded(graded):
    row = graded[0]["loop"]
    assert _results(row) == {"ex99-square": "pass", "ex99-mean": "timeout", "ex99-explain": "manual", "ex99-total": "pass"}
    assert "time limit" in next(r.note for r in row.results if r.label == "ex99-mean")
    # a loop that ignores the interrupt: its exercise and every later one time out, and grading goes on
    row = graded[0]["stubborn"]
    assert _results(row) == {"ex99-square": "pass", "ex99-mean": "timeout", "ex99-explain": "manual", "ex99-total": "timeout"}
    assert "stuck" in next(r.note for r in row.results if r.label == "ex99-total")


@pytest.mark.slow
def test_network_attempt_is_blocked_and_reported(graded):
    row = graded[0]["network"]
    assert row.status == "graded" and "tried to use the network (blocked)" in row.notes
    assert any(e.startswith("network") for e in row.events)
    square = next(r for r in row.results if r.label == "ex99-square")
    assert square.result == "pass" and "blocked by the grader" in square.note  # the checks passed, the attempt is noted


@pytest.mark.slow
def test_write_outside_its_folder_is_blocked_and_reported(graded):
    rows, out, outside = graded
    row = rows["writer"]
    assert not outside.exists()
    assert "tried to write outside its folder (blocked)" in row.notes
    assert _results(row)["ex99-total"] == "pass"  # written before the attempt; the attempt raised, the checks passed
    assert not (ROOT / "inside.txt").exists() and not (out / "inside.txt").exists()


@pytest.mark.slow
def test_kernel_crash_gets_a_row(graded):
    row = graded[0]["crash"]
    assert _results(row) == {"ex99-square": "pass", "ex99-mean": "pass", "ex99-explain": "manual", "ex99-total": "error"}
    assert "kernel died" in next(r.note for r in row.results if r.label == "ex99-total")


@pytest.mark.slow
def test_renamed_files_and_student_folders_are_matched(graded):
    rows = graded[0]
    assert rows["carol_final_v2"].chapter == "99_fixture" and rows["carol_final_v2"].total == 3
    assert rows["carol_final_v2"].how == "renamed"
    assert rows["dave"].chapter == "99_fixture" and rows["dave"].how == "labels" and rows["dave"].total == 3
    erin = rows["erin"]
    assert erin.file == "my homework.ipynb" and _results(erin)["ex99-total"] == "fail"  # an int, not a float
    assert rows["frank"].status == "unmatched" and "--chapter" in rows["frank"].notes[0]


@pytest.mark.slow
def test_grades_csv_and_reports(graded):
    rows, out, _ = graded
    with (out / "grades.csv").open(encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert list(table[0]) == ["student", "file", "chapter", "status", *AUTO, "total", "out_of", "notes"]
    assert sorted(r["student"] for r in table) == sorted(rows)
    by_name = {r["student"]: r for r in table}
    assert by_name["full"]["total"] == "3" and by_name["full"]["out_of"] == "3"
    assert by_name["blank"]["ex99-square"] == "fail" and by_name["broken"]["status"] == "invalid"
    assert by_name["loop"]["ex99-mean"] == "timeout" and by_name["frank"]["status"] == "unmatched"
    for name in rows:
        assert (out / "reports" / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.md").is_file()
    report = (out / "reports" / "full.md").read_text(encoding="utf-8")
    assert "**3 of 3**" in report and "Centring removes the mean" in report  # the manual answer, for the teacher
    assert (out / "graded" / "full.ipynb").is_file()


@pytest.mark.slow
def test_guard_alone_blocks_network_and_writes(tmp_path):
    """Without Linux namespaces (macOS, Windows, no unshare), the audit hook still confines the kernel."""
    blank = _student_nb(tmp_path)
    outside = tmp_path / "outside.txt"
    hostile = ("import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), timeout=3)\n"
               "except OSError as exc:\n    print(exc)\n" f"open({str(outside)!r}, 'w').write('x')")
    _write(tmp_path / "subs" / "mallory.ipynb", _full(blank, **{"ex99-square": SOLUTIONS["ex99-square"] + "\n" + hostile}))
    rows = grade.grade(tmp_path / "subs", tmp_path / "out", FIXTURE_DIR, cell_timeout=10, notebook_timeout=60,
                       sandbox="guard", echo=False)
    row = rows[0]
    assert row.sandbox == "guard" and not outside.exists()
    assert "tried to use the network (blocked)" in row.notes and "tried to write outside its folder (blocked)" in row.notes
    assert _results(row) == {**dict.fromkeys(AUTO, "pass"), "ex99-explain": "manual"}


# ----------------------------------------------------------------------------- the launch cell


def test_launch_cell_is_silent_where_neurodl_imports(tmp_path):
    source = launch_cell.launch_source(fetch_fashion_mnist=True)
    compile(source, "launch-cell", "exec")  # plain Python, no magics
    env = {**PYTHON_ENV, "NEURODL_SOURCE": str(tmp_path / "no-such-source"), "NEURODL_OFFLINE": ""}
    proc = subprocess.run([sys.executable, "-c", source], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert "github.com" in source and "NEURODL_SOURCE" in source and "download_fashion_mnist" in source


def test_launch_cell_installs_only_missing_chapter_packages(tmp_path):
    # a chapter's extra packages: silent when they import, an install of exactly the missing ones otherwise
    chapter11 = nbformat.read(ROOT / "notebooks" / "11_challenges.ipynb", as_version=4)
    assert launch_cell.chapter_extras(chapter11) == [("captum", launch_cell.pinned("captum")),
                                                     ("opacus", launch_cell.pinned("opacus"))]
    assert launch_cell.pinned("captum").startswith("captum==")
    env = {**PYTHON_ENV, "NEURODL_OFFLINE": "1", "NEURODL_PIP_OPTIONS": "--no-index --disable-pip-version-check"}
    present = launch_cell.launch_source(fetch_fashion_mnist=False, extras=[("json", "json==0")])
    proc = subprocess.run([sys.executable, "-c", present], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    absent = launch_cell.launch_source(fetch_fashion_mnist=False,
                                       extras=[("json", "json==0"), ("no_such_module_n2n", "no-such-dist-n2n==1.0")])
    proc = subprocess.run([sys.executable, "-c", absent], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0  # --no-index: pip cannot find it, and the cell says so by failing
    assert "Installing what this chapter needs: no-such-dist-n2n==1.0 ..." in proc.stdout
    assert "json==0" not in proc.stdout


def test_launch_cell_inserted_idempotently(tmp_path):
    paths = []
    for path in (FIXTURE, CHAPTERS[0]):
        shutil.copy(path, tmp_path / path.name)
        paths.append(tmp_path / path.name)
    assert launch_cell.main(["--check", *map(str, paths)]) == 1
    assert launch_cell.main(list(map(str, paths))) == 0
    assert launch_cell.main(["--check", *map(str, paths)]) == 0
    written = [p.read_bytes() for p in paths]
    assert launch_cell.main(list(map(str, paths))) == 0
    assert [p.read_bytes() for p in paths] == written  # a second run changes nothing
    for original, path in zip((FIXTURE, CHAPTERS[0]), paths, strict=False):
        before, after = nbformat.read(original, as_version=4), nbformat.read(path, as_version=4)
        first = after.cells[0]
        assert first.metadata["tags"] == ["remove-cell"] and first.outputs == [] and first.execution_count is None
        assert [c.source for c in after.cells[1:]] == [c.source for c in before.cells if not launch_cell.is_launch(c)]
        assert ("fetch_fashion_mnist=True" in first.source) == launch_cell.uses_fashion_mnist(before)
        # a stale cell is updated in place, not duplicated
        after.cells[0].source = "# old launch cell"
        assert launch_cell.apply(after) and sum(launch_cell.is_launch(c) for c in after.cells) == 1
        assert launch_cell.is_current(after)


def _base_python() -> str:
    candidate = getattr(sys, "_base_executable", None)
    if candidate and Path(candidate).exists() and Path(candidate).resolve() != Path(sys.executable).resolve():
        return candidate
    return str(Path(sys.base_prefix) / "bin" / "python3")


@pytest.mark.slow
def test_launch_cell_installs_neurodl_in_a_fresh_environment(tmp_path):
    """A venv of the base Python (NumPy, no neurodl): the cell installs neurodl from $NEURODL_SOURCE, offline."""
    venv = tmp_path / "venv"
    subprocess.run([_base_python(), "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    # build tools the base Python lacks (setuptools >= 70 builds wheels itself): the repository venv's, by symlink
    site_packages = Path(next(p for p in sys.path if p.endswith("site-packages") and Path(p, "setuptools").is_dir()))
    shim = tmp_path / "build-tools"
    shim.mkdir()
    for name in ["setuptools", "pkg_resources", "_distutils_hack", *[p.name for p in site_packages.glob("setuptools-*.dist-info")]]:
        (shim / name).symlink_to(site_packages / name)
    source = tmp_path / "source"  # a copy of the package's source, as a teacher or a CI job would give
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "neurodl", source / "neurodl", ignore=shutil.ignore_patterns("__pycache__"))
    keep = ("PATH", "LANG", "LC_ALL", "NEURODL_NETGUARD", "NEURODL_NETGUARD_LOG")
    env = {k: v for k, v in os.environ.items() if k in keep}
    guard = os.environ.get("NEURODL_NETGUARD_DIR")  # the tests' network guard (conftest.py), if active
    env.update({
        "HOME": str(tmp_path), "OMP_NUM_THREADS": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INDEX": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [guard, str(shim)])), "NEURODL_OFFLINE": "1",
    })
    probe = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('neurodl') is None else 1)"
    if subprocess.run([str(python), "-c", probe], cwd=tmp_path, env=env, timeout=60).returncode:
        pytest.skip(f"the base Python {_base_python()} already has neurodl, so it cannot stand for a fresh environment")
    cell = launch_cell.launch_source(fetch_fashion_mnist=True)
    run = {**env, "NEURODL_SOURCE": str(source), "NEURODL_PIP_OPTIONS": "--no-deps --no-build-isolation --no-index"}
    proc = subprocess.run([str(python), "-c", cell], cwd=tmp_path, env=run, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"Installing what this chapter needs: {source} ..." in proc.stdout
    where = subprocess.run([str(python), "-c", "import neurodl; print(neurodl.__file__)"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=60)
    assert where.returncode == 0 and Path(where.stdout.strip()).is_relative_to(venv), where.stdout + where.stderr
    again = subprocess.run([str(python), "-c", cell], cwd=tmp_path, env=run, capture_output=True, text=True, timeout=60)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")  # now installed: silent


def test_every_notebook_has_the_current_launch_cell():
    # a chapter added or changed without `tools/launch_cell.py` would fail on Colab; this says how to fix it
    stale = [p.name for p in launch_cell.every_notebook() if not launch_cell.is_current(nbformat.read(p, as_version=4))]
    assert not stale, f"run .venv/bin/python tools/launch_cell.py (launch cell missing or stale in {stale})"
