"""neurodl.brain.neurons: the leaky integrate-and-fire neuron."""

import numpy as np
import pytest

from neurodl.brain.neurons import (
    LIFResult,
    lif_rate,
    lif_rate_theory,
    lif_rheobase,
    simulate_lif,
)


def test_rheobase_default_and_formula():
    assert lif_rheobase() == pytest.approx(1.5)  # (-50 - -65) mV / 10 MOhm
    assert lif_rheobase(v_rest=-70.0, v_threshold=-54.0, r_m=8.0) == pytest.approx(2.0)


def test_no_spikes_below_rheobase():
    rheo = lif_rheobase()
    for current in [0.0, 0.5, rheo * 0.99]:
        res = simulate_lif(current, duration=500.0)
        assert res.num_spikes == 0
        assert res.voltage.max() < -50.0
    assert np.all(lif_rate([0.0, 1.0, 1.49], duration=500.0) == 0)
    assert np.all(lif_rate_theory([0.0, 1.0, 1.5]) == 0)  # exactly at rheobase: never reaches


def test_subthreshold_voltage_approaches_steady_state():
    res = simulate_lif(1.0, duration=100.0)  # steady state -65 + 10 * 1 = -55 mV
    assert res.voltage[-1] == pytest.approx(-55.0, abs=1e-3)
    # after one time constant the potential has covered 1 - 1/e of the way (Euler, dt = 0.1)
    k = int(round(10.0 / 0.1))
    assert res.voltage[k] == pytest.approx(-65.0 + 10.0 * (1 - np.exp(-1)), abs=0.05)


def test_spikes_regular_and_refractory_respected():
    res = simulate_lif(3.0, dt=0.1, duration=300.0, t_ref=5.0)
    isi = np.diff(res.spike_times)
    assert res.num_spikes > 5
    assert np.all(isi >= 5.0)  # never faster than the refractory period
    assert np.ptp(isi) <= 0.1 + 1e-9  # constant drive: regular firing, up to one step
    # the voltage is clamped at reset for t_ref after each spike
    for t in res.spike_times[:-1]:
        k = int(round(t / 0.1))
        assert np.all(res.voltage[k : k + 51] == -65.0)  # spike step + 50 steps of 0.1 ms
        assert res.voltage[k + 51] > -65.0


def test_refractory_period_caps_rate():
    rates = lif_rate([100.0, 1000.0], duration=500.0, t_ref=2.0)
    assert np.all(rates <= 1000.0 / 2.0)
    assert lif_rate_theory(1e6, t_ref=2.0) == pytest.approx(500.0, rel=1e-3)
    # with t_ref = 0 the rate keeps growing with the current
    assert lif_rate(50.0, duration=200.0, t_ref=0.0) > 500.0


def test_more_current_more_spikes():
    rates = lif_rate(np.linspace(1.6, 5.0, 12), duration=1000.0)
    assert np.all(np.diff(rates) >= 0) and rates[-1] > rates[0]


@pytest.mark.parametrize("t_ref, v_reset", [(2.0, -65.0), (0.0, -65.0), (4.0, -60.0)])
def test_simulated_rate_matches_theory(t_ref, v_reset):
    # forward Euler with dt = 0.05 ms: spike times are off by at most about a step per
    # interval, and the count resolves 1000 / duration Hz; so the tolerance is 2 % + 1 Hz.
    current = np.linspace(0.0, 5.0, 26)
    duration = 1000.0
    sim = lif_rate(current, dt=0.05, duration=duration, t_ref=t_ref, v_reset=v_reset)
    theory = lif_rate_theory(current, t_ref=t_ref, v_reset=v_reset)
    assert np.all(np.abs(sim - theory) <= 0.02 * theory + 1000.0 / duration)


def test_rate_scalar_and_shape():
    assert lif_rate(2.0, duration=200.0).shape == ()
    assert lif_rate(np.full((2, 3), 2.0), duration=100.0).shape == (2, 3)
    assert lif_rate_theory(np.full((2, 3), 2.0)).shape == (2, 3)


def test_time_varying_current_and_result():
    current = np.concatenate([np.zeros(200), np.full(600, 3.0), np.zeros(200)])
    res = simulate_lif(current, dt=0.1)
    assert isinstance(res, LIFResult)
    assert res.time.shape == res.voltage.shape == (1001,)
    assert res.duration == pytest.approx(100.0)
    assert np.all((res.spike_times > 20.0) & (res.spike_times <= 80.0 + 0.1))
    assert res.rate == pytest.approx(1000.0 * res.num_spikes / 100.0)
    text = repr(res)
    assert "num_spikes" in text and "Hz" in text and "ms" in text


def test_noise_is_reproducible_and_smooths_rheobase():
    a = lif_rate([1.2, 1.4], duration=1000.0, noise_std=3.0, rng=np.random.default_rng(1))
    b = lif_rate([1.2, 1.4], duration=1000.0, noise_std=3.0, rng=np.random.default_rng(1))
    assert np.array_equal(a, b)
    assert a[1] > 0  # below rheobase, noise makes the neuron fire
    res = simulate_lif(0.0, duration=2000.0, noise_std=2.0, rng=np.random.default_rng(2))
    # the free membrane fluctuates with about the requested standard deviation
    assert np.std(res.voltage[1000:]) == pytest.approx(2.0, rel=0.2)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"current": "a"}, TypeError, "current"),
        ({"current": None}, TypeError, "current"),
        ({"current": np.ones((2, 2))}, ValueError, "current must be 0-D or 1-D"),
        ({"current": [1.0, np.nan]}, ValueError, "current"),
        ({"current": 1.0, "dt": 0.0}, ValueError, "dt"),
        ({"current": 1.0, "dt": 20.0}, ValueError, "dt must be smaller than tau_m"),
        ({"current": 1.0, "tau_m": -1.0}, ValueError, "tau_m"),
        ({"current": 1.0, "r_m": 0.0}, ValueError, "r_m"),
        ({"current": 1.0, "t_ref": -1.0}, ValueError, "t_ref"),
        ({"current": 1.0, "v_reset": -40.0}, ValueError, "v_reset must be below v_threshold"),
        ({"current": 1.0, "v_rest": -40.0}, ValueError, "v_rest must be below v_threshold"),
        ({"current": 1.0, "duration": -5.0}, ValueError, "duration"),
        ({"current": [1.0, 2.0], "duration": 5.0}, ValueError, "duration must be None"),
        ({"current": 1.0, "noise_std": 1.0}, ValueError, "rng must be"),
        ({"current": 1.0, "noise_std": -1.0}, ValueError, "noise_std"),
        ({"current": 1.0, "rng": 3}, TypeError, "rng"),
        ({"current": 1.0, "tau_m": "10"}, TypeError, "tau_m"),
    ],
)
def test_simulate_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        simulate_lif(**kwargs)


@pytest.mark.parametrize(
    "func, kwargs, error, match",
    [
        (lif_rate, {"current": "x"}, TypeError, "current"),
        (lif_rate, {"current": 1.0, "duration": 0.0}, ValueError, "duration"),
        (lif_rate, {"current": [], "duration": 10.0}, ValueError, "current must not be empty"),
        (lif_rate_theory, {"current": None}, TypeError, "current"),
        (lif_rate_theory, {"current": 1.0, "tau_m": 0.0}, ValueError, "tau_m"),
        (lif_rheobase, {"r_m": -1.0}, ValueError, "r_m"),
    ],
)
def test_rate_bad_input(func, kwargs, error, match):
    with pytest.raises(error, match=match):
        func(**kwargs)
