"""Load a package's submodules on first use (PEP 562), so ``import neurodl`` stays light.

Each package of neurodl lists its submodules and does::

    __getattr__, __dir__ = lazy_submodules(__name__, {"data", "plot"})

after which ``neurodl.plot`` imports ``neurodl.plot`` the first time it is touched.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable
from types import ModuleType

__all__ = ["lazy_submodules"]


def lazy_submodules(
    package: str, names: Iterable[str]
) -> tuple[Callable[[str], ModuleType], Callable[[], list[str]]]:
    """Return the module-level ``__getattr__`` and ``__dir__`` for ``package``."""
    submodules = frozenset(names)

    def __getattr__(name: str) -> ModuleType:
        if name in submodules:
            # importing a submodule also binds it on the package, so this runs once per name
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | submodules)

    return __getattr__, __dir__
