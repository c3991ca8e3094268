"""Credit assignment: five ways to tell each synapse of a network how to change.

Introduced in chapter 10. A multilayer network learns when each weight moves against the
gradient of the loss; backpropagation :cite:p:`rumelhart1986learning` computes that
gradient exactly, but only by sending the output error back through the transposes of
the forward weights, a symmetry between forward and backward synapses that brains are
not known to have (the *weight transport problem*; :cite:t:`lillicrap2020backpropagation`
review it and the proposed ways around it). This module trains one small network with
five rules for assigning credit, each of which returns an *estimate* of the loss gradient
for a minibatch, so that one SGD step ``p <- p - lr * estimate`` serves them all:

``"backprop"``
    The exact gradient, ``delta_l = (W_{l+1}^T delta_{l+1}) * f'(z_l)``.
``"feedback alignment"``
    :cite:t:`lillicrap2016random`: the backward pass uses fixed random matrices ``B_{l+1}``
    in place of ``W_{l+1}^T``. The forward weights come to *align* with them, so that
    the error signal, though not the gradient, points downhill.
``"direct feedback alignment"``
    :cite:t:`nokland2016direct`: each hidden layer receives the output error
    ``e = softmax(z_L) - onehot(y)`` directly, through its own fixed random matrix
    ``D_l``: ``delta_l = (D_l e) * f'(z_l)``. No error travels layer by layer.
``"node perturbation"``
    :cite:t:`williams1992simple`, :cite:t:`fiete2006gradient`: a clean pass and a pass
    with Gaussian noise ``xi_l`` (standard deviation ``sigma``) added to every unit's
    input ``z_l``, a fresh draw for every example; the change in that example's loss
    ``dL`` reinforces the noise that caused it, ``delta_l ~ dL xi_l / sigma^2``, and each
    weight takes ``delta_l`` times its input. Only a global scalar, ``dL``, is broadcast.
``"weight perturbation"``
    :cite:t:`jabri1992weight`: every parameter at once is jiggled by Gaussian noise
    ``xi`` (one draw per minibatch), and the estimate is
    ``(L(theta + xi) - L(theta - xi)) / (2 sigma^2) * xi``.

Both perturbation rules are unbiased to first order in ``sigma`` (their average over
noise draws is the gradient, up to ``O(sigma^2)``), but their variance grows with the
number of perturbed quantities: units for node perturbation, weights for weight
perturbation, which is why both learn far more slowly than backprop in networks of any
size :cite:p:`werfel2005learning`.

=========================  ==========================================================
``RULES``                  the five rules' names, in the order above
``init_mlp``               Glorot-uniform weights and zero biases for given sizes
``init_feedback``          the fixed random ``B_l`` (FA) or ``D_l`` (DFA)
``forward``                the network's logits
``loss_and_accuracy``      mean cross-entropy and accuracy
``gradient_estimate``      one rule's estimate of the gradient on a minibatch
``alignment_angle``        the angle in degrees between two gradients
``train``                  minibatch SGD with a rule; returns a ``CreditResult``
``CreditResult``           what ``train`` returns
=========================  ==========================================================

Conventions. The network maps ``a_0 = X`` (one example per row, ``(B, sizes[0])``)
through ``z_l = a_{l-1} W_l^T + b_l`` and ``a_l = tanh(z_l)`` for the hidden layers
``l = 1 .. L-1``; the last ``z_L`` are the logits of a softmax, and the loss is the mean
cross-entropy over the batch. Parameters are a list of ``L`` pairs ``(W, b)``,
``W`` of shape ``(sizes[l], sizes[l-1])`` (output by input, the transpose of the
``Linear`` layer of chapter 04) and ``b`` of shape ``(sizes[l],)``, all ``float32``
(fast; the default) or all ``float64``. Feedback matrices are one per hidden layer,
each delivering that layer's error. Labels are integers ``0 .. sizes[-1] - 1``. Random
choices take a NumPy ``Generator``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from neurodl._validate import check_array, check_bool, check_choice, check_float, check_int
from neurodl.scratch.layers import _check_dtype, _check_rng
from neurodl.scratch.losses import log_softmax, softmax

__all__ = [
    "RULES",
    "init_mlp",
    "init_feedback",
    "forward",
    "loss_and_accuracy",
    "gradient_estimate",
    "alignment_angle",
    "CreditResult",
    "train",
]

#: The five credit-assignment rules, from exact to most local.
RULES: tuple[str, ...] = (
    "backprop",
    "feedback alignment",
    "direct feedback alignment",
    "node perturbation",
    "weight perturbation",
)

_FEEDBACK_RULES = ("feedback alignment", "direct feedback alignment")
_NOISY_RULES = ("node perturbation", "weight perturbation")
_MAX_WEIGHTS = 50_000_000
_MAX_STEPS = 10_000_000

Params = list[tuple[np.ndarray, np.ndarray]]


# ----------------------------------------------------------------------------- checks


def _check_sizes(sizes: Any) -> tuple[int, ...]:
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (Sequence, np.ndarray)):
        raise TypeError(f"sizes must be a sequence of layer widths (input first), got {type(sizes).__name__}")
    if isinstance(sizes, np.ndarray) and sizes.ndim != 1:
        raise ValueError(f"sizes must be 1-D (one width per layer), got shape {sizes.shape}")
    if len(sizes) < 2:
        raise ValueError(f"sizes must have at least 2 entries (the input and the output), got {len(sizes)}")
    if len(sizes) > 101:
        raise ValueError(f"sizes must have at most 101 entries (100 layers), got {len(sizes)}")
    sizes = tuple(check_int(f"sizes[{i}]", s, minimum=1, maximum=1_000_000) for i, s in enumerate(sizes))
    if sizes[-1] < 2:
        raise ValueError(f"sizes[-1] must be >= 2 (the number of classes of the softmax), got {sizes[-1]}")
    if sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)) > _MAX_WEIGHTS:
        raise ValueError(f"sizes ask for more than {_MAX_WEIGHTS:,} weights; use fewer or narrower layers")
    return sizes


def _check_params(params: Any, name: str = "params") -> Params:
    """A list of ``(W, b)`` pairs whose shapes chain, all float32 or all float64."""
    if not isinstance(params, (list, tuple)):
        kind = type(params).__name__
        raise TypeError(f"{name} must be a list of (W, b) pairs, as from init_mlp, got {kind}")
    if not 1 <= len(params) <= 100:
        raise ValueError(f"{name} must hold 1 to 100 (W, b) pairs, got {len(params)}")
    out, dtype = [], None
    for i, layer in enumerate(params):
        if not isinstance(layer, (list, tuple)) or len(layer) != 2:
            raise TypeError(f"{name}[{i}] must be a pair (W, b), got {type(layer).__name__}")
        W = check_array(f"{name}[{i}][0]", layer[0], ndim=2, dtype_kind="f")
        b = check_array(f"{name}[{i}][1]", layer[1], ndim=1, dtype_kind="f")
        dtype = W.dtype if dtype is None else dtype
        if dtype not in (np.float32, np.float64) or W.dtype != dtype or b.dtype != dtype:
            raise TypeError(
                f"{name} must be all float32 or all float64; {name}[{i}] holds {W.dtype} and {b.dtype} "
                f"(after {dtype}); convert with W.astype(np.float32)"
            )
        if b.shape != (W.shape[0],):
            raise ValueError(f"{name}[{i}][1] (the bias) must have shape ({W.shape[0]},) like W, got {b.shape}")
        if i and W.shape[1] != out[-1][0].shape[0]:
            raise ValueError(
                f"{name}[{i}][0] must have {out[-1][0].shape[0]} columns (the width of the layer below), "
                f"got shape {W.shape}"
            )
        out.append((W, b))
    if out[-1][0].shape[0] < 2:
        n_out = out[-1][0].shape[0]
        raise ValueError(f"{name}[-1] must have at least 2 outputs (classes of the softmax), got {n_out}")
    return out


def _sizes_of(params: Params) -> tuple[int, ...]:
    return (params[0][0].shape[1],) + tuple(W.shape[0] for W, _ in params)


def _check_data(
    X: Any, y: Any, sizes: tuple[int, ...], dtype: np.dtype, xname: str = "X", yname: str = "y"
) -> tuple[np.ndarray, np.ndarray]:
    X = check_array(xname, X, ndim=2, dtype_kind="biuf")
    if X.shape[1] != sizes[0]:
        raise ValueError(f"{xname} must have shape (n, {sizes[0]}) (one example per row), got {X.shape}")
    y = check_array(yname, y, ndim=1, dtype_kind="iu")
    if len(y) != len(X):
        raise ValueError(f"{yname} must have one label per row of {xname} ({len(X)}), got {len(y)}")
    if y.min() < 0 or y.max() >= sizes[-1]:
        raise ValueError(
            f"{yname} must hold labels 0 to {sizes[-1] - 1} (sizes[-1] classes), got {y.min()} to {y.max()}"
        )
    return X.astype(dtype, copy=False), y.astype(np.int64, copy=False)


def _feedback_shapes(rule: str, sizes: tuple[int, ...]) -> list[tuple[int, int]]:
    hidden = sizes[1:-1]
    if rule == "feedback alignment":  # B_{k+1} stands in for W_{k+1}^T: (hidden k, the layer above)
        return [(n, sizes[k + 2]) for k, n in enumerate(hidden)]
    if rule == "direct feedback alignment":  # D_k: (hidden k, the output)
        return [(n, sizes[-1]) for n in hidden]
    return []


def _check_feedback(feedback: Any, rule: str, sizes: tuple[int, ...], dtype: np.dtype) -> list[np.ndarray]:
    shapes = _feedback_shapes(rule, sizes)
    if rule not in _FEEDBACK_RULES:
        if feedback is None or (isinstance(feedback, (list, tuple)) and len(feedback) == 0):
            return []
        raise ValueError(f"feedback must be None (or empty) for rule {rule!r}, which uses no feedback")
    if feedback is None:
        raise TypeError(f"feedback must be a list of matrices for rule {rule!r} (see init_feedback), got None")
    if not isinstance(feedback, (list, tuple)):
        kind = type(feedback).__name__
        raise TypeError(f"feedback must be a list of {len(shapes)} arrays (from init_feedback), got {kind}")
    if len(feedback) != len(shapes):
        raise ValueError(f"feedback must hold {len(shapes)} matrices (one a hidden layer), got {len(feedback)}")
    out = []
    for k, (M, shape) in enumerate(zip(feedback, shapes, strict=True)):
        M = check_array(f"feedback[{k}]", M, ndim=2, dtype_kind="biuf")
        if M.shape != shape:
            raise ValueError(f"feedback[{k}] must have shape {shape} for rule {rule!r}, got {M.shape}")
        out.append(M.astype(dtype, copy=False))
    return out


# ----------------------------------------------------------------------------- the network


def _glorot(shape: tuple[int, int], rng: np.random.Generator, dtype: np.dtype) -> np.ndarray:
    limit = np.sqrt(6.0 / (shape[0] + shape[1]))
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def init_mlp(sizes: Sequence[int], *, rng: np.random.Generator, dtype: Any = np.float32) -> Params:
    """Initial parameters of the network: Glorot-uniform weights and zero biases.

    Introduced in chapter 10. Each ``W_l`` (shape ``(sizes[l], sizes[l-1])``) is drawn
    uniformly from ``[-r, r]`` with ``r = sqrt(6 / (sizes[l-1] + sizes[l]))``, which keeps
    the variance of ``tanh`` activity roughly constant from layer to layer
    :cite:p:`glorot2010understanding`.

    Parameters
    ----------
    sizes
        Layer widths, input first and the number of classes last, e.g.
        ``(784, 128, 128, 10)``; at least 2 entries, the last >= 2.
    rng
        The generator for the weights.
    dtype
        ``np.float32`` (default; fast) or ``np.float64``.

    Returns
    -------
    list of (W, b)
        One pair per layer, ``L = len(sizes) - 1`` pairs.
    """
    sizes = _check_sizes(sizes)
    rng = _check_rng(rng)
    dt = _check_dtype(dtype)
    pairs = zip(sizes[:-1], sizes[1:], strict=True)
    return [(_glorot((n_out, n_in), rng, dt), np.zeros(n_out, dtype=dt)) for n_in, n_out in pairs]


def init_feedback(
    rule: str, sizes: Sequence[int], *, rng: np.random.Generator, dtype: Any = np.float32
) -> list[np.ndarray]:
    """The fixed random feedback matrices of a rule, one per hidden layer.

    Introduced in chapter 10. For ``"feedback alignment"``, ``B_k`` of shape
    ``(sizes[k+1], sizes[k+2])`` carries the error of the layer above hidden layer ``k``
    (``k = 0 .. L-2``, counting hidden layers from the input) in place of that layer's
    ``W^T``; for ``"direct feedback alignment"``, ``D_k`` of shape ``(sizes[k+1],
    sizes[-1])`` carries the output error straight to hidden layer ``k``. Both are drawn
    Glorot-uniform like the forward weights (:func:`init_mlp`), so each ``B_k`` has the
    distribution of the ``W^T`` it replaces, and the last ``D_k`` that of ``W_L^T``. For
    the other rules the list is empty.

    Parameters
    ----------
    rule
        One of :data:`RULES`.
    sizes
        The network's layer widths, as for :func:`init_mlp`.
    rng
        The generator for the matrices.
    dtype
        ``np.float32`` (default) or ``np.float64``.
    """
    rule = check_choice("rule", rule, RULES)
    sizes = _check_sizes(sizes)
    rng = _check_rng(rng)
    dt = _check_dtype(dtype)
    return [_glorot(shape, rng, dt) for shape in _feedback_shapes(rule, sizes)]


def _forward(params: Params, X: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The activations ``[a_0 = X, a_1, ..., a_{L-1}]`` and the logits ``z_L``."""
    acts, h = [X], X
    for W, b in params[:-1]:
        h = np.tanh(h @ W.T + b)
        acts.append(h)
    W, b = params[-1]
    return acts, h @ W.T + b


def _example_losses(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Cross-entropy of each example, ``-log softmax(z)_y`` (chapter 03's stable form), shape ``(B,)``."""
    return -log_softmax(logits)[np.arange(len(y)), y]


def forward(params: Any, X: Any) -> np.ndarray:
    """The network's logits ``z_L`` for the inputs ``X``, shape ``(B, sizes[-1])``.

    Introduced in chapter 10. ``softmax`` of the logits gives the class probabilities;
    their ``argmax`` the predicted class.

    Parameters
    ----------
    params
        A list of ``(W, b)`` pairs, as from :func:`init_mlp`.
    X
        Inputs, ``(B, sizes[0])``; computed in the parameters' dtype.
    """
    params = _check_params(params)
    X = check_array("X", X, ndim=2, dtype_kind="biuf")
    if X.shape[1] != params[0][0].shape[1]:
        raise ValueError(f"X must have shape (B, {params[0][0].shape[1]}) (an example per row), got {X.shape}")
    return _forward(params, X.astype(params[0][0].dtype, copy=False))[1]


def _loss_and_accuracy(params: Params, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    logits = _forward(params, X)[1]
    loss = float(np.mean(_example_losses(logits, y), dtype=np.float64))
    return loss, float(np.mean(np.argmax(logits, axis=1) == y))


def loss_and_accuracy(params: Any, X: Any, y: Any) -> tuple[float, float]:
    """The mean cross-entropy (in nats) and the fraction of ``X`` classified correctly.

    Introduced in chapter 10.

    Parameters
    ----------
    params
        A list of ``(W, b)`` pairs, as from :func:`init_mlp`.
    X
        Inputs, ``(n, sizes[0])``.
    y
        Integer labels ``0 .. sizes[-1] - 1``, ``(n,)``.
    """
    params = _check_params(params)
    X, y = _check_data(X, y, _sizes_of(params), params[0][0].dtype)
    return _loss_and_accuracy(params, X, y)


# ----------------------------------------------------------------------------- the rules


def _backward(
    params: Params, acts: list[np.ndarray], delta: np.ndarray, rule: str, feedback: list[np.ndarray]
) -> Params:
    """Gradients (or FA/DFA's pseudo-gradients) from the output delta ``dLoss/dz_L``."""
    L = len(params)
    grads: list[Any] = [None] * L
    error = delta  # the output error, for DFA
    for i in range(L - 1, -1, -1):  # params[i] maps acts[i] to z_{i+1}
        grads[i] = (delta.T @ acts[i], delta.sum(axis=0))
        if i == 0:
            break
        if rule == "backprop":
            back = delta @ params[i][0]
        elif rule == "feedback alignment":
            back = delta @ feedback[i - 1].T
        else:  # direct feedback alignment
            back = error @ feedback[i - 1].T
        delta = back * (1 - acts[i] ** 2)  # tanh'(z) = 1 - tanh(z)^2
    return grads


def _node_perturbation(
    params: Params, X: np.ndarray, y: np.ndarray, sigma: float, rng: np.random.Generator
) -> Params:
    dt = params[0][0].dtype
    clean = _example_losses(_forward(params, X)[1], y)
    h, inputs, noise = X, [], []
    for i, (W, b) in enumerate(params):
        z = h @ W.T + b
        xi = (sigma * rng.standard_normal(z.shape, dtype=dt)).astype(dt, copy=False)
        inputs.append(h)
        noise.append(xi)
        h = np.tanh(z + xi) if i < len(params) - 1 else z + xi
    change = (_example_losses(h, y) - clean) / (sigma**2 * len(X))  # dL / (sigma^2 B), one per example
    grads = []
    for a, xi in zip(inputs, noise, strict=True):
        delta = change[:, None] * xi
        grads.append((delta.T @ a, delta.sum(axis=0)))
    return grads


def _weight_perturbation(
    params: Params, X: np.ndarray, y: np.ndarray, sigma: float, rng: np.random.Generator
) -> Params:
    dt = params[0][0].dtype
    noise = [
        tuple((sigma * rng.standard_normal(p.shape, dtype=dt)).astype(dt, copy=False) for p in layer)
        for layer in params
    ]
    plus = [(W + nW, b + nb) for (W, b), (nW, nb) in zip(params, noise, strict=True)]
    minus = [(W - nW, b - nb) for (W, b), (nW, nb) in zip(params, noise, strict=True)]
    up = np.mean(_example_losses(_forward(plus, X)[1], y), dtype=np.float64)
    down = np.mean(_example_losses(_forward(minus, X)[1], y), dtype=np.float64)
    c = dt.type((up - down) / (2 * sigma**2))
    return [(c * nW, c * nb) for nW, nb in noise]


def _estimate(
    rule: str, params: Params, X: np.ndarray, y: np.ndarray, feedback: list[np.ndarray], sigma: float, rng: Any
) -> Params:
    if rule == "node perturbation":
        return _node_perturbation(params, X, y, sigma, rng)
    if rule == "weight perturbation":
        return _weight_perturbation(params, X, y, sigma, rng)
    acts, logits = _forward(params, X)
    delta = softmax(logits)
    delta[np.arange(len(y)), y] -= 1
    delta /= len(y)  # dLoss/dz_L of the batch-mean loss
    return _backward(params, acts, delta, rule, feedback)


def gradient_estimate(
    rule: str,
    params: Any,
    X: Any,
    y: Any,
    *,
    feedback: Any = None,
    sigma: float = 1e-2,
    rng: np.random.Generator | None = None,
) -> Params:
    """One rule's estimate of the gradient of the mean cross-entropy on the minibatch ``(X, y)``.

    Introduced in chapter 10. Returns a list of ``(dW, db)`` of the shapes and dtype of
    ``params``, so that ``W -= lr * dW`` is a step of every rule. ``"backprop"`` gives
    the exact gradient :cite:p:`rumelhart1986learning`; ``"feedback alignment"``
    :cite:p:`lillicrap2016random` and ``"direct feedback alignment"``
    :cite:p:`nokland2016direct` give the same output-layer gradient but hidden-layer
    updates built from random feedback; ``"node perturbation"``
    :cite:p:`williams1992simple,fiete2006gradient` and ``"weight perturbation"``
    :cite:p:`jabri1992weight` give random estimates whose mean over the noise is the
    gradient up to ``O(sigma^2)`` (see the module docstring for the formulas).

    Node perturbation takes each weight's input from the noisy pass (what the synapse saw
    while the noise was on): ``dW_l = sum_b dL_b xi_{l,b} a~_{l-1,b}^T / (sigma^2 B)``, with
    ``dL_b`` the change of example ``b``'s loss between the clean and the noisy pass. Weight
    perturbation draws one ``xi`` for all parameters and the whole batch (two forward passes,
    at ``theta + xi`` and ``theta - xi``).

    Parameters
    ----------
    rule
        One of :data:`RULES`.
    params
        A list of ``(W, b)`` pairs, as from :func:`init_mlp`.
    X, y
        The minibatch: inputs ``(B, sizes[0])`` and integer labels ``(B,)``.
    feedback
        The list from :func:`init_feedback`, required for the two feedback-alignment rules;
        ``None`` (or empty) for the others.
    sigma
        The standard deviation of the perturbation rules' noise, > 0 (default 0.01); unused
        by the other rules.
    rng
        The generator of the perturbation rules' noise, required for them; unused otherwise.
    """
    rule = check_choice("rule", rule, RULES)
    params = _check_params(params)
    sizes = _sizes_of(params)
    dtype = params[0][0].dtype
    X, y = _check_data(X, y, sizes, dtype)
    feedback = _check_feedback(feedback, rule, sizes, dtype)
    sigma = check_float("sigma", sigma, minimum=0.0, maximum=1e3, exclusive_minimum=True)
    if rule in _NOISY_RULES:
        rng = _check_rng(rng)
    elif rng is not None:
        _check_rng(rng)
    with np.errstate(over="ignore", invalid="ignore"):
        return _estimate(rule, params, X, y, feedback, sigma, rng)


def _flatten(name: str, value: Any, depth: int = 0) -> tuple[list[tuple[int, ...]], np.ndarray]:
    """The shapes of the pieces of ``value`` and their entries as one float64 vector."""
    if isinstance(value, (list, tuple)) and depth < 2:
        if len(value) == 0:
            raise ValueError(f"{name} must not be empty")
        shapes, parts = [], []
        for i, item in enumerate(value):
            s, v = _flatten(f"{name}[{i}]", item, depth + 1)
            shapes += s
            parts.append(v)
        return shapes, np.concatenate(parts)
    array = check_array(name, value, dtype_kind="biuf")
    return [array.shape], array.astype(np.float64).ravel()


def alignment_angle(a: Any, b: Any) -> float:
    """The angle in degrees between two gradients, each flattened into one vector.

    Introduced in chapter 10. 0 means the same direction, 90 orthogonal (no help), 180
    opposite. ``a`` and ``b`` may be arrays or lists of arrays or of ``(dW, db)`` pairs,
    as :func:`gradient_estimate` returns; pass one layer's ``dW`` for a layer-wise angle.

    Parameters
    ----------
    a, b
        Gradients of the same structure and shapes, neither all zero.
    """
    shapes_a, va = _flatten("a", a)
    shapes_b, vb = _flatten("b", b)
    if shapes_a != shapes_b:
        raise ValueError(f"a and b must have the same shapes, got {shapes_a[:4]} and {shapes_b[:4]}")
    with np.errstate(over="ignore"):  # a norm too large for a float is refused below
        na, nb = np.linalg.norm(va), np.linalg.norm(vb)
    for name, norm in (("a", na), ("b", nb)):
        if not 0 < norm < np.inf:
            raise ValueError(f"{name} must have a finite, non-zero norm for an angle to exist, got {norm}")
    cosine = float(np.dot(va / na, vb / nb))
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))


# ----------------------------------------------------------------------------- training


@dataclass(frozen=True)
class CreditResult:
    """What :func:`train` returns.

    Introduced in chapter 10.

    Attributes
    ----------
    rule
        The rule used.
    params
        The final parameters, a list of ``(W, b)``.
    feedback
        The fixed feedback matrices used (empty unless a feedback-alignment rule).
    eval_steps
        The steps at which the network was evaluated, ``0, eval_every, ..., steps``
        (the number of updates made before each evaluation), int array.
    val_accuracy, val_loss
        Validation accuracy and mean cross-entropy at each of ``eval_steps``.
    steps_to_target
        The first of ``eval_steps`` whose validation accuracy is >= ``target``; ``None``
        if never reached or no target was given.
    alignment
        With ``track_alignment``, at each of ``eval_steps``, the angle in degrees between
        the rule's estimate for the first layer's weights ``W_1`` and backprop's gradient,
        both on the same probe batch (the first ``batch_size`` validation examples);
        ``None`` otherwise.
    batches
        The example indices of every step's minibatch, ``(steps, batch_size)``: the same
        for every rule given the same seed.
    seconds
        Wall-clock time of the run, evaluations included.
    """

    rule: str
    params: Params
    feedback: list[np.ndarray]
    eval_steps: np.ndarray
    val_accuracy: np.ndarray
    val_loss: np.ndarray
    steps_to_target: int | None
    alignment: np.ndarray | None
    batches: np.ndarray
    seconds: float


def _batches(n: int, steps: int, batch_size: int, rng: np.random.Generator) -> np.ndarray:
    """Shuffled epochs cut into minibatches; an epoch's incomplete last batch is left out."""
    per_epoch = n // batch_size
    epochs = -(-steps // per_epoch)
    order = np.concatenate([rng.permutation(n)[: per_epoch * batch_size] for _ in range(epochs)])
    return order[: steps * batch_size].reshape(steps, batch_size)


def train(
    rule: str,
    X: Any,
    y: Any,
    X_val: Any,
    y_val: Any,
    *,
    sizes: Sequence[int],
    steps: int,
    batch_size: int,
    lr: float,
    rng: np.random.Generator,
    eval_every: int = 100,
    sigma: float = 1e-2,
    momentum: float = 0.0,
    target: float | None = None,
    track_alignment: bool = False,
    readout_only: bool = False,
    dtype: Any = np.float32,
) -> CreditResult:
    """Train a fresh network with one credit-assignment rule by minibatch SGD.

    Introduced in chapter 10. Each step draws the next minibatch, asks
    :func:`gradient_estimate` for the rule's estimate ``g`` and moves every parameter by
    ``v <- momentum * v + g``, ``p <- p - lr * v`` (plain SGD when ``momentum = 0``). The
    validation set is scored before the first step, every ``eval_every`` steps and after
    the last.

    Four seeds are drawn from ``rng`` first, whatever the rule: for the initial weights,
    the feedback matrices, the minibatch order and the perturbation noise (and a fifth for
    the alignment probe's noise). So the same ``rng`` seed gives every rule the same
    initial network and the same sequence of minibatches, and the noise of the
    perturbation rules does not shift the batches.

    Parameters
    ----------
    rule
        One of :data:`RULES`.
    X, y
        Training inputs ``(n, sizes[0])`` and integer labels ``(n,)``.
    X_val, y_val
        Validation inputs and labels.
    sizes
        The layer widths, e.g. ``(784, 128, 128, 10)``; ``sizes[0]`` must be the width of
        ``X`` and ``sizes[-1]`` larger than every label.
    steps
        The number of updates, >= 1.
    batch_size
        Examples per minibatch, 1 to ``n``; the data are shuffled each epoch.
    lr
        The learning rate, > 0.
    rng
        The generator the run's seeds are drawn from (see above).
    eval_every
        Evaluate every this many steps, >= 1 (default 100).
    sigma
        The perturbation rules' noise, > 0 (default 0.01).
    momentum
        0 <= momentum < 1 (default 0), the same for every rule.
    target
        A validation accuracy in [0, 1] for :attr:`CreditResult.steps_to_target`, or
        ``None`` (default).
    track_alignment
        Record :attr:`CreditResult.alignment` (default ``False``); it costs one backprop
        and one estimate on a probe batch per evaluation and does not change the run.
    readout_only
        Update only the last layer (default ``False``): a control in which the hidden
        layers keep their random initial weights, so that only the readout learns. With
        ``"backprop"`` it shows how much of a rule's accuracy needs no hidden-layer learning.
    dtype
        ``np.float32`` (default) or ``np.float64``.
    """
    start = time.perf_counter()
    rule = check_choice("rule", rule, RULES)
    sizes = _check_sizes(sizes)
    dt = _check_dtype(dtype)
    X, y = _check_data(X, y, sizes, dt)
    X_val, y_val = _check_data(X_val, y_val, sizes, dt, "X_val", "y_val")
    steps = check_int("steps", steps, minimum=1, maximum=_MAX_STEPS)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if batch_size > len(X):
        raise ValueError(f"batch_size must be at most the number of examples in X, {len(X)}, got {batch_size}")
    lr = check_float("lr", lr, minimum=0.0, maximum=1e6, exclusive_minimum=True)
    rng = _check_rng(rng)
    eval_every = check_int("eval_every", eval_every, minimum=1)
    sigma = check_float("sigma", sigma, minimum=0.0, maximum=1e3, exclusive_minimum=True)
    momentum = check_float("momentum", momentum, minimum=0.0, maximum=1.0, exclusive_maximum=True)
    if target is not None:
        target = check_float("target", target, minimum=0.0, maximum=1.0)
    track_alignment = check_bool("track_alignment", track_alignment)
    readout_only = check_bool("readout_only", readout_only)
    if steps * batch_size > 50_000_000:
        raise ValueError(f"steps * batch_size must be at most 50,000,000, got {steps * batch_size}")

    seeds = rng.integers(0, 2**63 - 1, size=5)
    init_rng, feedback_rng, batch_rng, noise_rng, probe_rng = (np.random.default_rng(s) for s in seeds)
    params = init_mlp(sizes, rng=init_rng, dtype=dt)
    feedback = init_feedback(rule, sizes, rng=feedback_rng, dtype=dt)
    batches = _batches(len(X), steps, batch_size, batch_rng)
    velocity = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params] if momentum else None
    probe = (X_val[:batch_size], y_val[:batch_size])

    eval_steps, accuracy, loss, alignment = [], [], [], []

    def evaluate(step: int) -> None:
        val_loss, val_acc = _loss_and_accuracy(params, X_val, y_val)
        eval_steps.append(step)
        loss.append(val_loss)
        accuracy.append(val_acc)
        if track_alignment:
            exact = _estimate("backprop", params, *probe, [], sigma, None)[0][0]
            if rule == "backprop":
                alignment.append(0.0)
            else:
                estimate = _estimate(rule, params, *probe, feedback, sigma, probe_rng)[0][0]
                na, nb = np.linalg.norm(exact), np.linalg.norm(estimate)
                ok = np.isfinite(na * nb) and na * nb > 0
                cos = float(np.sum(exact.astype(np.float64) * estimate) / (na * nb)) if ok else np.nan
                alignment.append(float(np.degrees(np.arccos(np.clip(cos, -1, 1)))) if ok else np.nan)

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        evaluate(0)
        for t in range(steps):
            idx = batches[t]
            grads = _estimate(rule, params, X[idx], y[idx], feedback, sigma, noise_rng)
            first = len(params) - 1 if readout_only else 0  # a readout-only control leaves the rest
            if velocity is None:
                for (W, b), (dW, db) in zip(params[first:], grads[first:], strict=True):
                    W -= lr * dW
                    b -= lr * db
            else:
                for (W, b), (vW, vb), (dW, db) in zip(params[first:], velocity[first:], grads[first:], strict=True):
                    vW *= momentum
                    vW += dW
                    vb *= momentum
                    vb += db
                    W -= lr * vW
                    b -= lr * vb
            if (t + 1) % eval_every == 0 or t + 1 == steps:
                evaluate(t + 1)

    accuracy_array = np.array(accuracy)
    reached = None
    if target is not None:
        hits = np.flatnonzero(accuracy_array >= target)
        reached = int(eval_steps[hits[0]]) if len(hits) else None
    return CreditResult(
        rule=rule,
        params=params,
        feedback=feedback,
        eval_steps=np.array(eval_steps),
        val_accuracy=accuracy_array,
        val_loss=np.array(loss),
        steps_to_target=reached,
        alignment=np.array(alignment) if track_alignment else None,
        batches=batches,
        seconds=time.perf_counter() - start,
    )
