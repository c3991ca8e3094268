"""Recurrent networks in NumPy: a vanilla RNN with backpropagation through time, an LSTM and a GRU.

Introduced in chapter 07. A recurrent network reads a sequence one step at a time and
carries a hidden state ``h`` from each step to the next, so that what it saw earlier can
shape what it does now. The three cells here are those of :mod:`torch.nn`, with the same
equations and the same gate order, so weights copy across directly
(:func:`params_from_torch`) and the tests check every output against PyTorch:

==========================  ====================================================
``rnn_params``              the weights of a vanilla (Elman) RNN, optionally with a
                            recurrent matrix of a chosen spectral radius
``rnn_forward``             ``h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h)``
``rnn_backward``            backpropagation through time (BPTT)
``lstm_params``             the weights of a long short-term memory cell
``lstm_forward``            the LSTM of :cite:t:`hochreiter1997long`, with the forget
                            gate of Gers et al. (2000), as in PyTorch
``gru_params``              the weights of a gated recurrent unit
``gru_forward``             the GRU of Cho et al. (2014), as in PyTorch
``params_from_torch``       copy ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` weights to NumPy
``spectral_radius``         the largest ``|eigenvalue|`` of a square matrix
==========================  ====================================================

Conventions: row vectors and batch first. A batch of sequences ``X`` has shape
``(N, T, D)`` (``N`` sequences of ``T`` steps with ``D`` features each), the hidden
state has ``H`` units, and the hidden states of every step come back as ``H_all`` of
shape ``(N, T, H)``. Weights multiply from the right (``x @ W_xh``), so ``W_xh`` has
shape ``(D, H)``: the transpose of PyTorch's ``weight_ih_l0``. The gates of the LSTM
(input ``i``, forget ``f``, cell candidate ``g``, output ``o``) and the GRU (reset ``r``,
update ``z``, new ``n``) are stacked side by side in that order, as PyTorch stacks them.

Parameters are dicts of NumPy arrays, in ``float64`` by default (for gradient checks);
pass ``dtype=np.float32`` for speed. Computations run in the parameters' dtype.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from neurodl._validate import _describe, check_array, check_float, check_int
from neurodl.scratch.activations import sigmoid as _sigmoid
from neurodl.scratch.layers import _check_dtype, _check_rng

__all__ = [
    "rnn_params",
    "rnn_forward",
    "rnn_backward",
    "lstm_params",
    "lstm_forward",
    "gru_params",
    "gru_forward",
    "params_from_torch",
    "spectral_radius",
]

#: The keys of each kind of parameter dict, and the function that makes it.
_KEYS: dict[str, tuple[tuple[str, ...], str]] = {
    "rnn": (("W_xh", "W_hh", "b_h"), "rnn_params"),
    "lstm": (("W_x", "W_h", "b"), "lstm_params"),
    "gru": (("W_x", "W_h", "b_x", "b_h"), "gru_params"),
}

#: How many gates each cell stacks side by side in its weight matrices.
_GATES = {"rnn": 1, "lstm": 4, "gru": 3}
_NAMES = {"rnn": "an RNN", "lstm": "an LSTM", "gru": "a GRU"}


# ----------------------------------------------------------------------------- checks


def _check_params(params: Any, kind: str) -> tuple[dict[str, np.ndarray], int, int]:
    """Validate a parameter dict of ``kind``; return it (common float dtype), ``D`` and ``H``."""
    keys, maker = _KEYS[kind]
    expected = ", ".join(repr(k) for k in keys)
    if not isinstance(params, Mapping):
        raise TypeError(
            f"params must be a dict with keys {expected} (as {maker} returns), got {_describe(params)}"
        )
    if set(params) != set(keys):
        got = sorted(str(k) for k in params)
        other = next((k for k, (ks, _) in _KEYS.items() if set(ks) == set(params)), None)
        hint = f" (the parameters of {_NAMES[other]}: use {other}_forward)" if other else ""
        raise ValueError(
            f"params must have exactly the keys {expected} (as {maker} returns), got keys {got}{hint}"
        )
    arrays = {k: check_array(f"params[{k!r}]", params[k], dtype_kind="f") for k in keys}
    dtype = np.result_type(*arrays.values())
    arrays = {k: a.astype(dtype, copy=False) for k, a in arrays.items()}
    G = _GATES[kind]
    W_x, W_h = arrays[keys[0]], arrays[keys[1]]
    if W_h.ndim != 2 or W_h.shape[1] != G * W_h.shape[0]:
        shape = "(H, H)" if G == 1 else f"(H, {G}H)"
        raise ValueError(f"params[{keys[1]!r}] must have shape {shape}, got {W_h.shape}")
    H = W_h.shape[0]
    if W_x.ndim != 2 or W_x.shape[1] != G * H:
        width = "H" if G == 1 else f"{G}H"
        raise ValueError(
            f"params[{keys[0]!r}] must have shape (D, {width}) with {width} = {G * H} "
            f"(from params[{keys[1]!r}]), got {W_x.shape}"
        )
    for k in keys[2:]:
        if arrays[k].shape != (G * H,):
            raise ValueError(
                f"params[{k!r}] must have shape ({G * H},) to match params[{keys[1]!r}], got {arrays[k].shape}"
            )
    return arrays, W_x.shape[0], H


def _check_X(X: Any, D: int, dtype: np.dtype, name: str = "X") -> np.ndarray:
    """``X`` as an ``(N, T, D)`` array in the parameters' dtype."""
    X = check_array(name, X, ndim=3, dtype_kind="f")
    if X.shape[2] != D:
        raise ValueError(
            f"{name} must have shape (N, T, D) with D = {D} (the input size of params), got {X.shape}"
        )
    return X.astype(dtype, copy=False)


def _check_state(name: str, value: Any, N: int, H: int, dtype: np.dtype) -> np.ndarray:
    """An initial state of shape ``(N, H)``; zeros if ``value`` is None."""
    if value is None:
        return np.zeros((N, H), dtype=dtype)
    value = check_array(name, value, ndim=2, dtype_kind="f")
    if value.shape != (N, H):
        raise ValueError(
            f"{name} must have shape (N, H) = ({N}, {H}), one state per sequence of X, got {value.shape}"
        )
    return value.astype(dtype, copy=False)


def _check_cache(cache: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Validate the cache of :func:`rnn_forward`; return ``X, h0, H_all, params``."""
    keys = ("X", "h0", "H_all", "params")
    expected = f"the dict rnn_forward returns, with keys {', '.join(repr(k) for k in keys)}"
    if not isinstance(cache, Mapping):
        raise TypeError(f"cache must be {expected}; got {_describe(cache)}")
    if set(cache) != set(keys):
        raise ValueError(f"cache must be {expected}; got keys {sorted(str(k) for k in cache)}")
    try:
        p, D, H = _check_params(cache["params"], "rnn")
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"cache['params']: {exc}") from exc
    X = _check_X(cache["X"], D, p["W_hh"].dtype, name="cache['X']")
    N, T, _ = X.shape
    h0 = _check_state("cache['h0']", cache["h0"], N, H, p["W_hh"].dtype)
    H_all = check_array("cache['H_all']", cache["H_all"], ndim=3, dtype_kind="f")
    if H_all.shape != (N, T, H):
        raise ValueError(f"cache['H_all'] must have shape {(N, T, H)}, got {H_all.shape}")
    return X, h0, H_all, p


def _uniform(rng: np.random.Generator, shape: tuple[int, ...], H: int) -> np.ndarray:
    """PyTorch's initialisation of recurrent layers: uniform on ``(-1/sqrt(H), 1/sqrt(H))``."""
    bound = 1.0 / np.sqrt(H)
    return rng.uniform(-bound, bound, size=shape)


def _check_sizes(
    input_size: Any, hidden_size: Any, rng: Any, dtype: Any
) -> tuple[int, int, np.random.Generator, np.dtype]:
    D = check_int("input_size", input_size, minimum=1)
    H = check_int("hidden_size", hidden_size, minimum=1)
    return D, H, _check_rng(rng), _check_dtype(dtype)


# ----------------------------------------------------------------------------- vanilla RNN


def rnn_params(
    input_size: int,
    hidden_size: int,
    *,
    rng: np.random.Generator,
    spectral_radius: float | None = None,
    dtype: Any = np.float64,
) -> dict[str, np.ndarray]:
    """The weights of a vanilla RNN: ``{"W_xh": (D, H), "W_hh": (H, H), "b_h": (H,)}``.

    Introduced in chapter 07.

    Parameters
    ----------
    input_size, hidden_size
        ``D`` and ``H``.
    rng
        The generator that draws the weights (``rng = neurodl.set_seed(0)``).
    spectral_radius
        ``None`` (default): every entry uniform on ``(-1/sqrt(H), 1/sqrt(H))``, as PyTorch
        initialises ``nn.RNN``. A number ``rho >= 0``: ``W_hh`` is instead a Gaussian matrix
        with entries of variance ``1/H``, rescaled so that its spectral radius (largest
        ``|eigenvalue|``) is exactly ``rho``. Below 1 a signal fed back through ``W_hh``
        fades away, above 1 it can grow: the knob behind vanishing and exploding gradients.
    dtype
        ``np.float64`` (default, for gradient checks) or ``np.float32``.
    """
    D, H, rng, dt = _check_sizes(input_size, hidden_size, rng, dtype)
    if spectral_radius is not None:
        spectral_radius = check_float("spectral_radius", spectral_radius, minimum=0.0)
    W_xh = _uniform(rng, (D, H), H)
    if spectral_radius is None:
        W_hh = _uniform(rng, (H, H), H)
    else:
        W_hh = rng.normal(0.0, 1.0 / np.sqrt(H), size=(H, H))
        W_hh *= spectral_radius / _spectral_radius(W_hh)
    b_h = _uniform(rng, (H,), H)
    return {"W_xh": W_xh.astype(dt), "W_hh": W_hh.astype(dt), "b_h": b_h.astype(dt)}


def rnn_forward(X: Any, params: Mapping[str, Any], h0: Any = None) -> tuple[np.ndarray, dict[str, Any]]:
    """Run a vanilla RNN over the sequences ``X``: ``h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h)``.

    Introduced in chapter 07.

    Parameters
    ----------
    X
        Input sequences, shape ``(N, T, D)``.
    params
        The dict :func:`rnn_params` returns (or :func:`params_from_torch` of an ``nn.RNN``).
    h0
        The initial hidden state, shape ``(N, H)``; zeros if ``None``.

    Returns
    -------
    H_all
        The hidden state after every step, shape ``(N, T, H)``; ``H_all[:, -1]`` is the last.
    cache
        What :func:`rnn_backward` needs (the inputs, the states and the weights).
    """
    p, D, H = _check_params(params, "rnn")
    dtype = p["W_hh"].dtype
    X = _check_X(X, D, dtype)
    N, T, _ = X.shape
    h0 = h = _check_state("h0", h0, N, H, dtype)
    H_all = np.empty((N, T, H), dtype=dtype)
    for t in range(T):
        h = np.tanh(X[:, t] @ p["W_xh"] + h @ p["W_hh"] + p["b_h"])
        H_all[:, t] = h
    cache = {"X": X, "h0": h0, "H_all": H_all, "params": p}
    return H_all, cache


def rnn_backward(dH: Any, cache: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Backpropagation through time: the gradients of a loss with respect to the RNN's weights, ``X`` and ``h0``.

    Introduced in chapter 07. The chain rule of chapter 04, applied to the network
    unrolled in time: walking back from the last step to the first, the gradient
    reaching ``h_t`` is what arrives from above (``dH[:, t]``) plus what flows back from
    ``h_{t+1}`` through ``W_hh``. Each step back multiplies that second part by
    ``W_hh^T`` and by ``tanh'``, which is why it can vanish or explode over long
    sequences :cite:p:`bengio1994learning`.

    Parameters
    ----------
    dH
        The gradient of the loss with respect to every hidden state, ``dLoss/dH_all``,
        shape ``(N, T, H)``: zeros at the steps the loss does not look at.
    cache
        The second value :func:`rnn_forward` returned.

    Returns
    -------
    grads
        ``{"W_xh": ..., "W_hh": ..., "b_h": ...}``, shaped like the parameters.
    dX
        ``dLoss/dX``, shape ``(N, T, D)``.
    dh0
        ``dLoss/dh0``, shape ``(N, H)``.
    """
    X, h0, H_all, p = _check_cache(cache)
    dH = check_array("dH", dH, ndim=3, dtype_kind="f")
    if dH.shape != H_all.shape:
        raise ValueError(f"dH must have the shape of H_all {H_all.shape}, got {dH.shape}")
    dH = dH.astype(X.dtype, copy=False)
    W_xh, W_hh = p["W_xh"], p["W_hh"]
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    dX = np.zeros_like(X)
    dh_next = np.zeros_like(h0)  # the gradient flowing back into h_t from step t + 1
    for t in reversed(range(X.shape[1])):
        h_prev = H_all[:, t - 1] if t > 0 else h0
        dh = dH[:, t] + dh_next  # from above, and from the future
        da = dh * (1.0 - H_all[:, t] ** 2)  # back through tanh: tanh'(a) = 1 - h^2
        grads["W_xh"] += X[:, t].T @ da  # each step adds its share: the weights are shared
        grads["W_hh"] += h_prev.T @ da
        grads["b_h"] += da.sum(axis=0)
        dX[:, t] = da @ W_xh.T
        dh_next = da @ W_hh.T  # on to h_{t-1}
    dh0 = dh_next  # what flows back out of step 0
    return grads, dX, dh0


# ----------------------------------------------------------------------------- LSTM


def lstm_params(
    input_size: int,
    hidden_size: int,
    *,
    rng: np.random.Generator,
    forget_bias: float = 0.0,
    dtype: Any = np.float64,
) -> dict[str, np.ndarray]:
    """The weights of an LSTM: ``{"W_x": (D, 4H), "W_h": (H, 4H), "b": (4H,)}``.

    Introduced in chapter 07. The four blocks of ``H`` columns are the gates in PyTorch's
    order: input ``i``, forget ``f``, cell candidate ``g``, output ``o``. Every entry is
    uniform on ``(-1/sqrt(H), 1/sqrt(H))``, as in ``nn.LSTM``; ``forget_bias`` is then
    added to the forget gate's biases ``b[H:2H]`` (1.0 is a common choice, which makes the
    cell remember by default at the start of training).

    Parameters
    ----------
    input_size, hidden_size
        ``D`` and ``H``.
    rng
        The generator that draws the weights.
    forget_bias
        Added to the forget gate's biases (default 0, as in PyTorch).
    dtype
        ``np.float64`` (default) or ``np.float32``.
    """
    D, H, rng, dt = _check_sizes(input_size, hidden_size, rng, dtype)
    forget_bias = check_float("forget_bias", forget_bias)
    W_x = _uniform(rng, (D, 4 * H), H)
    W_h = _uniform(rng, (H, 4 * H), H)
    b = _uniform(rng, (4 * H,), H)
    b[H : 2 * H] += forget_bias
    return {"W_x": W_x.astype(dt), "W_h": W_h.astype(dt), "b": b.astype(dt)}


def lstm_forward(
    X: Any, params: Mapping[str, Any], state: Any = None
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Run an LSTM over the sequences ``X``, exactly as ``torch.nn.LSTM`` does.

    Introduced in chapter 07. At each step, with ``sigma`` the sigmoid::

        i, f, g, o = split(x_t W_x + h_{t-1} W_h + b, 4)
        i, f, o = sigma(i), sigma(f), sigma(o);  g = tanh(g)
        c_t = f * c_{t-1} + i * g        # forget some of the old memory, write some new
        h_t = o * tanh(c_t)              # read out part of it

    The cell state ``c`` changes only by the element-wise ``f *`` and ``+ i * g``, with
    no matrix product and no squashing in between, so a gradient can travel back along
    it for many steps without vanishing :cite:p:`hochreiter1997long`.

    Parameters
    ----------
    X
        Input sequences, shape ``(N, T, D)``.
    params
        The dict :func:`lstm_params` returns (or :func:`params_from_torch` of an ``nn.LSTM``).
    state
        The initial ``(h0, c0)``, each of shape ``(N, H)``; zeros if ``None``.

    Returns
    -------
    H_all
        The hidden state ``h_t`` after every step, shape ``(N, T, H)``.
    (h_T, c_T)
        The final hidden and cell states, each ``(N, H)``.
    """
    p, D, H = _check_params(params, "lstm")
    dtype = p["W_h"].dtype
    X = _check_X(X, D, dtype)
    N, T, _ = X.shape
    if state is None:
        h = c = np.zeros((N, H), dtype=dtype)
    else:
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            raise TypeError(
                f"state must be a pair (h0, c0) of arrays of shape (N, H), or None; got {_describe(state)}"
            )
        h = _check_state("state[0] (h0)", state[0], N, H, dtype)
        c = _check_state("state[1] (c0)", state[1], N, H, dtype)
    H_all = np.empty((N, T, H), dtype=dtype)
    for t in range(T):
        a = X[:, t] @ p["W_x"] + h @ p["W_h"] + p["b"]  # (N, 4H): all four gates at once
        i = _sigmoid(a[:, :H])  # input gate: how much to write
        f = _sigmoid(a[:, H : 2 * H])  # forget gate: how much to keep
        g = np.tanh(a[:, 2 * H : 3 * H])  # the candidate to write
        o = _sigmoid(a[:, 3 * H :])  # output gate: how much to show
        c = f * c + i * g
        h = o * np.tanh(c)
        H_all[:, t] = h
    return H_all, (h, c)


# ----------------------------------------------------------------------------- GRU


def gru_params(
    input_size: int,
    hidden_size: int,
    *,
    rng: np.random.Generator,
    dtype: Any = np.float64,
) -> dict[str, np.ndarray]:
    """The weights of a GRU: ``{"W_x": (D, 3H), "W_h": (H, 3H), "b_x": (3H,), "b_h": (3H,)}``.

    Introduced in chapter 07. The three blocks of ``H`` columns are PyTorch's order: reset
    ``r``, update ``z``, new ``n``. The two biases are kept apart because the reset gate
    multiplies ``h W_hn + b_hn`` but not ``x W_xn + b_xn`` (see :func:`gru_forward`).
    Every entry is uniform on ``(-1/sqrt(H), 1/sqrt(H))``, as in ``nn.GRU``.

    Parameters
    ----------
    input_size, hidden_size
        ``D`` and ``H``.
    rng
        The generator that draws the weights.
    dtype
        ``np.float64`` (default) or ``np.float32``.
    """
    D, H, rng, dt = _check_sizes(input_size, hidden_size, rng, dtype)
    shapes = {"W_x": (D, 3 * H), "W_h": (H, 3 * H), "b_x": (3 * H,), "b_h": (3 * H,)}
    return {k: _uniform(rng, shape, H).astype(dt) for k, shape in shapes.items()}


def gru_forward(X: Any, params: Mapping[str, Any], h0: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Run a GRU over the sequences ``X``, exactly as ``torch.nn.GRU`` does.

    Introduced in chapter 07. At each step, with ``sigma`` the sigmoid::

        r = sigma(x_t W_xr + b_xr + h W_hr + b_hr)        # reset gate
        z = sigma(x_t W_xz + b_xz + h W_hz + b_hz)        # update gate
        n = tanh(x_t W_xn + b_xn + r * (h W_hn + b_hn))   # the new candidate
        h = (1 - z) * n + z * h                           # keep a fraction z of the old state

    A GRU has two gates to the LSTM's three and no separate cell state (Cho et al., 2014).

    Parameters
    ----------
    X
        Input sequences, shape ``(N, T, D)``.
    params
        The dict :func:`gru_params` returns (or :func:`params_from_torch` of an ``nn.GRU``).
    h0
        The initial hidden state, shape ``(N, H)``; zeros if ``None``.

    Returns
    -------
    H_all
        The hidden state after every step, shape ``(N, T, H)``.
    h_T
        The final hidden state, ``(N, H)``.
    """
    p, D, H = _check_params(params, "gru")
    dtype = p["W_h"].dtype
    X = _check_X(X, D, dtype)
    N, T, _ = X.shape
    h = _check_state("h0", h0, N, H, dtype)
    H_all = np.empty((N, T, H), dtype=dtype)
    for t in range(T):
        ax = X[:, t] @ p["W_x"] + p["b_x"]  # (N, 3H): the input's part of r, z, n
        ah = h @ p["W_h"] + p["b_h"]  # (N, 3H): the state's part
        r = _sigmoid(ax[:, :H] + ah[:, :H])
        z = _sigmoid(ax[:, H : 2 * H] + ah[:, H : 2 * H])
        n = np.tanh(ax[:, 2 * H :] + r * ah[:, 2 * H :])
        h = (1.0 - z) * n + z * h
        H_all[:, t] = h
    return H_all, h


# ----------------------------------------------------------------------------- PyTorch and spectra


def params_from_torch(module: Any) -> dict[str, np.ndarray]:
    """Copy the weights of a PyTorch ``nn.RNN``, ``nn.LSTM`` or ``nn.GRU`` into this module's dicts.

    Introduced in chapter 07. The module must have one layer, one direction, and (for
    ``nn.RNN``) the tanh non-linearity; ``batch_first`` does not matter. The matrices are
    transposed (``W_xh = weight_ih_l0.T``) and converted to ``float64``. PyTorch adds two
    biases, ``bias_ih_l0 + bias_hh_l0``: for the RNN and the LSTM they are summed into
    ``b_h`` / ``b``, for the GRU they stay apart as ``b_x`` / ``b_h``. A module built with
    ``bias=False`` gives zero biases.

    Returns the dict :func:`rnn_params`, :func:`lstm_params` or :func:`gru_params` would,
    ready for :func:`rnn_forward`, :func:`lstm_forward` or :func:`gru_forward`.
    """
    try:
        import torch
    except ImportError as exc:  # no PyTorch: whatever module is, it is not a PyTorch layer
        raise TypeError(
            f"module must be a torch.nn.RNN, nn.LSTM or nn.GRU (PyTorch is not installed), got {_describe(module)}"
        ) from exc
    kinds = ((torch.nn.LSTM, "lstm"), (torch.nn.GRU, "gru"), (torch.nn.RNN, "rnn"))
    kind = next((k for cls, k in kinds if isinstance(module, cls)), None)
    if kind is None:
        raise TypeError(f"module must be a torch.nn.RNN, nn.LSTM or nn.GRU, got {_describe(module)}")
    name = type(module).__name__
    if module.num_layers != 1:
        raise ValueError(
            f"module must have one layer (num_layers=1), got a {name} with num_layers={module.num_layers}"
        )
    if module.bidirectional:
        raise ValueError(f"module must be unidirectional, got a {name} with bidirectional=True")
    if kind == "rnn" and module.nonlinearity != "tanh":
        raise ValueError(
            f"module must use nonlinearity='tanh' (as rnn_forward does), got {module.nonlinearity!r}"
        )
    if getattr(module, "proj_size", 0):
        raise ValueError(f"module must have no projection (proj_size=0), got proj_size={module.proj_size}")

    def numpy(name: str) -> np.ndarray | None:
        tensor = getattr(module, name, None)
        return None if tensor is None else tensor.detach().cpu().to(torch.float64).numpy().copy()

    W_ih, W_hh = numpy("weight_ih_l0"), numpy("weight_hh_l0")
    b_ih, b_hh = numpy("bias_ih_l0"), numpy("bias_hh_l0")
    zeros = np.zeros(W_hh.shape[0])
    b_ih = zeros.copy() if b_ih is None else b_ih
    b_hh = zeros.copy() if b_hh is None else b_hh
    if kind == "rnn":
        return {"W_xh": W_ih.T.copy(), "W_hh": W_hh.T.copy(), "b_h": b_ih + b_hh}
    if kind == "lstm":
        return {"W_x": W_ih.T.copy(), "W_h": W_hh.T.copy(), "b": b_ih + b_hh}
    return {"W_x": W_ih.T.copy(), "W_h": W_hh.T.copy(), "b_x": b_ih, "b_h": b_hh}


def spectral_radius(W: Any) -> float:
    """The spectral radius of a square matrix: the largest absolute value of its eigenvalues.

    Introduced in chapter 07. For the recurrent weights ``W_hh`` of an RNN it says how a
    small signal fed back through the network grows (above 1) or fades (below 1) from
    one step to the next, near the origin where ``tanh`` is close to linear.
    """
    W = check_array("W", W, ndim=2, dtype_kind="biuf")
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be a square matrix, got shape {W.shape}")
    return _spectral_radius(W)


def _spectral_radius(W: np.ndarray) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(W.astype(np.float64)))))
