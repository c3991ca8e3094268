"""Reproducibility and hardware: :func:`set_seed` and :func:`device`.

Introduced in chapter 01, used by every chapter's Setup cell.
"""

from __future__ import annotations

import os
import random
import sys
from typing import TYPE_CHECKING

import numpy as np

from neurodl._validate import check_float, check_int

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = ["set_seed", "device", "record_headline", "HEADLINE_MIME"]

#: MIME type of the output :func:`record_headline` stores in a notebook.
HEADLINE_MIME = "application/vnd.neurodl.headline+json"


def set_seed(seed: int = 0) -> np.random.Generator:
    """Seed every random number generator a chapter may use, and return a NumPy one.

    Seeds Python's :mod:`random`, NumPy's legacy global generator, and, **if they are
    already imported**, PyTorch (CPU and every GPU) and TensorFlow. Frameworks are not
    imported here, so a NumPy-only chapter never pays for loading them; import them
    *before* calling ``set_seed``, as every chapter's Setup cell does.

    Introduced in chapter 01.

    Parameters
    ----------
    seed
        A non-negative integer below 2**32.

    Returns
    -------
    numpy.random.Generator
        A fresh generator seeded with ``seed``; prefer it to the global NumPy state.

    Examples
    --------
    >>> rng = set_seed(0)
    >>> float(rng.random()) == float(set_seed(0).random())
    True
    """
    seed = check_int("seed", seed, minimum=0, maximum=2**32 - 1)
    random.seed(seed)
    np.random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "manual_seed"):
        torch.manual_seed(seed)  # also seeds every CUDA device
    tf = sys.modules.get("tensorflow")
    if tf is not None and hasattr(tf, "random"):
        tf.random.set_seed(seed)
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "utils") and hasattr(keras.utils, "set_random_seed"):
        keras.utils.set_random_seed(seed)
    return np.random.default_rng(seed)


def device(prefer: str | None = None) -> "torch.device":
    """Return the best PyTorch device available: CUDA, then Apple's MPS, then the CPU.

    Introduced in chapter 01. Imports PyTorch (only this function does, in this module).

    Parameters
    ----------
    prefer
        ``None`` to choose automatically, or one of ``"cuda"``, ``"mps"``, ``"cpu"`` to
        ask for a particular device (raises ``ValueError`` if it is not available). The
        environment variable ``NEURODL_DEVICE`` has the same effect, so a whole book run
        can be forced onto the CPU with ``NEURODL_DEVICE=cpu``.
    """
    choices = ("cuda", "mps", "cpu")
    if prefer is None:
        prefer = os.environ.get("NEURODL_DEVICE") or None
    if prefer is not None and (not isinstance(prefer, str) or prefer not in choices):
        raise ValueError(
            f"prefer must be None or one of {', '.join(map(repr, choices))}; got {prefer!r}"
            " (it may come from the NEURODL_DEVICE environment variable)"
        )

    import torch

    available = {
        "cuda": torch.cuda.is_available(),
        "mps": bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available(),
        "cpu": True,
    }
    if prefer is not None:
        if not available[prefer]:
            raise ValueError(f"prefer={prefer!r} was asked for, but no {prefer} device is available here")
        return torch.device(prefer)
    for name in choices:
        if available[name]:
            return torch.device(name)
    return torch.device("cpu")  # pragma: no cover - cpu is always available


def record_headline(**metrics: float) -> dict[str, float]:
    """Store a chapter's headline figures (accuracy, seconds of training) in its outputs.

    Introduced in chapter 01. ``make bench`` reads these from each executed notebook and
    tracks them over time in ``benchmarks/results.md``. Call it in a check cell tagged
    ``remove-cell`` and ``nbval-ignore-output`` (the values vary slightly across CPUs)::

        neurodl.record_headline(test_acc=test_acc, train_seconds=train_seconds)

    Outside a notebook it only returns the metrics.
    """
    if not metrics:
        raise ValueError("record_headline needs at least one metric, e.g. test_acc=0.91")
    clean = {name: check_float(name, value) for name, value in metrics.items()}
    shell = sys.modules.get("IPython")
    if shell is not None and shell.get_ipython() is not None:
        from IPython.display import display

        display({HEADLINE_MIME: clean, "text/plain": f"headline: {clean}"}, raw=True)
    return clean
