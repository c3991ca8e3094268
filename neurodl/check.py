"""Checks that compare the book's from-scratch code with a reference implementation.

Introduced in chapter 02, where activation derivatives are checked against autograd;
later chapters compare losses, optimiser steps, gradients and convolutions the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from neurodl._validate import check_array, check_float

__all__ = ["to_numpy", "max_abs_diff", "below", "over_runs", "numerical_gradient"]


def to_numpy(value: Any) -> np.ndarray:
    """Return ``value`` as a NumPy array; PyTorch and TensorFlow tensors are detached and moved to the CPU.

    Introduced in chapter 02.
    """
    return _to_numpy(value, "value")


def _to_numpy(value: Any, name: str) -> np.ndarray:
    if hasattr(value, "detach"):  # torch.Tensor
        value = value.detach().cpu().numpy()
    elif hasattr(value, "numpy") and not isinstance(value, np.ndarray):  # tf.Tensor
        value = value.numpy()
    return check_array(name, value, allow_empty=True, finite=False)


def _is_list_of_arrays(value: Any) -> bool:
    """True for a list or tuple of arrays/tensors (a list of numbers is one array)."""
    return (
        isinstance(value, (list, tuple))
        and len(value) > 0
        and all(hasattr(v, "shape") for v in value)
    )


def max_abs_diff(a: Any, b: Any) -> float:
    """The largest absolute difference between ``a`` and ``b``.

    Introduced in chapter 02. ``a`` and ``b`` may be arrays or tensors of the same shape,
    or matching sequences or mappings of them (for example a list of gradients, one per
    parameter), in which case the largest difference over all of them is returned.

    Raises ``ValueError`` if shapes, lengths or keys do not match: a silent broadcast
    would make a wrong gradient look right.
    """
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        if not (isinstance(a, Mapping) and isinstance(b, Mapping)):
            raise TypeError("a and b must both be mappings, or neither")
        if set(a) != set(b):
            raise ValueError(f"a and b must have the same keys, got {sorted(a)} and {sorted(b)}")
        if not a:
            raise ValueError("a and b must not be empty")
        return max(max_abs_diff(a[k], b[k]) for k in a)
    if _is_list_of_arrays(a) or _is_list_of_arrays(b):
        if not (_is_list_of_arrays(a) and _is_list_of_arrays(b)) or len(a) != len(b):
            raise ValueError("a and b must be sequences of arrays of the same length")
        return max(max_abs_diff(x, y) for x, y in zip(a, b))
    x, y = _to_numpy(a, "a"), _to_numpy(b, "b")
    if x.shape != y.shape:
        raise ValueError(f"a and b must have the same shape, got {x.shape} and {y.shape}")
    if x.size == 0:
        raise ValueError("a and b must not be empty")
    return float(np.max(np.abs(x.astype(np.float64) - y.astype(np.float64))))


def below(value: float, bound: float) -> str:
    """``value`` printed at a precision every machine reproduces: ``"< 1e-14"`` if below ``bound``.

    Introduced in chapter 03. A difference caused by rounding (say 2.8e-17 between backprop
    and autograd) has last digits that depend on the processor's kernels and the number of
    threads, so a stored output that printed it would differ on a reader's machine. Printing
    the bound the claim needs is both portable and what the claim says. A value that is not
    below the bound is shown as it is, with the bound, so a failure is visible.

    Examples
    --------
    >>> below(2.8e-17, 1e-14)
    '< 1e-14'
    >>> below(0.003, 1e-4)
    '3.0e-03 (not below 1e-04)'
    """
    value = check_float("value", value, minimum=0.0)
    bound = check_float("bound", bound, minimum=0.0, exclusive_minimum=True)
    if value < bound:
        return f"< {bound:.0e}"
    return f"{value:.1e} (not below {bound:.0e})"


def over_runs(values: Any, fmt: str = ".3f") -> str:
    """The mean of repeated runs and their range, as text: ``"0.159 (0.121 to 0.204, 3 runs)"``.

    Introduced in chapter 03. A comparison between two methods is measured over several
    seeds and reported with its spread, so that a reader can see whether a difference is
    larger than the run-to-run noise. ``fmt`` is a format specification such as ``".1%"``.
    """
    values = check_array("values", _to_numpy(values, "values"), ndim=1, dtype_kind="biuf").astype(np.float64)
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a format specification such as '.3f', got {type(fmt).__name__}")
    try:
        format(0.5, fmt)
    except ValueError as exc:
        raise ValueError(f"fmt must be a format specification for a float such as '.3f', got {fmt!r}") from exc
    lo, mean, hi = values.min(), values.mean(), values.max()
    return f"{mean:{fmt}} ({lo:{fmt}} to {hi:{fmt}}, {len(values)} runs)"


def numerical_gradient(f: Any, array: Any, eps: float = 1e-6) -> np.ndarray:
    """Central differences of a scalar function with respect to every entry of ``array``.

    Used by the tests of the book's from-scratch gradients (the RNN of chapter 07, predictive
    coding in chapter 09) and for readers' own gradient checks: for each entry ``a`` of ``array``, ``(f() - f()) / (2 eps)`` with ``a`` set to ``a + eps`` and then
    ``a - eps``. ``f`` takes no arguments and reads ``array`` itself, which is changed in place
    while the differences are taken and restored afterwards. The error is of order ``eps**2``
    (times the third derivative) plus rounding of order ``1e-16 / eps``, so ``1e-6`` suits
    float64; it costs ``2 * array.size`` calls of ``f``, so keep ``array`` small.

    Parameters
    ----------
    f
        A function of no arguments returning a real number.
    array
        A float64 NumPy array that ``f`` depends on (not a copy of it).
    eps
        The step, > 0 (default 1e-6).

    Returns
    -------
    numpy.ndarray
        ``df / d array``, of the shape of ``array``.
    """
    if not callable(f):
        raise TypeError(f"f must be a function of no arguments returning a number, got {type(f).__name__}")
    if not isinstance(array, np.ndarray) or array.dtype != np.float64:
        kind = f"array of dtype {array.dtype}" if isinstance(array, np.ndarray) else type(array).__name__
        raise TypeError(f"array must be a float64 NumPy array that f reads (changed in place), got {kind}")
    if not array.flags.writeable:
        raise ValueError("array must be writeable: it is changed in place while the differences are taken")
    eps = check_float("eps", eps, minimum=0.0, exclusive_minimum=True)
    grad = np.zeros_like(array)
    for idx in np.ndindex(array.shape):
        old = array[idx]
        try:
            array[idx] = old + eps
            up = float(f())
            array[idx] = old - eps
            down = float(f())
        finally:
            array[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad
