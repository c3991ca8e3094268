#!/usr/bin/env python
"""What this machine computes with, and a foreign kernel set that emulates another CPU.

    .venv/bin/python tools/machine.py                     # describe this machine
    .venv/bin/python tools/machine.py --foreign-env       # the foreign set, as VAR=value lines
    .venv/bin/python tools/machine.py --foreign -- CMD    # run CMD under the foreign set

Readers run the chapters on Intel and AMD processors with AVX2 or AVX-512, with or without
bfloat16 arithmetic, on Apple silicon and on GPUs. Each of these runs other compiled kernels,
whose results can differ in the last bits, and a CPU with native bfloat16 trains on another
precision path (``neurodl.train.best_precision``). A stored output must therefore hold only
what every machine reproduces.

These environment variables change which kernels run, so one machine can check that:

* ``ATEN_CPU_CAPABILITY``: PyTorch's own vectorised kernels (``default``, ``avx2``, ``avx512``);
* ``ONEDNN_MAX_CPU_ISA``: oneDNN's convolutions and matrix products, in PyTorch and TensorFlow;
* ``MKL_ENABLE_INSTRUCTIONS``: Intel MKL, PyTorch's BLAS on x86;
* ``OPENBLAS_CORETYPE``: OpenBLAS, NumPy's BLAS;
* ``NEURODL_PRECISION``: the training precision the chapters use (``fp32`` or ``bf16``).

:func:`foreign_env` picks, for this machine, a set one step below its own: on an AVX-512
machine, AVX2 kernels and float32 training (the machine most readers have); on an AVX2
machine, the generic kernels with AVX. ``make test-portable`` runs the tests under it and
compares with the stored outputs exactly as ``make test`` does, and ``make bench`` times the
chapters under it as the float32 path.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

#: The variables that select kernels or precision; a run that sets any of them is "foreign".
KERNEL_VARIABLES = (
    "ATEN_CPU_CAPABILITY",
    "ONEDNN_MAX_CPU_ISA",
    "MKL_ENABLE_INSTRUCTIONS",
    "OPENBLAS_CORETYPE",
    "NEURODL_PRECISION",
)

#: For each of PyTorch's CPU capabilities, kernel choices one step below it, best first. The
#: first choice that differs from the variable's present value is taken, so that a machine
#: whose environment already pins one (this workplace sets ``OPENBLAS_CORETYPE=Haswell``)
#: still gets another kernel.
_STEP_DOWN = {
    "AVX512": {
        "ATEN_CPU_CAPABILITY": ("avx2", "default"),
        "ONEDNN_MAX_CPU_ISA": ("AVX2", "AVX"),
        "MKL_ENABLE_INSTRUCTIONS": ("AVX2", "AVX"),
        "OPENBLAS_CORETYPE": ("Haswell", "Sandybridge"),
    },
    "AVX2": {
        "ATEN_CPU_CAPABILITY": ("default",),
        "ONEDNN_MAX_CPU_ISA": ("AVX", "SSE41"),
        "MKL_ENABLE_INSTRUCTIONS": ("AVX", "SSE4_2"),
        "OPENBLAS_CORETYPE": ("Sandybridge", "Nehalem"),
    },
}
_OTHER = {"ATEN_CPU_CAPABILITY": ("default",)}


def cpu_model() -> str:
    """The processor's name, from /proc/cpuinfo where there is one."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith(("model name", "Model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe() -> dict[str, Any]:
    """Processor, PyTorch's kernel capability, bfloat16 support and the precision chosen."""
    import torch

    from neurodl.train import NATIVE_BF16_FLAGS, best_precision, cpu_flags

    flags = cpu_flags()
    return {
        "cpu": cpu_model(),
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "capability": torch.backends.cpu.get_cpu_capability(),
        "native_bf16": sorted(f for f in NATIVE_BF16_FLAGS if f in flags),
        "precision": best_precision("cpu"),
        "set": {k: os.environ[k] for k in KERNEL_VARIABLES if os.environ.get(k)},
    }


def foreign_env(info: dict[str, Any] | None = None) -> dict[str, str]:
    """Environment variables that make this machine compute like another, common CPU.

    The precision is always float32: on a bfloat16 machine that is the other path; on
    any other machine float32 is its own path, and bfloat16 without native instructions is
    too slow to test a whole book with.
    """
    info = info if info is not None else describe()
    choices = _STEP_DOWN.get(str(info["capability"]).upper(), _OTHER)
    env = {}
    for name, values in choices.items():
        present = os.environ.get(name, "").lower()
        env[name] = next((v for v in values if v.lower() != present), values[-1])
    env["NEURODL_PRECISION"] = "fp32"
    return env


def summary(info: dict[str, Any]) -> str:
    """One paragraph for logs: what runs here."""
    bf16 = ", ".join(info["native_bf16"]) or "none"
    text = (
        f"CPU: {info['cpu']}, {info['cores']} cores ({info['torch_threads']} PyTorch threads); "
        f"PyTorch kernels: {info['capability']}; native bfloat16: {bf16}; "
        f"training precision: {info['precision']}"
    )
    if info["set"]:
        text += "; set here: " + " ".join(f"{k}={v}" for k, v in info["set"].items())
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--foreign-env", action="store_true", help="print the foreign set as VAR=value lines")
    parser.add_argument("--foreign", action="store_true", help="run the command after -- under the foreign set")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to run (after --)")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command

    info = describe()
    if args.foreign_env:
        print("\n".join(f"{k}={v}" for k, v in foreign_env(info).items()))
        return 0
    if not args.foreign:
        if command:
            parser.error("a command needs --foreign")
        print(summary(info))
        return 0
    if not command:
        parser.error("--foreign needs a command after --")
    env = {**os.environ, **foreign_env(info)}
    foreign = describe_in(env)
    print(f"This machine:     {summary(info)}", flush=True)
    print(f"Foreign kernels:  {summary(foreign)}", flush=True)
    return subprocess.call(command, env=env)


def describe_in(env: dict[str, str]) -> dict[str, Any]:
    """:func:`describe` as a process started with ``env`` sees it (the kernels it really gets)."""
    code = "import json, machine; print(json.dumps(machine.describe()))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parent), env.get("PYTHONPATH")]))},
        capture_output=True, text=True, check=True,
    )
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    raise SystemExit(main())
