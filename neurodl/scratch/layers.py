"""Layers and a multilayer perceptron with backpropagation, in NumPy.

Introduced in chapter 04. Every layer has a ``forward`` that caches what its
``backward`` needs, and a ``backward`` that takes the gradient of the loss with respect
to the layer's output and returns the gradient with respect to its input, storing the
gradients of its own parameters on the way. Each ``backward`` sits right below its
``forward``, so the two can be read together.

==========================  ====================================================
``Linear``                  ``X @ W + b``, with ``W`` of shape ``(in, out)``
``Activation``              an element-wise non-linearity from
                            :data:`neurodl.scratch.activations.ACTIVATIONS`
``SoftmaxCrossEntropy``     the loss for ``k >= 2`` classes, on logits
``SigmoidBinaryCrossEntropy``  the loss for one output unit (two classes), on logits
``MLP``                     ``Linear -> Activation -> ... -> Linear`` plus the loss
==========================  ====================================================

Parameters live in ``float32`` by default (fast); pass ``dtype=np.float64`` for
gradient checks. Parameter lists (``model.params``) are the arrays themselves, so the
optimisers of :mod:`neurodl.scratch.optim` update them in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from neurodl._validate import check_array, check_bool, check_choice, check_float, check_int
from neurodl.scratch import activations as _act
from neurodl.scratch import losses as _losses

__all__ = ["INITS", "Layer", "Linear", "Activation", "SoftmaxCrossEntropy", "SigmoidBinaryCrossEntropy", "MLP"]

#: Weight initialisations :class:`Linear` knows (chapter 04, section on initialisation).
INITS: tuple[str, ...] = ("he", "xavier", "normal", "zeros")

_DTYPES = (np.float32, np.float64)


def _check_dtype(dtype: Any) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except (TypeError, ValueError) as exc:  # which one depends on the object
        raise TypeError(f"dtype must be np.float32 or np.float64, got {dtype!r}") from exc
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be np.float32 or np.float64, got {dt}")
    return dt


def _check_rng(rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (e.g. rng = neurodl.set_seed(0)), got {type(rng).__name__}"
        )
    return rng


def _check_not_called(cache: Any, layer: str) -> None:
    if cache is None:
        raise RuntimeError(f"{layer}.backward() was called before forward(): there is nothing to differentiate")


class Layer:
    """Base class: a layer maps ``X`` to an output and back-propagates gradients.

    Introduced in chapter 04. Subclasses set ``params`` and ``grads`` (aligned lists of
    arrays; empty for layers without parameters).
    """

    params: list[np.ndarray]
    grads: list[np.ndarray]

    def forward(self, X: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return self.forward(X)


class Linear(Layer):
    """A fully connected layer, ``Y = X @ W + b``, with ``W`` of shape ``(in, out)``.

    Introduced in chapter 04.

    Parameters
    ----------
    in_features, out_features
        Sizes of the input and the output.
    rng
        The generator that draws the initial weights (``rng = neurodl.set_seed(0)``).
    init
        ``"he"``: normal with variance ``2 / in_features`` (for ReLU; He et al., 2015);
        ``"xavier"``: normal with variance ``2 / (in_features + out_features)``
        (Glorot & Bengio, 2010); ``"normal"``: normal with standard deviation ``scale``;
        ``"zeros"``: all zero. Biases always start at zero.
    scale
        For ``"normal"``, the standard deviation (default 0.01); for ``"he"`` and
        ``"xavier"``, a gain multiplying their standard deviation (default 1).
        Not allowed with ``"zeros"``.
    dtype
        ``np.float32`` (default, fast) or ``np.float64`` (for gradient checks).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        rng: np.random.Generator,
        init: str = "he",
        scale: float | None = None,
        dtype: Any = np.float32,
    ) -> None:
        self.in_features = check_int("in_features", in_features, minimum=1)
        self.out_features = check_int("out_features", out_features, minimum=1)
        rng = _check_rng(rng)
        self.init = check_choice("init", init, INITS)
        if scale is not None:
            if init == "zeros":
                raise ValueError("scale must be None when init='zeros'")
            scale = check_float("scale", scale, minimum=0.0, exclusive_minimum=True)
        dt = _check_dtype(dtype)
        fan_in, fan_out = self.in_features, self.out_features
        std = {
            "he": np.sqrt(2.0 / fan_in) * (1.0 if scale is None else scale),
            "xavier": np.sqrt(2.0 / (fan_in + fan_out)) * (1.0 if scale is None else scale),
            "normal": 0.01 if scale is None else scale,
            "zeros": 0.0,
        }[init]
        self.W = (std * rng.standard_normal((fan_in, fan_out))).astype(dt)
        self.b = np.zeros(fan_out, dtype=dt)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.params = [self.W, self.b]
        self.grads = [self.dW, self.db]
        self._X: np.ndarray | None = None

    def forward(self, X: np.ndarray) -> np.ndarray:
        """``X @ W + b`` for ``X`` of shape ``(batch, in)``; caches ``X``."""
        X = check_array("X", X, ndim=2, dtype_kind="biuf")
        if X.shape[1] != self.in_features:
            raise ValueError(
                f"X must have shape (batch, {self.in_features}), got {X.shape}"
            )
        self._X = X.astype(self.W.dtype, copy=False)
        return self._X @ self.W + self.b  # (batch, out)

    def backward(
        self, grad_out: np.ndarray, *, input_grad: bool = True
    ) -> np.ndarray | None:
        """Store ``dW`` and ``db``; return the gradient w.r.t. the input.

        ``input_grad=False`` skips that last product (the first layer of a
        network does not need it) and returns ``None``.
        """
        _check_not_called(self._X, "Linear")
        grad_out = check_array("grad_out", grad_out, ndim=2, dtype_kind="f")
        expected = (len(self._X), self.out_features)
        if grad_out.shape != expected:
            raise ValueError(
                f"grad_out must have the output's shape {expected}, "
                f"got {grad_out.shape}"
            )
        grad_out = grad_out.astype(self.W.dtype, copy=False)
        np.matmul(self._X.T, grad_out, out=self.dW)  # (in, out)
        np.sum(grad_out, axis=0, out=self.db)  # (out,)
        return grad_out @ self.W.T if input_grad else None  # (batch, in)

    def __repr__(self) -> str:
        return f"Linear({self.in_features} -> {self.out_features}, init={self.init!r}, dtype={self.W.dtype})"


class Activation(Layer):
    """An element-wise non-linearity, by name: ``"sigmoid"``, ``"tanh"``, ``"relu"``, ...

    Introduced in chapter 04. The function and its derivative come from
    :data:`neurodl.scratch.activations.ACTIVATIONS` (chapter 02); the backward pass is
    the chain rule, ``grad_in = grad_out * f'(X)``.
    """

    def __init__(self, name: str) -> None:
        self.name = check_choice("name", name, tuple(_act.ACTIVATIONS))
        self.f, self.f_grad = _act.ACTIVATIONS[name]
        self.params, self.grads = [], []
        self._X: np.ndarray | None = None

    def forward(self, X: np.ndarray) -> np.ndarray:
        """``f(X)``, element by element; caches ``X``."""
        X = check_array("X", X, dtype_kind="f")
        self._X = X
        return np.asarray(self.f(X), dtype=X.dtype)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """``grad_out * f'(X)``, with ``X`` the input seen by ``forward``."""
        _check_not_called(self._X, "Activation")
        grad_out = check_array("grad_out", grad_out, dtype_kind="f")
        if grad_out.shape != self._X.shape:
            raise ValueError(
                f"grad_out must have the input's shape {self._X.shape}, "
                f"got {grad_out.shape}"
            )
        grad_in = grad_out * self.f_grad(self._X)
        return grad_in.astype(self._X.dtype, copy=False)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


class SoftmaxCrossEntropy:
    """Softmax followed by cross-entropy, averaged over the batch, on raw scores (logits).

    Introduced in chapter 04, reusing :func:`neurodl.scratch.losses.cross_entropy` and
    its gradient ``(softmax(logits) - one_hot(y)) / batch`` from chapter 03.
    """

    def __init__(self) -> None:
        self._cache: tuple[np.ndarray, np.ndarray] | None = None

    def forward(self, logits: np.ndarray, y: np.ndarray) -> float:
        """The mean cross-entropy of ``logits`` (batch, classes) against integer labels ``y``."""
        logits = check_array("logits", logits, ndim=2, dtype_kind="f")
        y = check_array("y", y, ndim=1, dtype_kind="iu")
        if len(y) != len(logits):
            raise ValueError(f"y must have one label per row of logits ({len(logits)}), got {len(y)}")
        self._cache = (logits, y)
        return float(_losses.cross_entropy(logits, y))

    def backward(self) -> np.ndarray:
        """The gradient of the loss with respect to the logits, same shape and dtype."""
        _check_not_called(self._cache, "SoftmaxCrossEntropy")
        logits, y = self._cache
        return np.asarray(_losses.cross_entropy_grad(logits, y), dtype=logits.dtype)

    def __call__(self, logits: np.ndarray, y: np.ndarray) -> float:
        return self.forward(logits, y)

    def __repr__(self) -> str:
        return "SoftmaxCrossEntropy()"


class SigmoidBinaryCrossEntropy:
    """Sigmoid followed by binary cross-entropy, for a single output unit (two classes).

    Introduced in chapter 04 (the 2-2-1 network that solves XOR), reusing
    :func:`neurodl.scratch.losses.binary_cross_entropy_with_logits` and its gradient
    ``(sigmoid(z) - y) / batch`` from chapter 03. The logits have shape ``(batch, 1)``,
    the labels ``y`` shape ``(batch,)`` with values in {0, 1}.
    """

    def __init__(self) -> None:
        self._cache: tuple[np.ndarray, np.ndarray] | None = None

    def forward(self, logits: np.ndarray, y: np.ndarray) -> float:
        """The mean binary cross-entropy of ``logits`` (batch, 1) against labels ``y`` in {0, 1}."""
        logits = check_array("logits", logits, ndim=2, dtype_kind="f")
        if logits.shape[1] != 1:
            raise ValueError(f"logits must have shape (batch, 1), got {logits.shape}")
        y = check_array("y", y, ndim=1, dtype_kind="biu", minimum=0, maximum=1)
        if len(y) != len(logits):
            raise ValueError(f"y must have one label per row of logits ({len(logits)}), got {len(y)}")
        self._cache = (logits, y)
        return float(_losses.binary_cross_entropy_with_logits(logits[:, 0], y))

    def backward(self) -> np.ndarray:
        """``(sigmoid(z) - y) / batch``, shape ``(batch, 1)``."""
        _check_not_called(self._cache, "SigmoidBinaryCrossEntropy")
        logits, y = self._cache
        grad = _losses.binary_cross_entropy_with_logits_grad(logits[:, 0], y)
        return np.asarray(grad, dtype=logits.dtype)[:, None]

    def __call__(self, logits: np.ndarray, y: np.ndarray) -> float:
        return self.forward(logits, y)

    def __repr__(self) -> str:
        return "SigmoidBinaryCrossEntropy()"


class MLP:
    """A multilayer perceptron: ``Linear -> Activation -> ... -> Linear``, trained by backprop.

    Introduced in chapter 04.

    Parameters
    ----------
    sizes
        Layer widths from input to output, e.g. ``[784, 256, 10]``. With ``k >= 2``
        outputs the loss is :class:`SoftmaxCrossEntropy`; with one output it is
        :class:`SigmoidBinaryCrossEntropy`.
    activation
        Name of the hidden non-linearity (a key of ``ACTIVATIONS``).
    rng, init, scale, dtype
        Passed to every :class:`Linear` layer.

    Examples
    --------
    >>> import neurodl
    >>> net = MLP([4, 8, 3], rng=neurodl.set_seed(0))
    >>> net
    MLP([4, 8, 3], activation='relu', init='he', dtype=float32, 67 parameters)
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "relu",
        *,
        rng: np.random.Generator,
        init: str = "he",
        scale: float | None = None,
        dtype: Any = np.float32,
    ) -> None:
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
            raise TypeError(f"sizes must be a list of layer widths like [784, 256, 10], got {type(sizes).__name__}")
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least an input and an output width, got {list(sizes)}")
        self.sizes = [check_int(f"sizes[{i}]", s, minimum=1) for i, s in enumerate(sizes)]
        self.activation = check_choice("activation", activation, tuple(_act.ACTIVATIONS))
        self.init = init
        self.dtype = _check_dtype(dtype)
        self.layers: list[Layer] = []
        for i, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            if i > 0:
                self.layers.append(Activation(activation))
            self.layers.append(Linear(n_in, n_out, rng=rng, init=init, scale=scale, dtype=self.dtype))
        self.loss = SoftmaxCrossEntropy() if self.sizes[-1] >= 2 else SigmoidBinaryCrossEntropy()

    @property
    def linears(self) -> list[Linear]:
        """The :class:`Linear` layers, first to last."""
        return [layer for layer in self.layers if isinstance(layer, Linear)]

    @property
    def params(self) -> list[np.ndarray]:
        """``[W1, b1, W2, b2, ...]``: the arrays themselves, for the optimisers to update in place."""
        return [p for layer in self.layers for p in layer.params]

    @property
    def grads(self) -> list[np.ndarray]:
        """``[dW1, db1, dW2, db2, ...]``, aligned with :attr:`params`, set by :meth:`backward`."""
        return [g for layer in self.layers for g in layer.grads]

    def forward(self, X: np.ndarray) -> np.ndarray:
        """The logits, shape ``(batch, sizes[-1])``, for inputs ``X`` of shape ``(batch, sizes[0])``."""
        X = check_array("X", X, ndim=2, dtype_kind="biuf")
        if X.shape[1] != self.sizes[0]:
            raise ValueError(f"X must have shape (batch, {self.sizes[0]}), got {X.shape}")
        H = X.astype(self.dtype, copy=False)
        for layer in self.layers:
            H = layer.forward(H)
        return H

    def backward(
        self, grad_logits: np.ndarray, *, input_grad: bool = False
    ) -> np.ndarray | None:
        """Back-propagate through every layer, last to first, filling ``grads``.

        Returns the gradient w.r.t. ``X`` if ``input_grad=True``, else ``None``
        (the first layer then skips that product: training never needs it).
        """
        first, last = self.layers[0], self.layers[-1]
        _check_not_called(first._X, "MLP")
        input_grad = check_bool("input_grad", input_grad)
        grad = check_array("grad_logits", grad_logits, ndim=2, dtype_kind="f")
        expected = (len(first._X), last.out_features)
        if grad.shape != expected:
            raise ValueError(f"grad_logits must have the output's shape {expected}, got {grad.shape}")
        for layer in reversed(self.layers[1:]):
            grad = layer.backward(grad)
        return self.layers[0].backward(grad, input_grad=input_grad)

    def loss_and_grads(
        self, X: np.ndarray, y: np.ndarray
    ) -> tuple[float, list[np.ndarray]]:
        """Forward, loss and backward in one call: returns ``(loss, grads)``."""
        loss = self.loss.forward(self.forward(X), y)
        self.backward(self.loss.backward())
        return loss, self.grads

    def predict(self, X: np.ndarray, batch_size: int = 4096) -> np.ndarray:
        """Predicted class labels, shape ``(batch,)`` (computed ``batch_size`` rows at a time)."""
        batch_size = check_int("batch_size", batch_size, minimum=1)
        X = check_array("X", X, ndim=2, dtype_kind="biuf")
        out = []
        for start in range(0, len(X), batch_size):
            logits = self.forward(X[start : start + batch_size])
            out.append(logits.argmax(axis=1) if logits.shape[1] > 1 else (logits[:, 0] > 0).astype(np.int64))
        return np.concatenate(out)

    def num_params(self) -> int:
        """The number of trainable numbers."""
        return int(sum(p.size for p in self.params))

    def __repr__(self) -> str:
        return (
            f"MLP({self.sizes}, activation={self.activation!r}, init={self.init!r}, "
            f"dtype={self.dtype}, {self.num_params()} parameters)"
        )
