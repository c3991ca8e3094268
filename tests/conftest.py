"""Helpers shared by the reliability, site and safety tests.

The chapters are whatever ``notebooks/NN_*.ipynb`` exist when the tests run, so every
test here keeps working as chapters are added.
"""

from __future__ import annotations

import configparser
import re
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import run_notebook  # noqa: E402  (tools/run_notebook.py: the one way chapters are executed)

SANITIZE_CFG = ROOT / "tests" / "nbval_sanitize.cfg"


@pytest.fixture(scope="session")
def chapters() -> list[Path]:
    """Every chapter notebook, in chapter order (the same list ``run_notebook --all`` uses)."""
    return run_notebook.chapters()


@pytest.fixture(scope="session")
def sanitize_rules() -> list[tuple[re.Pattern[str], str]]:
    """The (regex, replacement) pairs of nbval's sanitize file, in file order."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(SANITIZE_CFG, encoding="utf-8")
    return [(re.compile(parser[s]["regex"]), parser[s]["replace"]) for s in parser.sections()]


@pytest.fixture(scope="session")
def nbval_outputs(request: pytest.FixtureRequest) -> dict[str, dict[int, tuple[str, list[Any]]]]:
    """Outputs the nbval run of this session produced, kept by the root conftest.py.

    {notebook path: {code-cell index: (source, outputs)}}; empty when no notebook ran
    in this process (for example ``pytest tests/`` or an xdist worker without them).
    """
    for plugin in request.config.pluginmanager.get_plugins():
        outputs = getattr(plugin, "NBVAL_OUTPUTS", None)
        if isinstance(outputs, dict):
            return outputs
    return {}
