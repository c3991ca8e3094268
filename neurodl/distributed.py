"""Launching data-parallel training from a notebook: ``torchrun`` as a Python function.

Introduced in chapter 12. ``DistributedDataParallel`` runs one process per replica of the
model; the processes find each other, agree on their ranks and all-reduce gradients through a
*process group* (the ``gloo`` backend on the CPU). A notebook cannot be one of those
processes, so the chapter writes each training script to a file and launches it with
``torchrun --standalone --nproc_per_node=N``, which starts a local rendezvous on a free port,
sets ``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR`` and ``MASTER_PORT`` for each worker and waits
for them all. :func:`torchrun` does that from Python, with the notebook's own interpreter (so
it works in any virtual environment or kernel), and behaves well when things go wrong: a
worker's traceback is shown in the error, a run that hangs (a rank waiting forever in a
collective is the classic bug of distributed code) is stopped after ``timeout`` seconds, and
no process is left behind, not even after an interrupted cell.

=========================  ==========================================================
``torchrun``               run a script on ``nproc`` processes; return its output
``TorchrunError``          the launcher failed (a ``RuntimeError``): exit code, output
``TorchrunTimeoutError``   the run took too long (a ``TimeoutError``) and was stopped
``ScriptNotFoundError``    no such script (a ``FileNotFoundError`` and ``ValueError``)
=========================  ==========================================================

A minimal script, ``allreduce.py``, and its launch::

    import torch, torch.distributed as dist
    dist.init_process_group("gloo")               # rank and world size come from torchrun
    t = torch.tensor([dist.get_rank() + 1.0])
    dist.all_reduce(t)                            # sum over the ranks: 1 + 2 = 3
    if dist.get_rank() == 0:
        print("sum of the ranks + 1:", t.item())
    dist.destroy_process_group()

    >>> print(neurodl.distributed.torchrun("allreduce.py", nproc=2).stdout)

The workers' standard output and error are captured, not streamed: print progress from rank 0
and read it in the returned ``stdout`` when the run ends. The workers share one pipe and run
unbuffered, so ``print`` writes each piece at once, in order, but lines that several ranks
print at the same moment can mix; print from one rank, or write whole lines in one call
(``sys.stdout.write(line + "\\n")``). Stopping a run relies on POSIX process groups (Linux,
macOS); on Windows the process tree is ended with ``taskkill``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from neurodl._validate import _describe, check_float, check_int

__all__ = [
    "torchrun",
    "TorchrunError",
    "TorchrunTimeoutError",
    "ScriptNotFoundError",
]

#: Seconds the launcher is given to stop its workers after SIGTERM, before everything is killed.
_GRACE_SECONDS = 5.0

#: The longest accepted ``timeout`` (one week); longer waits overflow the OS's poll timers.
_MAX_TIMEOUT = 7 * 24 * 3600.0

#: Lines of the workers' error output quoted in an error message.
_TAIL_LINES = 40

_IS_WINDOWS = sys.platform == "win32"


class TorchrunError(RuntimeError):
    """``torchrun`` exited with an error; the message quotes the workers' error output.

    ``returncode``, ``stdout`` and ``stderr`` hold the launcher's exit status and its whole
    captured output (the workers' included).
    """

    def __init__(self, message: str, returncode: int, stdout: str, stderr: str) -> None:
        super().__init__(message)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


class TorchrunTimeoutError(TimeoutError):
    """A ``torchrun`` run outlived its ``timeout`` and was stopped, workers and all.

    ``stdout`` and ``stderr`` hold what it had printed until then.
    """

    def __init__(self, message: str, stdout: str, stderr: str) -> None:
        super().__init__(message)
        self.stdout = stdout
        self.stderr = stderr


class ScriptNotFoundError(FileNotFoundError, ValueError):
    """The ``script`` given to :func:`torchrun` is not an existing file (nothing was started)."""


# ----------------------------------------------------------------------------- arguments


def _check_path(name: str, value: Any) -> Path:
    """``value`` as a :class:`~pathlib.Path` of text, or raise naming ``name``."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a path (str or os.PathLike of str), got {_describe(value)}")
    if not value:
        raise ValueError(f"{name} must not be an empty path")
    if "\x00" in value:
        raise ValueError(f"{name} must not contain a NUL character, got {_describe(value)}")
    return Path(value)


def _child_environment(env: Any) -> dict[str, str]:
    """The parent's environment with the launcher's defaults, then ``env`` on top."""
    extra: dict[str, str] = {}
    if env is not None:
        if not isinstance(env, Mapping):
            raise TypeError(f"env must be a mapping of names to values or None, got {type(env).__name__}")
        for key, value in env.items():
            if not isinstance(key, str) or not key or "=" in key or "\x00" in key:
                raise ValueError(f"env must have non-empty str keys without '=' or NUL, got {_describe(key)}")
            if isinstance(value, os.PathLike):
                value = os.fspath(value)
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise TypeError(
                    f"env[{key!r}] must be a str, int, float or path, got {type(value).__name__}; "
                    "env values become environment variables"
                )
            value = str(value)
            if "\x00" in value:
                raise ValueError(f"env[{key!r}] must not contain a NUL character")
            extra[key] = value
    # torchrun sets OMP_NUM_THREADS=1 itself when it is unset, with a banner on stderr
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1", **extra}


# ----------------------------------------------------------------------------- processes


def _descendant_groups(root: int) -> set[int]:
    """Process groups of the living descendants of ``root`` (Linux /proc, else ``ps``).

    ``torchrun`` starts each worker in a session (and group) of its own, so killing the
    launcher's group does not reach the workers: their groups are found here, while the
    launcher still links them to us. Every group found lies within the launcher's session or
    sessions its descendants created, so none of them is someone else's.
    """
    table: list[tuple[int, int, int]] = []  # (pid, ppid, pgid)
    if os.path.isdir("/proc/self"):
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()  # after "pid (comm)"
                table.append((int(entry), int(fields[1]), int(fields[2])))
            except (OSError, IndexError, ValueError):  # gone meanwhile, or unreadable
                continue
    else:
        try:
            listing = subprocess.run(
                ["ps", "-A", "-o", "pid=", "-o", "ppid=", "-o", "pgid="],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return set()
        for line in listing.splitlines():
            parts = line.split()
            if len(parts) == 3 and all(p.isdigit() for p in parts):
                table.append((int(parts[0]), int(parts[1]), int(parts[2])))
    children: dict[int, list[tuple[int, int]]] = {}
    for pid, ppid, pgid in table:
        children.setdefault(ppid, []).append((pid, pgid))
    groups, stack = set(), [root]
    while stack:
        for pid, pgid in children.get(stack.pop(), []):
            if pgid > 1:
                groups.add(pgid)
            stack.append(pid)
    return groups


def _signal_groups(groups: set[int], sig: int) -> None:
    for group in groups:
        try:
            os.killpg(group, sig)
        except (ProcessLookupError, PermissionError):  # already gone
            pass


def _wait_gone(groups: set[int], timeout: float) -> None:
    """Wait until no process of ``groups`` exists any more (at most ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    remaining = set(groups)
    while remaining and time.monotonic() < deadline:
        for group in list(remaining):
            try:
                os.killpg(group, 0)
            except (ProcessLookupError, PermissionError):
                remaining.discard(group)
        if remaining:
            time.sleep(0.02)


def _drain(proc: subprocess.Popen[str], timeout: float) -> tuple[str, str] | None:
    """The rest of ``proc``'s output if it ends within ``timeout`` seconds, else None."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return out or "", err or ""


def _communicate(proc: subprocess.Popen[str], deadline: float) -> tuple[str, str] | None:
    """``proc``'s output once it ends, or None at ``deadline`` (a :func:`time.monotonic` time).

    Waits in slices of half a second: a KeyboardInterrupt whose signal reached another thread
    (a notebook kernel has several) is only raised when this thread runs Python code again.
    """
    while True:
        output = _drain(proc, max(0.0, min(0.5, deadline - time.monotonic())))
        if output is not None or time.monotonic() >= deadline:
            return output


def _stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """Stop the launcher and every worker it started; return the output captured so far.

    SIGTERM to the launcher's group first (``torchrun`` forwards it to its workers and waits
    for them), SIGKILL to the launcher's and the workers' groups after a grace period.
    """
    if _IS_WINDOWS:  # pragma: no cover - no process groups; end the tree by parent links
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True, check=False)
        return _drain(proc, _GRACE_SECONDS) or ("", "")
    groups = {proc.pid} | _descendant_groups(proc.pid)
    output = None
    try:
        _signal_groups({proc.pid}, signal.SIGTERM)
        output = _drain(proc, _GRACE_SECONDS)
        if proc.poll() is None:
            groups |= _descendant_groups(proc.pid)
    finally:  # also when a second interrupt cuts the grace period short
        # workers that ignore SIGTERM, or were orphaned: kill whatever is left, in any case,
        # the workers first (the launcher, still alive, reaps them), then the launcher
        _signal_groups(groups - {proc.pid}, signal.SIGKILL)
        _wait_gone(groups - {proc.pid}, _GRACE_SECONDS)
        _signal_groups({proc.pid}, signal.SIGKILL)
    if output is None:
        output = _drain(proc, _GRACE_SECONDS)
    if output is None:  # a process we could not see still holds the pipes
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
        try:
            proc.wait(timeout=_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        output = ("", "")
    return output


def _tail(text: str, lines: int) -> str:
    return "\n".join(text.rstrip("\n").splitlines()[-lines:])


#: glog-style lines of the launcher's own logger ("W1202 06:38:06.968000 7226 torch/...").
_LAUNCHER_LOG = r"^[IWEF]\d{{4}} [\d:.]+ +{pid} "

#: The last line of the launcher's own traceback (ChildFailedError, SignalException).
_LAUNCHER_EXCEPTION = re.compile(r"^torch\.distributed\.elastic\.[\w.]+(Error|Exception):")


def _split_stderr(stderr: str, launcher_pid: int) -> tuple[list[str], list[str]]:
    """The workers' lines of ``stderr``, and torchrun's root-cause summary (if any).

    After a failure, torchrun prints its own log lines, its own traceback (some 20 lines of
    launcher internals) and a summary box naming the failed ranks and exit codes, below the
    workers' tracebacks; quoting the last lines of it all would show everything but the
    error. Left out here: the launcher's log lines and its traceback; kept: the box's "Root
    Cause" section. Output in another layout (another torch version) is left as it is.
    """
    lines = stderr.rstrip("\n").splitlines()
    summary: list[str] = []
    ends = [i for i, line in enumerate(lines) if _LAUNCHER_EXCEPTION.match(line)]
    if ends:
        start = ends[-1]
        while start > 0 and lines[start] != "Traceback (most recent call last):":
            start -= 1
        box = lines[ends[-1] + 1 :]
        cause = [i for i, line in enumerate(box) if line.startswith("Root Cause")]
        summary = box[cause[0] :] if cause else [line for line in box if line.strip()]
        lines = lines[:start]
    own_log = re.compile(_LAUNCHER_LOG.format(pid=launcher_pid))
    return [line for line in lines if not own_log.match(line)], summary


def _failure_report(stderr: str, launcher_pid: int) -> str:
    """The last lines of the workers' error output and torchrun's summary of the failure."""
    workers, summary = _split_stderr(stderr, launcher_pid)
    parts = []
    if any(line.strip() for line in workers):
        parts.append("--- last lines of the workers' stderr ---\n" + _tail("\n".join(workers), _TAIL_LINES))
    if summary:
        parts.append("--- torchrun's summary ---\n" + "\n".join(summary))
    if not parts:  # a launcher error in another layout: the plain tail
        parts.append(f"--- last lines of stderr ---\n{_tail(stderr, _TAIL_LINES)}")
    return "\n".join(parts)


def _exit_status(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"was killed by signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


# ----------------------------------------------------------------------------- the launcher


def torchrun(
    script: str | os.PathLike[str],
    *args: Any,
    nproc: int = 2,
    timeout: float = 120.0,
    env: Mapping[str, Any] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` on ``nproc`` local processes with ``torchrun --standalone``.

    Introduced in chapter 12. Runs ``python -m torch.distributed.run --standalone
    --nproc_per_node=nproc script *args`` with the running interpreter (``sys.executable``),
    which is the ``torchrun`` command of this environment, and waits for it. ``--standalone``
    starts the rendezvous on a free port of ``localhost``, so several runs never clash over a
    port. Each worker finds its rank and the world size in its environment
    (``dist.init_process_group("gloo")`` reads them).

    The workers inherit this process's environment, with ``OMP_NUM_THREADS=1`` (one thread
    per worker, so ``nproc`` workers do not fight over the cores; ``torchrun`` would set it
    too, with a warning) and ``PYTHONUNBUFFERED=1`` (output in the order it was printed, and
    none lost when a run is stopped), then ``env`` on top.

    The launcher runs in a session of its own. When the run exceeds ``timeout`` or the call
    is interrupted (a notebook's stop button, ``KeyboardInterrupt``), the launcher gets
    SIGTERM, which it passes on to its workers; whatever is still alive a few seconds later
    is killed, workers included: no worker outlives the call.

    Parameters
    ----------
    script
        Path of the Python script every worker runs; it must be an existing file (relative
        paths are taken from ``cwd`` when given, as ``subprocess`` does).
    *args
        Command-line arguments of the script, each converted with :func:`str`.
    nproc
        Number of worker processes, 1 to 64 (default 2).
    timeout
        Seconds the whole run may take, > 0 and at most one week (default 120).
    env
        Environment variables to add or override for the workers (values: str, int, float
        or path), or None.
    cwd
        Working directory of the launcher and workers (an existing directory), or None for
        the current one.

    Returns
    -------
    subprocess.CompletedProcess
        With ``args`` (the command), ``returncode`` 0 and the captured ``stdout`` and
        ``stderr`` as text: every rank's output, interleaved as it was printed.

    Raises
    ------
    ScriptNotFoundError
        ``script`` is not an existing file (a ``FileNotFoundError`` and a ``ValueError``);
        nothing was started.
    TorchrunError
        The launcher exited with an error (a ``RuntimeError``): the message gives the exit
        code, the last lines of the workers' error output (the traceback of the rank that
        failed first) and torchrun's summary of the failed ranks.
    TorchrunTimeoutError
        The run took more than ``timeout`` seconds (a ``TimeoutError``) and was stopped; the
        message gives the last lines of its output.
    """
    path = _check_path("script", script)
    nproc = check_int("nproc", nproc, minimum=1, maximum=64)
    timeout = check_float("timeout", timeout, minimum=0.0, exclusive_minimum=True, maximum=_MAX_TIMEOUT)
    child_env = _child_environment(env)
    workdir = None
    if cwd is not None:
        workdir = _check_path("cwd", cwd)
        try:
            workdir = workdir.resolve() if workdir.is_dir() else None
        except OSError:  # a name too long, no permission...
            workdir = None
        if workdir is None:
            raise ValueError(f"cwd must be an existing directory, got {_describe(cwd)}")
    script_args = [str(a) for a in args]
    for i, arg in enumerate(script_args):
        if "\x00" in arg:
            raise ValueError(f"args[{i}] must not contain a NUL character")
    if not path.is_absolute():
        path = (workdir or Path.cwd()) / path
    try:
        problem = None if path.is_file() else "is not a file" if path.exists() else "does not exist"
        path = path.resolve()  # absolute: never mistaken for an option by torchrun's parser
    except OSError as exc:  # a name too long, no permission...
        problem = f"cannot be read ({exc.strerror or exc})"
    if problem is not None:
        raise ScriptNotFoundError(f"script must be an existing Python file, but {str(path)!r:.300} {problem}")

    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={nproc}",
        str(path),
        *script_args,
    ]
    popen_options: dict[str, Any] = {}
    if _IS_WINDOWS:  # pragma: no cover
        popen_options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
    else:
        popen_options["start_new_session"] = True
    started = time.monotonic()
    proc = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        env=child_env,
        cwd=workdir,
        **popen_options,
    )
    try:
        try:
            output = _communicate(proc, started + timeout)
        except BaseException:  # KeyboardInterrupt and anything else: leave nothing running
            _stop(proc)
            raise
        if output is None:
            stdout, stderr = _stop(proc)
            elapsed = time.monotonic() - started
            workers, _ = _split_stderr(stderr, proc.pid)  # without torchrun's report of our SIGTERM
            tails = [
                f"--- last lines of {name} ---\n{_tail(text, 20)}"
                for name, text in (("stdout", stdout), ("stderr", "\n".join(workers)))
                if text.strip()
            ]
            raise TorchrunTimeoutError(
                f"torchrun of {path.name} ({nproc} processes) did not finish within timeout={timeout:g} "
                f"seconds and was stopped after {elapsed:.1f} s, workers included"
                + ("\n" + "\n".join(tails) if tails else "; it printed nothing"),
                stdout,
                stderr,
            )
    finally:
        if not _IS_WINDOWS:  # stragglers left in the launcher's group after it returned
            _signal_groups({proc.pid}, signal.SIGKILL)
    stdout, stderr = output
    if proc.returncode != 0:
        raise TorchrunError(
            f"torchrun of {path.name} ({nproc} processes) {_exit_status(proc.returncode)}\n"
            + _failure_report(stderr, proc.pid),
            proc.returncode,
            stdout,
            stderr,
        )
    return subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)
