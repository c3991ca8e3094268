"""Hopfield networks: memories stored in synapses and recalled by settling into them.

Introduced in chapter 07. In the network of :cite:t:`hopfield1982neural`, ``N`` binary
neurons with states ``s_i = +1`` (firing) or ``-1`` (silent) are all connected by
symmetric weights ``W``. Patterns ``xi`` are stored with Hebb's rule (chapter 03), and a
pattern is recalled from a partial or noisy cue by letting the neurons update one at a
time, each taking the sign of its input; every such update can only lower the energy
``E = -1/2 s^T W s``, so the state slides downhill into the nearest stored pattern, an
*attractor*. A classical network of ``N`` neurons holds about ``0.138 N`` random patterns
before recall breaks down (Amit, Gutfreund and Sompolinsky, 1985).

The *modern* (continuous) Hopfield network of Ramsauer et al. (2021) replaces the sign by
a softmax over the stored patterns; it stores exponentially many patterns, retrieves in
one step, and its update is the attention of transformers.

==============================  ====================================================
``hopfield_weights``            Hebbian storage, ``W = (1/N) sum_mu xi^mu xi^mu^T``,
                                zero diagonal
``hopfield_energy``             ``E = -1/2 s^T W s``
``hopfield_recall``             asynchronous updates until nothing changes
``HopfieldResult``              what ``hopfield_recall`` returns
``corrupt``                     flip a given fraction of each pattern's entries
``overlap``                     ``m = a . b / N``, 1 for identical patterns
``modern_hopfield_retrieve``    ``xi <- X^T softmax(beta X xi)``
==============================  ====================================================

States and patterns are NumPy arrays of ``+1.0`` and ``-1.0``, one pattern per row;
a batch of states has shape ``(B, N)``. Random choices take a NumPy ``Generator``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neurodl._validate import check_array, check_bool, check_float, check_int
from neurodl.scratch.layers import _check_rng
from neurodl.scratch.losses import softmax

__all__ = [
    "hopfield_weights",
    "hopfield_energy",
    "HopfieldResult",
    "hopfield_recall",
    "corrupt",
    "overlap",
    "modern_hopfield_retrieve",
]


def _check_pm1(name: str, value: Any, ndim: int | tuple[int, ...]) -> np.ndarray:
    """An array of +1 and -1 only, returned as float64 (float32 stays float32)."""
    array = check_array(name, value, ndim=ndim, dtype_kind="biuf")
    if not np.all((array == 1) | (array == -1)):
        bad = array[(array != 1) & (array != -1)].flat[0]
        raise ValueError(f"{name} must contain only +1 and -1 (a state per neuron), got the value {bad}")
    return array.astype(array.dtype if array.dtype == np.float32 else np.float64, copy=False)


def _check_W(W: Any) -> np.ndarray:
    W = check_array("W", W, ndim=2, dtype_kind="biuf")
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be a square (N, N) weight matrix, got shape {W.shape}")
    return W.astype(np.float64, copy=False)


def hopfield_weights(patterns: Any) -> np.ndarray:
    """Store ``patterns`` with Hebb's rule: ``W = (1/N) sum_mu xi^mu (xi^mu)^T``, with ``W_ii = 0``.

    Introduced in chapter 07. Each synapse ``W_ij`` grows when neurons ``i`` and ``j``
    agree in a pattern and shrinks when they disagree, summed over the ``P`` patterns:
    Hebb's rule of chapter 03 applied once per pattern. The diagonal is set to zero (no
    neuron connects to itself). The result is symmetric, shape ``(N, N)``, ``float64``.

    Parameters
    ----------
    patterns
        The patterns to store, shape ``(P, N)``, entries +1 and -1 (one pattern:
        ``pattern[None]``).
    """
    patterns = _check_pm1("patterns", patterns, ndim=2).astype(np.float64, copy=False)
    N = patterns.shape[1]
    W = patterns.T @ patterns / N  # sum over patterns of the outer products, in one product
    np.fill_diagonal(W, 0.0)
    return W


def hopfield_energy(W: Any, s: Any) -> float | np.ndarray:
    """The energy ``E = -1/2 s^T W s`` of a state ``s`` (or of each state in a batch).

    Introduced in chapter 07. Low energy means the state agrees with its weights: pairs
    of neurons joined by a positive weight have the same sign, pairs joined by a negative
    one opposite signs. The stored patterns sit at (or near) minima.

    Parameters
    ----------
    W
        Weights, shape ``(N, N)``.
    s
        A state of shape ``(N,)`` (returns a float) or a batch ``(B, N)`` (returns shape
        ``(B,)``). Any real values are allowed, not only +1 and -1.
    """
    W = _check_W(W)
    s = check_array("s", s, ndim=(1, 2), dtype_kind="biuf")
    N = W.shape[0]
    if s.shape[-1] != N:
        raise ValueError(f"s must have shape (N,) or (B, N) with N = {N} (the size of W), got {s.shape}")
    energy = -0.5 * np.sum((s @ W.T) * s, axis=-1)  # row by row, s_b^T W s_b
    return float(energy) if s.ndim == 1 else energy


@dataclass(frozen=True)
class HopfieldResult:
    """What :func:`hopfield_recall` returns.

    Introduced in chapter 07.

    Attributes
    ----------
    state
        The final state, the shape of the cue: ``(N,)`` or ``(B, N)``.
    sweeps
        The number of full sweeps done (each visits every neuron once), counting the last,
        unchanged one when the network converged.
    converged
        Whether a whole sweep changed nothing (for every state of a batch): the state is a
        fixed point, and further updates would leave it there.
    energy
        With ``record_energy=True``, the energy after every single-neuron update, shape
        ``(sweeps * N + 1,)`` for one cue or ``(sweeps * N + 1, B)`` for a batch; the first
        entry is the cue's energy. ``None`` otherwise.
    """

    state: np.ndarray
    sweeps: int
    converged: bool
    energy: np.ndarray | None = None


def hopfield_recall(
    W: Any,
    cue: Any,
    *,
    rng: np.random.Generator,
    max_sweeps: int = 50,
    record_energy: bool = False,
) -> HopfieldResult:
    """Recall a memory from ``cue`` by asynchronous updates, one neuron at a time, until nothing changes.

    Introduced in chapter 07. Each sweep visits every neuron once, in a fresh random
    order drawn from ``rng``, and sets it to the sign of its input::

        s_i <- sign(sum_j W_ij s_j)      (unchanged when the input is 0)

    The run stops after the first sweep in which no neuron changed (``converged=True``),
    or after ``max_sweeps`` sweeps. With symmetric ``W`` and a non-negative diagonal (as
    :func:`hopfield_weights` makes), each update lowers the energy or leaves it unchanged,
    so the run always converges :cite:p:`hopfield1982neural`.

    A batch of cues ``(B, N)`` is recalled all at once: within a sweep every cue visits the
    neurons in the same order, and each update is one vector operation over the batch.

    Parameters
    ----------
    W
        Weights, shape ``(N, N)`` (e.g. from :func:`hopfield_weights`).
    cue
        The starting state, +1 and -1 entries: shape ``(N,)``, or ``(B, N)`` for a batch.
    rng
        The generator that draws the update orders.
    max_sweeps
        The most sweeps to run (default 50).
    record_energy
        Record the energy after every single-neuron update (in :attr:`HopfieldResult.energy`).

    Notes
    -----
    An input within rounding error of zero (``|h_i| <= 1e-12 sum_j |W_ij|``) counts as
    zero, so that ties, which Hebbian weights with an even number of patterns produce,
    do not depend on the last bit of a floating-point sum.
    """
    W = _check_W(W)
    cue = _check_pm1("cue", cue, ndim=(1, 2))
    rng = _check_rng(rng)
    max_sweeps = check_int("max_sweeps", max_sweeps, minimum=1)
    record_energy = check_bool("record_energy", record_energy)
    N = W.shape[0]
    if cue.shape[-1] != N:
        raise ValueError(f"cue must have shape (N,) or (B, N) with N = {N} (the size of W), got {cue.shape}")

    S = cue.reshape(-1, N).astype(np.float64)  # (B, N), a copy: the cue is not changed
    tiny = 1e-12 * np.abs(W).sum(axis=1)  # per neuron: an input this small is a tie
    energy = [hopfield_energy(W, S)] if record_energy else None
    sweeps, converged = 0, False
    while sweeps < max_sweeps and not converged:
        changed = False
        for i in rng.permutation(N):
            h = S @ W[i]  # (B,): the input to neuron i, for every state of the batch
            old = S[:, i].copy()
            new = np.where(h > tiny[i], 1.0, np.where(h < -tiny[i], -1.0, old))
            if record_energy:
                # changing s_i by d changes E by -d (h_i + g_i) / 2 - W_ii d^2 / 2, with
                # g_i = sum_j s_j W_ji the input through the column (g_i = h_i if W is symmetric)
                d = new - old
                g = S @ W[:, i]
                energy.append(energy[-1] - 0.5 * d * (h + g) - 0.5 * W[i, i] * d**2)
            S[:, i] = new
            changed = changed or bool(np.any(new != old))
        sweeps += 1
        converged = not changed
    state = S.reshape(cue.shape).astype(cue.dtype, copy=False)
    trace = None
    if record_energy:
        trace = np.stack(energy)  # (n_updates + 1, B)
        trace = trace[:, 0] if cue.ndim == 1 else trace
    return HopfieldResult(state=state, sweeps=sweeps, converged=converged, energy=trace)


def corrupt(patterns: Any, flip_fraction: float, *, rng: np.random.Generator) -> np.ndarray:
    """A copy of ``patterns`` with a fraction of each pattern's entries flipped (+1 <-> -1).

    Introduced in chapter 07, to make noisy cues. In each pattern (row) exactly
    ``round(flip_fraction * N)`` entries, chosen at random without repetition, change
    sign; ``N`` is the pattern length. Rows are corrupted independently.

    Parameters
    ----------
    patterns
        One pattern ``(N,)`` or several ``(P, N)``, entries +1 and -1.
    flip_fraction
        The fraction of entries to flip, between 0 and 1 (0.5 leaves no trace of the
        pattern; 1 gives its mirror image ``-xi``, also an attractor of a Hopfield network).
    rng
        The generator that chooses the entries.
    """
    patterns = _check_pm1("patterns", patterns, ndim=(1, 2))
    flip_fraction = check_float("flip_fraction", flip_fraction, minimum=0.0, maximum=1.0)
    rng = _check_rng(rng)
    N = patterns.shape[-1]
    k = round(flip_fraction * N)
    out = patterns.copy()
    # a random permutation of 0..N-1 per row (argsort of uniform numbers); flip its first k
    flip = np.argsort(rng.random(patterns.shape), axis=-1)[..., :k]
    np.put_along_axis(out, flip, -np.take_along_axis(out, flip, axis=-1), axis=-1)
    return out


def overlap(a: Any, b: Any) -> float | np.ndarray:
    """The overlap ``m = a . b / N`` of two patterns, along the last axis.

    Introduced in chapter 07. For +1/-1 patterns of length ``N``, ``m = 1`` when they are
    equal, ``-1`` when one is the other's mirror image, and about ``0`` (within
    ``~1/sqrt(N)``) for unrelated random patterns; ``m = 1 - 2 d / N`` for ``d`` differing
    entries. ``a`` and ``b`` may be batches whose leading axes broadcast, e.g. states
    ``(B, N)`` against one pattern ``(N,)`` gives ``(B,)``. Two 1-D inputs give a float.
    """
    a = check_array("a", a, ndim=(1, 2, 3), dtype_kind="biuf")
    b = check_array("b", b, ndim=(1, 2, 3), dtype_kind="biuf")
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"a and b must have the same last dimension N, got shapes {a.shape} and {b.shape}")
    try:
        np.broadcast_shapes(a.shape[:-1], b.shape[:-1])
    except ValueError as exc:
        raise ValueError(
            f"a and b must have leading axes that broadcast, got shapes {a.shape} and {b.shape}"
        ) from exc
    m = np.sum(a.astype(np.float64) * b, axis=-1) / a.shape[-1]
    return float(m) if m.ndim == 0 else m


def modern_hopfield_retrieve(patterns: Any, query: Any, *, beta: float, steps: int = 1) -> np.ndarray:
    """Retrieve a stored pattern with the continuous modern Hopfield update, ``xi <- X^T softmax(beta X xi)``.

    Introduced in chapter 07, after Ramsauer et al. (2021), "Hopfield Networks is All You
    Need". ``X`` holds the stored patterns as rows: the query is compared with each by a
    dot product, the similarities go through a softmax with inverse temperature ``beta``,
    and the result is the weighted average of the patterns. With a large ``beta`` the
    softmax picks the single most similar pattern, so one step retrieves it, even with
    far more patterns than the ``0.138 N`` of the classical network.

    This is the attention of transformers, ``softmax(Q K^T) V``: the query is ``Q``, and
    the stored patterns are both the keys ``K`` and the values ``V`` (with ``beta`` in
    place of ``1/sqrt(d)``).

    Parameters
    ----------
    patterns
        The stored patterns ``X``, shape ``(P, N)``; any real values.
    query
        The state ``xi`` to start from: ``(N,)``, or a batch ``(B, N)`` (each row is
        updated on its own).
    beta
        The inverse temperature, > 0: small values blend patterns, large ones pick one.
    steps
        How many times to apply the update (default 1; at most 10,000).

    Returns
    -------
    The retrieved state, the shape of ``query``, ``float64``.
    """
    X = check_array("patterns", patterns, ndim=2, dtype_kind="biuf").astype(np.float64, copy=False)
    query = check_array("query", query, ndim=(1, 2), dtype_kind="biuf")
    beta = check_float("beta", beta, minimum=0.0, exclusive_minimum=True)
    steps = check_int("steps", steps, minimum=1, maximum=10_000)
    N = X.shape[1]
    if query.shape[-1] != N:
        raise ValueError(
            f"query must have shape (N,) or (B, N) with N = {N} (as patterns), got {query.shape}"
        )
    xi = query.reshape(-1, N).astype(np.float64)  # (B, N)
    for _ in range(steps):
        with np.errstate(over="ignore", invalid="ignore"):  # reported below, with advice
            scores = beta * (xi @ X.T)  # (B, P): beta times the similarity to each pattern
        if not np.all(np.isfinite(scores)):
            raise ValueError(
                "beta is too large for these patterns: beta * (X xi) overflowed; use a smaller beta"
            )
        p = softmax(scores)  # chapter 03's stable softmax, over the stored patterns
        xi = p @ X  # (B, N): the p-weighted average of the stored patterns
    return xi.reshape(query.shape)
