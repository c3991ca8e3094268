"""Models of the brain's side of each chapter, in NumPy.

==================================  ==============================================  =======
module                              what                                            chapter
==================================  ==============================================  =======
``neurodl.brain.neurons``           leaky integrate-and-fire neuron, f-I curves,    02
                                    rate coding
``neurodl.brain.plasticity``        Hebb's rule (and later Oja's rule, STDP)        03
==================================  ==============================================  =======

Units are stated in every docstring (ms, mV, nA, MOhm); simulations take a NumPy
``Generator`` when they are random.
"""

from __future__ import annotations

import importlib
from typing import Any

_SUBMODULES = frozenset({"neurons", "plasticity"})

__all__ = sorted(_SUBMODULES)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        module = importlib.import_module(f"neurodl.brain.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'neurodl.brain' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES)
