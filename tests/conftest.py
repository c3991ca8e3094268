"""Shared by the tests. (``tools/`` is put on ``sys.path`` by the root conftest.py, so tests
import ``run_notebook``, the one way chapters are executed, and ``machine``, what this CPU
computes with, as modules.)"""

from __future__ import annotations

# Test data: notebooks under tests/data/ are inputs of tests (tests/test_teaching.py's fixture
# chapter), not chapters for nbval to run.
collect_ignore_glob = ["data/*"]
