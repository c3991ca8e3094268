"""The leaky integrate-and-fire (LIF) neuron, simulated with forward Euler.

Introduced in chapter 02. The model goes back to :cite:t:`lapicque1907recherches`; the form
used here follows :cite:t:`gerstner2014neuronal` (chapter 1) and
:cite:t:`dayan2001theoretical` (chapter 5). Below threshold the membrane potential
``V`` (mV) obeys

    tau_m dV/dt = -(V - v_rest) + r_m * I(t),

with the membrane time constant ``tau_m`` (ms), the membrane resistance ``r_m`` (MOhm)
and the input current ``I`` (nA); MOhm times nA is mV. When ``V`` reaches
``v_threshold`` the neuron emits a spike, ``V`` is reset to ``v_reset`` and held there
for the absolute refractory period ``t_ref`` (ms).

Units throughout: time in ms, voltage in mV, current in nA, resistance in MOhm, rates in
Hz (spikes per second). The defaults (10 ms, -65 mV, -50 mV, 10 MOhm, 2 ms) are typical
textbook values for a cortical neuron, giving a rheobase of 1.5 nA.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neurodl._validate import check_array, check_float

__all__ = ["LIFResult", "simulate_lif", "lif_rate", "lif_rate_theory", "lif_rheobase"]


@dataclass(frozen=True, repr=False)
class LIFResult:
    """What :func:`simulate_lif` returns.

    Introduced in chapter 02.

    Attributes
    ----------
    time
        Sample times in ms, ``0, dt, ..., n_steps * dt`` (length ``n_steps + 1``).
    voltage
        Membrane potential in mV at each sample time (``voltage[0]`` is ``v_rest``). At a
        spike the trace shows the reset value: the spike itself is instantaneous in this
        model, so draw it from ``spike_times``.
    spike_times
        Times in ms at which the membrane potential reached threshold.
    current
        Input current in nA during each step (length ``n_steps``).
    params
        The parameters of the run (``dt``, ``tau_m``, ...), in the units above.
    """

    time: np.ndarray
    voltage: np.ndarray
    spike_times: np.ndarray
    current: np.ndarray
    params: dict[str, float] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        """Simulated time in ms."""
        return float(self.time[-1])

    @property
    def num_spikes(self) -> int:
        """Number of spikes emitted."""
        return int(self.spike_times.size)

    @property
    def rate(self) -> float:
        """Firing rate in Hz: spikes per second of simulated time."""
        return 1000.0 * self.num_spikes / self.duration

    def __repr__(self) -> str:
        return (
            f"LIFResult(duration={self.duration:g} ms, dt={self.params.get('dt', float('nan')):g} ms, "
            f"num_spikes={self.num_spikes}, rate={self.rate:.1f} Hz, "
            f"mean_current={float(self.current.mean()):.3g} nA)"
        )


def _check_params(
    dt: Any,
    tau_m: Any,
    v_rest: Any,
    v_reset: Any,
    v_threshold: Any,
    r_m: Any,
    t_ref: Any,
    *,
    need_dt: bool = True,
) -> dict[str, float]:
    """Validate the LIF parameters and return them as floats (``need_dt=False``: no time step)."""
    params = {
        "tau_m": check_float("tau_m", tau_m, minimum=0.0, exclusive_minimum=True),
        "v_rest": check_float("v_rest", v_rest),
        "v_reset": check_float("v_reset", v_reset),
        "v_threshold": check_float("v_threshold", v_threshold),
        "r_m": check_float("r_m", r_m, minimum=0.0, exclusive_minimum=True),
        "t_ref": check_float("t_ref", t_ref, minimum=0.0),
    }
    if params["v_reset"] >= params["v_threshold"]:
        raise ValueError(
            f"v_reset must be below v_threshold, got v_reset={params['v_reset']} mV "
            f"and v_threshold={params['v_threshold']} mV"
        )
    if params["v_rest"] >= params["v_threshold"]:
        raise ValueError(
            f"v_rest must be below v_threshold (a neuron at rest does not fire), got "
            f"v_rest={params['v_rest']} mV and v_threshold={params['v_threshold']} mV"
        )
    if not need_dt:
        return params
    params["dt"] = check_float("dt", dt, minimum=0.0, exclusive_minimum=True)
    if params["dt"] >= params["tau_m"]:
        raise ValueError(
            f"dt must be smaller than tau_m for a forward-Euler step to be meaningful, "
            f"got dt={params['dt']} ms and tau_m={params['tau_m']} ms"
        )
    return params


def _check_noise(noise_std: Any, rng: Any) -> float:
    noise = check_float("noise_std", noise_std, minimum=0.0)
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator or None, got {type(rng).__name__}")
    if noise > 0 and rng is None:
        raise ValueError("rng must be a numpy.random.Generator when noise_std > 0 (got None)")
    return noise


def _integrate(
    current: np.ndarray,
    params: dict[str, float],
    noise_std: float,
    rng: np.random.Generator | None,
    record: bool,
) -> tuple[np.ndarray | None, list[np.ndarray], np.ndarray]:
    """Euler-integrate a population of independent LIF neurons.

    ``current`` has shape ``(n_steps, n_neurons)`` (nA). Returns the voltage trace of shape
    ``(n_steps + 1, n_neurons)`` if ``record`` (else None), the spike step indices per
    neuron, and the spike counts.
    """
    n_steps, n_neurons = current.shape
    dt, tau = params["dt"], params["tau_m"]
    v_rest, v_reset, v_th, r_m = params["v_rest"], params["v_reset"], params["v_threshold"], params["r_m"]
    ref_steps = int(round(params["t_ref"] / dt))
    decay = dt / tau
    noise_scale = noise_std * math.sqrt(2.0 * dt / tau)

    v = np.full(n_neurons, v_rest)
    refractory = np.zeros(n_neurons, dtype=np.int64)  # steps left to hold at v_reset
    counts = np.zeros(n_neurons, dtype=np.int64)
    spike_steps: list[list[int]] = [[] for _ in range(n_neurons)]
    trace = np.empty((n_steps + 1, n_neurons)) if record else None
    if trace is not None:
        trace[0] = v
    for k in range(n_steps):
        dv = decay * (v_rest - v + r_m * current[k])
        if noise_scale > 0:
            dv = dv + noise_scale * rng.standard_normal(n_neurons)
        active = refractory == 0
        v = np.where(active, v + dv, v_reset)
        refractory = np.where(active, 0, refractory - 1)
        fired = v >= v_th
        if fired.any():
            counts += fired
            for i in np.flatnonzero(fired):
                spike_steps[i].append(k + 1)
            v = np.where(fired, v_reset, v)
            refractory = np.where(fired, ref_steps, refractory)
        if trace is not None:
            trace[k + 1] = v
    return trace, [np.asarray(s, dtype=np.int64) for s in spike_steps], counts


def simulate_lif(
    current: Any,
    dt: float = 0.1,
    duration: float | None = None,
    *,
    tau_m: float = 10.0,
    v_rest: float = -65.0,
    v_reset: float = -65.0,
    v_threshold: float = -50.0,
    r_m: float = 10.0,
    t_ref: float = 2.0,
    noise_std: float = 0.0,
    rng: np.random.Generator | None = None,
) -> LIFResult:
    """Simulate one leaky integrate-and-fire neuron with forward Euler.

    Introduced in chapter 02. Each step of ``dt`` ms updates

        V <- V + dt / tau_m * (v_rest - V + r_m * I)   (+ noise),

    then, if ``V >= v_threshold``, records a spike, sets ``V = v_reset`` and holds it there
    for ``t_ref`` ms (rounded to whole steps).

    Parameters
    ----------
    current
        Input current in nA: a number (constant for ``duration`` ms) or a 1-D array with
        one value per time step (then the duration is ``len(current) * dt``).
    dt
        Time step in ms (smaller than ``tau_m``).
    duration
        Simulated time in ms, for a constant current (default 1000 ms). Must be left
        ``None`` when ``current`` is an array.
    tau_m, v_rest, v_reset, v_threshold, r_m, t_ref
        Membrane time constant (ms), resting, reset and threshold potentials (mV),
        membrane resistance (MOhm) and absolute refractory period (ms).
    noise_std
        Standard deviation (mV) of the fluctuations that the noise alone would cause in the
        free membrane potential (an Ornstein-Uhlenbeck process): each step adds
        ``noise_std * sqrt(2 dt / tau_m)`` times a standard normal number. 0 means none.
    rng
        A NumPy ``Generator``; required when ``noise_std > 0``.

    Returns
    -------
    LIFResult
        Times (ms), voltage (mV), spike times (ms), the current used (nA) and parameters.
    """
    params = _check_params(dt, tau_m, v_rest, v_reset, v_threshold, r_m, t_ref)
    noise = _check_noise(noise_std, rng)
    current_arr = check_array("current", current, ndim=(0, 1))
    if current_arr.ndim == 0:
        duration = 1000.0 if duration is None else duration
        duration = check_float("duration", duration, minimum=0.0, exclusive_minimum=True)
        n_steps = int(round(duration / params["dt"]))
        if n_steps < 1:
            raise ValueError(f"duration must be at least one step dt={params['dt']} ms, got {duration} ms")
        current_arr = np.full(n_steps, float(current_arr))
    else:
        if duration is not None:
            raise ValueError(
                "duration must be None when current is an array (the duration is len(current) * dt), "
                f"got {duration!r}"
            )
        current_arr = current_arr.astype(np.float64)
    trace, spike_steps, _ = _integrate(current_arr[:, None], params, noise, rng, record=True)
    n_steps = current_arr.size
    time = np.arange(n_steps + 1) * params["dt"]
    params = {**params, "noise_std": noise}
    return LIFResult(
        time=time,
        voltage=trace[:, 0],
        spike_times=spike_steps[0] * params["dt"],
        current=current_arr,
        params=params,
    )


def lif_rate(
    current: Any,
    dt: float = 0.1,
    duration: float = 1000.0,
    *,
    tau_m: float = 10.0,
    v_rest: float = -65.0,
    v_reset: float = -65.0,
    v_threshold: float = -50.0,
    r_m: float = 10.0,
    t_ref: float = 2.0,
    noise_std: float = 0.0,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Simulated firing rate (Hz) of an LIF neuron driven by constant currents.

    Introduced in chapter 02. ``current`` is a number or an array of constant currents (nA);
    each value drives its own neuron for ``duration`` ms (all simulated together), and the
    rate is the spike count divided by the duration, so it is resolved to
    ``1000 / duration`` Hz. Other arguments as in :func:`simulate_lif`. Returns an array of
    the same shape as ``current``.
    """
    params = _check_params(dt, tau_m, v_rest, v_reset, v_threshold, r_m, t_ref)
    noise = _check_noise(noise_std, rng)
    current_arr = check_array("current", current).astype(np.float64)
    duration = check_float("duration", duration, minimum=0.0, exclusive_minimum=True)
    n_steps = int(round(duration / params["dt"]))
    if n_steps < 1:
        raise ValueError(f"duration must be at least one step dt={params['dt']} ms, got {duration} ms")
    flat = current_arr.reshape(-1)
    drive = np.broadcast_to(flat, (n_steps, flat.size))
    _, _, counts = _integrate(drive, params, noise, rng, record=False)
    rates = 1000.0 * counts / (n_steps * params["dt"])
    return rates.reshape(current_arr.shape)


def lif_rheobase(v_rest: float = -65.0, v_threshold: float = -50.0, r_m: float = 10.0) -> float:
    """The rheobase (nA): the smallest constant current that makes an LIF neuron fire.

    Introduced in chapter 02. A constant current ``I`` moves the steady-state potential to
    ``v_rest + r_m * I``; the neuron fires only if that exceeds ``v_threshold``, so the
    rheobase is ``(v_threshold - v_rest) / r_m``.
    """
    v_rest = check_float("v_rest", v_rest)
    v_threshold = check_float("v_threshold", v_threshold)
    r_m = check_float("r_m", r_m, minimum=0.0, exclusive_minimum=True)
    if v_rest >= v_threshold:
        raise ValueError(f"v_rest must be below v_threshold, got {v_rest} mV and {v_threshold} mV")
    return (v_threshold - v_rest) / r_m


def lif_rate_theory(
    current: Any,
    *,
    tau_m: float = 10.0,
    v_rest: float = -65.0,
    v_reset: float = -65.0,
    v_threshold: float = -50.0,
    r_m: float = 10.0,
    t_ref: float = 2.0,
) -> np.ndarray:
    """The analytic f-I curve of the noiseless LIF neuron, in Hz.

    Introduced in chapter 02. Solving the membrane equation from ``v_reset`` to
    ``v_threshold`` under a constant current ``I`` (nA) gives the interspike interval

        T(I) = t_ref + tau_m * ln((r_m I + v_rest - v_reset) / (r_m I + v_rest - v_threshold))

    for ``I`` above the rheobase, and the rate is ``1000 / T`` Hz (T in ms); below the
    rheobase the rate is 0 (see :cite:t:`dayan2001theoretical`, section 5.4, and
    :cite:t:`gerstner2014neuronal`, section 1.3). Returns an array of the shape of
    ``current``.
    """
    params = _check_params(None, tau_m, v_rest, v_reset, v_threshold, r_m, t_ref, need_dt=False)
    current_arr = check_array("current", current).astype(np.float64)
    drive = params["r_m"] * current_arr + params["v_rest"]  # steady-state potential, mV
    fires = drive > params["v_threshold"]
    rate = np.zeros_like(current_arr)
    if np.any(fires):
        d = drive[fires]
        isi = params["t_ref"] + params["tau_m"] * np.log(
            (d - params["v_reset"]) / (d - params["v_threshold"])
        )
        rate[fires] = 1000.0 / isi
    return rate
