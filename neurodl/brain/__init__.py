"""Models of the brain's side of each chapter, in NumPy.

==================================  ==============================================  =======
module                              what                                            chapter
==================================  ==============================================  =======
``neurodl.brain.neurons``           leaky integrate-and-fire neuron, f-I curves,    02
                                    rate coding
``neurodl.brain.plasticity``        Hebb's rule (and later Oja's rule, STDP)        03
``neurodl.brain.memory``            Hopfield networks: classical (Hebbian storage,  07
                                    energy descent) and modern (softmax retrieval)
``neurodl.brain.coding``            efficient coding: natural-image spectra,        08
                                    whitening, sparse coding, Gabor-likeness,
                                    sparseness measures
``neurodl.brain.predictive``        hierarchical predictive coding (Rao & Ballard,  09
                                    1999): inference, Hebbian learning, prediction
                                    errors
==================================  ==============================================  =======

Units are stated in every docstring (ms, mV, nA, MOhm); simulations take a NumPy
``Generator`` when they are random.
"""

from __future__ import annotations

from neurodl._lazy import lazy_submodules

_SUBMODULES = frozenset({"coding", "memory", "neurons", "plasticity", "predictive"})

__all__ = sorted(_SUBMODULES)

__getattr__, __dir__ = lazy_submodules(__name__, _SUBMODULES)
