"""Synaptic plasticity rules: how a synapse's weight changes with the activity around it.

Introduced in chapter 03 with Hebb's rule :cite:p:`hebb1949organization`: a synapse grows
stronger when its presynaptic input ``x`` and the postsynaptic response ``y`` are active
together, ``dw = lr * y * x``. The rule is *local* (each synapse sees only its own two
neurons), *unsupervised* (no target, no error) and *unstable*: with a linear neuron
``y = w . x`` the weight norm grows without bound.

Chapter 10 adds the rules that tame and refine it:

* Oja's rule :cite:p:`oja1982simplified` (:func:`oja_update`, :func:`simulate_oja`): a decay
  term ``-y^2 w`` keeps the norm at 1, and the weights converge to the first principal
  component of the inputs.
* The covariance rule :cite:p:`sejnowski1977storing` (:func:`covariance_update`): activity
  measured from its mean, so that a response below average depresses the synapse.
* The BCM rule :cite:p:`bienenstock1982theory` (:func:`simulate_bcm`, :func:`selectivity`):
  potentiation above a sliding threshold that tracks the mean squared response, depression
  below it; a neuron trained on a few stimuli ends up responding to one of them.
* Spike-timing-dependent plasticity (STDP) :cite:p:`bi1998synaptic,bi2001synaptic`
  (:func:`stdp_window`, :func:`stdp_traces`): the sign of the change depends on whether the
  presynaptic spike came before or after the postsynaptic one. With depression slightly
  stronger than potentiation it makes synapses compete :cite:p:`song2000competitive`, and a
  leaky integrate-and-fire neuron learns to detect a spike pattern hidden in noise that has
  the same rates :cite:p:`masquelier2008spike` (:func:`repeating_pattern_input`,
  :func:`simulate_stdp_neuron`, :func:`pattern_response`).

Units: rates and weights of the rate-based rules are dimensionless (firing rates relative
to a baseline); spike times and time constants are in ms, firing rates of spike trains in
Hz. The membrane potential of :func:`simulate_stdp_neuron` is in arbitrary units (rest at 0,
each input spike adds its weight).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from neurodl._validate import check_array, check_bool, check_float, check_int
from neurodl.scratch.layers import _check_rng

__all__ = [
    "hebb_update",
    "simulate_hebb",
    "oja_update",
    "simulate_oja",
    "covariance_update",
    "BCMResult",
    "simulate_bcm",
    "selectivity",
    "stdp_window",
    "stdp_traces",
    "PatternInput",
    "repeating_pattern_input",
    "STDPResult",
    "simulate_stdp_neuron",
    "PatternResponse",
    "pattern_response",
]


def hebb_update(w: Any, x: Any, y: Any, lr: float) -> np.ndarray:
    """Return the weights after one step of Hebb's rule, ``w + lr * y x`` (``w`` is not changed).

    Introduced in chapter 03.

    Parameters
    ----------
    w
        Weights of one neuron, shape ``(n_in,)``, or of a layer, shape ``(n_out, n_in)``.
    x
        Presynaptic activity, shape ``(n_in,)``.
    y
        Postsynaptic activity: a number (or shape ``()``/``(1,)``) for one neuron, shape
        ``(n_out,)`` for a layer; the layer's update is the outer product ``lr * y x^T``.
    lr
        Learning rate, > 0.
    """
    w = check_array("w", w, ndim=(1, 2), dtype_kind="f")
    x = check_array("x", x, ndim=1, dtype_kind="biuf")
    y = check_array("y", y, ndim=(0, 1), dtype_kind="biuf")
    lr = check_float("lr", lr, minimum=0.0, exclusive_minimum=True)
    n_in = w.shape[-1]
    if x.shape != (n_in,):
        raise ValueError(f"x must have shape ({n_in},) to match w of shape {w.shape}, got {x.shape}")
    if w.ndim == 1:
        if y.size != 1:
            raise ValueError(f"y must be one number for a single neuron (w is 1-D), got shape {y.shape}")
        dw = lr * float(y.reshape(())) * x
    else:
        if y.shape != (w.shape[0],):
            raise ValueError(
                f"y must have shape ({w.shape[0]},), one activity per row of w {w.shape}, got {y.shape}"
            )
        dw = lr * np.outer(y, x)
    return (w + dw).astype(w.dtype, copy=False)


def simulate_hebb(X: Any, w0: Any, lr: float) -> np.ndarray:
    """Train one linear neuron ``y = w . x`` with Hebb's rule on the rows of ``X``, in order.

    Introduced in chapter 03. Returns the weight history, shape ``(len(X) + 1, n_in)``,
    with ``w0`` as its first row. Each step is :func:`hebb_update` with ``y = w . x``.
    The weights grow along the inputs' direction of largest variance, and their norm
    grows without bound (the instability Oja's rule removes in chapter 10). Raises
    ``FloatingPointError`` if the weights overflow.
    """
    return _simulate_one_neuron(
        X, w0, lr, lambda w, x, y, lr: w + lr * y * x, "Hebbian steps", "use fewer steps or a smaller lr"
    )


def _simulate_one_neuron(X: Any, w0: Any, lr: float, step: Any, what: str, advice: str) -> np.ndarray:
    """The weight history of one linear neuron ``y = w . x`` trained by ``step(w, x, y, lr)`` on the rows of X."""
    X = check_array("X", X, ndim=2, dtype_kind="biuf")
    w0 = check_array("w0", w0, ndim=1, dtype_kind="f")
    lr = check_float("lr", lr, minimum=0.0, exclusive_minimum=True)
    if X.shape[1] != w0.shape[0]:
        raise ValueError(f"X must have {w0.shape[0]} columns to match w0, got shape {X.shape}")
    history = np.empty((X.shape[0] + 1, w0.shape[0]), dtype=w0.dtype)
    history[0] = w = w0
    for t, x in enumerate(X, start=1):
        with np.errstate(over="ignore", invalid="ignore"):  # reported below, with advice
            w = step(w, x, float(w @ x), lr)
        if not np.all(np.isfinite(w)):
            raise FloatingPointError(f"the weights overflowed after {t} {what}; {advice}")
        history[t] = w
    return history


# ----------------------------------------------------------------------------- Oja's rule


def oja_update(w: Any, x: Any, lr: float) -> np.ndarray:
    """Return the weights after one step of Oja's rule (``w`` is not changed).

    Introduced in chapter 10. For one linear neuron ``y = w . x`` the step is

        w + lr * y * (x - y * w),

    Hebb's term ``y x`` plus a decay ``-y^2 w`` that grows with the response and keeps the
    norm of ``w`` near 1 :cite:p:`oja1982simplified`.

    Parameters
    ----------
    w
        Weights of one neuron, shape ``(n_in,)``, floating point.
    x
        Presynaptic activity, shape ``(n_in,)``.
    lr
        Learning rate, > 0.
    """
    w = check_array("w", w, ndim=1, dtype_kind="f")
    x = check_array("x", x, ndim=1, dtype_kind="biuf")
    lr = check_float("lr", lr, minimum=0.0, exclusive_minimum=True)
    if x.shape != w.shape:
        raise ValueError(f"x must have shape {w.shape} to match w, got {x.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        y = float(w @ x)
        new = w + lr * y * (x - y * w)
    if not np.all(np.isfinite(new)):
        raise FloatingPointError("Oja's step overflowed; use a smaller lr or smaller inputs")
    return new.astype(w.dtype, copy=False)


def simulate_oja(X: Any, w0: Any, lr: float) -> np.ndarray:
    """Train one linear neuron ``y = w . x`` with Oja's rule on the rows of ``X``, in order.

    Introduced in chapter 10. Returns the weight history, shape ``(len(X) + 1, n_in)``, with
    ``w0`` as its first row; each step is :func:`oja_update`. For zero-mean inputs and a
    small ``lr`` the weights converge to a unit vector along the inputs' first principal
    component (its sign depends on ``w0``) :cite:p:`oja1982simplified`, where Hebb's rule
    (:func:`simulate_hebb`) finds the same direction but lets the norm grow without bound.
    The rule is stable only while ``lr * |x|^2`` stays well below 1; if the weights
    overflow, a ``FloatingPointError`` says so.
    """
    return _simulate_one_neuron(
        X,
        w0,
        lr,
        lambda w, x, y, lr: w + lr * y * (x - y * w),
        "steps of Oja's rule",
        "use a smaller lr (lr * |x|^2 should stay well below 1) or scale the inputs down",
    )


# ----------------------------------------------------------------------------- covariance rule


def covariance_update(w: Any, x: Any, y: Any, lr: float, x_mean: Any, y_mean: Any) -> np.ndarray:
    """Return the weights after one step of the covariance rule (``w`` is not changed).

    Introduced in chapter 10. The step is ``w + lr * (y - y_mean) * (x - x_mean)``
    :cite:p:`sejnowski1977storing`: Hebb's rule with each activity measured from its mean,
    so a synapse is strengthened when pre- and postsynaptic activity are above (or both
    below) their means together, and weakened when one is above its mean while the other is
    below: a postsynaptic response below its mean with an active input depresses the
    synapse. Averaged over inputs the change is ``lr`` times the covariance of ``x`` and ``y``.

    Parameters
    ----------
    w
        Weights of one neuron, shape ``(n_in,)``, or of a layer, shape ``(n_out, n_in)``.
    x
        Presynaptic activity, shape ``(n_in,)``.
    y
        Postsynaptic activity: one number for one neuron, shape ``(n_out,)`` for a layer
        (the update is then the outer product ``lr * (y - y_mean) (x - x_mean)^T``).
    lr
        Learning rate, > 0.
    x_mean
        Mean presynaptic activity: one number or shape ``(n_in,)``.
    y_mean
        Mean postsynaptic activity: one number, or shape ``(n_out,)`` for a layer.
    """
    w = check_array("w", w, ndim=(1, 2), dtype_kind="f")
    x = check_array("x", x, ndim=1, dtype_kind="biuf")
    y = check_array("y", y, ndim=(0, 1), dtype_kind="biuf")
    lr = check_float("lr", lr, minimum=0.0, exclusive_minimum=True)
    x_mean = check_array("x_mean", x_mean, ndim=(0, 1), dtype_kind="biuf")
    y_mean = check_array("y_mean", y_mean, ndim=(0, 1), dtype_kind="biuf")
    n_in = w.shape[-1]
    if x.shape != (n_in,):
        raise ValueError(f"x must have shape ({n_in},) to match w of shape {w.shape}, got {x.shape}")
    if x_mean.ndim == 1 and x_mean.shape != (n_in,):
        raise ValueError(f"x_mean must be one number or have shape ({n_in},), got {x_mean.shape}")
    dx = x - x_mean
    if w.ndim == 1:
        if y.size != 1:
            raise ValueError(f"y must be one number for a single neuron (w is 1-D), got shape {y.shape}")
        if y_mean.size != 1:
            raise ValueError(
                f"y_mean must be one number for a single neuron (w is 1-D), got shape {y_mean.shape}"
            )
        dw = lr * (float(y.reshape(())) - float(y_mean.reshape(()))) * dx
    else:
        n_out = w.shape[0]
        if y.shape != (n_out,):
            raise ValueError(
                f"y must have shape ({n_out},), one activity per row of w {w.shape}, got {y.shape}"
            )
        if y_mean.ndim == 1 and y_mean.shape != (n_out,):
            raise ValueError(f"y_mean must be one number or have shape ({n_out},), got {y_mean.shape}")
        dw = lr * np.outer(y - y_mean, dx)
    with np.errstate(over="ignore", invalid="ignore"):
        new = w + dw
    if not np.all(np.isfinite(new)):
        raise FloatingPointError("the covariance step overflowed; use a smaller lr or smaller activities")
    return new.astype(w.dtype, copy=False)


# ----------------------------------------------------------------------------- BCM


class BCMResult(NamedTuple):
    """What :func:`simulate_bcm` returns.

    Introduced in chapter 10.

    Attributes
    ----------
    weights
        ``(n + 1, n_in)``: the weights before each presentation and after the last
        (``weights[0]`` is ``w0``).
    theta
        ``(n + 1,)``: the sliding threshold at the same moments (``theta[0]`` is ``theta0``).
    responses
        ``(n,)``: the response ``y = max(w . x, 0)`` to each presented row, computed with the
        weights before that row's update.
    """

    weights: np.ndarray
    theta: np.ndarray
    responses: np.ndarray


def simulate_bcm(
    X: Any,
    w0: Any,
    lr: float = 0.003,
    tau_theta: float = 10.0,
    theta0: float | None = None,
    *,
    nonnegative: bool = False,
) -> BCMResult:
    """Train one rectified-linear neuron with the BCM rule on the rows of ``X``, in order.

    Introduced in chapter 10. The rule of Bienenstock, Cooper and Munro
    :cite:p:`bienenstock1982theory`, in the form with a threshold that slides with the mean
    squared response. For each presented row ``x``:

        y      = max(w . x, 0)
        w     <- w + lr * x * y * (y - theta)
        theta <- theta + (y^2 - theta) / tau_theta

    A response above ``theta`` potentiates the active synapses, a response below it
    depresses them, and ``theta`` is a running average of ``y^2`` over about ``tau_theta``
    presentations (its update uses the ``theta`` from before it, as the weights do). Because
    ``theta`` grows faster than the responses (as their square), strong responses to
    everything are unstable: the stable states are *selective*, the neuron responding to one
    of the stimuli (with ``y = theta``) and not to the others. With ``K`` equally frequent
    stimuli the selective state has ``y = K`` for the preferred one, since ``theta = y^2 / K``.

    Parameters
    ----------
    X
        The presented inputs, shape ``(n, n_in)``, one row per presentation (e.g. ``K``
        patterns presented in random order).
    w0
        Initial weights, shape ``(n_in,)``, floating point.
    lr
        Learning rate, > 0. The default 0.003 suits inputs with ``|x|^2`` of a few (e.g. 20
        inputs uniform in [0, 1]); scale it down as ``1 / |x|^2`` for larger inputs.
    tau_theta
        Time constant of the sliding threshold, in presentations, >= 1 (default 10). The
        threshold must follow the responses faster than the weights change, or the
        neuron oscillates.
    theta0
        Initial threshold, >= 0. ``None`` (default) starts it at the mean of
        ``max(w0 . x, 0)^2`` over the rows of ``X``, where the running average would settle
        if the weights stayed at ``w0``.
    nonnegative
        If True, clip the weights at 0 after each step (purely excitatory synapses; ``w0``
        must then be >= 0). The
        default, False, lets weights change sign: a neuron with only excitatory synapses
        cannot cancel the overlap between overlapping patterns, so it becomes only
        partly selective (selectivity about 0.4 to 0.6 instead of 0.75 in the example
        below).

    Returns
    -------
    BCMResult
        Weight and threshold histories, and the responses. Raises ``FloatingPointError`` if
        the weights overflow (``lr`` too large).

    Examples
    --------
    Four overlapping patterns of 20 non-negative inputs, presented 5000 times in random
    order: the neuron ends up responding to one of them (selectivity 0.75, the most for four
    stimuli), whereas Oja's rule on the same data responds to all of them about equally.

    >>> rng = np.random.default_rng(0)
    >>> patterns = rng.random((4, 20))
    >>> X = patterns[rng.integers(0, 4, size=5000)]
    >>> result = simulate_bcm(X, rng.uniform(0.0, 0.1, size=20), lr=0.003, tau_theta=10.0)
    >>> responses = np.maximum(patterns @ result.weights[-1], 0.0)
    >>> round(float(selectivity(responses)), 2)
    0.75
    """
    X = check_array("X", X, ndim=2, dtype_kind="biuf")
    w0 = check_array("w0", w0, ndim=1, dtype_kind="f")
    lr = check_float("lr", lr, minimum=0.0, exclusive_minimum=True)
    tau_theta = check_float("tau_theta", tau_theta, minimum=1.0)
    nonnegative = check_bool("nonnegative", nonnegative)
    if X.shape[1] != w0.shape[0]:
        raise ValueError(f"X must have {w0.shape[0]} columns to match w0, got shape {X.shape}")
    if nonnegative and w0.min() < 0:
        raise ValueError(f"w0 must be >= 0 everywhere when nonnegative=True, got a minimum of {w0.min()}")
    X = X.astype(np.float64)
    w = w0.astype(np.float64)
    if theta0 is None:
        with np.errstate(over="ignore", invalid="ignore"):
            theta = float(np.mean(np.maximum(X @ w, 0.0) ** 2))
        if not math.isfinite(theta):
            raise ValueError("theta0 could not be set from w0 and X (their responses overflow); pass theta0")
    else:
        theta = check_float("theta0", theta0, minimum=0.0)
    n = X.shape[0]
    weights = np.empty((n + 1, w.size))
    thetas = np.empty(n + 1)
    responses = np.empty(n)
    weights[0], thetas[0] = w, theta
    rate = 1.0 / tau_theta
    for t in range(n):
        x = X[t]
        with np.errstate(over="ignore", invalid="ignore"):  # reported below, with advice
            y = max(float(w @ x), 0.0)
            w = w + (lr * y * (y - theta)) * x
            theta = theta + (y * y - theta) * rate
        if nonnegative:
            np.maximum(w, 0.0, out=w)
        if not (np.all(np.isfinite(w)) and math.isfinite(theta)):
            raise FloatingPointError(
                f"the weights overflowed after {t + 1} BCM steps; use a smaller lr (about 0.02 / |x|^2) "
                "or a smaller tau_theta"
            )
        responses[t] = y
        weights[t + 1], thetas[t + 1] = w, theta
    return BCMResult(weights=weights, theta=thetas, responses=responses)


def selectivity(responses: Any, axis: int = -1) -> np.ndarray | float:
    """How selective a neuron is among a set of stimuli: ``1 - mean / max`` of its responses.

    Introduced in chapter 10, after :cite:t:`bienenstock1982theory`. ``responses`` holds a
    neuron's non-negative responses (rates) to ``K`` stimuli along ``axis``. The measure is
    0 when all responses are equal and reaches its maximum, ``1 - 1 / K``, when only one
    stimulus evokes a response. Returns a float for a 1-D input, otherwise an array with
    ``axis`` removed (one value per neuron). Raises ``ValueError`` for negative responses or
    a neuron that responds to nothing (all zeros: no preferred stimulus, the ratio is
    undefined).
    """
    r = check_array("responses", responses, dtype_kind="biuf", minimum=0.0)
    if r.ndim == 0:
        raise ValueError(
            "responses must have at least one dimension (one response per stimulus), got a number"
        )
    axis = check_int("axis", axis, minimum=-r.ndim, maximum=r.ndim - 1)
    r = r.astype(np.float64)
    peak = r.max(axis=axis)
    if np.any(peak <= 0):
        raise ValueError("responses must not be all zero for a neuron: its selectivity is undefined")
    with np.errstate(over="ignore", invalid="ignore"):
        mean = r.mean(axis=axis)
    if not np.all(np.isfinite(mean)):
        raise ValueError("responses are too large to average; rescale them")
    out = 1.0 - mean / peak
    return float(out) if out.ndim == 0 else out


# ----------------------------------------------------------------------------- STDP

#: Time constants (ms) of the potentiation and depression sides of the STDP window: the
#: exponential fits by Bi and Poo (2001) to their measurements in cultured hippocampal
#: neurons (Bi and Poo 1998).
TAU_PLUS = 16.8
TAU_MINUS = 33.7


def _check_window(
    a_plus: Any, a_minus: Any, tau_plus: Any, tau_minus: Any
) -> tuple[float, float, float, float]:
    return (
        check_float("a_plus", a_plus, minimum=0.0),
        check_float("a_minus", a_minus, minimum=0.0),
        check_float("tau_plus", tau_plus, minimum=0.0, exclusive_minimum=True),
        check_float("tau_minus", tau_minus, minimum=0.0, exclusive_minimum=True),
    )


def stdp_window(
    dt: Any,
    a_plus: float = 1.0,
    a_minus: float = 0.525,
    tau_plus: float = TAU_PLUS,
    tau_minus: float = TAU_MINUS,
) -> np.ndarray | float:
    """The STDP window: the weight change caused by one pre/post spike pair.

    Introduced in chapter 10. With ``dt = t_post - t_pre`` in ms,

        a_plus  * exp(-dt / tau_plus)     if dt > 0  (pre before post: potentiation),
        -a_minus * exp(dt / tau_minus)    if dt < 0  (post before pre: depression),
        0                                 if dt == 0 (no order, no change; a convention),

    the shape measured by :cite:t:`bi1998synaptic`. The default time constants, 16.8 ms and
    33.7 ms, are the exponential fits of :cite:t:`bi2001synaptic` to those data. The
    amplitudes are relative units (multiply by a learning rate); the default ``a_minus =
    0.525`` makes depression's integral ``a_minus * tau_minus`` about 5 % larger than
    potentiation's ``a_plus * tau_plus`` (17.7 against 16.8), the slight dominance of
    depression that keeps additive STDP stable with uncorrelated inputs and makes synapses
    compete :cite:p:`song2000competitive` (their ratio was 1.05).

    Parameters
    ----------
    dt
        Spike-time difference(s) ``t_post - t_pre`` in ms: a number or an array.
    a_plus, a_minus
        Amplitudes of potentiation and depression, >= 0.
    tau_plus, tau_minus
        Their time constants in ms, > 0.

    Returns
    -------
    A float for a number, otherwise an array of ``dt``'s shape.

    Examples
    --------
    >>> round(stdp_window(16.8), 4)  # one time constant after: a_plus / e
    0.3679
    >>> stdp_window(0.0)
    0.0
    >>> stdp_window(-10.0) < 0 < stdp_window(10.0)
    True
    """
    d = check_array("dt", dt, dtype_kind="biuf", allow_empty=True).astype(np.float64)
    a_plus, a_minus, tau_plus, tau_minus = _check_window(a_plus, a_minus, tau_plus, tau_minus)
    out = np.zeros_like(d)
    pos, neg = d > 0, d < 0
    out[pos] = a_plus * np.exp(-d[pos] / tau_plus)
    out[neg] = -a_minus * np.exp(d[neg] / tau_minus)
    return float(out) if out.ndim == 0 else out


def _check_raster(name: str, value: Any, ndim: int) -> np.ndarray:
    """A spike raster: booleans, or integers that are all 0 or 1."""
    arr = check_array(name, value, ndim=ndim, dtype_kind="biu", minimum=0, maximum=1)
    return arr.astype(bool)


def stdp_traces(
    pre_spikes: Any,
    post_spikes: Any,
    dt: float = 1.0,
    a_plus: float = 1.0,
    a_minus: float = 0.525,
    tau_plus: float = TAU_PLUS,
    tau_minus: float = TAU_MINUS,
) -> np.ndarray:
    """Total weight change per synapse under additive all-to-all STDP, computed online.

    Introduced in chapter 10. The synapse does not need to remember every spike: two
    exponentially decaying traces are enough. Each synapse keeps a presynaptic trace that
    jumps by 1 at each of its presynaptic spikes and decays with ``tau_plus``; the neuron
    keeps a postsynaptic trace that jumps by 1 at each postsynaptic spike and decays with
    ``tau_minus``. At each postsynaptic spike every synapse gains ``a_plus`` times its
    presynaptic trace; at each presynaptic spike that synapse loses ``a_minus`` times the
    postsynaptic trace. The traces are decayed by the exact factors ``exp(-dt / tau)`` per
    step, so the result equals the sum of :func:`stdp_window` over all pre/post spike pairs
    (spike times ``index * dt``), to rounding error.

    Order within a time step: both changes use the traces from before the step's own
    spikes are added, so a pre and a post spike in the same bin do not interact (the
    window's ``dt == 0`` convention); the traces then jump.

    Parameters
    ----------
    pre_spikes
        Presynaptic spike raster, shape ``(T, n_pre)``: booleans (or 0/1 integers), one row
        per time step.
    post_spikes
        Postsynaptic spike raster, shape ``(T,)``.
    dt
        Time step in ms, > 0.
    a_plus, a_minus, tau_plus, tau_minus
        As in :func:`stdp_window` (amplitudes in the units of the weights, times in ms).

    Returns
    -------
    ``(n_pre,)``: the summed weight change of each synapse (not clipped; additive STDP).
    """
    pre = _check_raster("pre_spikes", pre_spikes, 2)
    post = _check_raster("post_spikes", post_spikes, 1)
    dt = check_float("dt", dt, minimum=0.0, exclusive_minimum=True)
    a_plus, a_minus, tau_plus, tau_minus = _check_window(a_plus, a_minus, tau_plus, tau_minus)
    if post.shape[0] != pre.shape[0]:
        raise ValueError(
            f"post_spikes must have one entry per time step of pre_spikes ({pre.shape[0]}), got {post.shape[0]}"
        )
    d_pre, d_post = math.exp(-dt / tau_plus), math.exp(-dt / tau_minus)
    n_pre = pre.shape[1]
    dw = np.zeros(n_pre)
    x_pre = np.zeros(n_pre)  # presynaptic traces, decaying with tau_plus
    y_post = 0.0  # postsynaptic trace, decaying with tau_minus
    last = 0  # the step the traces were last brought up to date
    active = np.flatnonzero(pre.any(axis=1) | post)
    for t in active:
        gap = t - last
        if gap:
            x_pre *= d_pre**gap
            y_post *= d_post**gap
            last = t
        fired = np.flatnonzero(pre[t])
        if fired.size and y_post:
            dw[fired] -= a_minus * y_post  # post before pre: depression
        if post[t]:
            dw += a_plus * x_pre  # pre before post: potentiation
            y_post += 1.0
        x_pre[fired] += 1.0
    return dw


class PatternInput(NamedTuple):
    """What :func:`repeating_pattern_input` returns.

    Introduced in chapter 10.

    Attributes
    ----------
    spikes
        ``(T, n_afferents)`` booleans: the spike raster on a grid of ``dt`` ms.
    onsets
        Sorted time-step indices at which a presentation of the pattern starts.
    pattern_afferents
        ``(n_afferents,)`` booleans: the afferents that take part in the pattern.
    pattern
        ``(pattern_len, n_afferents)`` booleans: the frozen pattern itself (all False in the
        columns of the other afferents).
    dt
        Time step in ms.
    """

    spikes: np.ndarray
    onsets: np.ndarray
    pattern_afferents: np.ndarray
    pattern: np.ndarray
    dt: float

    @property
    def pattern_len(self) -> int:
        """Length of the pattern in time steps."""
        return int(self.pattern.shape[0])


_MAX_RASTER = 200_000_000  # booleans, 200 MB: a guard against a mistyped duration


def repeating_pattern_input(
    n_afferents: int,
    duration_ms: float,
    *,
    pattern_ms: float = 50.0,
    share_in_pattern: float = 0.5,
    pattern_fraction: float = 0.25,
    rate_hz: float = 20.0,
    dt: float = 1.0,
    rng: np.random.Generator,
) -> PatternInput:
    """Poisson spike trains with a frozen spike pattern hidden in them.

    Introduced in chapter 10, after :cite:t:`masquelier2008spike`. Every afferent fires as
    a Poisson process at ``rate_hz`` (at most one spike per ``dt``-ms bin). Time is cut into
    consecutive slots of ``pattern_ms``; in a share ``pattern_fraction`` of them (never two
    in a row, as in the paper), the spike trains of the pattern afferents (a share
    ``share_in_pattern`` of all) are replaced by one frozen ``pattern_ms``-long pattern,
    while the other afferents go on firing at random.

    The pattern cannot be found from rates. In the frozen pattern each pattern afferent
    fires ``rate_hz * pattern_ms / 1000`` spikes (1 with the defaults), at random times
    drawn once; when that number is not whole, each afferent gets the number rounded down or
    up at random so that the mean is right. So every afferent fires at the same average rate
    inside and outside the pattern (exactly, for a whole number), and so does the
    population: only the timing of the spikes repeats. This is simpler than the paper's
    input, whose rates also varied in time, and keeps the same point: rates alone do not
    reveal the pattern.

    Parameters
    ----------
    n_afferents
        Number of input spike trains, >= 2.
    duration_ms
        Total duration in ms; at least two pattern slots.
    pattern_ms
        Length of the pattern in ms (default 50, as in the paper), at least one step.
    share_in_pattern
        Share of the afferents that take part in the pattern, in (0, 1] (default 0.5, as in
        the paper); at least one afferent.
    pattern_fraction
        Share of the slots (so of the time) filled by the pattern, in (0, 0.5) (default
        0.25, as in the paper): the pattern comes back every 200 ms on average.
    rate_hz
        Firing rate of every afferent in Hz, > 0, with ``rate_hz * dt / 1000 < 1`` (default
        20 Hz: each pattern afferent fires once in a 50-ms pattern).
    dt
        Time step in ms (default 1).
    rng
        A NumPy ``Generator``.

    Returns
    -------
    PatternInput
        The raster, the pattern's onsets (time steps), which afferents are in it, and the
        pattern itself.
    """
    n_afferents = check_int("n_afferents", n_afferents, minimum=2)
    duration_ms = check_float("duration_ms", duration_ms, minimum=0.0, exclusive_minimum=True)
    pattern_ms = check_float("pattern_ms", pattern_ms, minimum=0.0, exclusive_minimum=True)
    share_in_pattern = check_float(
        "share_in_pattern", share_in_pattern, minimum=0.0, maximum=1.0, exclusive_minimum=True
    )
    pattern_fraction = check_float(
        "pattern_fraction",
        pattern_fraction,
        minimum=0.0,
        maximum=0.5,
        exclusive_minimum=True,
        exclusive_maximum=True,
    )
    rate_hz = check_float("rate_hz", rate_hz, minimum=0.0, exclusive_minimum=True)
    dt = check_float("dt", dt, minimum=0.0, exclusive_minimum=True)
    rng = _check_rng(rng)
    p_spike = rate_hz * dt / 1000.0
    if p_spike >= 1.0:
        raise ValueError(
            f"rate_hz * dt / 1000 must be below 1 (at most one spike per bin), got rate_hz={rate_hz} Hz, dt={dt} ms"
        )
    pattern_len = int(round(pattern_ms / dt))
    if pattern_len < 1:
        raise ValueError(f"pattern_ms must be at least one time step dt={dt} ms, got {pattern_ms} ms")
    n_steps = int(round(duration_ms / dt))
    n_slots = n_steps // pattern_len
    if n_slots < 2:
        raise ValueError(
            f"duration_ms must hold at least two patterns of {pattern_ms} ms, got {duration_ms} ms"
        )
    if n_steps * n_afferents > _MAX_RASTER:
        raise ValueError(
            f"duration_ms={duration_ms} with n_afferents={n_afferents} would make a raster of "
            f"{n_steps * n_afferents:.3g} entries (limit {_MAX_RASTER:.0e}); shorten duration_ms"
        )
    n_in = max(1, int(round(share_in_pattern * n_afferents)))
    in_pattern = np.zeros(n_afferents, dtype=bool)
    in_pattern[rng.permutation(n_afferents)[:n_in]] = True

    spikes = np.empty((n_steps, n_afferents), dtype=bool)
    chunk = max(1, 2_000_000 // n_afferents)  # draw in blocks to bound the memory of the uniforms
    for lo in range(0, n_steps, chunk):
        hi = min(lo + chunk, n_steps)
        spikes[lo:hi] = rng.random((hi - lo, n_afferents)) < p_spike
    # the frozen pattern: each pattern afferent fires rate * pattern length spikes in it
    mean_count = p_spike * pattern_len
    counts = int(math.floor(mean_count)) + (rng.random(n_in) < mean_count - math.floor(mean_count))
    pattern = np.zeros((pattern_len, n_afferents), dtype=bool)
    for column, k in zip(np.flatnonzero(in_pattern), counts, strict=True):
        pattern[rng.choice(pattern_len, size=int(k), replace=False), column] = True
    # which slots hold the pattern: a two-state chain that never repeats a pattern slot,
    # with a stationary share of pattern_fraction
    q = pattern_fraction / (1.0 - pattern_fraction)
    u = rng.random(n_slots)
    chosen = np.zeros(n_slots, dtype=bool)
    previous = True  # the run starts with background
    for s in range(n_slots):
        chosen[s] = (not previous) and u[s] < q
        previous = chosen[s]
    onsets = np.flatnonzero(chosen) * pattern_len
    columns = np.flatnonzero(in_pattern)
    frozen = pattern[:, columns]
    for onset in onsets:
        spikes[onset : onset + pattern_len, columns] = frozen
    return PatternInput(
        spikes=spikes, onsets=onsets.astype(np.int64), pattern_afferents=in_pattern, pattern=pattern, dt=dt
    )


class STDPResult(NamedTuple):
    """What :func:`simulate_stdp_neuron` returns.

    Introduced in chapter 10.

    Attributes
    ----------
    weights
        ``(n_afferents,)``: the weights at the end of the run.
    weight_history
        ``(n_snapshots, n_afferents)``: the weights at ``snapshot_times`` (the first row is
        ``w0``).
    snapshot_times
        Times in ms of the rows of ``weight_history``: 0, ``snapshot_ms``, ...
    post_spike_indices
        Time steps at which the neuron fired.
    voltage
        ``(T,)``: the membrane potential (arbitrary units, rest 0) at the end of each step;
        at a spike it shows the reset value 0, so draw spikes from ``post_spike_indices``.
    dt
        Time step in ms.
    """

    weights: np.ndarray
    weight_history: np.ndarray
    snapshot_times: np.ndarray
    post_spike_indices: np.ndarray
    voltage: np.ndarray
    dt: float

    @property
    def post_spike_times(self) -> np.ndarray:
        """Spike times in ms."""
        return self.post_spike_indices * self.dt


def simulate_stdp_neuron(
    spikes: Any,
    w0: Any,
    *,
    dt: float = 1.0,
    tau_m: float = 5.0,
    threshold: float = 16.0,
    a_plus: float = 0.01,
    a_minus: float = 0.0075,
    tau_plus: float = TAU_PLUS,
    tau_minus: float = TAU_MINUS,
    a_pre: float = 3e-4,
    w_max: float = 1.0,
    snapshot_ms: float = 1000.0,
) -> STDPResult:
    """A leaky integrate-and-fire neuron whose input synapses learn by STDP, online.

    Introduced in chapter 10, after :cite:t:`masquelier2008spike`. The membrane potential
    ``V`` is in arbitrary units with rest at 0: it decays with ``tau_m`` ms, each input spike
    raises it at once by its synapse's weight, and when it reaches ``threshold`` the neuron
    fires and ``V`` is reset to 0. Each step of ``dt`` ms:

    1. ``V <- V * exp(-dt / tau_m) + sum of the weights of the afferents that spike``;
    2. each afferent that spikes loses ``a_minus`` times the postsynaptic trace (post before
       pre: depression) and gains ``a_pre``;
    3. the presynaptic traces of those afferents jump by 1;
    4. if ``V >= threshold``: a spike, ``V = 0``, every synapse gains ``a_plus`` times its
       presynaptic trace (pre before post: potentiation), and the postsynaptic trace jumps
       by 1.

    The traces decay with ``tau_plus`` and ``tau_minus`` as in :func:`stdp_traces` (additive,
    all-to-all STDP), and the weights are clipped to ``[0, w_max]`` after each change. One
    difference from :func:`stdp_traces`: input spikes in the step of an output spike are
    counted as coming *before* it (step 3 precedes step 4), since they are what pushed ``V``
    over threshold.

    ``a_pre`` is a small non-Hebbian potentiation at every presynaptic spike, the ``w_in``
    term of :cite:t:`kempter1999hebbian`. Depression dominates the window more than in
    :func:`stdp_window`'s defaults (``a_minus * tau_minus`` is 1.5 times ``a_plus *
    tau_plus``), so synapses with uncorrelated input decay quickly; ``a_pre`` balances that decay when the output
    rate falls to ``1000 * a_pre / (a_minus * tau_minus - a_plus * tau_plus)`` Hz (3.5 Hz
    with the defaults), so the neuron cannot fall silent for good. Without it
    (``a_pre=0``) the neuron still learns the pattern, but it can keep pruning synapses
    until it responds to the pattern only some of the time.

    The defaults were tuned for :func:`repeating_pattern_input` with its defaults and 500
    afferents starting at ``w0 = 0.5``: at first the neuron fires at about 15 to 20 Hz
    whatever its input, and within about a minute of simulated time it fires at every
    pattern presentation (one to three spikes, the first 3 to 11 ms after the pattern
    starts) and almost never outside it, with the weights of a few tens of pattern
    afferents (those that fire first in the pattern) at ``w_max`` and nearly all others at
    0. The threshold sets the trade-off:
    lower, and the neuron keeps some false alarms; higher, and it misses presentations.

    Parameters
    ----------
    spikes
        Input spike raster, shape ``(T, n_afferents)``: booleans (or 0/1 integers).
    w0
        Initial weights, shape ``(n_afferents,)``, in ``[0, w_max]``.
    dt
        Time step in ms, smaller than ``tau_m``.
    tau_m
        Membrane time constant in ms (default 5: a short one makes the neuron a coincidence
        detector, which helps it pick out the pattern).
    threshold
        Firing threshold, > 0, in the units of the weights.
    a_plus, a_minus
        Amplitudes of potentiation and depression, >= 0, in the units of the weights.
    tau_plus, tau_minus
        Time constants of the STDP window in ms (:func:`stdp_window`).
    a_pre
        Weight change at each presynaptic spike, whatever the neuron does (default 3e-4).
    w_max
        Upper bound of the weights, > 0.
    snapshot_ms
        Record the weights every this many ms of simulated time, > 0.

    Returns
    -------
    STDPResult
        Final weights, weight snapshots, output spike steps and the membrane potential.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> data = repeating_pattern_input(500, 150_000, rng=rng)  # 150 s
    >>> result = simulate_stdp_neuron(data.spikes, np.full(500, 0.5))
    >>> T = len(data.spikes)
    >>> late = pattern_response(result.post_spike_indices, data.onsets, data.pattern_len, T, start=int(0.8 * T))
    >>> bool(late.hit_rate > 0.9 and late.false_alarm_hz < 1.0)
    True
    """
    raster = _check_raster("spikes", spikes, 2)
    w = check_array("w0", w0, ndim=1, dtype_kind="f").astype(np.float64)
    dt = check_float("dt", dt, minimum=0.0, exclusive_minimum=True)
    tau_m = check_float("tau_m", tau_m, minimum=0.0, exclusive_minimum=True)
    threshold = check_float("threshold", threshold, minimum=0.0, exclusive_minimum=True)
    a_plus, a_minus, tau_plus, tau_minus = _check_window(a_plus, a_minus, tau_plus, tau_minus)
    a_pre = check_float("a_pre", a_pre)
    w_max = check_float("w_max", w_max, minimum=0.0, exclusive_minimum=True)
    snapshot_ms = check_float("snapshot_ms", snapshot_ms, minimum=0.0, exclusive_minimum=True)
    if dt >= tau_m:
        raise ValueError(f"dt must be smaller than tau_m, got dt={dt} ms and tau_m={tau_m} ms")
    n_steps, n = raster.shape
    if w.shape != (n,):
        raise ValueError(f"w0 must have shape ({n},), one weight per column of spikes, got {w.shape}")
    if w.min() < 0 or w.max() > w_max:
        raise ValueError(f"w0 must lie in [0, w_max={w_max}], got values from {w.min()} to {w.max()}")
    snap_every = max(1, int(round(snapshot_ms / dt)))
    n_snaps = n_steps // snap_every + 1
    history = np.empty((n_snaps, n))
    history[0] = w

    d_m, d_pre, d_post = math.exp(-dt / tau_m), math.exp(-dt / tau_plus), math.exp(-dt / tau_minus)
    rows, cols = np.nonzero(raster)  # row-major: sorted by time step
    bounds = np.searchsorted(rows, np.arange(n_steps + 1)).tolist()
    x_pre = np.zeros(n)
    y_post, v = 0.0, 0.0
    voltage = np.empty(n_steps)
    post: list[int] = []
    for t in range(n_steps):
        x_pre *= d_pre
        y_post *= d_post
        v *= d_m
        lo, hi = bounds[t], bounds[t + 1]
        if hi > lo:
            idx = cols[lo:hi]
            wi = w[idx]
            v += wi.sum()
            wi += a_pre - a_minus * y_post
            np.clip(wi, 0.0, w_max, out=wi)
            w[idx] = wi
            x_pre[idx] += 1.0
        if v >= threshold:
            post.append(t)
            v = 0.0
            w += a_plus * x_pre
            np.minimum(w, w_max, out=w)
            y_post += 1.0
        voltage[t] = v
        if (t + 1) % snap_every == 0:
            history[(t + 1) // snap_every] = w
    return STDPResult(
        weights=w,
        weight_history=history,
        snapshot_times=np.arange(n_snaps) * snap_every * dt,
        post_spike_indices=np.asarray(post, dtype=np.int64),
        voltage=voltage,
        dt=dt,
    )


class PatternResponse(NamedTuple):
    """What :func:`pattern_response` returns.

    Introduced in chapter 10.

    Attributes
    ----------
    hit_rate
        Share of the pattern presentations with at least one output spike in their window.
    false_alarm_hz
        Output spikes outside every pattern window, per second of the time outside them.
    """

    hit_rate: float
    false_alarm_hz: float


def pattern_response(
    post_spike_indices: Any,
    onsets: Any,
    pattern_len: int,
    T: int,
    *,
    window: tuple[int, int] | None = None,
    start: int = 0,
    dt: float = 1.0,
) -> PatternResponse:
    """How well a neuron's spikes signal a repeating pattern: hit rate and false alarms.

    Introduced in chapter 10, with the measures of :cite:t:`masquelier2008spike`. Only the
    time steps ``start`` to ``T - 1`` count. Each presentation's window runs from its onset
    plus ``window[0]`` to its onset plus ``window[1]`` (steps, end excluded; by default the
    pattern itself, ``(0, pattern_len)``). A presentation whose window lies entirely within
    the span counts as a hit if the neuron fired in its window; a spike outside every window
    is a false alarm, and the false-alarm rate is their number per second (``dt`` ms per
    step) of the time outside every window.

    Parameters
    ----------
    post_spike_indices
        Time steps of the output spikes (e.g. :attr:`STDPResult.post_spike_indices`).
    onsets
        Time steps at which the pattern starts (:attr:`PatternInput.onsets`).
    pattern_len
        Length of the pattern in steps, >= 1.
    T
        End of the span (steps, excluded), e.g. the length of the run.
    window
        ``(first, stop)`` offsets in steps from each onset, ``first < stop``; ``None`` for
        ``(0, pattern_len)``. A later ``stop`` accepts responses just after the pattern.
    start
        First time step of the span, ``0 <= start < T`` (e.g. ``int(0.8 * T)`` for the last
        fifth of a run).
    dt
        Time step in ms.

    Returns
    -------
    PatternResponse
        ``(hit_rate, false_alarm_hz)``.
    """
    post = check_array(
        "post_spike_indices", post_spike_indices, ndim=1, dtype_kind="iu", allow_empty=True, maximum=2**62
    ).astype(np.int64)
    onsets = check_array(
        "onsets", onsets, ndim=1, dtype_kind="iu", allow_empty=True, minimum=0, maximum=2**60
    )
    onsets = onsets.astype(np.int64)
    pattern_len = check_int("pattern_len", pattern_len, minimum=1, maximum=2**60)
    T = check_int("T", T, minimum=1, maximum=2**62)
    start = check_int("start", start, minimum=0, maximum=T - 1)
    dt = check_float("dt", dt, minimum=0.0, exclusive_minimum=True)
    if window is None:
        first, stop = 0, pattern_len
    else:
        if not isinstance(window, tuple) or len(window) != 2:
            raise TypeError(
                f"window must be a tuple (first, stop) of two integers or None, got {window!r:.60}"
            )
        first = check_int("window[0]", window[0], minimum=-(2**60), maximum=2**60)
        stop = check_int("window[1]", window[1], minimum=-(2**60), maximum=2**60)
        if stop <= first:
            raise ValueError(f"window must have first < stop, got {window}")
    # the windows, clipped to the span and merged where they overlap
    starts = np.clip(onsets + first, start, T)
    ends = np.clip(onsets + stop, start, T)
    keep = ends > starts
    order = np.argsort(starts[keep], kind="stable")
    merged: list[list[int]] = []
    for a, b in zip(starts[keep][order].tolist(), ends[keep][order].tolist(), strict=True):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    m_starts = np.array([a for a, _ in merged], dtype=np.int64)
    m_ends = np.array([b for _, b in merged], dtype=np.int64)
    counted = onsets[(onsets + first >= start) & (onsets + stop <= T)]
    if counted.size == 0:
        raise ValueError(f"onsets must include a presentation whose window lies within steps [{start}, {T})")
    outside_steps = (T - start) - int((m_ends - m_starts).sum())
    if outside_steps <= 0:
        raise ValueError(f"onsets leave no time outside the pattern windows in steps [{start}, {T})")
    post = np.sort(post[(post >= start) & (post < T)])
    lo = np.searchsorted(post, counted + first, side="left")
    hi = np.searchsorted(post, counted + stop, side="left")
    hit_rate = float(np.mean(hi > lo))
    k = np.searchsorted(m_starts, post, side="right") - 1
    in_window = (
        (k >= 0) & (post < m_ends[np.maximum(k, 0)]) if m_ends.size else np.zeros(post.size, dtype=bool)
    )
    false_alarms = int(np.count_nonzero(~in_window))
    return PatternResponse(hit_rate=hit_rate, false_alarm_hz=false_alarms / (outside_steps * dt / 1000.0))
