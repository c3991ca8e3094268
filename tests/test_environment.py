"""The set-up files agree with each other: one source of versions, one Python."""

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _requirements() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)\s*(;.*)?", line)
        assert m, f"requirements.txt: every line must pin an exact version, got {line!r}"
        pins[m.group(1).lower()] = m.group(2)
    return pins


def test_every_requirement_is_pinned_and_required_ones_present():
    pins = _requirements()
    for name in (
        "torch", "tensorflow-cpu", "tensorflow", "jupyter-book", "nbval", "numpy", "matplotlib",
        "scikit-learn", "jupyterlab", "ipykernel", "pytest", "tqdm", "sphinx-exercise",
        "sphinx-togglebutton",
    ):
        assert name in pins, f"requirements.txt must pin {name}"
    assert pins["torch"] == "2.13.0"
    assert pins["jupyter-book"].startswith("1.")
    assert pins["tensorflow"] == pins["tensorflow-cpu"]


def test_tensorflow_cpu_only_on_linux_x86():
    text = (ROOT / "requirements.txt").read_text()
    assert re.search(r'^tensorflow-cpu==\S+ ; sys_platform == "linux" and platform_machine == "x86_64"$', text, re.M)
    assert re.search(r'^tensorflow==\S+ ; sys_platform != "linux" or platform_machine != "x86_64"$', text, re.M)


def test_environment_yml_installs_requirements_and_the_package():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    assert pip == ["-r requirements.txt", "-e ."]
    assert "pip" in conda
    # nothing versioned on the conda side may disagree with requirements.txt
    pins = _requirements()
    for dep in conda:
        name, _, version = dep.partition("=")
        if name in pins:
            assert version.lstrip("=") == pins[name], f"{name}: environment.yml and requirements.txt disagree"


def test_python_version_is_the_same_everywhere():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    assert conda_python == "python=3.11"
    assert "Python 3.11" in (ROOT / "requirements.txt").read_text()
    assert 'requires-python = ">=3.10"' in (ROOT / "pyproject.toml").read_text()
    assert sys.version_info[:2] >= (3, 10)


def test_installed_versions_match_the_pins():
    from importlib.metadata import PackageNotFoundError, version

    mismatched = []
    for name, pinned in _requirements().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue  # the other branch of an environment marker (tensorflow vs tensorflow-cpu)
        if installed.split("+")[0] != pinned:
            mismatched.append(f"{name}: installed {installed}, pinned {pinned}")
    assert not mismatched, "run `make setup` again:\n" + "\n".join(mismatched)
