"""Loss functions and their gradients in NumPy: MSE, cross-entropy, binary cross-entropy.

Introduced in chapter 03. Each loss returns a Python ``float``, the *mean* over all
elements (or over the batch, for cross-entropy), as PyTorch's default ``reduction="mean"``
does; each ``*_grad`` returns the gradient of that mean with respect to the first
argument, an array of its shape and dtype. The tests compare every one with
:mod:`torch.nn.functional` and autograd.

Shapes are checked strictly. A prediction of shape ``(n, 1)`` against a target of shape
``(n,)`` is refused: NumPy would broadcast their difference to an ``(n, n)`` matrix and the
"loss" would silently be the average over all pairs of examples.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neurodl._validate import check_array
from neurodl.scratch.activations import sigmoid

__all__ = [
    "mse",
    "mse_grad",
    "softmax",
    "log_softmax",
    "cross_entropy",
    "cross_entropy_grad",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
]

#: PyTorch clamps log(p) at -100 in binary_cross_entropy so that p = 0 gives a finite loss.
_LOG_CLAMP = -100.0
#: PyTorch's lower bound on p (1 - p) in the gradient of binary_cross_entropy.
_GRAD_EPS = 1e-12


def _check_same_shape(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    """Refuse two arrays of different shapes, explaining the broadcasting trap."""
    if a.shape == b.shape:
        return
    message = f"{name_a} and {name_b} must have the same shape, got {a.shape} and {b.shape}"
    try:
        broadcast = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        broadcast = None
    if broadcast is not None:
        message += (
            f": NumPy would broadcast {name_a} - {name_b} to shape {broadcast} and average over "
            f"{int(np.prod(broadcast))} pairs instead of {max(a.size, b.size)} examples"
            " (reshape one of them, e.g. y_hat.reshape(-1) or y.reshape(-1, 1))"
        )
    raise ValueError(message)


def _float_input(name: str, value: Any, **kwargs: Any) -> np.ndarray:
    return check_array(name, value, dtype_kind="f", **kwargs)


def _target(name: str, value: Any, like: np.ndarray, **kwargs: Any) -> np.ndarray:
    """A numeric target, converted to the dtype of ``like`` (booleans and integers allowed)."""
    array = check_array(name, value, dtype_kind="biuf", **kwargs)
    return array.astype(like.dtype, copy=False)


def mse(y_hat: Any, y: Any) -> float:
    """Mean squared error, ``mean((y_hat - y) ** 2)``, over all elements.

    Introduced in chapter 03. ``y_hat`` (floating point) and ``y`` must have the same shape.
    """
    y_hat = _float_input("y_hat", y_hat)
    y = _target("y", y, y_hat)
    _check_same_shape("y_hat", y_hat, "y", y)
    return float(np.mean((y_hat - y) ** 2))


def mse_grad(y_hat: Any, y: Any) -> np.ndarray:
    """Gradient of :func:`mse` with respect to ``y_hat``: ``2 (y_hat - y) / N``, ``N = y_hat.size``.

    Introduced in chapter 03.
    """
    y_hat = _float_input("y_hat", y_hat)
    y = _target("y", y, y_hat)
    _check_same_shape("y_hat", y_hat, "y", y)
    return (2.0 * (y_hat - y) / y_hat.size).astype(y_hat.dtype, copy=False)


def log_softmax(z: Any) -> np.ndarray:
    """Logarithm of the softmax along the last axis, computed stably.

    Introduced in chapter 03. Uses ``z - max(z) - log(sum(exp(z - max(z))))``, so large
    logits neither overflow nor lose the small probabilities to rounding.
    """
    z = _float_input("z", z, ndim=(1, 2, 3, 4))
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def softmax(z: Any) -> np.ndarray:
    """Softmax along the last axis, ``exp(z_k) / sum_j exp(z_j)``, computed stably.

    Introduced in chapter 03. Each row of the result is positive and sums to 1.
    """
    z = _float_input("z", z, ndim=(1, 2, 3, 4))
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def _check_logits_labels(logits: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    logits = _float_input("logits", logits, ndim=2)
    y = check_array("y", y, dtype_kind="iu", ndim=1)
    n, num_classes = logits.shape
    if y.shape[0] != n:
        raise ValueError(
            f"y must hold one class label per row of logits: logits has {n} rows, y has {y.shape[0]} labels"
        )
    if y.min() < 0 or y.max() >= num_classes:
        raise ValueError(
            f"y must hold class indices in [0, {num_classes - 1}] for {num_classes} classes, "
            f"got values from {y.min()} to {y.max()}"
        )
    return logits, y


def cross_entropy(logits: Any, y: Any) -> float:
    """Mean cross-entropy of integer class labels ``y`` under ``softmax(logits)``.

    Introduced in chapter 03. ``logits`` has shape ``(n, num_classes)`` (scores before the
    softmax, as for :func:`torch.nn.functional.cross_entropy`), ``y`` shape ``(n,)`` with
    integers in ``[0, num_classes)``. The loss is ``-mean_i log softmax(logits_i)[y_i]``,
    computed with :func:`log_softmax` so that it stays finite for large logits.
    """
    logits, y = _check_logits_labels(logits, y)
    log_p = log_softmax(logits)
    return float(-np.mean(log_p[np.arange(len(y)), y]))


def cross_entropy_grad(logits: Any, y: Any) -> np.ndarray:
    """Gradient of :func:`cross_entropy` with respect to ``logits``: ``(softmax(logits) - onehot(y)) / n``.

    Introduced in chapter 03.
    """
    logits, y = _check_logits_labels(logits, y)
    grad = softmax(logits)
    grad[np.arange(len(y)), y] -= 1.0
    grad /= len(y)
    return grad


def _check_bce(p_name: str, p: Any, y: Any, *, probabilities: bool) -> tuple[np.ndarray, np.ndarray]:
    bounds = {"minimum": 0.0, "maximum": 1.0} if probabilities else {}
    p = _float_input(p_name, p, **bounds)
    y = _target("y", y, p, minimum=0.0, maximum=1.0)
    _check_same_shape(p_name, p, "y", y)
    return p, y


def binary_cross_entropy(p: Any, y: Any) -> float:
    """Mean binary cross-entropy of targets ``y`` in [0, 1] under predicted probabilities ``p``.

    Introduced in chapter 03. The loss is ``-mean(y log p + (1 - y) log(1 - p))``; as in
    :func:`torch.nn.functional.binary_cross_entropy`, each logarithm is clamped at -100 so
    that a confident wrong prediction (``p = 0`` for ``y = 1``) costs 100, not infinity.
    Prefer :func:`binary_cross_entropy_with_logits` when the scores before the sigmoid are
    available: it is exact where this one saturates.
    """
    p, y = _check_bce("p", p, y, probabilities=True)
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), _LOG_CLAMP)
        log_1mp = np.maximum(np.log1p(-p), _LOG_CLAMP)
    return float(-np.mean(y * log_p + (1.0 - y) * log_1mp))


def binary_cross_entropy_grad(p: Any, y: Any) -> np.ndarray:
    """Gradient of :func:`binary_cross_entropy` with respect to ``p``: ``(p - y) / (p (1 - p)) / N``.

    Introduced in chapter 03. The denominator is bounded below by 1e-12, as in PyTorch,
    so the gradient stays finite at ``p = 0`` or ``p = 1``.
    """
    p, y = _check_bce("p", p, y, probabilities=True)
    denom = np.maximum(p * (1.0 - p), _GRAD_EPS)
    return ((p - y) / denom / p.size).astype(p.dtype, copy=False)


def binary_cross_entropy_with_logits(z: Any, y: Any) -> float:
    """Mean binary cross-entropy of targets ``y`` under ``sigmoid(z)``, from the logits ``z``.

    Introduced in chapter 03. Computed as ``mean(max(z, 0) - z y + log(1 + exp(-|z|)))``,
    which equals ``-mean(y log s + (1 - y) log(1 - s))`` with ``s = sigmoid(z)`` but never
    takes the logarithm of a rounded-to-zero probability.
    """
    z, y = _check_bce("z", z, y, probabilities=False)
    return float(np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def binary_cross_entropy_with_logits_grad(z: Any, y: Any) -> np.ndarray:
    """Gradient of :func:`binary_cross_entropy_with_logits` with respect to ``z``: ``(sigmoid(z) - y) / N``.

    Introduced in chapter 03.
    """
    z, y = _check_bce("z", z, y, probabilities=False)
    return ((sigmoid(z) - y) / z.size).astype(z.dtype, copy=False)
