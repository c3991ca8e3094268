"""Time and memory budgets of the chapters on 2 cores (the issues give them).

Kept apart from tools/bench.py, which checks them, because the tests' conftest.py also reads
them, to hand the longest chapters out first, and must not pay for bench's imports.
"""

from __future__ import annotations

import re
from pathlib import Path

#: Default budget of a chapter on 2 cores: seconds on the fastest (bf16) path, seconds on
#: the fp32 path, and MB of peak memory. The fp32 path may take about twice as long.
DEFAULT_BUDGET = (120.0, 240.0, 2048.0)
#: Chapters whose issue gives another budget (chapter number -> (bf16 s, fp32 s, MB)).
BUDGETS: dict[int, tuple[float, float, float]] = {
    2: (60.0, 120.0, 2048.0),
    3: (60.0, 120.0, 2048.0),
    4: (120.0, 240.0, 2048.0),
    5: (150.0, 300.0, 2560.0),
    6: (240.0, 480.0, 2048.0),
    7: (180.0, 360.0, 2048.0),
    8: (180.0, 360.0, 2048.0),
    9: (240.0, 480.0, 2048.0),
    10: (180.0, 360.0, 2048.0),
    11: (180.0, 360.0, 2048.0),
    12: (120.0, 120.0, 2048.0),
}
#: The whole book on 2 cores: 25 minutes on a bf16 machine, 45 on an fp32-only one.
BOOK_BUDGET_SECONDS = {"fastest": 25 * 60, "fp32": 45 * 60}
#: The appendices compute small examples only.
APPENDIX_BUDGET = (30.0, 60.0, 2048.0)


def budget(path: Path) -> tuple[float, float, float]:
    """The (bf16 seconds, fp32 seconds, MB) budget of a chapter, from its number."""
    if path.name.startswith("appendix"):
        return APPENDIX_BUDGET
    match = re.match(r"(\d\d)_", path.name)
    return BUDGETS.get(int(match.group(1)), DEFAULT_BUDGET) if match else DEFAULT_BUDGET
