#!/usr/bin/env python
"""Time every chapter on both precision paths, with its memory and headline figures: ``make bench``.

    .venv/bin/python tools/bench.py                 # every notebooks/NN_*.ipynb, both paths
    .venv/bin/python tools/bench.py notebooks/02_neuron.ipynb
    .venv/bin/python tools/bench.py --paths fastest # only this machine's own path
    .venv/bin/python tools/bench.py --strict        # exit 1 if anything is over budget

Each chapter runs in a fresh kernel exactly as ``tools/run_notebook.py`` runs it (same
environment, same working directory) but the stored notebook is never overwritten. It runs
twice: on this machine's **fastest path** (its own kernels and the precision
``neurodl.train.best_precision`` picks, bf16 where the CPU has native bfloat16) and on the
**fp32 path**, the float32 training that most readers' CPUs run. On a bf16 machine the fp32
path is emulated with the foreign kernel set of ``tools/machine.py`` (AVX2 kernels and
``NEURODL_PRECISION=fp32``); on a machine without native bf16 the two paths are the same,
so each chapter runs once and its time counts for both. Each path has its own budgets.
While it runs, the memory of the whole process tree under this script (the kernel and
anything it starts) is sampled with psutil: the kernel's resident set size, or, when it has
started other processes, their proportional set sizes summed (shared pages counted once);
the peak is recorded. The import
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
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from neurodl.core import HEADLINE_MIME

sys.path.insert(0, str(Path(__file__).resolve().parent))
import machine as machine_info  # noqa: E402
from budgets import BOOK_BUDGET_SECONDS, budget  # noqa: E402
import run_notebook  # noqa: E402

ROOT = run_notebook.ROOT
RESULTS_JSON = ROOT / "benchmarks" / "results.json"
RESULTS_MD = ROOT / "benchmarks" / "results.md"

#: Libraries whose versions are recorded with each run.
LIBRARIES = ("numpy", "scipy", "scikit-learn", "matplotlib", "torch", "tensorflow", "keras",
             "jupyter-book", "nbclient", "ipykernel")
#: How many runs the trend table shows.
TREND_RUNS = 10


def _pss(process: psutil.Process) -> int:
    """A process's proportional set size: its private memory plus its share of pages it shares."""
    try:
        with open(f"/proc/{process.pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return process.memory_full_info().pss


class PeakMemory:
    """Samples the memory of every descendant of this process, in a thread.

    With one process (a chapter's kernel) that is its resident set size (RSS). When the
    kernel starts others (chapter 12's ``torchrun`` workers), their RSS would count the
    pages they share (PyTorch's libraries, mapped by every worker) once per process, so the
    tree's proportional set sizes (PSS) are summed instead: the memory they really use.
    """

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        total = 0
        children = psutil.Process().children(recursive=True)
        for child in children:
            try:
                total += child.memory_info().rss if len(children) == 1 else _pss(child)
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


def run_path(path: Path, timeout: int, env: dict[str, str]) -> dict[str, Any]:
    """Run one chapter in a fresh kernel under ``env``: its seconds, peak MB and headline."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the kernel inherits this process's environment
    result: dict[str, Any] = {}
    start = time.perf_counter()
    try:
        with PeakMemory() as memory:
            try:
                nb, seconds = run_notebook.run(path, timeout)
                result["headline"] = headline(nb)
            except Exception as exc:  # CellExecutionError, timeouts, kernel deaths
                seconds = time.perf_counter() - start
                text = str(exc).strip()
                result["error"] = text.splitlines()[-1][:300] if text else type(exc).__name__
                result["headline"] = {}
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    result["seconds"] = round(seconds, 2)
    result["peak_mb"] = round(memory.peak_bytes / 2**20, 1)
    return result


def bench_notebook(path: Path, timeout: int, fp32_env: dict[str, str] | None, paths: str = "both") -> dict[str, Any]:
    """One chapter on the fastest path and on the fp32 path (``fp32_env``; None: the same run)."""
    bf16_budget, fp32_budget, mb_budget = budget(path)
    entry: dict[str, Any] = {"notebook": path.name, "budget_seconds": bf16_budget,
                             "budget_fp32_seconds": fp32_budget, "budget_mb": mb_budget}
    if paths in ("both", "fastest"):
        entry.update(run_path(path, timeout, {}))
    if paths in ("both", "fp32"):
        fp32 = run_path(path, timeout, fp32_env) if fp32_env is not None else dict(entry)
        entry.update({f"fp32_{k}": v for k, v in fp32.items()})
    checks = [
        ("seconds", f"fastest path {{:.0f}} s > {bf16_budget:.0f} s", bf16_budget),
        ("fp32_seconds", f"fp32 path {{:.0f}} s > {fp32_budget:.0f} s", fp32_budget),
        ("peak_mb", f"memory {{:.0f}} MB > {mb_budget:.0f} MB", mb_budget),
        ("fp32_peak_mb", f"fp32 memory {{:.0f}} MB > {mb_budget:.0f} MB", mb_budget),
    ]
    entry["over_budget"] = [text.format(entry[key]) for key, text, limit in checks
                            if key in entry and entry[key] > limit]
    entry["errors"] = [f"{where}: {entry[key]}" for where, key in (("fastest path", "error"), ("fp32 path", "fp32_error"))
                       if entry.get(key)]
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
    """Cores, CPU, its kernels and precision, memory, OS and Python of this machine."""
    info = machine_info.describe()
    return {
        "cores": info["cores"],
        "cpu": info["cpu"],
        "capability": info["capability"],
        "native_bf16": info["native_bf16"],
        "precision": info["precision"],
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


def _seconds(value: Any) -> str:
    return "-" if value is None else f"{value:.1f}"


def markdown(history: list[dict[str, Any]]) -> str:
    """benchmarks/results.md: the latest run, then the trend of the headline figures."""
    run = history[-1]
    m = run["machine"]
    fastest = m.get("precision", "?")
    fp32_how = run.get("fp32_path", "")
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (tools/bench.py); every run is kept in `results.json`.",
        "",
        f"## Latest run: {run['date']}, commit `{run['commit']}`",
        "",
        f"{m['cores']} cores ({m['cpu']}, PyTorch kernels {m.get('capability', '?')}, "
        f"native bfloat16: {', '.join(m.get('native_bf16', [])) or 'none'}), {m['memory_gb']} GB, "
        f"{m['platform']}, Python {m['python']}.  ",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in run["versions"].items()) + ".  ",
        f"`import neurodl`: {run['import_seconds']:.3f} s.  ",
        f"Fastest path: this machine's own kernels, training precision {fastest}. fp32 path: {fp32_how or '-'}.",
        "",
        "| chapter | fastest path s | budget | fp32 path s | budget | peak MB | budget | headline figures | status |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for e in run["notebooks"]:
        figures = ", ".join(f"{k} {v:.4g}" for k, v in e.get("headline", {}).items()) or "-"
        fp32_acc = {k: v for k, v in e.get("fp32_headline", {}).items() if k.endswith("acc")}
        if fp32_acc and run.get("fp32_path", "").startswith("emulated"):
            figures += "; fp32 path: " + ", ".join(f"{k} {v:.4g}" for k, v in fp32_acc.items())
        problems = e.get("errors", []) + e.get("over_budget", [])
        peak = max(e.get("peak_mb", 0.0), e.get("fp32_peak_mb", 0.0))
        lines.append(
            f"| {e['notebook']} | {_seconds(e.get('seconds'))} | {e['budget_seconds']:.0f} | "
            f"{_seconds(e.get('fp32_seconds'))} | {e.get('budget_fp32_seconds', 0):.0f} | {peak:.0f} | "
            f"{e['budget_mb']:.0f} | {figures} | {'; '.join(problems) or 'ok'} |"
        )
    totals = run.get("total_seconds", {})
    if not isinstance(totals, dict):  # runs before the fp32 path was timed
        totals = {"fastest": totals}
    status = [f"{name} {totals[name]:.0f} s > {limit} s" for name, limit in BOOK_BUDGET_SECONDS.items()
              if totals.get(name) is not None and totals[name] > limit]
    lines += [
        f"| **whole book** | **{_seconds(totals.get('fastest'))}** | {BOOK_BUDGET_SECONDS['fastest']} | "
        f"**{_seconds(totals.get('fp32'))}** | {BOOK_BUDGET_SECONDS['fp32']} | | | | "
        f"{'; '.join(status) or 'ok'} |",
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
                value = next((e.get("headline", {}).get(key) for e in r["notebooks"] if e["notebook"] == notebook),
                             None)
                cells.append("-" if value is None else f"{value:.4g}")
            lines.append(f"| {notebook} | {key} | " + " | ".join(cells) + " |")
        lines += ["", "| chapter | path | " + " | ".join(r["date"][:10] for r in recent) + " |",
                  "|---|---|" + "---:|" * len(recent)]
        for notebook in sorted({e["notebook"] for r in recent for e in r["notebooks"]}):
            for key, name in (("seconds", "fastest, s"), ("fp32_seconds", "fp32, s")):
                cells = [next((f"{e[key]:.0f}" for e in r["notebooks"] if e["notebook"] == notebook and key in e),
                              "-") for r in recent]
                if any(c != "-" for c in cells):
                    lines.append(f"| {notebook} | {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_*.ipynb")
    parser.add_argument("--paths", choices=("both", "fastest", "fp32"), default="both",
                        help="which precision paths to time (default: both)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a chapter fails or is over budget")
    parser.add_argument("--output", type=Path, default=RESULTS_JSON.parent, help="folder for results.md/.json")
    args = parser.parse_args(argv)
    paths = args.notebooks or run_notebook.chapters()
    if not paths:
        parser.error("no notebooks/NN_*.ipynb found")

    here = machine()
    if here["precision"] == "fp32":
        fp32_env, fp32_how = None, "the same runs (this machine trains in float32 already)"
    else:
        fp32_env = machine_info.foreign_env()
        fp32_how = "emulated with " + " ".join(f"{k}={v}" for k, v in fp32_env.items())
    run: dict[str, Any] = {
        "date": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "commit": git_commit(),
        "machine": here,
        "versions": versions(),
        "import_seconds": import_seconds(),
        "fp32_path": fp32_how,
        "notebooks": [],
    }
    print(f"import neurodl: {run['import_seconds']:.3f} s; {machine_info.summary(machine_info.describe())}")
    print(f"fp32 path: {fp32_how}", flush=True)
    for path in paths:
        entry = bench_notebook(path, args.timeout, fp32_env, args.paths)
        run["notebooks"].append(entry)
        flag = "; ".join(entry["errors"] + entry["over_budget"]) or "ok"
        print(f"{entry['notebook']:<28} fastest {_seconds(entry.get('seconds')):>7} s  "
              f"fp32 {_seconds(entry.get('fp32_seconds')):>7} s  "
              f"{max(entry.get('peak_mb', 0), entry.get('fp32_peak_mb', 0)):6.0f} MB  {flag}", flush=True)
    run["total_seconds"] = {
        name: round(sum(e[key] for e in run["notebooks"]), 1)
        for name, key in (("fastest", "seconds"), ("fp32", "fp32_seconds"))
        if all(key in e for e in run["notebooks"])
    }

    args.output.mkdir(parents=True, exist_ok=True)
    json_path, md_path = args.output / RESULTS_JSON.name, args.output / RESULTS_MD.name
    history = load_history(json_path) + [run]
    json_path.write_text(json.dumps(history, indent=1) + "\n", encoding="utf-8")
    md_path.write_text(markdown(history), encoding="utf-8")
    print()
    print(markdown([run]).split("## Trend")[0].strip())

    problems = [f"{e['notebook']}: {o}" for e in run["notebooks"] for o in e["errors"] + e["over_budget"]]
    problems += [f"whole book, {name} path: {total:.0f} s > {BOOK_BUDGET_SECONDS[name]} s"
                 for name, total in run["total_seconds"].items() if total > BOOK_BUDGET_SECONDS[name]]
    print()
    print("Over budget or failing:\n  " + "\n  ".join(problems) if problems else "Everything is within budget.")
    print(f"Written {md_path.relative_to(ROOT) if md_path.is_relative_to(ROOT) else md_path} and {json_path.name}.")
    return 1 if problems and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
