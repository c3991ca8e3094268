"""pytest configuration shared by the unit tests (tests/) and the notebooks (nbval).

Every notebook kernel inherits this environment, the same one tools/run_notebook.py
uses to store outputs, so the stored outputs are what the tests reproduce.

It also makes the whole run offline and watches what the run touches:

* **Network guard.** A ``sitecustomize.py`` (source below) is written to a private
  folder put first on ``PYTHONPATH``, so every Python process the tests start (each
  nbval kernel, the jupyter-book build, the benchmark's kernels, subprocesses) loads it;
  it is also run in this process. Any socket connection or name lookup for a host that
  is not the loopback raises :class:`ConnectionRefusedError` and is logged to
  ``$NEURODL_NETGUARD_LOG``; the session fails if that log is not empty at the end, so
  an attempt is caught even when a library swallows the error.
* **Data untouched.** ``data/`` and the system folders of Fashion-MNIST and janeaustenr are
  hashed at the start and at the end of the session; any change fails the session.
* **Chapters longest first.** nbval runs each chapter once, in a fresh
  kernel, and compares it with its stored outputs (the evidence that it is deterministic).
  The chapters run longest first (by their fp32 time budget in tools/budgets.py), newest first
  among equals, so one that silently needs something an earlier chapter left behind fails;
  the order is printed at the start when pytest runs in one process (``JOBS=0``; with workers
  the header says how they share the cores).
* **Two at a time.** ``make test`` runs pytest-xdist workers (``-n 2 --dist loadfile``): a
  file, a chapter's cells included, always runs whole on one worker, and the workers share
  the cores, so each one's PyTorch and OpenBLAS get ``cores // workers`` threads (set here,
  before anything imports them, and inherited by the worker's kernels). The longest files are
  handed out first, so the two workers finish close together.
* **Where the time goes.** The summary at the end gives each chapter's total time, beside
  pytest's ``--durations`` list of the slowest cells and tests.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent
# tools/ is importable for every test (run_notebook, machine, ...) and for this file (budgets)
sys.path.insert(0, str(ROOT / "tools"))
from budgets import budget  # noqa: E402  (tools/budgets.py: the chapters' time budgets)

# Hash randomisation off (set order, dict-of-set order) and no downloads at run time.
os.environ.setdefault("PYTHONHASHSEED", "0")
os.environ["NEURODL_OFFLINE"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _threads_per_worker(workers: int) -> str:
    """Threads for each of ``workers`` processes sharing the cores (a user's OMP_NUM_THREADS wins)."""
    return os.environ.get("OMP_NUM_THREADS") or str(max(1, _cores() // workers))


def _share_the_cores() -> None:
    """In an xdist worker, give this process and its kernels their share of the cores."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0") or 0)
    if workers > 1:
        os.environ["OMP_NUM_THREADS"] = _threads_per_worker(workers)


_share_the_cores()

# ----------------------------------------------------------------------------- network guard

#: Source of the sitecustomize.py that every Python process of the test run loads.
NETGUARD_SOURCE = r'''
"""Network guard of the Neurons to Networks tests (written by the repository's conftest.py).

Active when NEURODL_NETGUARD=1: connecting to, sending to or resolving any host that is
not the loopback raises ConnectionRefusedError and appends a line to $NEURODL_NETGUARD_LOG.
Any other sitecustomize further down sys.path is then run as usual.
"""
import ipaddress as _ipaddress
import os as _os
import socket as _socket
import sys as _sys

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", ""}


def _is_local_host(host):
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%")[0].lower()
    if host in _LOCAL_NAMES:
        return True
    try:
        return _ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _block(what, address):
    message = f"network access blocked by the test guard: {what} {address!r} (only the loopback is allowed)"
    log = _os.environ.get("NEURODL_NETGUARD_LOG")
    if log:
        frame, where = _sys._getframe(1), "?"
        while frame is not None and frame.f_code.co_filename == __file__:
            frame = frame.f_back
        if frame is not None:
            where = f"{frame.f_code.co_filename}:{frame.f_lineno}"
        try:
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(f"pid {_os.getpid()} {_sys.argv[:2]!r} {what} {address!r} at {where}\n")
        except OSError:
            pass
    raise ConnectionRefusedError(message)


def _check_address(what, family, address):
    if family in (_socket.AF_INET, _socket.AF_INET6) and isinstance(address, tuple) and address:
        if not _is_local_host(address[0]):
            _block(what, address)


def _install():
    if getattr(_socket, "_neurodl_netguard", False):
        return
    original_connect = _socket.socket.connect
    original_connect_ex = _socket.socket.connect_ex
    original_sendto = _socket.socket.sendto
    original_getaddrinfo = _socket.getaddrinfo
    original_gethostbyname = _socket.gethostbyname
    original_gethostbyname_ex = _socket.gethostbyname_ex
    own_names = {_socket.gethostname().lower()}

    def connect(self, address):
        _check_address("connect to", self.family, address)
        return original_connect(self, address)

    def connect_ex(self, address):
        _check_address("connect to", self.family, address)
        return original_connect_ex(self, address)

    def sendto(self, data, *args):
        _check_address("send to", self.family, args[-1] if args else None)
        return original_sendto(self, data, *args)

    def _lookup_ok(host):
        name = host.decode() if isinstance(host, bytes) else host
        return _is_local_host(name) or (isinstance(name, str) and name.lower() in own_names)

    def getaddrinfo(host, *args, **kwargs):
        if not _lookup_ok(host):
            _block("look up", host)
        return original_getaddrinfo(host, *args, **kwargs)

    def gethostbyname(host):
        if not _lookup_ok(host):
            _block("look up", host)
        return original_gethostbyname(host)

    def gethostbyname_ex(host):
        if not _lookup_ok(host):
            _block("look up", host)
        return original_gethostbyname_ex(host)

    _socket.socket.connect = connect
    _socket.socket.connect_ex = connect_ex
    _socket.socket.sendto = sendto
    _socket.getaddrinfo = getaddrinfo
    _socket.gethostbyname = gethostbyname
    _socket.gethostbyname_ex = gethostbyname_ex
    _socket._neurodl_netguard = True


def _chain():
    """Run the next sitecustomize on sys.path (for example Debian's), as if we were not here."""
    import importlib.machinery
    import importlib.util

    here = _os.path.dirname(_os.path.abspath(__file__))
    others = [p for p in _sys.path if _os.path.abspath(p or ".") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", others)
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


if _os.environ.get("NEURODL_NETGUARD") == "1":
    _install()
if __name__ == "sitecustomize":
    _chain()
'''


def _install_netguard() -> Path:
    """Write the guard as sitecustomize.py, put it on PYTHONPATH, and run it here too.

    An xdist worker inherits the guard of the pytest process that started it (its
    sitecustomize has already run) and shares its log, which that process checks at the end.
    """
    inherited = os.environ.get("NEURODL_NETGUARD_LOG")
    if os.environ.get("PYTEST_XDIST_WORKER") and inherited and Path(inherited).is_file():
        return Path(inherited)
    folder = Path(tempfile.mkdtemp(prefix="neurodl-netguard-"))
    (folder / "sitecustomize.py").write_text(NETGUARD_SOURCE, encoding="utf-8")
    log = folder / "blocked.log"
    log.touch()
    os.environ["NEURODL_NETGUARD"] = "1"
    os.environ["NEURODL_NETGUARD_LOG"] = str(log)
    os.environ["NEURODL_NETGUARD_DIR"] = str(folder)
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(folder) + (os.pathsep + old if old else "")
    path = str(folder / "sitecustomize.py")
    exec(compile(NETGUARD_SOURCE, path, "exec"), {"__name__": "netguard", "__file__": path})
    return log


NETGUARD_LOG = _install_netguard()

# ----------------------------------------------------------------------------- data watch

#: Folders whose files must be exactly the same after the session as before it.
WATCHED_DATA = (
    ROOT / "data",  # data/fashion-mnist, data/janeaustenr, ...
    Path("/usr/share/datasets/fashion-mnist"),
    Path("/usr/lib/R/site-library/janeaustenr"),
    Path("/usr/local/lib/R/site-library/janeaustenr"),
)


def tree_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (relative path -> hex digest); {} if absent."""
    if not folder.is_dir():
        return {}
    digests = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            digests[str(path.relative_to(folder))] = digest.hexdigest()
    return digests


_DATA_BEFORE: dict[str, dict[str, str]] = {}
# ----------------------------------------------------------------------------- chapter order and time

#: Seconds each notebook took under nbval (setup, every cell, teardown), by file name.
NOTEBOOK_SECONDS: dict[str, float] = {}


def _is_worker() -> bool:
    return bool(os.environ.get("PYTEST_XDIST_WORKER"))


def pytest_sessionstart(session: pytest.Session) -> None:
    if _is_worker():  # the pytest process that started the workers watches the data
        return
    for folder in WATCHED_DATA:
        _DATA_BEFORE[str(folder)] = tree_digest(folder)


def _is_notebook(item: pytest.Item) -> bool:
    return Path(str(item.fspath)).suffix == ".ipynb"


#: Rough seconds of the test files that take longest besides the chapters (the site is built
#: and driven in a browser, the book printed), so they are handed out early too.
LONG_TEST_FILES = {"test_site.py": 300.0, "test_pdf.py": 300.0}


def _expected_seconds(path: Path) -> float:
    if path.suffix == ".ipynb":
        return budget(path)[1]          # the chapter's fp32 budget
    return LONG_TEST_FILES.get(path.name, 0.0)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Longest files first (chapters by their budget, newest first among equals), each file's items in order."""
    files = list(dict.fromkeys(Path(str(item.fspath)) for item in items))
    chapters = sorted((f for f in files if f.suffix == ".ipynb"), key=lambda f: f.name, reverse=True)
    files = chapters + [f for f in files if f.suffix != ".ipynb"]      # newest chapter first, then the tests
    files.sort(key=lambda f: -_expected_seconds(f))                     # stable: longest first
    rank = {str(path): k for k, path in enumerate(files)}
    items.sort(key=lambda item: rank[str(Path(str(item.fspath)))])


def pytest_report_header(config: pytest.Config) -> str | None:
    workers = getattr(config.option, "numprocesses", None)
    if not workers or workers < 2:
        return None
    return (f"{workers} workers share {_cores()} cores: {_threads_per_worker(workers)} thread(s) each "
            "for PyTorch and OpenBLAS")


def pytest_report_collectionfinish(config: pytest.Config, start_path: Path, items: list[pytest.Item]) -> list[str]:
    order = list(dict.fromkeys(Path(str(item.fspath)).name for item in items if _is_notebook(item)))
    return ["chapters run longest first, newest first among equals, each in a fresh kernel: "
            + ", ".join(order)] if order else []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = Path(report.location[0]) if report.location else None
    if path is not None and path.suffix == ".ipynb":
        NOTEBOOK_SECONDS[path.name] = NOTEBOOK_SECONDS.get(path.name, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if NOTEBOOK_SECONDS:
        terminalreporter.write_sep("=", "seconds per chapter")
        for name in sorted(NOTEBOOK_SECONDS):
            terminalreporter.write_line(f"{NOTEBOOK_SECONDS[name]:8.1f} s  {name}")
        terminalreporter.write_line(f"{sum(NOTEBOOK_SECONDS.values()):8.1f} s  all chapters")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _is_worker():
        return
    problems = []
    blocked = NETGUARD_LOG.read_text(encoding="utf-8") if NETGUARD_LOG.exists() else ""
    if blocked.strip():
        problems.append("The test run tried to reach the network (blocked):\n" + blocked)
    for folder in WATCHED_DATA:
        before, after = _DATA_BEFORE.get(str(folder)), tree_digest(folder)
        if before is not None and before != after:
            changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            problems.append(f"The test run changed files in {folder}: {', '.join(changed)}")
    if problems:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        text = "\n".join(problems)
        if reporter is not None:
            reporter.write_sep("=", "reliability checks failed", red=True)
            reporter.write_line(text)
        else:  # pragma: no cover
            print(text, file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
