"""pytest configuration shared by the unit tests (tests/) and the notebooks (nbval).

Every notebook kernel inherits this environment, the same one tools/run_notebook.py
uses to store outputs, so the stored outputs are what the tests reproduce.
"""

import os

# Hash randomisation off (set order, dict-of-set order) and no downloads at run time.
os.environ.setdefault("PYTHONHASHSEED", "0")
os.environ["NEURODL_OFFLINE"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
