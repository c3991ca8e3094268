"""tools/machine.py: a description of this CPU, and a foreign kernel set that really is foreign."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import machine  # tools/machine.py, put on sys.path by the root conftest.py
import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_describe_names_the_cpu_kernels_and_precision():
    info = machine.describe()
    assert info["cpu"] and info["cores"] >= 1
    assert info["capability"] in ("DEFAULT", "AVX2", "AVX512", "ZVECTOR", "VSX") or info["capability"].startswith("SVE")
    assert info["precision"] in ("bf16", "fp32")
    assert "training precision" in machine.summary(info)


@pytest.mark.parametrize(
    "capability, expected",
    [("AVX512", {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"}),
     ("AVX2", {"ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "AVX"}),
     ("DEFAULT", {"ATEN_CPU_CAPABILITY": "default"})],
)
def test_foreign_set_is_one_step_down_and_float32(monkeypatch, capability, expected):
    for name in machine.KERNEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    env = machine.foreign_env({"capability": capability})
    assert env["NEURODL_PRECISION"] == "fp32"
    assert {k: env[k] for k in expected} == expected


def test_foreign_set_differs_from_a_value_the_environment_pins(monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    assert machine.foreign_env({"capability": "AVX512"})["OPENBLAS_CORETYPE"] == "Sandybridge"
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Sandybridge")
    assert machine.foreign_env({"capability": "AVX512"})["OPENBLAS_CORETYPE"] == "Haswell"


@pytest.mark.slow
def test_a_command_under_the_foreign_set_sees_other_kernels():
    code = "import torch, neurodl.train as t; print(torch.backends.cpu.get_cpu_capability(), t.best_precision('cpu'))"
    env = {k: v for k, v in os.environ.items() if k not in machine.KERNEL_VARIABLES or k == "OPENBLAS_CORETYPE"}
    proc = subprocess.run(
        [sys.executable, "tools/machine.py", "--foreign", "--", sys.executable, "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    native = machine.describe()["capability"]
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith("This machine:") and lines[1].startswith("Foreign kernels:"), lines
    capability, precision = lines[-1].split()
    assert precision == "fp32"
    if native != "DEFAULT":
        assert capability != native, lines
