"""Deep learning from scratch in NumPy, small enough to read in one sitting.

Each piece is introduced in a chapter and checked against PyTorch there and in the tests:

==============================  ==============================================  =======
module                          what                                            chapter
==============================  ==============================================  =======
``neurodl.scratch.activations``  sigmoid, tanh, ReLU, leaky ReLU, GELU and their  02
                                 derivatives
``neurodl.scratch.losses``       MSE, cross-entropy, binary cross-entropy, with  03
                                 gradients
``neurodl.scratch.optim``        SGD (with momentum), RMSprop, Adam              03
``neurodl.scratch.layers``       Linear, activation layers, softmax              04
                                 cross-entropy, an MLP with backprop
``neurodl.scratch.rnn``          a vanilla RNN with backpropagation through      07
                                 time, an LSTM and a GRU
==============================  ==============================================  =======

Conventions: inputs ``X`` have shape ``(batch, features)``, sequences ``(batch, time,
features)``; parameters are NumPy arrays updated in place; every function validates its
arguments and names the bad one.
"""

from __future__ import annotations

from neurodl._lazy import lazy_submodules

#: Submodules, loaded on first use: ``neurodl.scratch.optim.Adam`` works without an import.
_SUBMODULES = frozenset({"activations", "layers", "losses", "optim", "rnn"})

__all__ = sorted(_SUBMODULES)

__getattr__, __dir__ = lazy_submodules(__name__, _SUBMODULES)
