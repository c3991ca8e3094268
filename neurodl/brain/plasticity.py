"""Synaptic plasticity rules: how a synapse's weight changes with the activity around it.

Introduced in chapter 03 with Hebb's rule :cite:p:`hebb1949organization`: a synapse grows
stronger when its presynaptic input ``x`` and the postsynaptic response ``y`` are active
together, ``dw = lr * y * x``. The rule is *local* (each synapse sees only its own two
neurons), *unsupervised* (no target, no error) and *unstable*: with a linear neuron
``y = w . x`` the weight norm grows without bound, which chapter 10 cures with Oja's rule
:cite:p:`oja1982simplified`.

Rates and weights are dimensionless here (firing rates relative to a baseline).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neurodl._validate import check_array, check_float

__all__ = ["hebb_update", "simulate_hebb"]


def hebb_update(w: Any, x: Any, y: Any, lr: float) -> np.ndarray:
    """Return the weights after one step of Hebb's rule, ``w + lr * y x`` (``w`` is not changed).

    Introduced in chapter 03.

    Parameters
    ----------
    w
        Weights of one neuron, shape ``(n_in,)``, or of a layer, shape ``(n_out, n_in)``.
    x
        Presynaptic activity, shape ``(n_in,)``.
    y
        Postsynaptic activity: a number (or shape ``()``/``(1,)``) for one neuron, shape
        ``(n_out,)`` for a layer; the layer's update is the outer product ``lr * y x^T``.
    lr
        Learning rate, > 0.
    """
    w = check_array("w", w, ndim=(1, 2), dtype_kind="f")
    x = check_array("x", x, ndim=1, dtype_kind="biuf")
    y = check_array("y", y, ndim=(0, 1), dtype_kind="biuf")
    lr = check_float("lr", lr, minimum=0.0, exclusive_minimum=True)
    n_in = w.shape[-1]
    if x.shape != (n_in,):
        raise ValueError(f"x must have shape ({n_in},) to match w of shape {w.shape}, got {x.shape}")
    if w.ndim == 1:
        if y.size != 1:
            raise ValueError(f"y must be one number for a single neuron (w is 1-D), got shape {y.shape}")
        dw = lr * float(y.reshape(())) * x
    else:
        if y.shape != (w.shape[0],):
            raise ValueError(
                f"y must have shape ({w.shape[0]},), one activity per row of w {w.shape}, got {y.shape}"
            )
        dw = lr * np.outer(y, x)
    return (w + dw).astype(w.dtype, copy=False)


def simulate_hebb(X: Any, w0: Any, lr: float) -> np.ndarray:
    """Train one linear neuron ``y = w . x`` with Hebb's rule on the rows of ``X``, in order.

    Introduced in chapter 03. Returns the weight history, shape ``(len(X) + 1, n_in)``,
    with ``w0`` as its first row. Each step is :func:`hebb_update` with ``y = w . x``.
    The weights grow along the inputs' direction of largest variance, and their norm
    grows without bound (the instability Oja's rule removes in chapter 10). Raises
    ``FloatingPointError`` if the weights overflow.
    """
    X = check_array("X", X, ndim=2, dtype_kind="biuf")
    w0 = check_array("w0", w0, ndim=1, dtype_kind="f")
    lr = check_float("lr", lr, minimum=0.0, exclusive_minimum=True)
    if X.shape[1] != w0.shape[0]:
        raise ValueError(f"X must have {w0.shape[0]} columns to match w0, got shape {X.shape}")
    history = np.empty((X.shape[0] + 1, w0.shape[0]), dtype=w0.dtype)
    history[0] = w = w0
    for t, x in enumerate(X, start=1):
        with np.errstate(over="ignore", invalid="ignore"):  # reported below, with advice
            y = float(w @ x)
            w = w + lr * y * x
        if not np.all(np.isfinite(w)):
            raise FloatingPointError(
                f"the weights overflowed after {t} Hebbian steps; use fewer steps or a smaller lr"
            )
        history[t] = w
    return history
