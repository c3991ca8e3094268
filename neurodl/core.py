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

__all__ = ["set_seed", "active_seed", "seeds", "device", "record_headline", "HEADLINE_MIME", "SEED_ENV"]

#: MIME type of the output :func:`record_headline` stores in a notebook.
HEADLINE_MIME = "application/vnd.neurodl.headline+json"

#: Environment variable that replaces every chapter's own seed (``NEURODL_SEED=1``), so
#: the whole book can be re-run under another seed to show that its claims do not hinge
#: on one draw of the random numbers (``make test-seed``).
SEED_ENV = "NEURODL_SEED"

_MAX_SEED = 2**32 - 1
_active_seed: int | None = None


def _seed_from_env() -> int | None:
    """The seed in ``$NEURODL_SEED``, or None when it is unset or empty."""
    text = os.environ.get(SEED_ENV, "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= _MAX_SEED:
        raise ValueError(
            f"the environment variable {SEED_ENV} must be an integer from 0 to {_MAX_SEED}, got {text!r}"
            f" (unset it to use each chapter's own seed)"
        )
    return value


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
        A non-negative integer below 2**32: the chapter's own seed. If the environment
        variable ``NEURODL_SEED`` is set, its value is used instead, so every chapter can
        be re-run under another seed without editing it (``make test-seed``).

    Returns
    -------
    numpy.random.Generator
        A fresh generator seeded with the seed used; prefer it to the global NumPy state.

    Examples
    --------
    >>> rng = set_seed(0)
    >>> float(rng.random()) == float(set_seed(0).random())
    True
    """
    global _active_seed
    seed = check_int("seed", seed, minimum=0, maximum=_MAX_SEED)
    override = _seed_from_env()
    if override is not None:
        seed = override
    _active_seed = seed
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


def active_seed() -> int:
    """The seed the last :func:`set_seed` call used (``$NEURODL_SEED`` or the chapter's own).

    Introduced in chapter 01. Before any call to :func:`set_seed` it is ``$NEURODL_SEED``
    if set, else 0. Library functions that draw random numbers (such as
    :func:`neurodl.data.balanced_subset`) default to it, so ``NEURODL_SEED`` reaches them.
    """
    if _active_seed is not None:
        return _active_seed
    override = _seed_from_env()
    return 0 if override is None else override


def seeds(n: int) -> list[int]:
    """``n`` further seeds derived from :func:`active_seed`, for repeated experiments.

    Introduced in chapter 03. A claim that compares two methods is measured over several
    independent runs (``for seed in neurodl.seeds(3): ...``); deriving their seeds from
    the chapter's one seed keeps them reproducible, distinct from one another and from the
    chapter's main random stream, and lets ``NEURODL_SEED`` change them all. The same
    ``n`` gives the same list every time it is asked for; a larger ``n`` extends it.

    Examples
    --------
    >>> seeds(3) == seeds(3) and len(set(seeds(3))) == 3
    True
    """
    n = check_int("n", n, minimum=1, maximum=10_000)
    children = np.random.SeedSequence(active_seed()).spawn(n)
    return [int(child.generate_state(1)[0]) for child in children]


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
