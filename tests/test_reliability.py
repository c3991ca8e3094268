"""Reliability of the whole book: offline and data-safe.

* **Offline.** The root conftest.py installs a network guard in this process and, via a
  ``sitecustomize.py`` on ``PYTHONPATH``, in every Python process the tests start (each
  nbval kernel included). The tests here prove the guard blocks an outside address and
  a name lookup, allows the loopback, and is active inside a notebook kernel.
* **Independence and determinism** need no second run: nbval executes every chapter once,
  longest first (see the root conftest.py), each in a fresh kernel, and compares it with its
  stored outputs; ``make test-portable`` does the same under another CPU's kernels.
* **Data integrity.** End to end, in a subprocess: ``$NEURODL_DATA`` pointing at a
  corrupted, a truncated or an incomplete copy, or at no folder, gives the clear error,
  and neither the copies, nor ``data/``, nor Debian's folder change.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
import run_notebook  # tools/run_notebook.py, put on sys.path by the root conftest.py


ROOT = Path(__file__).resolve().parent.parent

# ----------------------------------------------------------------------------- offline

GUARD_PROBE = textwrap.dedent(
    """
    import socket, sys
    results = {}
    try:
        socket.create_connection(("192.0.2.1", 80), timeout=2)   # TEST-NET-1, never routed
        results["outside"] = "connected"
    except ConnectionRefusedError as exc:
        results["outside"] = str(exc)
    except OSError as exc:
        results["outside"] = "unguarded " + type(exc).__name__
    try:
        socket.getaddrinfo("example.org", 443)
        results["lookup"] = "resolved"
    except ConnectionRefusedError as exc:
        results["lookup"] = str(exc)
    except OSError as exc:
        results["lookup"] = "unguarded " + type(exc).__name__
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=2)
    peer, _ = server.accept()
    client.sendall(b"ping")
    results["loopback"] = peer.recv(4).decode()
    client.close(); peer.close(); server.close()
    print(repr(results))
    """
)


def test_guard_is_installed_in_this_process(tmp_path, monkeypatch):
    monkeypatch.setenv("NEURODL_NETGUARD_LOG", str(tmp_path / "blocked.log"))  # keep the session's log clean
    assert getattr(socket, "_neurodl_netguard", False), "the root conftest.py did not install the guard"
    assert os.environ["NEURODL_NETGUARD_DIR"] in os.environ["PYTHONPATH"].split(os.pathsep)
    with pytest.raises(ConnectionRefusedError, match="blocked by the test guard"):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(("192.0.2.1", 80))
    assert "192.0.2.1" in (tmp_path / "blocked.log").read_text()


def test_guard_blocks_outside_allows_loopback_and_logs(tmp_path):
    """A child Python process (as every kernel is) gets the guard through PYTHONPATH."""
    log = tmp_path / "blocked.log"
    env = {**os.environ, "NEURODL_NETGUARD_LOG": str(log)}
    proc = subprocess.run(
        [sys.executable, "-c", GUARD_PROBE], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    results = eval(proc.stdout.strip().splitlines()[-1])  # a dict of str printed by the probe
    assert "blocked by the test guard" in results["outside"], results
    assert "blocked by the test guard" in results["lookup"], results
    assert results["loopback"] == "ping", results
    logged = log.read_text()
    assert "192.0.2.1" in logged and "example.org" in logged, logged


def test_guard_is_off_without_the_switch(tmp_path):
    """Control: with NEURODL_NETGUARD unset the same sitecustomize patches nothing (no packet is sent)."""
    env = {**os.environ, "NEURODL_NETGUARD": "0", "NEURODL_NETGUARD_LOG": str(tmp_path / "log")}
    code = "import socket; print(getattr(socket, '_neurodl_netguard', False), getattr(socket.socket.connect, '__module__', 'C'))"
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    guarded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.split()[0] == "False", proc.stdout + proc.stderr
    assert guarded.stdout.split() == ["True", "sitecustomize"], guarded.stdout + guarded.stderr


@pytest.mark.slow
def test_guard_is_active_in_a_notebook_kernel(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import socket\n"
            "try:\n"
            "    socket.create_connection(('192.0.2.1', 80), timeout=2)\n"
            "except ConnectionRefusedError as exc:\n"
            "    print(exc)"
        )
    ]
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    log = tmp_path / "blocked.log"
    old = os.environ["NEURODL_NETGUARD_LOG"]
    os.environ["NEURODL_NETGUARD_LOG"] = str(log)  # the kernel inherits this process's environment
    try:
        executed, _ = run_notebook.run(path, timeout=120)
    finally:
        os.environ["NEURODL_NETGUARD_LOG"] = old
    text = "".join(o.get("text", "") for o in executed.cells[0].outputs)
    assert "blocked by the test guard" in text, executed.cells[0].outputs
    assert "192.0.2.1" in log.read_text()


# ----------------------------------------------------------------------------- data integrity

LOAD = "import neurodl.data as d; d.load_fashion_mnist(n_train=20, n_test=20); print('loaded')"

#: Loads with only $NEURODL_DATA visible: the repository's and Debian's folders are
#: redirected to the empty folder named by the first argument.
LOAD_ONLY_ENV = (
    "import sys, pathlib, neurodl.data as d; empty = pathlib.Path(sys.argv[1]);"
    "d.REPO_DATA_DIR = empty; d.DEBIAN_DIR = empty / 'debian';"
    "d.load_fashion_mnist(n_train=20, n_test=20); print('loaded')"
)


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def real_fashion_mnist() -> Path:
    import neurodl.data

    folder = neurodl.data.find_fashion_mnist() if "NEURODL_DATA" not in os.environ else None
    if folder is None:
        message = "Fashion-MNIST is not installed: sudo apt-get install dataset-fashion-mnist"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return folder


def _corrupt_contents(path: Path) -> None:
    """Flip one pixel byte inside the compressed stream's payload: a valid gzip, wrong data."""
    payload = bytearray(gzip.decompress(path.read_bytes()))
    payload[len(payload) // 2] ^= 0xFF
    path.write_bytes(gzip.compress(bytes(payload), mtime=0))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


SCENARIOS = {
    # name: (how to spoil the copy, expected error class, phrases the message must contain)
    "intact": (None, None, ["loaded"]),
    "corrupted": (_corrupt_contents, "DatasetIntegrityError", ["failed its checksum", "t10k-labels-idx1-ubyte.gz"]),
    "truncated": (_truncate, "DatasetIntegrityError", ["truncated or corrupted", "t10k-labels-idx1-ubyte.gz"]),
    "missing": ("delete", "DatasetNotFoundError", ["only 3 of the 4 files", "apt-get install dataset-fashion-mnist"]),
    "wrong NEURODL_DATA": ("nonexistent", "DatasetNotFoundError", ["NEURODL_DATA", "not an existing folder"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_bad_dataset_copies_give_the_clear_error_end_to_end(scenario, real_fashion_mnist, tmp_path):
    spoil, error, phrases = SCENARIOS[scenario]
    watched = [ROOT / "data", real_fashion_mnist]
    before = {str(f): _digest(f) for f in watched}
    copy_dir = tmp_path / "fashion"
    shutil.copytree(real_fashion_mnist, copy_dir)
    victim = copy_dir / "t10k-labels-idx1-ubyte.gz"  # small, and read after the others verify
    code, args = LOAD, []
    if spoil == "delete":
        victim.unlink()
        code, args = LOAD_ONLY_ENV, [str(tmp_path / "empty")]
        (tmp_path / "empty").mkdir()
    elif spoil == "nonexistent":
        copy_dir = tmp_path / "no-such-folder"
    elif spoil is not None:
        spoil(victim)
    copy_before = _digest(copy_dir) if copy_dir.exists() else {}

    env = {**os.environ, "NEURODL_DATA": str(copy_dir), "NEURODL_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    if error is None:
        assert proc.returncode == 0 and "loaded" in proc.stdout, proc.stderr[-3000:]
    else:
        assert proc.returncode != 0, f"{scenario}: loading succeeded, expected {error}"
        # the exception line (its message may go on over several lines)
        raised = re.findall(r"^([\w.]+(?:Error|Exception)): ", proc.stderr, flags=re.MULTILINE)
        assert raised and raised[-1] == f"neurodl.data.{error}", proc.stderr[-3000:]
        message = proc.stderr.split(f"neurodl.data.{error}: ", 1)[1]
        for phrase in phrases:
            assert phrase in message, f"{scenario}: {phrase!r} missing from the message:\n{message}"
    assert (_digest(copy_dir) if copy_dir.exists() else {}) == copy_before, "the loader changed the copy"
    assert not (tmp_path / "no-such-folder").exists(), "the loader created the mis-set folder"
    assert {str(f): _digest(f) for f in watched} == before, "data/ or Debian's folder changed"
