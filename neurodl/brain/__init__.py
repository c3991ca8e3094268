"""Models of the brain's side of each chapter, in NumPy.

==================================  ==============================================  =======
module                              what                                            chapter
==================================  ==============================================  =======
``neurodl.brain.neurons``           leaky integrate-and-fire neuron, f-I curves,    02
                                    rate coding
``neurodl.brain.plasticity``        Hebb's rule; Oja's, covariance and BCM rules;   03, 10
                                    STDP (window, traces, a pattern-detecting
                                    neuron)
``neurodl.brain.memory``            Hopfield networks: classical (Hebbian storage,  07
                                    energy descent) and modern (softmax retrieval)
``neurodl.brain.coding``            efficient coding: natural-image spectra,        08
                                    whitening, sparse coding, Gabor-likeness,
                                    sparseness measures
``neurodl.brain.predictive``        hierarchical predictive coding (Rao & Ballard,  09
                                    1999): inference, Hebbian learning, prediction
                                    errors
``neurodl.brain.credit``            credit assignment: backprop, feedback           10
                                    alignment (FA and DFA), node and weight
                                    perturbation, trained on one MLP
==================================  ==============================================  =======

Units are stated in every docstring (ms, mV, nA, MOhm); simulations take a NumPy
``Generator`` when they are random.
"""

from __future__ import annotations

from neurodl._lazy import lazy_submodules

_SUBMODULES = frozenset({"coding", "credit", "memory", "neurons", "plasticity", "predictive"})

__all__ = sorted(_SUBMODULES)

__getattr__, __dir__ = lazy_submodules(__name__, _SUBMODULES)
