"""Activation functions and their derivatives, in NumPy.

Introduced in chapter 02, where each derivative is checked against PyTorch's autograd;
chapter 04 uses them in a from-scratch multilayer perceptron.

Every function takes an array-like ``x`` of numbers and returns a floating-point array of
the same shape. ``float32`` input stays ``float32`` and ``float64`` stays ``float64``;
anything else (integers, booleans, other float widths) is computed in ``float64``.
NaN and infinity are refused with a ``ValueError``: an activation that silently passes a
NaN on hides the bug that produced it.

The derivatives (``*_grad``) are of the function with respect to its input, evaluated
at ``x``, element by element. At the kink of ReLU and leaky ReLU (``x = 0``) they take the
value PyTorch's autograd uses: ``relu_grad(0) = 0`` and ``leaky_relu_grad(0) =
negative_slope``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from neurodl._validate import check_float, check_array

__all__ = [
    "sigmoid",
    "sigmoid_grad",
    "tanh",
    "tanh_grad",
    "relu",
    "relu_grad",
    "leaky_relu",
    "leaky_relu_grad",
    "gelu",
    "gelu_grad",
    "ACTIVATIONS",
]


def _as_float_array(x: Any, name: str = "x") -> np.ndarray:
    """Validate ``x`` and return it as a float32 or float64 array (float32 is kept)."""
    array = check_array(name, x, allow_empty=True, finite=True)
    if array.dtype == np.float32:
        return array
    return array.astype(np.float64, copy=False)


def _check_slope(negative_slope: Any) -> float:
    return check_float("negative_slope", negative_slope)


def sigmoid(x: Any) -> np.ndarray:
    """The logistic sigmoid 1 / (1 + exp(-x)), element-wise.

    Introduced in chapter 02. Computed as exp(-|x|)-based expressions so that no
    exponential of a large positive number is ever taken: no overflow warning for
    large |x|, and the result saturates cleanly at 0 and 1.
    """
    x = _as_float_array(x)
    z = np.exp(-np.abs(x))  # in (0, 1], never overflows
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z)).astype(x.dtype, copy=False)


def sigmoid_grad(x: Any) -> np.ndarray:
    """Derivative of :func:`sigmoid` at ``x``: sigmoid(x) * (1 - sigmoid(x)).

    Introduced in chapter 02.
    """
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x: Any) -> np.ndarray:
    """The hyperbolic tangent, element-wise.

    Introduced in chapter 02.
    """
    x = _as_float_array(x)
    return np.tanh(x)


def tanh_grad(x: Any) -> np.ndarray:
    """Derivative of :func:`tanh` at ``x``: 1 - tanh(x)**2.

    Introduced in chapter 02.
    """
    t = tanh(x)
    return 1.0 - t * t


def relu(x: Any) -> np.ndarray:
    """The rectified linear unit max(x, 0), element-wise.

    Introduced in chapter 02.
    """
    x = _as_float_array(x)
    return np.where(x > 0, x, np.zeros_like(x))


def relu_grad(x: Any) -> np.ndarray:
    """Derivative of :func:`relu` at ``x``: 1 where x > 0, else 0 (0 at x = 0, as PyTorch).

    Introduced in chapter 02.
    """
    x = _as_float_array(x)
    return (x > 0).astype(x.dtype)


def leaky_relu(x: Any, negative_slope: float = 0.01) -> np.ndarray:
    """Leaky ReLU: x where x > 0, ``negative_slope * x`` elsewhere.

    Introduced in chapter 02. ``negative_slope`` is a finite real number (0.01 by default,
    as in PyTorch).
    """
    slope = _check_slope(negative_slope)
    x = _as_float_array(x)
    return np.where(x > 0, x, x * x.dtype.type(slope))


def leaky_relu_grad(x: Any, negative_slope: float = 0.01) -> np.ndarray:
    """Derivative of :func:`leaky_relu` at ``x``: 1 where x > 0, ``negative_slope`` elsewhere.

    Introduced in chapter 02. At x = 0 it is ``negative_slope``, as in PyTorch.
    """
    slope = _check_slope(negative_slope)
    x = _as_float_array(x)
    return np.where(x > 0, 1.0, slope).astype(x.dtype)


def gelu(x: Any) -> np.ndarray:
    """The Gaussian error linear unit x * Phi(x), with Phi the standard normal CDF.

    Introduced in chapter 02. Uses the exact form 0.5 * x * (1 + erf(x / sqrt(2))), which
    is PyTorch's default (``approximate="none"``), not the tanh approximation.
    """
    from scipy.special import erf

    x = _as_float_array(x)
    phi_cdf = 0.5 * (1.0 + erf(x / x.dtype.type(math.sqrt(2.0))))
    return (x * phi_cdf).astype(x.dtype, copy=False)


def gelu_grad(x: Any) -> np.ndarray:
    """Derivative of :func:`gelu` at ``x``: Phi(x) + x * phi(x), phi the normal density.

    Introduced in chapter 02.
    """
    from scipy.special import erf

    x = _as_float_array(x)
    phi_cdf = 0.5 * (1.0 + erf(x / x.dtype.type(math.sqrt(2.0))))
    with np.errstate(over="ignore", under="ignore"):  # x*x may overflow; exp(-inf) = 0
        density = np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
        grad = phi_cdf + np.where(np.abs(x) < 40, x * density, 0.0)
    return grad.astype(x.dtype, copy=False)


#: Name -> (function, derivative), for code that chooses an activation by name.
ACTIVATIONS: dict[str, tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]] = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "gelu": (gelu, gelu_grad),
}
