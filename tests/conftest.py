"""Shared by the tests: ``tools/`` on ``sys.path``, so tests import ``run_notebook`` (the one
way chapters are executed) and ``machine`` (what this CPU computes with) as modules."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

# Test data: notebooks under tests/data/ are inputs of tests (tests/test_teaching.py's fixture
# chapter), not chapters for nbval to run.
collect_ignore_glob = ["data/*"]
