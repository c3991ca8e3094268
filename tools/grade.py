#!/usr/bin/env python
"""Grade students' notebooks: each run in a fresh kernel, offline, confined, with the teacher's checks.

    .venv/bin/python tools/grade.py SUBMISSIONS [--out _build/grades] [--chapter 03]
                                    [--cell-timeout 300] [--timeout 1800]
    make grade SUBMISSIONS=dir

**Layout of SUBMISSIONS.** One notebook per student, either ``SUBMISSIONS/<student>.ipynb``
(the student id is the file name without ``.ipynb``) or ``SUBMISSIONS/<student>/<any>.ipynb``
(the id is the folder's name; every notebook in the folder gets its own row). Other files,
hidden files and ``.ipynb_checkpoints`` are ignored.

**Which chapter.** The student edition records its chapter in the notebook's metadata
(``metadata.neurodl.chapter``); without it, the file name (``03_learning`` in it), then the
exercise labels found in the cells (``ex03-...``), then a leading ``NN_`` of the file name.
``--chapter 03`` forces one chapter for every submission. A notebook that matches no chapter
gets an ``unmatched`` row.

**What is run.** Not the submission: a notebook rebuilt from the *instructor* chapter
(``notebooks/NN_*.ipynb``, read now), whose teaching cells and check cells are the teacher's,
and whose solutions are replaced by the student's answers. A student's answer to an exercise
is every cell of the submission from the exercise's directive up to the next exercise (or the
cells after the exercises), except check cells, plus any cell marked as that exercise's answer
wherever it was moved. Edits to teaching cells and to check cells, and deleted or reordered
check cells, therefore change nothing. (A student who deliberately sabotages the checks from
inside an answer, for example by redefining ``numpy.allclose``, is not stopped: answers and
checks share a kernel. The executed notebook is kept for the teacher to read.)

**Results per exercise.** ``pass``: every check ran without error (the note says so if the
answer itself raised before the checks ran). ``fail``: a check raised
``AssertionError``, or the answer is still the stub (not answered) or missing. ``error``: a check
raised another exception (the report gives the answer's own exception first, if it raised one),
or the kernel died. ``timeout``: an answer or check cell ran past the per-cell limit (it is then
interrupted and the next cells run in the same kernel; if the kernel does not answer the
interrupt, every later cell is ``timeout`` too), or the notebook's limit ran out before the
exercise was reached. ``manual``: the teacher grades it by
reading (listed in the report with the student's answer, not in the CSV's score). ``grades.csv``
has one row per submitted notebook (student, file, chapter, status, one column per auto-graded
exercise, total, out_of, notes); ``reports/<student>.md`` is the short report; ``graded/<student>.ipynb``
is the executed notebook. A submission that cannot be graded (invalid JSON, not a notebook, no
matching chapter, too large) gets a row with that status, and the other submissions go on.

**Sandbox.** Each notebook runs in a worker process (this file with ``--worker``) that starts
the kernel with nbclient, so a crash, a hang or a flood of output cannot take the grader down;
the worker is killed with everything it started when the notebook's time limit (plus a margin)
is exceeded. Always: the working folder, ``HOME``, ``TMPDIR`` and the Jupyter, IPython, XDG and
Matplotlib folders are inside a fresh temporary folder, deleted afterwards; and a
``sitecustomize`` loaded by the kernel and every Python it starts installs an audit hook
(:func:`sys.addaudithook`, which cannot be removed) that refuses, with a clear message, any
connection or name look-up for a host that is not the loopback, and any file write, removal,
rename or ``mkdir`` outside the temporary folder (``/dev`` excepted). On Linux, where
``unshare`` works (as root, or through an unprivileged user namespace), the worker also runs
in new network, mount and PID namespaces: no network interface but the loopback, every mount
read-only except the temporary folder (so even a shell command cannot write elsewhere), a
private ``/dev/shm``, and every process the notebook started killed with the worker. The
report says which of the two sandboxes was used; ``--sandbox guard`` forces the first alone.

**Why not nbgrader or otter-grader.** Both are good, and both expect their own notebook
format: nbgrader marks cells with ``nbgrader`` metadata (solution, tests, grade ids, checksums)
and ``### BEGIN SOLUTION`` markers, and works in a course folder (source, release, submitted,
autograded, feedback) with a gradebook database and Jupyter server extensions; otter-grader
expects ``# BEGIN QUESTION``/``# BEGIN TESTS`` raw cells, generates OK-format test files and runs
grading in Docker by default. Our chapters are the book itself, written once with MyST
``{exercise}``/``{solution-start}`` directives and hidden ``# check`` cells, and tested by nbval;
either tool would mean a second copy of every exercise in another format, or a converter to
keep in step, and a heavy dependency tree (nbgrader: SQLAlchemy, alembic, server extensions;
otter: Docker, pandas, dill, ...). What we need from them is small: rebuild a notebook with
the teacher's checks, run it with limits, collect per-exercise results. That is this file, on
nbformat and nbclient, which the book already uses to run and test its chapters.
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent
sys.path.insert(0, str(TOOLS))
import student  # noqa: E402
from run_notebook import TEST_ENV  # noqa: E402

OUT = ROOT / "_build" / "grades"
CELL_TIMEOUT = 300
NOTEBOOK_TIMEOUT = 1800
MAX_BYTES = 50 * 2**20  # a submission larger than this is refused
#: Seconds the worker may use beyond the notebook's limit (kernel start and shutdown).
MARGIN = 90
RESULTS = ("pass", "fail", "error", "timeout", "manual")
#: Bytes of output kept per cell (about; later outputs are dropped, errors kept).
OUTPUT_LIMIT = 2 * 2**20
#: Name of the error nbclient reports for a cell that ran past its time limit (it is then interrupted).
TIMEOUT_ENAME = "GraderTimeout"
#: How a submission was matched to its chapter (see match_chapter).
HOW = {
    "forced": "chapter given with --chapter",
    "metadata": "chapter from the notebook's metadata",
    "renamed": "renamed file, chapter from the notebook's metadata",
    "filename": "chapter from the file name (no metadata)",
    "labels": "chapter from the exercise labels (no metadata, and the file name names no chapter)",
    "number": "chapter from the number that starts the file name (no metadata, no exercise labels)",
}

# ----------------------------------------------------------------------------- the kernel's sandbox

#: ``sitecustomize.py`` of the grading kernel and every Python process it starts.
GUARD_SOURCE = r'''
"""Sandbox of tools/grade.py: an audit hook that keeps a graded notebook offline and in its folder."""
import os as _os
import sys as _sys


def _neurodl_grader_guard():
    root = _os.environ.get("NEURODL_GRADER_ROOT")
    if not root:
        return
    import ipaddress
    import socket

    log = _os.environ.get("NEURODL_GRADER_LOG")
    allowed = [_os.path.realpath(root), "/dev", "/proc/self"]
    local_names = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "", socket.gethostname().lower()}
    write_flags = _os.O_WRONLY | _os.O_RDWR | _os.O_CREAT | _os.O_APPEND | _os.O_TRUNC
    path_events = {
        "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1), "os.link": (1,),
        "os.symlink": (1,), "os.chmod": (0,), "os.chown": (0,), "os.truncate": (0,), "os.utime": (0,),
        "shutil.rmtree": (0,), "shutil.copyfile": (1,), "shutil.copymode": (1,), "shutil.copystat": (1,),
        "shutil.move": (0, 1),
    }
    net_events = {"socket.connect", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
                  "socket.gethostbyname", "socket.gethostbyaddr"}
    busy = []

    def note(line):
        if log:
            try:
                with open(log, "a", encoding="utf-8") as handle:
                    handle.write(line + "\n")
            except OSError:
                pass

    def outside(path):
        if path is None or isinstance(path, int):
            return False
        try:
            full = _os.path.realpath(_os.fsdecode(path))
        except (TypeError, ValueError, OSError):
            return False
        return not any(full == a or full.startswith(a.rstrip("/") + "/") for a in allowed)

    def local_host(host):
        if host is None:
            return True
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        host = str(host).strip("[]").split("%")[0].lower()
        if host in local_names:
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def hook(event, args):
        if busy or not (event == "open" or event in path_events or event in net_events):
            return
        busy.append(1)
        try:
            if event == "open":
                path, mode, flags = (tuple(args) + (None, None, None))[:3]
                writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                    isinstance(flags, int) and flags & write_flags
                )
                if writing and outside(path):
                    note(f"write\t{_os.fsdecode(path)}")
                    raise PermissionError(f"writing outside the grading folder is blocked by the grader: {_os.fsdecode(path)!r}")
            elif event in path_events:
                for k in path_events[event]:
                    if k < len(args) and outside(args[k]):
                        note(f"write\t{event} {args[k]!r}")
                        raise PermissionError(f"{event} outside the grading folder is blocked by the grader: {args[k]!r}")
            else:
                if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
                    sock, address = args[0], args[-1]
                    family = getattr(sock, "family", None)
                    bad = family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple) and address and not local_host(address[0])
                    target = address
                else:
                    target = args[0] if args else None
                    bad = not local_host(target)
                if bad:
                    note(f"network\t{event} {target!r}")
                    raise ConnectionRefusedError(f"network access is blocked by the grader: {event} {target!r}")
        finally:
            busy.pop()

    _sys.addaudithook(hook)


def _neurodl_grader_chain():
    """Run the next sitecustomize on sys.path (a distribution's), as if this one were not here."""
    import importlib.machinery
    import importlib.util

    here = _os.path.dirname(_os.path.abspath(__file__))
    others = [p for p in _sys.path if _os.path.abspath(p or ".") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", others)
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


if not getattr(_sys, "_neurodl_grader_guard", False):  # once per process, however it is reached
    _sys._neurodl_grader_guard = True
    _neurodl_grader_guard()
    _neurodl_grader_chain()
'''


def _set_loopback_up() -> None:
    """Bring up ``lo`` in a new network namespace (it starts down), with ioctl, no ``ip`` needed."""
    import fcntl
    import socket
    import struct

    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH", fcntl.ioctl(sock, siocgifflags, request)[:18])[1]
        fcntl.ioctl(sock, siocsifflags, struct.pack("16sH14s", b"lo", flags | iff_up, b""))


def _confine_mounts(root: Path) -> list[str]:
    """In a new mount namespace: every mount read-only except ``root``, a private /dev/shm.

    Returns the mount points that could not be made read-only (normally none)."""

    def mount(*args: str) -> bool:
        return subprocess.run(["mount", *args], capture_output=True).returncode == 0

    if not mount("--make-rprivate", "/"):
        raise OSError("mount --make-rprivate / failed (no mount namespace?)")
    if not mount("--bind", str(root), str(root)):
        raise OSError(f"mount --bind {root} failed")
    mount("-t", "tmpfs", "-o", "size=1g,mode=1777", "tmpfs", "/dev/shm")
    failed = []
    with open("/proc/self/mounts", encoding="utf-8") as handle:
        points = [line.split()[1].encode().decode("unicode_escape") for line in handle if line.strip()]
    for point in points:
        if point == str(root) or point in ("/proc", "/sys", "/dev", "/dev/shm") or point.startswith(("/proc/", "/sys/", "/dev/")):
            continue
        if not mount("-o", "remount,bind,ro", point):
            failed.append(point)
    return failed


def _namespace_prefix() -> list[str]:
    prefix = ["unshare", "--mount", "--net", "--pid", "--fork", "--kill-child"]
    if os.geteuid() != 0:
        prefix.insert(1, "--map-root-user")
    return prefix


_SANDBOX: str | None = None


def sandbox_mode(requested: str = "auto") -> str:
    """``"namespace"`` if Linux namespaces confine the worker here, else ``"guard"`` (audit hook only)."""
    global _SANDBOX
    if requested == "guard":
        return "guard"
    if _SANDBOX is None:
        _SANDBOX = "guard"
        if sys.platform.startswith("linux") and shutil.which("unshare") and shutil.which("mount"):
            probe = Path(tempfile.mkdtemp(prefix="neurodl-grade-probe-"))
            try:
                proc = subprocess.run(
                    [*_namespace_prefix(), sys.executable, str(Path(__file__).resolve()), "--probe", str(probe)],
                    capture_output=True, text=True, timeout=60,
                )
                if proc.returncode == 0 and proc.stdout.strip().endswith("namespace ok"):
                    _SANDBOX = "namespace"
            except (OSError, subprocess.SubprocessError):
                pass
            finally:
                shutil.rmtree(probe, ignore_errors=True)
    if requested == "namespace" and _SANDBOX != "namespace":
        raise RuntimeError("--sandbox namespace was asked for, but unshare cannot confine the worker here")
    return _SANDBOX


def _probe(root: Path) -> int:
    """Run inside the namespaces: can we confine mounts, and is the network gone but the loopback up?"""
    import socket

    _confine_mounts(root)
    _set_loopback_up()
    (root / "inside").write_text("ok", encoding="utf-8")
    outside = root.parent / f"{root.name}-outside"
    try:
        outside.write_text("no", encoding="utf-8")
        outside.unlink()
        return 1
    except OSError:
        pass
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        socket.create_connection(server.getsockname(), timeout=5).close()
    print("namespace ok")
    return 0


# ----------------------------------------------------------------------------- the worker (runs one notebook)


def _trim_outputs(nb: nbformat.NotebookNode, limit: int = 20 * 2**20) -> None:
    """Cap what an executed notebook carries back: long streams cut, images dropped if it is too big."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and len(output.get("text", "")) > 20000:
                output["text"] = output["text"][:10000] + "\n[... output cut by the grader ...]\n" + output["text"][-5000:]
    if len(nbformat.writes(nb)) > limit:
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                data = output.get("data")
                if data:
                    for key in [k for k in data if k != "text/plain"]:
                        del data[key]


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def describe_error(output: dict[str, Any]) -> str:
    """``"Name: message"``, and the line IPython marked (``---->``) in the cell, when there is one."""
    text = f"{output.get('ename', '?')}: {output.get('evalue', '')}".strip()
    text = text[:-1] if text.endswith(":") else text
    traceback = _ANSI.sub("", "\n".join(output.get("traceback", []) if isinstance(output.get("traceback"), list) else []))
    marked = [line.split(None, 2)[-1] for line in traceback.splitlines() if line.lstrip().startswith("---->")]
    if marked:
        text += f", at: {marked[-1].strip()}"
    return text


def run_worker(job_path: Path) -> int:
    """Execute one rebuilt notebook cell by cell; print the framed results on stdout."""
    token = sys.stdin.readline().strip()
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    root = Path(job["root"])
    if job["namespace"]:
        _confine_mounts(root)
        _set_loopback_up()
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError
    from nbclient.util import run_sync

    nb = nbformat.read(job["notebook"], as_version=4)
    cell_timeout, notebook_timeout = job["cell_timeout"], job["notebook_timeout"]
    replies: dict[int, dict] = {}
    client = NotebookClient(
        nb,
        timeout=cell_timeout,
        kernel_name="python3",
        allow_errors=True,
        record_timing=False,
        # on a timeout, interrupt the kernel and go on with the next cell in the same kernel
        interrupt_on_timeout=True,
        error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "the cell ran past its time limit", "traceback": []},
        shutdown_kernel="immediate",
        startup_timeout=120,
        iopub_timeout=2,  # outputs arrive within milliseconds of a reply; after a timeout none will come
        resources={"metadata": {"path": job["workdir"]}},
    )
    client.on_cell_executed = lambda cell, cell_index, execute_reply: replies.__setitem__(cell_index, execute_reply or {})
    keep_output = client.output
    output_bytes: dict[int, int] = {}

    def capped_output(outs, msg, display_id, cell_index):  # a cell that prints forever must not fill memory
        used = output_bytes.get(cell_index, 0)
        if used > OUTPUT_LIMIT and msg.get("msg_type") != "error":
            return None
        out = keep_output(outs, msg, display_id, cell_index)
        if out is not None:
            size = len(json.dumps(out, default=str))
            if used + size > OUTPUT_LIMIT and out.get("output_type") == "stream":
                out["text"] = out["text"][: max(0, OUTPUT_LIMIT - used) // 2] + "\n[... output cut by the grader ...]\n"
            output_bytes[cell_index] = used + size
        return out

    client.output = capped_output

    def timed_out(index: int) -> bool:
        return (replies.get(index) or {}).get("content", {}).get("ename") == TIMEOUT_ENAME

    def responsive() -> bool:
        """After a timeout: does the kernel answer at all, or is it still stuck in that cell?"""
        probe = nbformat.v4.new_code_cell("pass")
        nb.cells.append(probe)  # nbclient stores an executed cell back into the notebook by index
        index = len(nb.cells) - 1
        client.timeout = 5
        try:
            client.execute_cell(probe, index)
            return not timed_out(index)
        except Exception:  # noqa: BLE001 - a dead or broken kernel is not responsive
            return False
        finally:
            nb.cells.pop()
            replies.pop(index, None)

    status: dict[int, list[str]] = {}
    deadline = time.monotonic() + notebook_timeout
    started = time.monotonic()
    stopped = None  # why the remaining cells are not run
    with open(job["kernel_log"], "ab") as log:
        try:
            with client.setup_kernel(stdout=log, stderr=log):
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type != "code":
                        continue
                    left = deadline - time.monotonic()
                    if stopped is not None:
                        status[index] = list(stopped)
                        continue
                    if left <= 1:
                        status[index] = ["timeout", f"not run: the notebook's time limit ({notebook_timeout} s) ran out"]
                        continue
                    client.timeout = max(1, int(min(cell_timeout, left)))
                    try:
                        client.execute_cell(cell, index)
                    except DeadKernelError:
                        stopped = ["not-run", f"not run: the kernel died at cell {index}"]
                        status[index] = ["error", "the kernel died in this cell"]
                        continue
                    except Exception as exc:  # noqa: BLE001 - one bad cell must not end the run
                        status[index] = ["error", f"the grader could not run this cell: {type(exc).__name__}: {exc}"]
                        if not client.kc or not run_sync(client.kc.is_alive)():
                            stopped = ["not-run", f"not run: the kernel died at cell {index}"]
                        continue
                    if timed_out(index):
                        which = "cell" if client.timeout >= cell_timeout else "notebook"
                        limit = cell_timeout if which == "cell" else notebook_timeout
                        status[index] = ["timeout", f"ran past the {which} time limit ({limit} s)"]
                        if not responsive():
                            stopped = ["timeout", f"not run: the kernel was still stuck in cell {index}, which ran past its time limit"]
                        continue
                    errors = [o for o in cell.outputs if o.get("output_type") == "error"]
                    if errors:
                        status[index] = ["error", describe_error(errors[0])]
                    else:
                        status[index] = ["ok", ""]
        except Exception as exc:  # noqa: BLE001 - the kernel would not start
            result = {"fatal": f"the kernel could not be started or stopped: {type(exc).__name__}: {exc}", "status": status}
            print(token + json.dumps(result) + token, flush=True)
            return 0
    _trim_outputs(nb)
    result = {"status": status, "seconds": round(time.monotonic() - started, 1), "notebook": nbformat.writes(nb)}
    sys.stdout.write(token + json.dumps(result) + token + "\n")
    sys.stdout.flush()
    return 0


# ----------------------------------------------------------------------------- reading submissions


class BadSubmission(Exception):
    """A submission that cannot be graded; its message is the row's note."""

    def __init__(self, status: str, note: str):
        super().__init__(note)
        self.status, self.note = status, note


@dataclass
class Submission:
    student: str
    path: Path

    @property
    def name(self) -> str:
        return self.path.name


def find_submissions(folder: Path) -> list[Submission]:
    """``folder/<student>.ipynb`` and ``folder/<student>/*.ipynb``, sorted."""
    found = []
    for path in sorted(Path(folder).iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_file() and path.suffix == ".ipynb":
            found.append(Submission(path.stem, path))
        elif path.is_dir() and path.name != ".ipynb_checkpoints":
            for inner in sorted(path.rglob("*.ipynb")):
                if not any(part.startswith(".") for part in inner.relative_to(path).parts):
                    found.append(Submission(path.name, inner))
    return found


def load_submission(path: Path) -> dict[str, Any]:
    """The submission's JSON, checked only as far as grading needs (cells with sources)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise BadSubmission("invalid", f"cannot read the file: {exc}") from exc
    if size > MAX_BYTES:
        raise BadSubmission("invalid", f"the file is {size / 2**20:.0f} MB, over the {MAX_BYTES // 2**20} MB limit")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BadSubmission("invalid", f"not a notebook: the file is not UTF-8 text ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise BadSubmission("invalid", f"not a notebook: invalid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise BadSubmission("invalid", "not a notebook: the JSON has no list of cells (is it an nbformat 4 notebook?)")
    cells = []
    for cell in data["cells"]:
        if isinstance(cell, dict) and cell.get("cell_type") in ("code", "markdown", "raw"):
            metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
            cells.append({"cell_type": cell["cell_type"], "source": student.source_of(cell), "metadata": metadata,
                          "id": cell.get("id") if isinstance(cell.get("id"), str) else None})
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    return {"cells": cells, "metadata": metadata}


def _mark(cell: dict[str, Any]) -> dict[str, Any]:
    mark = cell.get("metadata", {}).get(student.META)
    return mark if isinstance(mark, dict) else {}


def match_chapter(sub: dict[str, Any], path: Path, chapters: dict[str, student.Chapter], forced: str | None = None) -> tuple[str, str]:
    """``(chapter stem, how it was found: a key of HOW)``; raises :class:`BadSubmission` if none matches."""
    if forced:
        stems = [s for s in chapters if s == forced or s.split("_")[0] == forced]
        if len(stems) != 1:
            raise BadSubmission("unmatched", f"--chapter {forced} names no single chapter")
        return stems[0], "forced"
    mark = sub["metadata"].get(student.META)
    if isinstance(mark, dict) and mark.get("chapter") in chapters:
        return mark["chapter"], "metadata" if mark["chapter"] in path.name else "renamed"
    for stem in chapters:
        if stem in path.name:
            return stem, "filename"
    votes: dict[str, int] = {}
    for cell in sub["cells"]:
        labels = set(re.findall(r"\bex(\d\d)-[\w-]+", cell["source"]))
        if _mark(cell).get("exercise"):
            labels |= set(re.findall(r"^ex(\d\d)-", str(_mark(cell)["exercise"])))
        for number in labels:
            for stem in chapters:
                if stem.startswith(number + "_"):
                    votes[stem] = votes.get(stem, 0) + 1
    if votes:
        best = max(votes, key=votes.get)
        return best, "labels"
    number = re.match(r"(\d\d)[_\-. ]", path.name)
    if number:
        for stem in chapters:
            if stem.startswith(number.group(1) + "_"):
                return stem, "number"
    raise BadSubmission("unmatched", "matches no chapter: no chapter in its metadata, file name or exercise labels "
                                     "(grade it with --chapter NN)")


def extract_answers(sub: dict[str, Any], chapter: student.Chapter) -> tuple[dict[str, list[dict]], set[str]]:
    """Each exercise's answer cells in the submission, and the labels whose directive cell was found."""
    labels = {e.label for e in chapter.exercises}
    teacher = chapter.nb.cells
    first = min((e.index for e in chapter.exercises), default=len(teacher))
    inside = chapter.exercise_cells()
    later = [c for i, c in enumerate(teacher) if i > first and i not in inside]  # teaching cells after the exercises begin
    later_ids = {c.get("id") for c in later if c.get("id")}
    later_markdown = {c.source.strip() for c in later if c.cell_type == "markdown" and c.source.strip()}
    checks = {teacher[j].source.strip() for e in chapter.exercises for j in e.checks}
    answers: dict[str, list[dict]] = {label: [] for label in labels}
    seen: set[str] = set()
    current = None
    for cell in sub["cells"]:
        mark = _mark(cell)
        label = mark.get("exercise") if mark.get("exercise") in labels else None
        role = mark.get("role")
        directive_label = student.exercise_label(cell)
        if (role == "exercise" and label) or directive_label in labels:
            current = label if role == "exercise" and label else directive_label
            seen.add(current)
            continue
        if role == "check" or cell["source"].strip() in checks:
            continue  # the teacher's checks are used instead
        if role == "answer" and label:
            answers[label].append(cell)
            continue
        if mark.get("role") == "note" or (cell.get("id") and cell["id"] in later_ids and role != "answer") or (
            cell["cell_type"] == "markdown" and cell["source"].strip() in later_markdown
        ):
            current = None
            continue
        if current is not None and cell["cell_type"] in ("code", "markdown"):
            answers[current].append(cell)
    return answers, seen


# ----------------------------------------------------------------------------- the graded notebook


def build_graded(chapter: student.Chapter, answers: dict[str, list[dict]]) -> tuple[nbformat.NotebookNode, list[tuple[str | None, str]]]:
    """The instructor chapter with each solution replaced by the student's answer code.

    Returns the notebook and, per cell, ``(exercise label or None, role)`` with role one of
    ``teaching``, ``exercise``, ``answer``, ``check``."""
    teacher = chapter.nb.cells
    by_start = {e.index: e for e in chapter.exercises}
    skip = {i for e in chapter.exercises for i in range(e.index + 1, e.last + 1)}
    cells: list[nbformat.NotebookNode] = []
    roles: list[tuple[str | None, str]] = []

    def add(cell: nbformat.NotebookNode, label: str | None, role: str) -> None:
        cell = copy.deepcopy(cell)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.id = f"graded-{len(cells):04d}"
        cells.append(cell)
        roles.append((label, role))

    for i, cell in enumerate(teacher):
        if i in skip:
            continue
        exercise = by_start.get(i)
        add(cell, exercise.label if exercise else None, "exercise" if exercise else "teaching")
        if exercise is None:
            continue
        for answer in answers.get(exercise.label, []):
            if answer["cell_type"] == "code":
                new = nbformat.v4.new_code_cell(answer["source"])
                new.metadata[student.META] = {"exercise": exercise.label, "role": "answer"}
                add(new, exercise.label, "answer")
        for j in exercise.checks:
            add(teacher[j], exercise.label, "check")
    nb = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(chapter.nb.metadata))
    nb.metadata[student.META] = {"edition": "graded", "chapter": chapter.stem}
    return nb, roles


# ----------------------------------------------------------------------------- running one notebook


def _environment(root: Path, guard: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEURODL_NETGUARD", "NEURODL_GRADER", "JUPYTER_", "IPYTHON"))}
    home = root / "home"
    env.update(TEST_ENV)
    env.update({
        "HOME": str(home), "USERPROFILE": str(home), "TMPDIR": str(root / "tmp"), "TMP": str(root / "tmp"),
        "TEMP": str(root / "tmp"), "XDG_CACHE_HOME": str(home / ".cache"), "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"), "MPLCONFIGDIR": str(home / ".config" / "matplotlib"),
        "IPYTHONDIR": str(home / ".ipython"), "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "JUPYTER_DATA_DIR": str(home / ".local" / "share" / "jupyter"), "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        "JUPYTER_PLATFORM_DIRS": "1", "PYTHONDONTWRITEBYTECODE": "1",
        "NEURODL_GRADER_ROOT": str(root), "NEURODL_GRADER_LOG": str(root / "sandbox.log"),
        "PYTHONPATH": os.pathsep.join([str(guard), *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                                                    if p and p != os.environ.get("NEURODL_NETGUARD_DIR")]]),
    })
    return env


@dataclass
class Run:
    status: dict[int, list[str]] = field(default_factory=dict)
    notebook: nbformat.NotebookNode | None = None
    fatal: str = ""
    seconds: float = 0.0
    events: list[str] = field(default_factory=list)


def _kill_tree(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_notebook(nb: nbformat.NotebookNode, cell_timeout: int, notebook_timeout: int, sandbox: str) -> Run:
    """Run ``nb`` in a worker in a fresh temporary folder, confined; the folder is then deleted."""
    root = Path(tempfile.mkdtemp(prefix="neurodl-grade-")).resolve()
    private = Path(tempfile.mkdtemp(prefix="neurodl-grade-private-")).resolve()  # never mounted writable
    try:
        for sub in ("work", "home", "tmp", "runtime"):
            (root / sub).mkdir()
        guard = private / "guard"
        guard.mkdir()
        (guard / "sitecustomize.py").write_text(GUARD_SOURCE, encoding="utf-8")
        notebook = private / "graded.ipynb"
        nbformat.write(nb, notebook)
        job = {
            "root": str(root), "workdir": str(root / "work"), "notebook": str(notebook),
            "kernel_log": str(root / "kernel.log"), "cell_timeout": int(cell_timeout),
            "notebook_timeout": int(notebook_timeout), "namespace": sandbox == "namespace",
        }
        job_path = private / "job.json"
        job_path.write_text(json.dumps(job), encoding="utf-8")
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(job_path)]
        if sandbox == "namespace":
            command = [*_namespace_prefix(), *command]
        token = secrets.token_hex(16)
        proc = subprocess.Popen(
            command, cwd=root / "work", env=_environment(root, guard), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        )
        try:
            out, err = proc.communicate(input=(token + "\n").encode(), timeout=notebook_timeout + MARGIN)
        except subprocess.TimeoutExpired:
            _kill_tree(proc)
            proc.communicate()
            return Run(fatal=f"the notebook ran past its time limit ({notebook_timeout} s) and was stopped", seconds=notebook_timeout)
        finally:
            _kill_tree(proc)  # anything the worker left behind in its session
        text = out.decode("utf-8", "replace")
        parts = text.split(token)
        if len(parts) < 3:
            tail = err.decode("utf-8", "replace").strip()[-1500:]
            return Run(fatal=f"the grader's worker stopped without a result (exit {proc.returncode}): {tail}")
        result = json.loads(parts[-2])
        run = Run(status={int(k): v for k, v in result.get("status", {}).items()}, fatal=result.get("fatal", ""),
                  seconds=result.get("seconds", 0.0))
        if result.get("notebook"):
            run.notebook = nbformat.reads(result["notebook"], as_version=4)
        log = root / "sandbox.log"
        if log.is_file():
            run.events = [line for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line][:50]
        return run
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(private, ignore_errors=True)


# ----------------------------------------------------------------------------- results


@dataclass
class Result:
    label: str
    title: str
    grading: str  # auto | manual
    result: str  # pass | fail | error | timeout | manual
    note: str = ""
    answer: list[dict] = field(default_factory=list)


def classify(chapter: student.Chapter, answers: dict[str, list[dict]], seen: set[str],
             roles: list[tuple[str | None, str]], run: Run) -> list[Result]:
    results = []
    for exercise in chapter.exercises:
        label = exercise.label
        mine = answers.get(label, [])
        code = [c["source"] for c in mine if c["cell_type"] == "code"]
        if not exercise.auto:
            results.append(Result(label, exercise.title, "manual", "manual", exercise.reason, mine))
            continue
        cells = [(i, role) for i, (owner, role) in enumerate(roles) if owner == label and role in ("answer", "check")]
        states = {i: run.status.get(i, ["not-run", "not run"]) for i, _ in cells}
        answer_states = [states[i] for i, role in cells if role == "answer"]
        check_states = [states[i] for i, role in cells if role == "check"]
        missing = "" if label in seen or mine else " (its cells are missing from the submission)"
        if run.fatal and not run.status:
            result = Result(label, exercise.title, "auto", "timeout" if "time limit" in run.fatal else "error", run.fatal)
        elif student.is_unanswered(code):
            result = Result(label, exercise.title, "auto", "fail", "not answered" + missing)
        elif any(s[0] == "timeout" for s in answer_states + check_states):
            note = next(s[1] for s in answer_states + check_states if s[0] == "timeout")
            result = Result(label, exercise.title, "auto", "timeout", note)
        elif any(s[0] == "not-run" for s in check_states):
            note = next(s[1] for s in answer_states + check_states if s[0] in ("not-run", "error"))
            result = Result(label, exercise.title, "auto", "error", note)
        else:
            raised = next((s[1] for s in answer_states if s[0] == "error"), "")
            failed = [s[1] for s in check_states if s[0] == "error"]
            if not failed:
                result = Result(label, exercise.title, "auto", "pass",
                                f"the checks pass, though your code raised {raised}" if raised else "")
            elif all(f.startswith("AssertionError") for f in failed):
                result = Result(label, exercise.title, "auto", "fail",
                                "a check failed: " + failed[0] + (f" (your code raised {raised})" if raised else ""))
            else:
                other = next(f for f in failed if not f.startswith("AssertionError"))
                cause = f"your code raised {raised}; then a check raised {other}" if raised else f"a check raised {other}"
                result = Result(label, exercise.title, "auto", "error", cause)
        result.answer = mine
        results.append(result)
    return results


@dataclass
class Row:
    student: str
    file: str
    chapter: str = ""
    status: str = "graded"  # graded | invalid | unmatched | grader-error
    how: str = ""
    results: list[Result] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    teaching_errors: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    seconds: float = 0.0
    sandbox: str = ""
    graded: nbformat.NotebookNode | None = None

    @property
    def auto(self) -> list[Result]:
        return [r for r in self.results if r.grading == "auto"]

    @property
    def total(self) -> int:
        return sum(r.result == "pass" for r in self.auto)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def grade_one(sub: Submission, chapters: dict[str, student.Chapter], forced: str | None,
              cell_timeout: int, notebook_timeout: int, sandbox: str) -> Row:
    """Grade one submission; every failure becomes the row's status and note, never an exception."""
    row = Row(student=sub.student, file=str(sub.path.name), sandbox=sandbox)
    try:
        data = load_submission(sub.path)
        stem, row.how = match_chapter(data, sub.path, chapters, forced)
        chapter = chapters[stem]
        row.chapter = stem
        answers, seen = extract_answers(data, chapter)
        nb, roles = build_graded(chapter, answers)
        run = run_notebook(nb, cell_timeout, notebook_timeout, sandbox)
        row.seconds, row.events, row.graded = run.seconds, run.events, run.notebook
        row.results = classify(chapter, answers, seen, roles, run)
        if run.fatal:
            row.notes.append(run.fatal)
        for i, (_owner, role) in enumerate(roles):
            state = run.status.get(i)
            if role == "teaching" and state and state[0] in ("error", "timeout"):
                row.teaching_errors.append(f"cell {i}: {state[1]}")
        if row.teaching_errors:
            row.notes.append(f"{len(row.teaching_errors)} teaching cell(s) failed (see the report)")
        kinds = {e.split("\t", 1)[0] for e in row.events}
        if "network" in kinds:
            row.notes.append("tried to use the network (blocked)")
        if "write" in kinds:
            row.notes.append("tried to write outside its folder (blocked)")
        if row.how not in ("metadata", "renamed"):  # a student's own file name is the normal case
            row.notes.append(HOW[row.how])
        missing = [e.label for e in chapter.exercises if e.label not in seen and not answers.get(e.label)]
        if missing:
            row.notes.append("exercise cells missing: " + ", ".join(missing))
    except BadSubmission as bad:
        row.status = bad.status
        row.notes.append(bad.note)
    except Exception as exc:  # noqa: BLE001 - a grader bug must cost one row, not the run
        row.status = "grader-error"
        row.notes.append(f"the grader failed on this file: {type(exc).__name__}: {exc}")
    return row


# ----------------------------------------------------------------------------- writing results


def exercise_columns(rows: list[Row], chapters: dict[str, student.Chapter]) -> list[str]:
    used = [stem for stem in chapters if any(r.chapter == stem for r in rows)]
    return [e.label for stem in used for e in chapters[stem].exercises if e.auto]


def write_csv(rows: list[Row], columns: list[str], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "file", "chapter", "status", *columns, "total", "out_of", "notes"])
        for row in rows:
            by_label = {r.label: r.result for r in row.auto}
            writer.writerow([
                row.student, row.file, row.chapter, row.status, *[by_label.get(c, "") for c in columns],
                row.total if row.status == "graded" else "", len(row.auto) if row.status == "graded" else "",
                "; ".join(row.notes),
            ])


def report(row: Row) -> str:
    lines = [f"# {row.student}: {row.file}", ""]
    if row.status != "graded":
        lines += [f"**Not graded ({row.status}):** {row.notes[0] if row.notes else ''}", ""]
        return "\n".join(lines)
    lines += [
        f"Chapter `{row.chapter}` ({HOW[row.how]}). Auto-graded: **{row.total} of {len(row.auto)}** passed. "
        f"Run in {row.seconds:.0f} s, sandbox: {'Linux namespaces and audit hook' if row.sandbox == 'namespace' else 'audit hook'}.",
        "",
        "| exercise | result | note |",
        "|---|---|---|",
    ]
    for r in row.results:
        lines.append(f"| `{r.label}` {r.title} | {r.result} | {_short(r.note, 300).replace('|', '/')} |")
    lines.append("")
    if row.teaching_errors:
        lines += ["**Teaching cells that failed** (usually the grading machine's problem, not the student's: "
                  "a missing data set or package):", ""]
        lines += [f"- {_short(e, 300)}" for e in row.teaching_errors[:10]] + [""]
    if row.events:
        lines += ["**Sandbox events** (blocked):", ""] + [f"- {_short(e.replace(chr(9), ': '), 200)}" for e in row.events[:10]] + [""]
    manual = [r for r in row.results if r.grading == "manual"]
    if manual:
        lines += ["## Exercises for the teacher to grade", ""]
        for r in manual:
            lines += [f"### `{r.label}` {r.title}", ""]
            if not r.answer:
                lines += ["*No answer.*", ""]
            for cell in r.answer:
                text = cell["source"].strip()
                text = text if len(text) <= 3000 else text[:3000] + "\n[... cut ...]"
                lines += (["```python", text, "```", ""] if cell["cell_type"] == "code" else [text, ""])
    lines += ["Changes to teaching cells and to check cells are ignored: the grader runs the teacher's copy.", ""]
    return "\n".join(lines)


def _file_name(row: Row, used: set[str]) -> str:
    return student.unique_name(re.sub(r"[^\w.-]+", "_", row.student) or "student", used)


def grade(submissions: Path, out: Path = OUT, notebooks: Path = student.NOTEBOOKS, chapter: str | None = None,
          cell_timeout: int = CELL_TIMEOUT, notebook_timeout: int = NOTEBOOK_TIMEOUT, sandbox: str = "auto",
          echo: bool = True) -> list[Row]:
    """Grade every submission in ``submissions``; write grades.csv, reports/ and graded/ into ``out``."""
    chapters = {p.stem: student.read_chapter(p) for p in student.chapter_paths(notebooks)}
    if not chapters:
        raise SystemExit(f"no instructor chapters (NN_*.ipynb) in {notebooks}")
    mode = sandbox_mode(sandbox)
    subs = find_submissions(submissions)
    if echo:
        print(f"{len(subs)} submission(s) in {submissions}; sandbox: {mode}; limits {cell_timeout} s per cell, "
              f"{notebook_timeout} s per notebook")
    rows = []
    for sub in subs:
        row = grade_one(sub, chapters, chapter, cell_timeout, notebook_timeout, mode)
        rows.append(row)
        if echo:
            score = f"{row.total}/{len(row.auto)}" if row.status == "graded" else row.status
            print(f"  {row.student:20s} {row.file:30s} {row.chapter:20s} {score:>8s}  {_short('; '.join(row.notes), 90)}")
    out.mkdir(parents=True, exist_ok=True)
    for folder in ("reports", "graded"):
        shutil.rmtree(out / folder, ignore_errors=True)
        (out / folder).mkdir()
    used: set[str] = set()
    for row in rows:
        name = _file_name(row, used)
        (out / "reports" / f"{name}.md").write_text(report(row), encoding="utf-8")
        if row.graded is not None:
            nbformat.write(row.graded, out / "graded" / f"{name}.ipynb")
    write_csv(rows, exercise_columns(rows, chapters), out / "grades.csv")
    if echo:
        print(f"wrote {out / 'grades.csv'}, {out / 'reports'}/ and {out / 'graded'}/")
    return rows


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--worker"]:
        return run_worker(Path(argv[1]))
    if argv[:1] == ["--probe"]:
        return _probe(Path(argv[1]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", type=Path, help="folder of submissions: <student>.ipynb or <student>/<any>.ipynb")
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT.relative_to(ROOT)})")
    parser.add_argument("--notebooks", type=Path, default=student.NOTEBOOKS, help="folder of the instructor chapters")
    parser.add_argument("--chapter", help="grade every submission as this chapter (NN or NN_slug)")
    parser.add_argument("--cell-timeout", type=int, default=CELL_TIMEOUT, help=f"seconds per cell (default {CELL_TIMEOUT})")
    parser.add_argument("--timeout", type=int, default=NOTEBOOK_TIMEOUT, help=f"seconds per notebook (default {NOTEBOOK_TIMEOUT})")
    parser.add_argument("--sandbox", choices=("auto", "namespace", "guard"), default="auto",
                        help="auto: Linux namespaces where they work, else the audit hook alone")
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        parser.error(f"{args.submissions} is not a folder")
    grade(args.submissions, args.out, args.notebooks, args.chapter, args.cell_timeout, args.timeout, args.sandbox)
    return 0


if __name__ == "__main__":
    sys.exit(main())
