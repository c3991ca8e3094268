"""neurodl: the helper package of *Neurons to Networks*.

Everything that more than one chapter uses lives here, once. The package is split by
concern, and each module is imported only when first used, so ``import neurodl`` loads
NumPy but neither PyTorch nor TensorFlow (chapters that never touch a framework stay
fast):

========================  ==========================================================
``neurodl.set_seed``      seed Python, NumPy and any framework already imported
``neurodl.seeds``         further seeds for repeated runs, derived from that seed
``neurodl.device``        the best PyTorch device here: CUDA, then MPS, then CPU
``neurodl.data``          Fashion-MNIST, digits, Austen, Japanese vowels, sentiment
``neurodl.plot``          the book's figure style, image grids, training curves
``neurodl.train``         a PyTorch Trainer and a Keras fit helper, one history format
``neurodl.check``         compare from-scratch code with autograd and torch
``neurodl.scratch``       NumPy from scratch: activations, losses, optimisers, layers
``neurodl.brain``         models of neurons and synapses (integrate-and-fire, ...)
``neurodl.generative``    sample-quality measures: Fréchet and kernel distances,
                          mode coverage
``neurodl.distributed``   launch data-parallel training scripts with ``torchrun``
========================  ==========================================================

Vocabulary used throughout the book (after *Dive into Deep Learning*): ``X`` inputs,
``y`` targets, ``y_hat`` predictions, ``net`` or ``model``, ``lr`` learning rate,
``num_epochs``, ``batch_size``, ``num_hiddens``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from neurodl._lazy import lazy_submodules
from neurodl.core import active_seed, device, record_headline, seeds, set_seed

__version__ = "0.1.0"

#: Submodules loaded on first attribute access (PEP 562), e.g. ``neurodl.plot``.
_LAZY_SUBMODULES = frozenset(
    {"brain", "check", "data", "distributed", "generative", "plot", "scratch", "train"}
)

__all__ = [
    "__version__",
    "active_seed",
    "device",
    "record_headline",
    "seeds",
    "set_seed",
    *sorted(_LAZY_SUBMODULES),
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from neurodl import brain, check, data, distributed, generative, plot, scratch, train  # noqa: F401


__getattr__, __dir__ = lazy_submodules(__name__, _LAZY_SUBMODULES)
