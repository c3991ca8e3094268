"""Argument checks shared by every public function in :mod:`neurodl`.

Each check raises :class:`TypeError` (wrong kind of object) or :class:`ValueError`
(right kind, wrong value) with a message that names the argument and says what was
expected, so a reader who passes the wrong thing learns how to fix it from the
message alone.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = [
    "check_int",
    "check_float",
    "check_bool",
    "check_array",
    "check_choice",
]


def _describe(value: Any) -> str:
    """Short description of ``value`` for an error message."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def check_int(
    name: str,
    value: Any,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    allow_none: bool = False,
) -> int | None:
    """Return ``value`` as an ``int`` or raise naming ``name``.

    Booleans are rejected: ``True`` is an int to Python, but never what a caller meant.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        expected = "an integer or None" if allow_none else "an integer"
        raise TypeError(f"{name} must be {expected}, got {_describe(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_float(
    name: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
    exclusive_maximum: bool = False,
) -> float:
    """Return ``value`` as a finite ``float`` within the given bounds, or raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_describe(value)}")
    try:
        value = float(value)
    except OverflowError as exc:  # an integer too large for a float
        raise ValueError(f"{name} must be finite, got an integer too large for a float") from exc
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if minimum is not None:
        if exclusive_minimum and value <= minimum:
            raise ValueError(f"{name} must be > {minimum}, got {value}")
        if not exclusive_minimum and value < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None:
        if exclusive_maximum and value >= maximum:
            raise ValueError(f"{name} must be < {maximum}, got {value}")
        if not exclusive_maximum and value > maximum:
            raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` if it is a ``bool``; raise ``TypeError`` otherwise."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_describe(value)}")
    return bool(value)


def check_choice(name: str, value: Any, choices: tuple[Any, ...]) -> Any:
    """Return ``value`` if it is one of ``choices``; raise ``ValueError`` otherwise."""
    try:  # same kind of object and equal: an array never "equals" a name
        ok = any(isinstance(value, type(c)) and bool(value == c) for c in choices)
    except (TypeError, ValueError):  # incomparable objects
        ok = False
    if not ok:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}; got {_describe(value)}")
    return value


def check_array(
    name: str,
    value: Any,
    *,
    ndim: int | tuple[int, ...] | None = None,
    dtype_kind: str | None = None,
    allow_empty: bool = False,
    finite: bool = True,
    minimum: float | None = None,
    maximum: float | None = None,
) -> np.ndarray:
    """Convert ``value`` to a NumPy array and check it.

    Parameters
    ----------
    name
        The argument's name, used in error messages.
    value
        Anything :func:`numpy.asarray` accepts (lists, arrays, tensors on the CPU).
    ndim
        Required number of dimensions (or a tuple of allowed numbers).
    dtype_kind
        Allowed :attr:`numpy.dtype.kind` characters: ``"f"`` floats, ``"iu"`` integers,
        ``"biuf"`` any number or bool.
    allow_empty
        Whether an array with no elements is acceptable.
    finite
        Reject NaN and infinity (only checked for floating-point data).
    minimum, maximum
        Inclusive bounds on every element.
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be an array-like of numbers, got {_describe(value)}")
    try:
        array = np.asarray(value)
    except Exception as exc:  # ragged lists, objects numpy cannot convert
        raise TypeError(f"{name} must be an array-like of numbers, got {_describe(value)}") from exc
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got an array of dtype {array.dtype}")
    if dtype_kind is not None and array.dtype.kind not in dtype_kind:
        kinds = {"f": "floating-point", "i": "integer", "u": "unsigned integer", "b": "boolean"}
        wanted = " or ".join(kinds.get(k, k) for k in dtype_kind)
        raise TypeError(f"{name} must be of {wanted} dtype, got {array.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if array.ndim not in allowed:
            wanted = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {wanted}, got shape {array.shape}")
    if not allow_empty and array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    if finite and array.dtype.kind == "f" and array.size and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain only finite numbers (no NaN or inf)")
    if minimum is not None and array.size and array.min() < minimum:
        raise ValueError(f"{name} must be >= {minimum} everywhere, got a minimum of {array.min()}")
    if maximum is not None and array.size and array.max() > maximum:
        raise ValueError(f"{name} must be <= {maximum} everywhere, got a maximum of {array.max()}")
    return array
