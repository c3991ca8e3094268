"""Nothing in the book unpickles a file: untrusted pickles run arbitrary code when loaded.

The code of ``neurodl/``, ``tools/``, ``tests/`` and every chapter's code cells is parsed
(not grepped, so prose and strings do not count) and each call is checked:

* ``torch.load`` only with ``weights_only=True``;
* ``numpy.load`` never with ``allow_pickle=True``;
* never ``pickle``/``cPickle``/``dill``/``cloudpickle``/``marshal``/``shelve`` loading,
  ``joblib.load``, ``pandas.read_pickle``, ``yaml.unsafe_load`` or ``yaml.load`` without a
  safe loader, ``keras...load_model(..., safe_mode=False)``.

Import aliases (``import numpy as np``, ``from pickle import load as l``) are followed.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED_DIRS = ("neurodl", "tools", "tests")

#: Fully qualified calls that always unpickle (or run code) from their input.
FORBIDDEN = {
    "pickle.load": "unpickles",
    "pickle.loads": "unpickles",
    "pickle.Unpickler": "unpickles",
    "_pickle.load": "unpickles",
    "cPickle.load": "unpickles",
    "dill.load": "unpickles",
    "dill.loads": "unpickles",
    "cloudpickle.load": "unpickles",
    "cloudpickle.loads": "unpickles",
    "joblib.load": "unpickles",
    "pandas.read_pickle": "unpickles",
    "marshal.load": "loads code objects",
    "marshal.loads": "loads code objects",
    "shelve.open": "unpickles",
    "yaml.unsafe_load": "runs arbitrary constructors",
    "yaml.full_load": "constructs arbitrary objects",
    "numpy.lib.format.read_array": "may unpickle",
}


def _qualify(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """The dotted name a call refers to, with import aliases resolved (``np.load`` -> ``numpy.load``)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def unsafe_calls(source: str, filename: str = "<code>") -> list[str]:
    """Every call in ``source`` that may unpickle untrusted data, as ``file:line: reason``."""
    tree = ast.parse(source, filename=filename)
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    problems = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _qualify(node.func, aliases)
        if name is None:
            continue
        name = re.sub(r"^(np|pd)\.", lambda m: {"np.": "numpy.", "pd.": "pandas."}[m.group(0)], name)
        where = f"{filename}:{node.lineno}"
        if name in FORBIDDEN:
            problems.append(f"{where}: {name}(...) {FORBIDDEN[name]}")
        elif name == "torch.load" and not _is_true(_keyword(node, "weights_only")):
            problems.append(f"{where}: torch.load(...) without weights_only=True unpickles")
        elif name == "numpy.load" and _is_true(_keyword(node, "allow_pickle")):
            problems.append(f"{where}: numpy.load(..., allow_pickle=True) unpickles")
        elif name == "yaml.load":
            loader = _keyword(node, "Loader") or (node.args[1] if len(node.args) > 1 else None)
            loader_name = _qualify(loader, aliases) if loader is not None else None
            if not (loader_name and ("SafeLoader" in loader_name or "CSafeLoader" in loader_name)):
                problems.append(f"{where}: yaml.load(...) without yaml.SafeLoader")
        elif name.endswith("load_model") and ("keras" in name or "tf." in name or "tensorflow" in name):
            if isinstance(_keyword(node, "safe_mode"), ast.Constant) and _keyword(node, "safe_mode").value is False:
                problems.append(f"{where}: {name}(..., safe_mode=False) runs stored code")
    return problems


def _notebook_code(path: Path) -> str:
    """A notebook's code cells as one Python file; IPython magics and shell lines blanked."""
    nb = nbformat.read(path, as_version=4)
    lines: list[str] = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for line in cell.source.splitlines():
            stripped = line.lstrip()
            lines.append("" if stripped.startswith(("%", "!")) else line)
        lines.append("")
    return "\n".join(lines)


def _sources() -> list[tuple[str, str]]:
    sources = []
    for folder in SCANNED_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            sources.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        sources.append((str(path.relative_to(ROOT)), _notebook_code(path)))
    return sources


def test_the_scan_covers_the_package_tools_tests_and_every_chapter():
    names = [name for name, _ in _sources()]
    assert "neurodl/data.py" in names and "tools/run_notebook.py" in names
    assert "tests/test_safe_loading.py" in names
    chapters = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert all(f"notebooks/{c}" in names for c in chapters)


def test_nothing_unpickles_untrusted_files():
    problems = []
    for name, source in _sources():
        try:
            problems += unsafe_calls(source, name)
        except SyntaxError as exc:  # a chapter mid-edit: nbval reports it; here it cannot be checked
            problems.append(f"{name}: cannot be parsed ({exc.msg}, line {exc.lineno})")
    assert not problems, "Unsafe loading (see tests/test_safe_loading.py for the safe ways):\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "snippet",
    [
        "import pickle\npickle.load(open('f', 'rb'))",
        "import pickle as pk\npk.loads(b)",
        "from pickle import load\nload(f)",
        "import torch\ntorch.load('model.pt')",
        "import torch\ntorch.load('model.pt', weights_only=False)",
        "import numpy as np\nnp.load('a.npz', allow_pickle=True)",
        "import joblib\njoblib.load('m.joblib')",
        "import pandas as pd\npd.read_pickle('df.pkl')",
        "import yaml\nyaml.load(text)",
        "import yaml\nyaml.load(text, Loader=yaml.Loader)",
        "import shelve\nshelve.open('db')",
        "import keras\nkeras.models.load_model('m.keras', safe_mode=False)",
    ],
)
def test_the_scan_flags_unsafe_calls(snippet):
    assert unsafe_calls(snippet), f"not flagged:\n{snippet}"


@pytest.mark.parametrize(
    "snippet",
    [
        "import torch\ntorch.load('model.pt', weights_only=True)",
        "import numpy as np\nnp.load('a.npy')",
        "import numpy as np\nnp.load('a.npz', allow_pickle=False)",
        "import yaml\nyaml.load(text, Loader=yaml.SafeLoader)",
        "import yaml\nyaml.safe_load(text)",
        "import json\njson.load(f)",
        "import pickle\npickle.dumps(obj)",
        "text = 'pickle.load(f) in a string is not a call'",
    ],
)
def test_the_scan_allows_safe_calls(snippet):
    assert unsafe_calls(snippet) == []
