#!/usr/bin/env python
"""Time every chapter and record its memory and headline figures: ``make bench``.

    .venv/bin/python tools/bench.py                 # every notebooks/NN_*.ipynb
    .venv/bin/python tools/bench.py notebooks/02_neuron.ipynb
    .venv/bin/python tools/bench.py --strict        # exit 1 if anything is over budget

Each chapter runs in a fresh kernel exactly as ``tools/run_notebook.py`` runs it (same
environment, same working directory) but the stored notebook is never overwritten.
While it runs, the resident memory of the whole process tree under this script (the
kernel and anything it starts) is sampled with psutil; the peak is recorded. The import
time of ``neurodl`` is measured in a fresh interpreter (best of three).

Headline figures come from the chapters themselves: ``neurodl.record_headline(...)``
stores a display output of MIME type ``neurodl.core.HEADLINE_MIME``, read back here.

Every run is appended to ``benchmarks/results.json`` (date, git commit, machine, library
versions, per-chapter figures); ``benchmarks/results.md`` shows the latest run and the
trend of the headline figures over the runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from neurodl.core import HEADLINE_MIME

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_notebook  # noqa: E402

ROOT = run_notebook.ROOT
RESULTS_JSON = ROOT / "benchmarks" / "results.json"
RESULTS_MD = ROOT / "benchmarks" / "results.md"

#: Default budget of a chapter: seconds of wall time and MB of peak memory, on 2 cores.
DEFAULT_BUDGET = (120.0, 2048.0)
#: Chapters whose issue gives another budget (chapter number -> (seconds, MB)).
BUDGETS: dict[int, tuple[float, float]] = {
    2: (60.0, 2048.0),
    3: (60.0, 2048.0),
    4: (120.0, 2048.0),
    5: (150.0, 2560.0),
    6: (180.0, 2048.0),
}
#: The whole book, on 2 cores.
BOOK_BUDGET_SECONDS = 15 * 60
#: Libraries whose versions are recorded with each run.
LIBRARIES = ("numpy", "scipy", "scikit-learn", "matplotlib", "torch", "tensorflow", "keras",
             "jupyter-book", "nbclient", "ipykernel")
#: How many runs the trend table shows.
TREND_RUNS = 10


def budget(path: Path) -> tuple[float, float]:
    """The (seconds, MB) budget of a chapter, from its number."""
    match = re.match(r"(\d\d)_", path.name)
    return BUDGETS.get(int(match.group(1)), DEFAULT_BUDGET) if match else DEFAULT_BUDGET


class PeakMemory:
    """Samples the summed RSS of every descendant of this process, in a thread."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        total = 0
        for child in psutil.Process().children(recursive=True):
            try:
                total += child.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, self._sample())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def headline(nb: Any) -> dict[str, float]:
    """The figures a chapter stored with ``neurodl.record_headline`` (merged, last wins)."""
    figures: dict[str, float] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            value = output.get("data", {}).get(HEADLINE_MIME)
            if isinstance(value, dict):
                figures.update({k: float(v) for k, v in value.items() if isinstance(v, (int, float))})
    return figures


def bench_notebook(path: Path, timeout: int) -> dict[str, Any]:
    """Run one chapter in a fresh kernel; its seconds, peak MB, headline and budget."""
    seconds_budget, mb_budget = budget(path)
    entry: dict[str, Any] = {"notebook": path.name, "budget_seconds": seconds_budget, "budget_mb": mb_budget}
    start = time.perf_counter()
    with PeakMemory() as memory:
        try:
            nb, seconds = run_notebook.run(path, timeout)
            entry["headline"] = headline(nb)
        except Exception as exc:  # CellExecutionError, timeouts, kernel deaths
            seconds = time.perf_counter() - start
            entry["error"] = str(exc).strip().splitlines()[-1][:300] if str(exc).strip() else type(exc).__name__
            entry["headline"] = {}
    entry["seconds"] = round(seconds, 2)
    entry["peak_mb"] = round(memory.peak_bytes / 2**20, 1)
    entry["over_budget"] = [
        what
        for what, over in (
            (f"time {seconds:.0f} s > {seconds_budget:.0f} s", seconds > seconds_budget),
            (f"memory {entry['peak_mb']:.0f} MB > {mb_budget:.0f} MB", entry["peak_mb"] > mb_budget),
        )
        if over
    ]
    return entry


def import_seconds(repeats: int = 3) -> float:
    """Best-of-``repeats`` cumulative import time of ``neurodl`` in a fresh interpreter."""
    best = float("inf")
    for _ in range(repeats):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import neurodl"],
            capture_output=True, text=True, env={**os.environ, **run_notebook.TEST_ENV}, check=True,
        )
        for line in proc.stderr.splitlines():
            parts = [p.strip() for p in line.split("|")]
            if len(parts) == 3 and parts[2] == "neurodl":
                best = min(best, int(parts[1]) / 1e6)
    return round(best, 3)


def machine() -> dict[str, Any]:
    """Cores, CPU, memory, OS and Python of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def versions() -> dict[str, str]:
    found = {}
    for name in LIBRARIES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return found


def git_commit() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "notebooks", "neurodl"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def load_history(path: Path = RESULTS_JSON) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    history = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(history, list):
        raise SystemExit(f"{path} should hold a list of runs")
    return history


def markdown(history: list[dict[str, Any]]) -> str:
    """benchmarks/results.md: the latest run, then the trend of the headline figures."""
    run = history[-1]
    m = run["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (tools/bench.py); every run is kept in `results.json`.",
        "",
        f"## Latest run: {run['date']}, commit `{run['commit']}`",
        "",
        f"{m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB, {m['platform']}, Python {m['python']}.  ",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in run["versions"].items()) + ".  ",
        f"`import neurodl`: {run['import_seconds']:.3f} s.",
        "",
        "| chapter | seconds | budget | peak MB | budget | headline figures | status |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for e in run["notebooks"]:
        figures = ", ".join(f"{k} {v:.4g}" for k, v in e["headline"].items()) or "-"
        status = "error: " + e["error"] if e.get("error") else ("; ".join(e["over_budget"]) or "ok")
        lines.append(f"| {e['notebook']} | {e['seconds']:.1f} | {e['budget_seconds']:.0f} | {e['peak_mb']:.0f} | "
                     f"{e['budget_mb']:.0f} | {figures} | {status} |")
    total = run["total_seconds"]
    lines += [
        f"| **whole book** | **{total:.1f}** | {BOOK_BUDGET_SECONDS} | | | | "
        f"{'ok' if total <= BOOK_BUDGET_SECONDS else 'over budget'} |",
        "",
        "Times on a shared machine are inflated; the budgets are for 2 otherwise idle cores.",
        "",
        "## Trend of the headline figures",
        "",
    ]
    recent = history[-TREND_RUNS:]
    keys = sorted({(e["notebook"], k) for r in recent for e in r["notebooks"] for k in e.get("headline", {})})
    if not keys:
        lines.append("No chapter records headline figures yet (`neurodl.record_headline`).")
    else:
        lines.append("| chapter | figure | " + " | ".join(f"{r['date'][:10]} `{r['commit']}`" for r in recent) + " |")
        lines.append("|---|---|" + "---:|" * len(recent))
        for notebook, key in keys:
            cells = []
            for r in recent:
                value = next((e["headline"].get(key) for e in r["notebooks"] if e["notebook"] == notebook), None)
                cells.append("-" if value is None else f"{value:.4g}")
            lines.append(f"| {notebook} | {key} | " + " | ".join(cells) + " |")
        lines += ["", "| chapter | seconds | " + " | ".join(r["date"][:10] for r in recent) + " |",
                  "|---|---|" + "---:|" * len(recent)]
        for notebook in sorted({e["notebook"] for r in recent for e in r["notebooks"]}):
            cells = [next((f"{e['seconds']:.0f}" for e in r["notebooks"] if e["notebook"] == notebook), "-")
                     for r in recent]
            lines.append(f"| {notebook} | wall time | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_*.ipynb")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a chapter fails or is over budget")
    parser.add_argument("--output", type=Path, default=RESULTS_JSON.parent, help="folder for results.md/.json")
    args = parser.parse_args(argv)
    paths = args.notebooks or run_notebook.chapters()
    if not paths:
        parser.error("no notebooks/NN_*.ipynb found")

    run: dict[str, Any] = {
        "date": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "commit": git_commit(),
        "machine": machine(),
        "versions": versions(),
        "import_seconds": import_seconds(),
        "notebooks": [],
    }
    print(f"import neurodl: {run['import_seconds']:.3f} s; {run['machine']['cores']} cores")
    for path in paths:
        entry = bench_notebook(path, args.timeout)
        run["notebooks"].append(entry)
        flag = entry.get("error") or "; ".join(entry["over_budget"]) or "ok"
        print(f"{entry['notebook']:<28} {entry['seconds']:7.1f} s {entry['peak_mb']:7.0f} MB  {flag}", flush=True)
    run["total_seconds"] = round(sum(e["seconds"] for e in run["notebooks"]), 1)

    args.output.mkdir(parents=True, exist_ok=True)
    json_path, md_path = args.output / RESULTS_JSON.name, args.output / RESULTS_MD.name
    history = load_history(json_path) + [run]
    json_path.write_text(json.dumps(history, indent=1) + "\n", encoding="utf-8")
    md_path.write_text(markdown(history), encoding="utf-8")
    print()
    print(markdown([run]).split("## Trend")[0].strip())

    problems = [f"{e['notebook']}: {e['error']}" for e in run["notebooks"] if e.get("error")]
    problems += [f"{e['notebook']}: {o}" for e in run["notebooks"] for o in e["over_budget"]]
    if run["total_seconds"] > BOOK_BUDGET_SECONDS:
        problems.append(f"whole book: {run['total_seconds']:.0f} s > {BOOK_BUDGET_SECONDS} s")
    print()
    print("Over budget or failing:\n  " + "\n  ".join(problems) if problems else "Everything is within budget.")
    print(f"Written {md_path.relative_to(ROOT) if md_path.is_relative_to(ROOT) else md_path} and {json_path.name}.")
    return 1 if problems and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
