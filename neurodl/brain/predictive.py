"""Predictive coding: perception as inference in a hierarchical generative model.

Introduced in chapter 09. In the model of Rao & Ballard (1999), each level of a sensory
hierarchy *predicts* the activity of the level below through top-down (generative)
weights, and sends up only what it failed to predict, the *prediction error*. Levels
``0 .. L``: level 0 is the input ``x``; levels ``1 .. L`` hold state units ``r_l``; the
weights ``U_l`` (``sizes[l-1] x sizes[l]``) predict level ``l - 1`` as ``U_l f(r_l)``, with
``f`` the identity (default) or ``tanh``. The error units are

    e_0 = x - U_1 f(r_1),    e_l = r_l - U_{l+1} f(r_{l+1})  (1 <= l < L),

and the top level has only its prior. Perceiving ``x`` means lowering the energy (the
negative log joint probability, Gaussian errors of variances ``sigma2[l]``, up to a constant)

    E = sum_{l=1..L} |e_{l-1}|^2 / (2 sigma2_{l-1}) + sum_{l=1..L} prior(r_l)

with respect to the states, by gradient descent, the network's "neural dynamics":

    dr_l = step * ( f'(r_l) * U_l^T e_{l-1} / sigma2_{l-1} - e_l / sigma2_l - prior'(r_l) ),

(no ``e_l`` term at the top), in which every unit needs only the errors just below and
at its own level. Learning then lowers ``E`` with respect to the weights, with a Hebbian
rule, the presynaptic state times the postsynaptic error:
``U_l += lr * e_{l-1}^T f(r_l) / (sigma2_{l-1} B)`` for a batch of ``B``. A one-level
model with a sparse prior is the sparse coding of Olshausen & Field (1996)
(:mod:`neurodl.brain.coding`); a linear one with a Gaussian prior finds the principal
subspace of its data, like PCA. Friston (2005) and Bogacz (2017) give the wider theory;
the form ``U f(r)`` (rather than Rao & Ballard's ``f(U r)``) is that of Bogacz (2017),
which keeps the learning rule exactly Hebbian.

=======================  ============================================================
``PredictiveCoding``     the model: ``energy``, ``errors``, ``infer``, ``learn``,
                         ``fit``, ``predict``
=======================  ============================================================

Conventions. Data have one example per row, ``(B, sizes[0])``; states are a list of
``L`` arrays ``(B, sizes[l])``, ``states[0]`` being ``r_1``; ``U[l - 1]`` is ``U_l``;
everything is ``float64``. Random choices take a NumPy ``Generator``.

References: Rao, R. P. N. & Ballard, D. H. (1999) Nature Neuroscience 2, 79-87;
Olshausen, B. A. & Field, D. J. (1996) Nature 381, 607-609; Friston, K. (2005)
Phil. Trans. R. Soc. B 360, 815-836; Bogacz, R. (2017) J. Math. Psychol. 76, 198-211.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from neurodl._validate import check_array, check_bool, check_choice, check_float, check_int
from neurodl.scratch.layers import _check_rng

__all__ = ["PredictiveCoding"]

_PRIORS = ("gaussian", "sparse")
_NONLINEARITIES = ("linear", "tanh")
_MAX_STEPS = 100_000


def _f(r: np.ndarray, tanh: bool) -> np.ndarray:
    return np.tanh(r) if tanh else r


def _df(r: np.ndarray, tanh: bool) -> np.ndarray | float:
    return 1.0 - np.tanh(r) ** 2 if tanh else 1.0


class PredictiveCoding:
    """A hierarchical predictive-coding network (Rao & Ballard, 1999); see the module docstring.

    Introduced in chapter 09.

    Parameters
    ----------
    sizes
        Units per level, ``(sizes[0], ..., sizes[L])``, each >= 1, ``L >= 1``: the input
        size first, then the state levels from the bottom up.
    rng
        The generator for the initial weights: each column of each ``U_l`` a random
        direction of norm ``weight_scale``.
    sigma2
        The variances of the errors ``e_0 .. e_{L-1}``, one float for all or a sequence of
        ``L``, each between 1e-12 and 1e12 (default 1).
    prior
        ``"gaussian"``: ``prior(r) = alpha |r|^2 / 2``, a Gaussian of variance ``1 / alpha``
        (default); ``"sparse"``: ``prior(r) = alpha sum_i log(1 + r_i^2)``, a Cauchy-like
        heavy-tailed prior that favours a few large values (Olshausen & Field, 1996).
    alpha
        The prior's weight, 0 to 1e12 (default 1).
    nonlinearity
        ``f`` in the prediction ``U_l f(r_l)``: ``"linear"`` (default) or ``"tanh"``.
    weight_scale
        The norm of each initial column of the weights, > 0 (default 1, the norm that
        ``normalize=True`` in :meth:`learn` keeps).

    Attributes
    ----------
    U
        The weights, a list of ``L`` arrays, ``U[l - 1]`` of shape ``(sizes[l-1], sizes[l])``.
    sizes, sigma2
        Tuples of ints and of floats.
    prior, alpha, nonlinearity
        As given.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        *,
        rng: np.random.Generator,
        sigma2: float | Sequence[float] = 1.0,
        prior: str = "gaussian",
        alpha: float = 1.0,
        nonlinearity: str = "linear",
        weight_scale: float = 1.0,
    ) -> None:
        rng = _check_rng(rng)
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (Sequence, np.ndarray)) or np.ndim(sizes) == 0:
            raise TypeError(f"sizes must be a sequence of integers (input size first), got {type(sizes).__name__}")
        if len(sizes) < 2:
            raise ValueError(f"sizes must have at least 2 entries (the input and one state level), got {len(sizes)}")
        if len(sizes) > 101:
            raise ValueError(f"sizes must have at most 101 entries (100 state levels), got {len(sizes)}")
        self.sizes = tuple(check_int(f"sizes[{i}]", s, minimum=1, maximum=1_000_000) for i, s in enumerate(sizes))
        L = len(self.sizes) - 1
        if isinstance(sigma2, (list, tuple)) or (isinstance(sigma2, np.ndarray) and sigma2.ndim > 0):
            if len(sigma2) != L:
                raise ValueError(f"sigma2 must be a float or have {L} entries (one per error level), got {len(sigma2)}")
            values = [check_float(f"sigma2[{i}]", s, minimum=1e-12, maximum=1e12) for i, s in enumerate(sigma2)]
        else:
            values = [check_float("sigma2", sigma2, minimum=1e-12, maximum=1e12)] * L
        self.sigma2 = tuple(values)
        self.prior = check_choice("prior", prior, _PRIORS)
        self.alpha = check_float("alpha", alpha, minimum=0.0, maximum=1e12)
        self.nonlinearity = check_choice("nonlinearity", nonlinearity, _NONLINEARITIES)
        weight_scale = check_float("weight_scale", weight_scale, minimum=0.0, maximum=1e6, exclusive_minimum=True)
        shapes = list(zip(self.sizes[:-1], self.sizes[1:], strict=True))
        if sum(a * b for a, b in shapes) > 50_000_000:
            raise ValueError("sizes ask for more than 50,000,000 weights; use fewer or smaller levels")
        self.U = [_unit_columns(rng.standard_normal(shape)) * weight_scale for shape in shapes]

    def __repr__(self) -> str:
        return (
            f"PredictiveCoding(sizes={self.sizes}, sigma2={self.sigma2}, prior={self.prior!r}, "
            f"alpha={self.alpha}, nonlinearity={self.nonlinearity!r})"
        )

    # ------------------------------------------------------------------ checks

    def _check_x(self, x: Any, name: str = "x") -> np.ndarray:
        x = check_array(name, x, ndim=2, dtype_kind="biuf").astype(np.float64)
        if x.shape[1] != self.sizes[0]:
            raise ValueError(f"{name} must have shape (B, {self.sizes[0]}) (one example per row), got {x.shape}")
        return x

    def _check_states(self, states: Any, batch: int | None, name: str = "states") -> list[np.ndarray]:
        L = len(self.U)
        if not isinstance(states, (list, tuple)):
            kind = type(states).__name__
            raise TypeError(f"{name} must be a list of {L} arrays (r_1 .. r_L, as from infer), got {kind}")
        if len(states) != L:
            raise ValueError(f"{name} must be a list of {L} arrays (r_1 .. r_L, as from infer), got {len(states)}")
        out = []
        for i, r in enumerate(states):
            r = check_array(f"{name}[{i}]", r, ndim=2, dtype_kind="biuf").astype(np.float64)
            B = r.shape[0] if batch is None else batch
            if r.shape != (B, self.sizes[i + 1]):
                raise ValueError(f"{name}[{i}] must have shape {(B, self.sizes[i + 1])}, got {r.shape}")
            batch = B
            out.append(r)
        return out

    # ------------------------------------------------------------------ the model

    def _errors(self, x: np.ndarray, states: list[np.ndarray]) -> list[np.ndarray]:
        tanh = self.nonlinearity == "tanh"
        below = [x] + states[:-1]
        return [b - _f(r, tanh) @ U.T for b, r, U in zip(below, states, self.U, strict=True)]

    def _prior(self, r: np.ndarray) -> np.ndarray:
        if self.prior == "gaussian":
            return 0.5 * self.alpha * np.sum(r**2, axis=1)
        return self.alpha * np.sum(np.log1p(r**2), axis=1)

    def _dprior(self, r: np.ndarray) -> np.ndarray:
        return self.alpha * r if self.prior == "gaussian" else 2 * self.alpha * r / (1 + r**2)

    def _energy(self, errors: list[np.ndarray], states: list[np.ndarray]) -> float:
        total = sum(0.5 * np.sum(e**2, axis=1) / s for e, s in zip(errors, self.sigma2, strict=True))
        total = total + sum(self._prior(r) for r in states)
        return float(np.mean(total))

    def _state_gradients(self, errors: list[np.ndarray], states: list[np.ndarray]) -> list[np.ndarray]:
        """``dE/dr_l`` for each example (not averaged): the negative of the dynamics' drive."""
        tanh, L = self.nonlinearity == "tanh", len(self.U)
        grads = []
        for i in range(L):  # r_{i+1}: its error below is errors[i], its own errors[i + 1]
            g = -_df(states[i], tanh) * (errors[i] @ self.U[i]) / self.sigma2[i] + self._dprior(states[i])
            if i + 1 < L:
                g = g + errors[i + 1] / self.sigma2[i + 1]
            grads.append(g)
        return grads

    def safe_step(self) -> float:
        """The default inference step, ``1 / Lip``, with ``Lip`` a bound on the energy's curvature.

        ``Lip = max_l (|U_l|^2 / s_{l-1} + |U_l| / s_{l-1} [l > 1] + (1 + |U_{l+1}|) / s_l [l < L]
        + c)`` (``|.|`` the spectral norm, ``s = sigma2``, ``c = alpha`` for the Gaussian prior and
        ``2 alpha`` for the sparse one) bounds the largest eigenvalue of the Hessian of ``E``
        in the states (block Gershgorin) when ``f`` is linear, so each step of ``1 / Lip``
        cannot raise the energy (the descent lemma). With ``tanh`` (``|f'| <= 1``) it leaves
        out a term proportional to the errors, and is a good but not guaranteed choice.
        """
        norms = [np.linalg.norm(U, 2) for U in self.U]
        curvature = self.alpha * (1.0 if self.prior == "gaussian" else 2.0)
        L, bound = len(self.U), 0.0
        for i in range(L):  # the block row of r_{i+1}
            c = norms[i] ** 2 / self.sigma2[i] + curvature + (norms[i] / self.sigma2[i] if i > 0 else 0.0)
            if i + 1 < L:
                c += (1.0 + norms[i + 1]) / self.sigma2[i + 1]
            bound = max(bound, c)
        if not 0 < bound < np.inf:
            raise ValueError("sizes, sigma2 and the weights U give no finite curvature bound; rescale U or sigma2")
        return float(1.0 / bound)

    def errors(self, x: Any, states: Any) -> list[np.ndarray]:
        """The prediction errors ``[e_0, ..., e_{L-1}]``, each ``(B, sizes[l])``.

        ``e_0 = x - U_1 f(r_1)`` and ``e_l = r_l - U_{l+1} f(r_{l+1})``.
        """
        x = self._check_x(x)
        return self._errors(x, self._check_states(states, len(x)))

    def energy(self, x: Any, states: Any) -> float:
        """The energy ``E`` of the module docstring, averaged over the batch."""
        x = self._check_x(x)
        states = self._check_states(states, len(x))
        with np.errstate(over="ignore", invalid="ignore"):
            return self._energy(self._errors(x, states), states)

    def infer(
        self, x: Any, *, steps: int = 100, step: float | None = None, init: Any = None, record: bool = False
    ) -> list[np.ndarray] | tuple[list[np.ndarray], dict[str, np.ndarray]]:
        """Perceive ``x``: ``steps`` steps of gradient descent on ``E`` in the states, weights fixed.

        ``r_l <- r_l - step * dE_b/dr_l`` for every example ``b`` at once, ``E_b`` its own
        energy (so ``B`` times the gradient of the batch mean :meth:`energy`); all levels
        move together, from the errors of the previous step.

        Parameters
        ----------
        x
            The input, ``(B, sizes[0])`` (one example: ``x[None]``).
        steps
            How many steps, 0 to 100,000 (default 100).
        step
            The step size, > 0 (default :meth:`safe_step`, for which the energy never rises
            with a linear ``f``).
        init
            Starting states, a list of ``L`` arrays ``(B, sizes[l])`` (default: all zero).
        record
            Also return the trajectory (default ``False``).

        Returns
        -------
        The states ``[r_1, ..., r_L]``; with ``record``, also ``{"energy": (steps + 1,),
        "mse": (steps + 1, L)}``: the energy and each level's mean squared error
        ``mean(e_l^2)`` before the first step and after each step.
        """
        x = self._check_x(x)
        steps = check_int("steps", steps, minimum=0, maximum=_MAX_STEPS)
        if step is None:
            h = self.safe_step()
        else:
            h = check_float("step", step, minimum=0.0, maximum=1e12, exclusive_minimum=True)
        if init is None:
            states = [np.zeros((len(x), n)) for n in self.sizes[1:]]
        else:
            states = self._check_states(init, len(x), "init")
        record = check_bool("record", record)
        energy, mse = [], []
        with np.errstate(over="ignore", invalid="ignore"):
            for k in range(steps + 1):
                if k == steps and not record:
                    break
                errors = self._errors(x, states)
                if record:
                    energy.append(self._energy(errors, states))
                    mse.append([float(np.mean(e**2)) for e in errors])
                if k == steps:
                    break
                grads = self._state_gradients(errors, states)
                states = [r - h * g for r, g in zip(states, grads, strict=True)]
        if not all(np.all(np.isfinite(r)) for r in states):
            raise ValueError(
                f"inference diverged (the states overflowed): step={h:g} is too large for these weights "
                f"(the safe step is {self.safe_step():g}), or x is too large; rescale it"
            )
        if record:
            return states, {"energy": np.array(energy), "mse": np.array(mse)}
        return states

    def learn(
        self,
        x: Any,
        *,
        lr: float = 0.05,
        steps: int = 100,
        step: float | None = None,
        weight_decay: float = 0.0,
        normalize: bool = True,
    ) -> dict[str, Any]:
        """One learning step on the batch ``x``: infer its states, then a Hebbian step on the weights.

        ``U_l += lr * (e_{l-1}^T f(r_l) / (sigma2_{l-1} B) - weight_decay * U_l)``, all levels at
        once from the same errors: exactly ``-lr`` times the gradient of the mean energy
        (plus ``weight_decay |U_l|^2 / 2``) in ``U_l``. Without a check, that gradient makes
        the weights grow forever (larger weights explain ``x`` with smaller, cheaper states),
        so by default (``normalize``) every column of every ``U_l`` is then scaled back to
        unit norm, as Olshausen & Field (1996) held their basis functions in check; a
        ``weight_decay > 0`` is Rao & Ballard's alternative.

        Parameters
        ----------
        x
            The batch, ``(B, sizes[0])``.
        lr
            The learning rate, > 0 (default 0.05, for ``sigma2`` about 1). The step on ``U_l``
            scales as ``lr / sigma2_{l-1}``: with a smaller ``sigma2``, use a smaller ``lr``.
        steps, step
            Passed to :meth:`infer`.
        weight_decay
            >= 0 (default 0).
        normalize
            Scale each column of the weights to unit norm after the step (default ``True``).

        Returns
        -------
        ``{"energy": float, "mse": (L,) array, "states": [...]}``: the mean energy, each
        level's mean squared error and the inferred states, after inference and before the
        weights change.
        """
        lr = check_float("lr", lr, minimum=0.0, maximum=1e6, exclusive_minimum=True)
        weight_decay = check_float("weight_decay", weight_decay, minimum=0.0, maximum=1e6)
        normalize = check_bool("normalize", normalize)
        x = self._check_x(x)
        states = self.infer(x, steps=steps, step=step)
        errors = self._errors(x, states)
        tanh = self.nonlinearity == "tanh"
        mse = np.array([np.mean(e**2) for e in errors])
        result = {"energy": self._energy(errors, states), "mse": mse, "states": states}
        with np.errstate(over="ignore", invalid="ignore"):
            new = [
                U + lr * (e.T @ _f(r, tanh) / (s * len(x)) - weight_decay * U)
                for U, e, r, s in zip(self.U, errors, states, self.sigma2, strict=True)
            ]
        if normalize:
            new = [_unit_columns(U) for U in new]
        if not all(np.all(np.isfinite(U)) for U in new):
            raise ValueError(f"the weights overflowed: lr={lr:g} or weight_decay={weight_decay:g} is too large")
        self.U = new
        return result

    def fit(
        self,
        X: Any,
        *,
        rng: np.random.Generator,
        epochs: int = 10,
        batch_size: int = 100,
        lr: float = 0.05,
        steps: int = 100,
        step: float | None = None,
        weight_decay: float = 0.0,
        normalize: bool = True,
    ) -> dict[str, list[float]]:
        """Learn from ``X`` with :meth:`learn`, ``epochs`` passes over it in shuffled mini-batches.

        Parameters
        ----------
        X
            The data, ``(n, sizes[0])``.
        rng
            The generator that shuffles ``X`` at each epoch.
        epochs
            1 to 100,000 (default 10).
        batch_size
            Examples per step, 1 to ``n`` (default 100); an epoch's last, incomplete batch is
            left out (each epoch shuffles anew, so no example is left out for good).
        lr, steps, step, weight_decay, normalize
            Passed to :meth:`learn`.

        Returns
        -------
        ``{"mse": [...], "energy": [...]}``, one entry per epoch: the mean over its batches
        of the input's mean squared error ``mean(e_0^2)`` and of the energy, each measured
        after inference and before that batch's weight update.
        """
        rng = _check_rng(rng)
        X = self._check_x(X, "X")
        epochs = check_int("epochs", epochs, minimum=1, maximum=_MAX_STEPS)
        batch_size = check_int("batch_size", batch_size, minimum=1)
        if batch_size > len(X):
            raise ValueError(f"batch_size must be at most the number of examples in X, {len(X)}, got {batch_size}")
        history: dict[str, list[float]] = {"mse": [], "energy": []}
        for _ in range(epochs):
            order = rng.permutation(len(X))
            results = [
                self.learn(X[order[i : i + batch_size]], lr=lr, steps=steps, step=step,
                           weight_decay=weight_decay, normalize=normalize)
                for i in range(0, len(X) - batch_size + 1, batch_size)
            ]
            history["mse"].append(float(np.mean([r["mse"][0] for r in results])))
            history["energy"].append(float(np.mean([r["energy"] for r in results])))
        return history

    def predict(self, states: Any, *, level: int = 0) -> np.ndarray:
        """The top-down prediction of level ``level``, ``(B, sizes[level])``.

        Given the list of states (as from :meth:`infer`): ``U_{level+1} f(r_{level+1})``, the
        prediction that the error units at ``level`` compare with its activity. Given one
        array, the top state ``r_L`` ``(B, sizes[L])``: the prediction passed all the way
        down, each predicted level standing in for its state, ``r_{l-1} = U_l f(r_l)``:
        what the network "imagines" from its top level alone.

        Parameters
        ----------
        states
            A list of ``L`` arrays, or one array ``(B, sizes[L])``.
        level
            Which level to predict, 0 (the input, default) to ``L - 1``.
        """
        L, tanh = len(self.U), self.nonlinearity == "tanh"
        level = check_int("level", level, minimum=0, maximum=L - 1)
        with np.errstate(over="ignore", invalid="ignore"):
            if isinstance(states, (list, tuple)):
                states = self._check_states(states, None)
                return _f(states[level], tanh) @ self.U[level].T
            r = check_array("states", states, ndim=2, dtype_kind="biuf").astype(np.float64)
            if r.shape[1] != self.sizes[-1]:
                wanted = f"a list of {L} arrays or the top state (B, {self.sizes[-1]})"
                raise ValueError(f"states must be {wanted}, got shape {r.shape}")
            for i in range(L - 1, level - 1, -1):
                r = _f(r, tanh) @ self.U[i].T
            return r


def _unit_columns(U: np.ndarray) -> np.ndarray:
    """``U`` with each column scaled to unit norm (all-zero columns stay zero)."""
    norms = np.linalg.norm(U, axis=0, keepdims=True)
    return U / np.where(norms > 0, norms, 1.0)
