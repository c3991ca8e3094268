"""neurodl.distributed: torchrun from Python, on the CPU with gloo, two processes at most.

Each launch costs a few seconds (the launcher and every worker import torch), so the tests
launch four times in all: a correct all-reduce, a failing worker, a hang stopped by the
timeout and a hang stopped by KeyboardInterrupt. After the last two, no process they started
may be alive.
"""

from __future__ import annotations

import importlib.util
import math
import os
import signal
import subprocess
import textwrap
import threading
import time
from pathlib import Path

import pytest

if importlib.util.find_spec("torch") is None:  # without importing it here (seconds)
    pytest.skip("PyTorch is not installed", allow_module_level=True)

import neurodl  # noqa: E402
from neurodl.distributed import (  # noqa: E402
    ScriptNotFoundError,
    TorchrunError,
    TorchrunTimeoutError,
    torchrun,
)

try:
    import psutil
except ImportError:  # pragma: no cover - the process-group check below still runs
    psutil = None

ALLREDUCE = """
import os, sys
import torch
import torch.distributed as dist

dist.init_process_group("gloo")
rank = dist.get_rank()
t = torch.tensor([rank + 1.0])
dist.all_reduce(t)
# one write per line: with PYTHONUNBUFFERED, print() writes its pieces one by one, and the
# two ranks' pieces could mix on the shared pipe
sys.stdout.write(f"rank {rank} result {t.item()} omp {os.environ['OMP_NUM_THREADS']} "
                 f"extra {os.environ.get('NEURODL_TEST')} argv {sys.argv[1:]}\\n")
dist.destroy_process_group()
"""

# no torch in the workers: the launcher's own import is slow enough
FAILING = """
import os
if os.environ["RANK"] == "1":
    raise ValueError("rank one cannot go on")
"""

HANGING = """
import os, sys, time
with open(os.path.join(sys.argv[1], "pgid." + os.environ["RANK"]), "w") as f:
    f.write(str(os.getpgid(0)))
print("waiting forever", os.environ["RANK"], flush=True)
time.sleep(3600)
"""


def _write(directory: Path, name: str, source: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(source))
    return path


def _assert_nothing_left(pgid_dir: Path, nproc: int = 2) -> None:
    """Every worker's process group is gone, and so is every child of this process."""
    files = sorted(pgid_dir.glob("pgid.*"))
    assert len(files) == nproc, "the workers did not start, so the check would prove nothing"
    for file in files:
        with pytest.raises(ProcessLookupError):
            os.killpg(int(file.read_text()), 0)
    if psutil is not None:
        assert psutil.Process().children(recursive=True) == []


def test_the_submodule_is_lazy_and_listed():
    assert "distributed" in dir(neurodl)
    assert neurodl.distributed.torchrun is torchrun


def test_two_processes_all_reduce(tmp_path):
    _write(tmp_path, "allreduce.py", ALLREDUCE)
    start = time.monotonic()
    result = torchrun(
        "allreduce.py", "a b", 7, nproc=2, timeout=60, env={"NEURODL_TEST": "yes"}, cwd=tmp_path
    )
    assert time.monotonic() - start < 60
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == 0
    lines = sorted(line for line in result.stdout.splitlines() if line.startswith("rank"))
    expected = "result 3.0 omp 1 extra yes argv ['a b', '7']"
    assert lines == [f"rank 0 {expected}", f"rank 1 {expected}"], result.stdout
    assert "OMP_NUM_THREADS" not in result.stderr  # torchrun's warning, as we set it
    assert result.args[1:5] == ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]


def test_a_failing_worker_raises_with_its_traceback(tmp_path):
    script = _write(tmp_path, "failing.py", FAILING)
    with pytest.raises(RuntimeError) as info:
        torchrun(script, nproc=2, timeout=60)
    error = info.value
    assert isinstance(error, TorchrunError)
    message = str(error)
    assert "exited with code 1" in message
    assert "ValueError: rank one cannot go on" in message
    assert 'failing.py", line 4' in message, message  # the worker's traceback, not the launcher's
    assert "launch_agent" not in message
    assert error.returncode == 1 and "rank one cannot go on" in error.stderr


def test_a_hanging_run_is_stopped_at_the_timeout(tmp_path):
    script = _write(tmp_path, "hanging.py", HANGING)
    start = time.monotonic()
    # long enough for torchrun itself to import torch and start both workers on a busy 2-core
    # machine (5 s was not, in one CI run: the workers had not printed yet)
    with pytest.raises(TimeoutError) as info:
        torchrun(script, tmp_path, nproc=2, timeout=20)
    elapsed = time.monotonic() - start
    assert elapsed < 20 + 12  # the timeout, the launcher's SIGTERM grace period, a margin
    message = str(info.value)
    assert isinstance(info.value, TorchrunTimeoutError)
    assert "hanging.py" in message and "timeout=20 seconds" in message
    assert "waiting forever" in message  # the last lines of the output
    assert "SignalException" not in message  # torchrun's report of being stopped is left out
    _assert_nothing_left(tmp_path)


def test_keyboard_interrupt_stops_every_process(tmp_path):
    script = _write(tmp_path, "hanging.py", HANGING)

    def interrupt_when_started() -> None:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("pgid.*"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        # what a notebook's stop button does to the kernel: a real SIGINT to the main thread
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    watcher = threading.Thread(target=interrupt_when_started, daemon=True)
    watcher.start()
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        torchrun(script, tmp_path, nproc=2, timeout=120)
    assert time.monotonic() - start < 60
    watcher.join()
    _assert_nothing_left(tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"script": "no_such_script.py"}, ScriptNotFoundError, "script"),
        ({"script": "."}, ScriptNotFoundError, "script"),
        ({"script": ""}, ValueError, "script"),
        ({"script": None}, TypeError, "script"),
        ({"script": b"train.py"}, TypeError, "script"),
        ({"nproc": 0}, ValueError, "nproc"),
        ({"nproc": 65}, ValueError, "nproc"),
        ({"nproc": 2.0}, TypeError, "nproc"),
        ({"nproc": True}, TypeError, "nproc"),
        ({"timeout": 0}, ValueError, "timeout"),
        ({"timeout": -1.0}, ValueError, "timeout"),
        ({"timeout": math.nan}, ValueError, "timeout"),
        ({"timeout": 1e300}, ValueError, "timeout"),
        ({"timeout": "5"}, TypeError, "timeout"),
        ({"env": ["A=1"]}, TypeError, "env"),
        ({"env": {1: "a"}}, ValueError, "env"),
        ({"env": {"A=B": "a"}}, ValueError, "env"),
        ({"env": {"A": None}}, TypeError, "env"),
        ({"cwd": "no_such_directory"}, ValueError, "cwd"),
        ({"cwd": 3}, TypeError, "cwd"),
    ],
)
def test_bad_arguments_are_refused_before_anything_starts(tmp_path, monkeypatch, kwargs, error, name):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "train.py", "raise SystemExit('must not run')")
    kwargs = {"script": "train.py", **kwargs}
    script = kwargs.pop("script")
    with pytest.raises(error, match=rf"\b{name}\b"):
        torchrun(script, **kwargs)
    if psutil is not None:
        assert psutil.Process().children(recursive=True) == []


def test_a_missing_script_is_a_file_not_found_error_too(tmp_path):
    with pytest.raises(FileNotFoundError, match="script"):
        torchrun(tmp_path / "missing.py")
    with pytest.raises(ValueError, match="args"):
        _write(tmp_path, "train.py", "")
        torchrun(tmp_path / "train.py", "a\x00b")
