"""Optimisers in NumPy: stochastic gradient descent (with momentum), RMSprop and Adam.

Introduced in chapter 03. Each optimiser holds a list of parameter arrays and, given a
list of gradients of the same shapes, updates the parameters *in place*::

    params = [W, b]
    opt = Adam(params, lr=1e-3)
    for X_batch, y_batch in batches:
        grads = compute_gradients(params, X_batch, y_batch)   # [dL/dW, dL/db]
        opt.step(grads)

Defaults and update rules are exactly those of :mod:`torch.optim` (momentum without
dampening, ``eps`` added after the square root, Adam's bias correction), so from the same
start each follows the same trajectory as its PyTorch counterpart; the tests and chapter 03
check this to better than 1e-6 in float64. Float32 parameters stay float32: the update is
computed in each parameter's own dtype.

The methods come from :cite:t:`robbins1951stochastic` (stochastic approximation),
:cite:t:`polyak1964some` (momentum, the "heavy ball"), :cite:t:`hinton2012rmsprop`
(RMSprop, lecture 6e) and :cite:t:`kingma2015adam` (Adam).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from neurodl._validate import check_bool, check_float

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam"]


def _check_params(params: Any) -> list[np.ndarray]:
    """Check that ``params`` is a non-empty list of writable floating-point NumPy arrays."""
    if isinstance(params, np.ndarray) or not isinstance(params, (list, tuple)):
        raise TypeError(
            "params must be a list of NumPy arrays (e.g. [W, b]), "
            f"got {type(params).__name__}; wrap a single array as [W]"
        )
    if len(params) == 0:
        raise ValueError("params must not be empty")
    for i, p in enumerate(params):
        if not isinstance(p, np.ndarray):
            raise TypeError(
                f"params[{i}] must be a NumPy array (updated in place), got {type(p).__name__}"
            )
        if p.dtype.kind != "f":
            raise TypeError(
                f"params[{i}] must have a floating-point dtype, got {p.dtype}; "
                "integer parameters cannot take fractional steps"
            )
        if not p.flags.writeable:
            raise ValueError(f"params[{i}] must be writable: the optimiser updates it in place")
        if p.size == 0:
            raise ValueError(f"params[{i}] must not be empty, got shape {p.shape}")
    for i in range(len(params)):
        for j in range(i):
            if np.shares_memory(params[i], params[j]):
                raise ValueError(
                    f"params[{j}] and params[{i}] share memory; each parameter must appear once"
                )
    return list(params)


class Optimizer:
    """Base class: holds the parameters, checks gradients and counts steps.

    Introduced in chapter 03. Subclasses implement :meth:`_update`, which changes one
    parameter in place given its (already checked) gradient and its state dictionary.

    Parameters
    ----------
    params
        List of floating-point NumPy arrays, updated in place by :meth:`step`.
    lr
        Learning rate, > 0. It may be changed between steps (``opt.lr = 0.01``), for
        example by a learning-rate schedule.
    weight_decay
        L2 penalty coefficient, >= 0, added to each gradient as ``weight_decay * p``
        (as in :mod:`torch.optim`).
    """

    def __init__(self, params: Sequence[np.ndarray], lr: float, weight_decay: float = 0.0) -> None:
        self.params = _check_params(params)
        self.lr = lr
        self.weight_decay = check_float("weight_decay", weight_decay, minimum=0.0)
        #: Number of calls to :meth:`step` so far.
        self.step_count = 0
        #: One dictionary of state (momentum buffers, running averages) per parameter.
        self.state: list[dict[str, np.ndarray]] = [{} for _ in self.params]

    @property
    def lr(self) -> float:
        """The learning rate (> 0)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_float("lr", value, minimum=0.0, exclusive_minimum=True)

    def _check_grads(self, grads: Any) -> list[np.ndarray]:
        if isinstance(grads, np.ndarray) or not isinstance(grads, (list, tuple)):
            raise TypeError(
                f"grads must be a list of arrays aligned with params, got {type(grads).__name__}"
            )
        if len(grads) != len(self.params):
            raise ValueError(
                f"grads must have one array per parameter: expected {len(self.params)}, got {len(grads)}"
            )
        checked = []
        for i, (p, g) in enumerate(zip(self.params, grads)):
            if hasattr(g, "detach"):
                raise TypeError(f"grads[{i}] must be a NumPy array, got a tensor; call .numpy() first")
            g = np.asarray(g)
            if g.dtype.kind != "f":
                raise TypeError(f"grads[{i}] must have a floating-point dtype, got {g.dtype}")
            if g.shape != p.shape:
                raise ValueError(
                    f"grads[{i}] must have the shape of params[{i}], {p.shape}, got {g.shape}"
                )
            if not np.all(np.isfinite(g)):
                raise ValueError(
                    f"grads[{i}] contains NaN or inf; the loss has probably diverged "
                    "(try a smaller learning rate)"
                )
            checked.append(g.astype(p.dtype, copy=False))
        return checked

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """Update every parameter in place, one step, given its gradient.

        Introduced in chapter 03. ``grads[i]`` must have the shape of ``params[i]``; it is
        used in the parameter's dtype (float32 parameters stay float32).
        """
        checked = self._check_grads(grads)
        self.step_count += 1
        for p, g, state in zip(self.params, checked, self.state):
            if self.weight_decay != 0.0:
                g = np.asarray(g + p.dtype.type(self.weight_decay) * p)  # 0-d stays an array
            self._update(p, g, state)

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray]) -> None:
        raise NotImplementedError  # pragma: no cover

    def _hyper(self) -> str:
        return f"lr={self.lr:g}"

    def __repr__(self) -> str:
        n_values = sum(p.size for p in self.params)
        return (
            f"{type(self).__name__}({len(self.params)} params, {n_values} values, "
            f"{self._hyper()}, weight_decay={self.weight_decay:g}, step={self.step_count})"
        )


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    Introduced in chapter 03. With gradient ``g`` (plus ``weight_decay * p``) the update is

    * plain: ``p -= lr * g``;
    * momentum ``mu`` :cite:p:`polyak1964some`: ``v = mu * v + g`` (``v = g`` at the first
      step), then ``p -= lr * v``;
    * Nesterov: the same ``v``, then ``p -= lr * (g + mu * v)``.

    This is :class:`torch.optim.SGD` with ``dampening=0``.
    """

    def __init__(
        self,
        params: Sequence[np.ndarray],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.momentum = check_float("momentum", momentum, minimum=0.0, maximum=1.0, exclusive_maximum=True)
        self.nesterov = check_bool("nesterov", nesterov)
        if self.nesterov and self.momentum == 0.0:
            raise ValueError("nesterov=True needs momentum > 0")

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray]) -> None:
        lr = p.dtype.type(self.lr)
        if self.momentum != 0.0:
            mu = p.dtype.type(self.momentum)
            if "velocity" not in state:
                state["velocity"] = np.array(g, copy=True)
            else:
                v = state["velocity"]
                v *= mu
                v += g
            v = state["velocity"]
            g = g + mu * v if self.nesterov else v
        p -= lr * g

    def _hyper(self) -> str:
        text = f"lr={self.lr:g}, momentum={self.momentum:g}"
        return text + (", nesterov=True" if self.nesterov else "")


class RMSprop(Optimizer):
    """RMSprop: divide each gradient by a running root-mean-square of its recent values.

    Introduced in chapter 03, after :cite:t:`hinton2012rmsprop`. Per parameter value:

    * ``s = alpha * s + (1 - alpha) * g**2`` (``s`` starts at 0);
    * without momentum: ``p -= lr * g / (sqrt(s) + eps)``;
    * with momentum ``mu``: ``v = mu * v + g / (sqrt(s) + eps)``, ``p -= lr * v``.

    This is :class:`torch.optim.RMSprop` with ``centered=False`` (same defaults).
    """

    def __init__(
        self,
        params: Sequence[np.ndarray],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.alpha = check_float("alpha", alpha, minimum=0.0, maximum=1.0, exclusive_maximum=True)
        self.eps = check_float("eps", eps, minimum=0.0, exclusive_minimum=True)
        self.momentum = check_float("momentum", momentum, minimum=0.0, maximum=1.0, exclusive_maximum=True)

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray]) -> None:
        t = p.dtype.type
        if "square_avg" not in state:
            state["square_avg"] = np.zeros_like(p)
            if self.momentum != 0.0:
                state["velocity"] = np.zeros_like(p)
        s = state["square_avg"]
        s *= t(self.alpha)
        s += t(1.0 - self.alpha) * g * g
        step = g / (np.sqrt(s) + t(self.eps))
        if self.momentum != 0.0:
            v = state["velocity"]
            v *= t(self.momentum)
            v += step
            step = v
        p -= t(self.lr) * step

    def _hyper(self) -> str:
        return f"lr={self.lr:g}, alpha={self.alpha:g}, eps={self.eps:g}, momentum={self.momentum:g}"


class Adam(Optimizer):
    """Adam: momentum on the gradient plus RMSprop-style scaling, with bias correction.

    Introduced in chapter 03, after :cite:t:`kingma2015adam`. At step ``t`` (from 1):

    * ``m = beta1 * m + (1 - beta1) * g`` and ``v = beta2 * v + (1 - beta2) * g**2``;
    * ``m_hat = m / (1 - beta1**t)`` and ``v_hat = v / (1 - beta2**t)``;
    * ``p -= lr * m_hat / (sqrt(v_hat) + eps)``.

    This is :class:`torch.optim.Adam` (``amsgrad=False``, same defaults, ``eps`` added
    after the square root of the bias-corrected ``v``). ``weight_decay`` is the L2 form
    added to the gradient, not AdamW's decoupled decay.
    """

    def __init__(
        self,
        params: Sequence[np.ndarray],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            check_float("betas[0]", betas[0], minimum=0.0, maximum=1.0, exclusive_maximum=True),
            check_float("betas[1]", betas[1], minimum=0.0, maximum=1.0, exclusive_maximum=True),
        )
        self.eps = check_float("eps", eps, minimum=0.0, exclusive_minimum=True)

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray]) -> None:
        t = p.dtype.type
        beta1, beta2 = self.betas
        if "m" not in state:
            state["m"] = np.zeros_like(p)
            state["v"] = np.zeros_like(p)
        m, v = state["m"], state["v"]
        m *= t(beta1)
        m += t(1.0 - beta1) * g
        v *= t(beta2)
        v += t(1.0 - beta2) * g * g
        bias1 = 1.0 - beta1**self.step_count
        bias2 = 1.0 - beta2**self.step_count
        denom = np.sqrt(v) / t(np.sqrt(bias2)) + t(self.eps)
        p -= t(self.lr / bias1) * m / denom

    def _hyper(self) -> str:
        return f"lr={self.lr:g}, betas=({self.betas[0]:g}, {self.betas[1]:g}), eps={self.eps:g}"
