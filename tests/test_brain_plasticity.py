"""neurodl.brain.plasticity: Hebb's rule (chapter 03); Oja, covariance, BCM and STDP (chapter 10)."""

import math

import numpy as np
import pytest

from neurodl.brain.plasticity import (
    covariance_update,
    hebb_update,
    oja_update,
    pattern_response,
    repeating_pattern_input,
    selectivity,
    simulate_bcm,
    simulate_hebb,
    simulate_oja,
    simulate_stdp_neuron,
    stdp_traces,
    stdp_window,
)


def test_hebb_update_single_neuron_and_layer():
    w = np.array([0.1, -0.2, 0.0])
    x = np.array([1.0, 0.0, 2.0])
    new = hebb_update(w, x, 0.5, lr=0.1)
    assert np.allclose(new, w + 0.1 * 0.5 * x)
    assert np.allclose(w, [0.1, -0.2, 0.0])  # the input is not modified
    assert np.allclose(new[1], w[1])  # a silent input's synapse does not change
    W = np.zeros((2, 3))
    y = np.array([1.0, -1.0])
    assert np.allclose(hebb_update(W, x, y, lr=0.5), 0.5 * np.outer(y, x))
    assert hebb_update(W.astype(np.float32), x, y, lr=0.5).dtype == np.float32


def test_hebb_update_is_anti_hebbian_for_anticorrelated_activity():
    w = np.array([1.0])
    assert hebb_update(w, np.array([1.0]), -1.0, lr=0.1)[0] < 1.0  # LTD-like decrease


def test_simulate_hebb_aligns_with_principal_direction_and_grows():
    rng = np.random.default_rng(0)
    C = np.array([[3.0, 1.0], [1.0, 1.0]])
    X = rng.multivariate_normal(np.zeros(2), C, size=500)
    history = simulate_hebb(X, np.array([0.3, -0.4]), lr=0.01)
    assert history.shape == (501, 2)
    assert np.allclose(history[0], [0.3, -0.4])
    evals, evecs = np.linalg.eigh(C)
    w = history[-1] / np.linalg.norm(history[-1])
    assert abs(w @ evecs[:, -1]) > 0.99
    norms = np.linalg.norm(history, axis=1)
    assert norms[-1] > 100 * norms[0]
    step = history[1] - history[0]
    assert np.allclose(step, 0.01 * (history[0] @ X[0]) * X[0])


def test_simulate_hebb_reports_overflow():
    X = np.full((3000, 2), 10.0)
    with pytest.raises(FloatingPointError, match="overflowed"):
        simulate_hebb(X, np.ones(2), lr=1.0)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: hebb_update(np.zeros(3), np.zeros(2), 1.0, 0.1), ValueError, r"x must have shape \(3,\)"),
        (lambda: hebb_update(np.zeros(3), np.zeros(3), np.zeros(2), 0.1), ValueError, "one number"),
        (lambda: hebb_update(np.zeros((2, 3)), np.zeros(3), np.zeros(3), 0.1), ValueError, r"y must have shape \(2,\)"),
        (lambda: hebb_update(np.zeros(3), np.zeros(3), 1.0, 0.0), ValueError, "lr must be > 0"),
        (lambda: hebb_update(np.zeros(3, dtype=int), np.zeros(3), 1.0, 0.1), TypeError, "w must be of floating-point"),
        (lambda: hebb_update(np.zeros((1, 1, 1)), np.zeros(1), 1.0, 0.1), ValueError, "w must be 1-D or 2-D"),
        (lambda: simulate_hebb(np.zeros((4, 3)), np.zeros(2), 0.1), ValueError, "X must have 2 columns"),
        (lambda: simulate_hebb(np.zeros(4), np.zeros(2), 0.1), ValueError, "X must be 2-D"),
    ],
)
def test_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ----------------------------------------------------------------------------- Oja's rule


def test_oja_update_matches_the_formula():
    w = np.array([0.6, -0.8, 0.1])
    x = np.array([1.0, 2.0, -0.5])
    y = w @ x
    new = oja_update(w, x, lr=0.05)
    assert np.allclose(new, w + 0.05 * y * (x - y * w))
    assert np.allclose(w, [0.6, -0.8, 0.1])  # the input is not modified
    assert oja_update(w.astype(np.float32), x, 0.05).dtype == np.float32


def _angle_deg(u, v):
    cos = abs(u @ v) / (np.linalg.norm(u) * np.linalg.norm(v))
    return math.degrees(math.acos(min(1.0, cos)))


@pytest.mark.parametrize("dim", [2, 5])
def test_simulate_oja_converges_to_the_first_principal_component_with_unit_norm(dim):
    rng = np.random.default_rng(dim)
    Q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    variances = np.array([4.0, 1.0, 0.6, 0.3, 0.1])[:dim]
    C = Q @ np.diag(variances) @ Q.T
    X = rng.multivariate_normal(np.zeros(dim), C, size=6000)
    history = simulate_oja(X, rng.standard_normal(dim) * 0.1, lr=0.002)
    assert history.shape == (6001, dim)
    w = history[-1]
    assert abs(np.linalg.norm(w) - 1.0) < 0.02
    assert _angle_deg(w, Q[:, 0]) < 3.0  # +PC1 or -PC1


def test_hebb_norm_grows_while_oja_stays_near_one():
    rng = np.random.default_rng(1)
    X = rng.multivariate_normal([0.0, 0.0], [[3.0, 1.0], [1.0, 1.0]], size=1000)
    w0 = np.array([0.6, 0.8])
    hebb = np.linalg.norm(simulate_hebb(X, w0, lr=0.005), axis=1)
    oja = np.linalg.norm(simulate_oja(X, w0, lr=0.005), axis=1)
    assert hebb[-1] > 100 * hebb[0]
    assert np.all(np.abs(oja[200:] - 1.0) < 0.1)


def test_simulate_oja_reports_overflow():
    with pytest.raises(FloatingPointError, match="smaller lr"):
        simulate_oja(np.full((50, 2), 100.0), np.ones(2), lr=1.0)


# ----------------------------------------------------------------------------- covariance rule


def test_covariance_update_formula_and_depression_below_the_mean():
    w = np.array([0.5, 0.5])
    x = np.array([1.0, 0.0])
    new = covariance_update(w, x, 2.0, lr=0.1, x_mean=np.array([0.5, 0.5]), y_mean=1.0)
    assert np.allclose(new, w + 0.1 * (2.0 - 1.0) * (x - 0.5))
    # an active input (above its mean) with a response below the mean: depression (LTD)
    low = covariance_update(w, x, 0.2, lr=0.1, x_mean=0.5, y_mean=1.0)
    assert low[0] < w[0]
    # both below their means: potentiation, unlike Hebb's rule, which leaves it unchanged
    assert covariance_update(w, x, 0.2, lr=0.1, x_mean=0.5, y_mean=1.0)[1] > w[1]
    # with zero means it is Hebb's rule
    assert np.allclose(covariance_update(w, x, 2.0, 0.1, 0.0, 0.0), hebb_update(w, x, 2.0, 0.1))


def test_covariance_update_for_a_layer():
    W = np.zeros((2, 3))
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([1.0, 3.0])
    new = covariance_update(W, x, y, lr=0.5, x_mean=2.0, y_mean=np.array([1.0, 2.0]))
    assert np.allclose(new, 0.5 * np.outer([0.0, 1.0], x - 2.0))


def test_covariance_rule_averages_to_the_covariance():
    rng = np.random.default_rng(0)
    X = rng.multivariate_normal([1.0, 2.0], [[1.0, 0.5], [0.5, 1.0]], size=20000)
    y = X[:, 0]  # a postsynaptic response that copies input 0
    w = np.zeros(2)
    for x, yy in zip(X, y, strict=True):
        w = covariance_update(w, x, yy, lr=1.0 / len(X), x_mean=np.array([1.0, 2.0]), y_mean=1.0)
    assert np.allclose(w, [1.0, 0.5], atol=0.05)  # cov(x, y) = C[:, 0]


# ----------------------------------------------------------------------------- BCM


def _bcm_run(seed, n=5000):
    rng = np.random.default_rng(seed)
    patterns = rng.random((4, 20))
    X = patterns[rng.integers(0, 4, size=n)]
    w0 = rng.uniform(0.0, 0.1, size=20)
    return patterns, X, w0, simulate_bcm(X, w0, lr=0.003, tau_theta=10.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_bcm_becomes_selective_where_oja_does_not(seed):
    patterns, X, w0, result = _bcm_run(seed)
    assert result.weights.shape == (5001, 20) and result.theta.shape == (5001,)
    assert result.responses.shape == (5000,)
    responses = np.maximum(patterns @ result.weights[-1], 0.0)
    assert selectivity(responses) > 0.6  # at most 0.75 for four stimuli
    assert np.count_nonzero(responses > 0.2 * responses.max()) == 1
    oja = simulate_oja(X, w0 / np.linalg.norm(w0), lr=0.01)[-1]
    assert selectivity(np.maximum(patterns @ oja, 0.0)) < 0.3
    # the sliding threshold tracks the mean squared response
    half = len(X) // 2
    assert np.mean(result.theta[half:]) == pytest.approx(np.mean(result.responses[half:] ** 2), rel=0.02)
    # and in the selective state the preferred response is near K = 4 (theta = y^2 / K = y)
    assert 2.0 < responses.max() < 6.5


def test_bcm_first_step_and_threshold_start():
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    w0 = np.array([1.0, 0.5])
    r = simulate_bcm(X, w0, lr=0.1, tau_theta=2.0, theta0=0.5)
    y = 1.0
    assert r.theta[0] == 0.5
    assert np.allclose(r.weights[1], w0 + 0.1 * X[0] * y * (y - 0.5))
    assert r.theta[1] == pytest.approx(0.5 + (y**2 - 0.5) / 2.0)
    assert r.responses[0] == pytest.approx(y)
    default = simulate_bcm(X, w0, lr=0.1, tau_theta=2.0)
    assert default.theta[0] == pytest.approx((1.0 + 0.25) / 2)  # mean of max(w0 . x, 0)^2
    # far below threshold every step depresses; clipped, the weights stop at 0
    clipped = simulate_bcm(np.array([[1.0, 0.2]] * 50), np.array([0.1, 0.05]), 0.5, 2.0, theta0=5.0, nonnegative=True)
    free = simulate_bcm(np.array([[1.0, 0.2]] * 50), np.array([0.1, 0.05]), 0.5, 2.0, theta0=5.0)
    assert clipped.weights.min() == 0.0 and free.weights.min() < 0.0


def test_selectivity_edge_cases():
    assert selectivity([1.0, 1.0, 1.0, 1.0]) == pytest.approx(0.0)
    assert selectivity([0.0, 3.0, 0.0, 0.0]) == pytest.approx(0.75)  # 1 - 1/K
    assert selectivity([0.0, 2.0]) == pytest.approx(0.5)
    assert selectivity([5.0]) == pytest.approx(0.0)
    both = selectivity(np.array([[1.0, 1.0], [0.0, 1.0]]))
    assert np.allclose(both, [0.0, 0.5])
    assert np.allclose(selectivity(np.array([[1.0, 0.0], [1.0, 1.0]]), axis=0), [0.0, 0.5])
    with pytest.raises(ValueError, match="responses must not be all zero"):
        selectivity([0.0, 0.0])
    with pytest.raises(ValueError, match="responses must be >= 0"):
        selectivity([1.0, -0.5])


# ----------------------------------------------------------------------------- STDP


def test_stdp_window_values_and_signs():
    assert stdp_window(16.8) == pytest.approx(1.0 / math.e)  # dt = tau_plus: a_plus / e
    assert stdp_window(-33.7) == pytest.approx(-0.525 / math.e)  # dt = -tau_minus: -a_minus / e
    assert stdp_window(0.0) == 0.0
    assert stdp_window(1e-9) == pytest.approx(1.0)
    assert stdp_window(-1e-9) == pytest.approx(-0.525)
    values = stdp_window(np.array([[-10.0, 10.0], [0.0, 100.0]]), a_plus=2.0, a_minus=1.0, tau_plus=10.0, tau_minus=20.0)
    assert values.shape == (2, 2)
    assert np.allclose(values, [[-math.exp(-0.5), 2 * math.exp(-1)], [0.0, 2 * math.exp(-10)]])
    # depression's integral slightly exceeds potentiation's (Song, Miller & Abbott 2000)
    assert 1.0 < (0.525 * 33.7) / (1.0 * 16.8) < 1.1


def _pairwise(pre, post, dt, **kw):
    t_post = np.flatnonzero(post) * dt
    total = np.zeros(pre.shape[1])
    for i in range(pre.shape[1]):
        t_pre = np.flatnonzero(pre[:, i]) * dt
        total[i] = np.sum(stdp_window(t_post[:, None] - t_pre[None, :], **kw)) if t_pre.size and t_post.size else 0.0
    return total


@pytest.mark.parametrize("seed, dt", [(0, 1.0), (1, 0.5), (2, 2.0)])
def test_stdp_traces_equal_the_sum_over_all_pairs(seed, dt):
    rng = np.random.default_rng(seed)
    pre = rng.random((400, 6)) < 0.05
    post = rng.random(400) < 0.05
    kw = dict(a_plus=0.8, a_minus=0.5, tau_plus=16.8, tau_minus=33.7)
    online = stdp_traces(pre, post, dt=dt, **kw)
    assert online.shape == (6,)
    assert np.allclose(online, _pairwise(pre, post, dt, **kw), rtol=0, atol=1e-12)


def test_stdp_traces_same_bin_and_order():
    pre = np.zeros((10, 3), dtype=bool)
    post = np.zeros(10, dtype=bool)
    post[5] = True
    pre[5, 0] = True  # same bin: nothing
    pre[3, 1] = True  # 2 steps before: potentiation
    pre[8, 2] = True  # 3 steps after: depression
    dw = stdp_traces(pre, post, dt=1.0)
    assert dw[0] == 0.0
    assert dw[1] == pytest.approx(stdp_window(2.0))
    assert dw[2] == pytest.approx(stdp_window(-3.0))


def test_repeating_pattern_input_has_equal_rates_inside_and_outside():
    rng = np.random.default_rng(0)
    data = repeating_pattern_input(200, 60_000, rng=rng)  # 60 s, 20 Hz, 50-ms pattern
    spikes, onsets, L = data.spikes, data.onsets, data.pattern_len
    assert spikes.shape == (60_000, 200) and spikes.dtype == bool and L == 50
    assert data.pattern_afferents.sum() == 100
    # non-overlapping, never back to back, about a quarter of the time
    assert np.all(np.diff(onsets) >= 2 * L) and np.all(onsets % L == 0)
    assert 0.2 < len(onsets) * L / len(spikes) < 0.3
    # the pattern is frozen: every presentation repeats it exactly in the pattern afferents
    m = data.pattern_afferents
    for onset in onsets[:20]:
        assert np.array_equal(spikes[onset : onset + L][:, m], data.pattern[:, m])
    assert not data.pattern[:, ~m].any()
    # every pattern afferent fires once per presentation: 20 Hz inside, as outside
    assert np.all(data.pattern[:, m].sum(axis=0) == 1)
    inside = np.zeros(len(spikes), dtype=bool)
    for onset in onsets:
        inside[onset : onset + L] = True
    rate_in = spikes[inside].mean(axis=0) * 1000.0
    rate_out = spikes[~inside].mean(axis=0) * 1000.0
    assert np.allclose(rate_in[m], 20.0)
    assert abs(rate_out.mean() - 20.0) < 0.5 and abs(rate_in.mean() - 20.0) < 0.5
    assert np.all(np.abs(rate_out - 20.0) < 6.0)  # each afferent, within Poisson noise


def test_stdp_neuron_matches_trace_stdp_and_its_same_bin_convention():
    rng = np.random.default_rng(3)
    spikes = rng.random((3000, 20)) < 0.03
    w0 = np.full(20, 50.0)
    kw = dict(a_plus=0.01, a_minus=0.008, tau_plus=16.8, tau_minus=33.7)
    r = simulate_stdp_neuron(spikes, w0, tau_m=5.0, threshold=90.0, a_pre=0.0, w_max=100.0, snapshot_ms=500.0, **kw)
    assert 10 < r.post_spike_indices.size < 1000
    post = np.zeros(len(spikes), dtype=bool)
    post[r.post_spike_indices] = True
    same_bin = spikes[post].sum(axis=0)  # input spikes in the step of an output spike: pre before post
    expected = w0 + stdp_traces(spikes, post, dt=1.0, **kw) + kw["a_plus"] * same_bin
    assert np.allclose(r.weights, expected, atol=1e-10)
    assert r.weight_history.shape == (7, 20) and np.allclose(r.weight_history[0], w0)
    assert np.allclose(r.snapshot_times, np.arange(7) * 500.0)
    assert r.voltage.shape == (3000,) and np.all(r.voltage[r.post_spike_indices] == 0.0)
    # a_pre adds a_pre per input spike (no clipping here)
    r2 = simulate_stdp_neuron(spikes, w0, tau_m=5.0, threshold=1e9, a_pre=0.001, w_max=100.0, **kw)
    assert r2.post_spike_indices.size == 0
    assert np.allclose(r2.weights, w0 + 0.001 * spikes.sum(axis=0))


def test_stdp_neuron_learns_to_detect_the_hidden_pattern():
    """The book's run, seed 0: 500 afferents, 150 s of simulated time (about 1.5 s)."""
    rng = np.random.default_rng(0)
    data = repeating_pattern_input(500, 150_000, rng=rng)
    r = simulate_stdp_neuron(data.spikes, np.full(500, 0.5))
    T, L = len(data.spikes), data.pattern_len
    early = pattern_response(r.post_spike_indices, data.onsets, L, T // 10)
    late = pattern_response(r.post_spike_indices, data.onsets, L, T, start=int(0.8 * T))
    assert early.false_alarm_hz > 5.0  # before learning it fires whatever its input
    assert late.hit_rate >= 0.9 and late.false_alarm_hz <= 1.0
    w, m = r.weights, data.pattern_afferents
    assert w[m].mean() > 3 * w[~m].mean()
    assert np.mean((w > 0.1) & (w < 0.9)) < 0.15  # bimodal: nearly all weights at a bound
    assert np.count_nonzero(w[~m] > 0.9) == 0 and np.count_nonzero(w[m] > 0.9) >= 10


def test_pattern_response_counts_hits_and_false_alarms():
    onsets = np.array([10, 100])
    post = np.array([12, 50, 150])
    res = pattern_response(post, onsets, 10, 200)
    assert res.hit_rate == 0.5  # a spike in [10, 20), none in [100, 110)
    assert res.false_alarm_hz == pytest.approx(2 / 0.180)  # 2 spikes in 180 ms outside
    assert pattern_response(post, onsets, 10, 200, window=(0, 60)).hit_rate == 1.0
    late = pattern_response(post, onsets, 10, 200, start=60)  # only the second presentation
    assert late.hit_rate == 0.0 and late.false_alarm_hz == pytest.approx(1 / 0.130)
    assert pattern_response(post, onsets, 10, 200, dt=0.5).false_alarm_hz == pytest.approx(2 / 0.090)
    hit, fa = res  # unpacks like a tuple
    assert (hit, fa) == (res.hit_rate, res.false_alarm_hz)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: oja_update(np.zeros(3), np.zeros(2), 0.1), ValueError, r"x must have shape \(3,\)"),
        (lambda: oja_update(np.zeros((2, 3)), np.zeros(3), 0.1), ValueError, "w must be 1-D"),
        (lambda: oja_update(np.zeros(3), np.zeros(3), -0.1), ValueError, "lr must be > 0"),
        (lambda: simulate_oja(np.zeros((4, 3)), np.zeros(2), 0.1), ValueError, "X must have 2 columns"),
        (lambda: simulate_oja(np.zeros((4, 2)), np.zeros(2, dtype=int), 0.1), TypeError, "w0 must be of floating"),
        (lambda: covariance_update(np.zeros(3), np.zeros(3), 1.0, 0.1, np.zeros(2), 0.0), ValueError, "x_mean must"),
        (lambda: covariance_update(np.zeros(3), np.zeros(3), 1.0, 0.1, 0.0, np.zeros(2)), ValueError, "y_mean must"),
        (lambda: covariance_update(np.zeros((2, 3)), np.zeros(3), np.zeros(3), 0.1, 0.0, 0.0), ValueError, r"y must have shape \(2,\)"),
        (lambda: simulate_bcm(np.zeros((4, 3)), np.zeros(2)), ValueError, "X must have 2 columns"),
        (lambda: simulate_bcm(np.zeros((4, 2)), np.zeros(2), tau_theta=0.5), ValueError, "tau_theta must be >= 1"),
        (lambda: simulate_bcm(np.zeros((4, 2)), np.zeros(2), theta0=-1.0), ValueError, "theta0 must be >= 0"),
        (lambda: simulate_bcm(np.zeros((4, 2)), np.zeros(2), nonnegative=1), TypeError, "nonnegative must be True or False"),
        (lambda: simulate_bcm(np.zeros((4, 2)), np.array([0.1, -0.1]), nonnegative=True), ValueError, "w0 must be >= 0"),
        (lambda: simulate_bcm(np.ones((40, 2)) * 1e3, np.ones(2), lr=1.0, theta0=0.0), FloatingPointError, "smaller lr"),
        (lambda: selectivity(3.0), ValueError, "responses must have at least one dimension"),
        (lambda: selectivity([1.0, 2.0], axis=1), ValueError, "axis must be <= 0"),
        (lambda: stdp_window("a"), TypeError, "dt must be"),
        (lambda: stdp_window(1.0, tau_plus=0.0), ValueError, "tau_plus must be > 0"),
        (lambda: stdp_window(1.0, a_minus=-1.0), ValueError, "a_minus must be >= 0"),
        (lambda: stdp_traces(np.zeros((5, 2), bool), np.zeros(4, bool)), ValueError, "post_spikes must have one entry"),
        (lambda: stdp_traces(np.full((5, 2), 0.5), np.zeros(5, bool)), TypeError, "pre_spikes must be of boolean"),
        (lambda: stdp_traces(np.full((5, 2), 2), np.zeros(5, bool)), ValueError, "pre_spikes must be <= 1"),
        (lambda: stdp_traces(np.zeros((5, 2), bool), np.zeros(5, bool), dt=0.0), ValueError, "dt must be > 0"),
        (lambda: repeating_pattern_input(10, 1000.0, rng=None), TypeError, "rng must be a numpy.random.Generator"),
        (lambda: repeating_pattern_input(10, 60.0, rng=np.random.default_rng(0)), ValueError, "duration_ms must hold"),
        (lambda: repeating_pattern_input(10, 1000.0, rate_hz=2000.0, rng=np.random.default_rng(0)), ValueError, "rate_hz"),
        (lambda: repeating_pattern_input(10, 1000.0, pattern_fraction=0.5, rng=np.random.default_rng(0)), ValueError, "pattern_fraction must be < 0.5"),
        (lambda: repeating_pattern_input(10, 1000.0, share_in_pattern=0.0, rng=np.random.default_rng(0)), ValueError, "share_in_pattern must be > 0"),
        (lambda: repeating_pattern_input(10**6, 1e6, rng=np.random.default_rng(0)), ValueError, "shorten duration_ms"),
        (lambda: repeating_pattern_input(1, 1000.0, rng=np.random.default_rng(0)), ValueError, "n_afferents must be >= 2"),
        (lambda: simulate_stdp_neuron(np.zeros((5, 3), bool), np.full(2, 0.5)), ValueError, r"w0 must have shape \(3,\)"),
        (lambda: simulate_stdp_neuron(np.zeros((5, 3), bool), np.full(3, 1.5)), ValueError, "w0 must lie in"),
        (lambda: simulate_stdp_neuron(np.zeros((5, 3), bool), np.full(3, 0.5), dt=5.0), ValueError, "dt must be smaller than tau_m"),
        (lambda: simulate_stdp_neuron(np.zeros((5, 3)), np.full(3, 0.5)), TypeError, "spikes must be of boolean"),
        (lambda: simulate_stdp_neuron(np.zeros((5, 3), bool), np.full(3, 0.5), threshold=0.0), ValueError, "threshold must be > 0"),
        (lambda: pattern_response([1, 2], [10], 5, 8), ValueError, "onsets must include a presentation"),
        (lambda: pattern_response([1, 2], [0], 5, 5), ValueError, "onsets leave no time"),
        (lambda: pattern_response([1.5], [0], 5, 50), TypeError, "post_spike_indices must be of integer"),
        (lambda: pattern_response([1], [0], 5, 50, window=(3, 3)), ValueError, "window must have first < stop"),
        (lambda: pattern_response([1], [0], 5, 50, window=[0, 3]), TypeError, "window must be a tuple"),
        (lambda: pattern_response([1], [0], 5, 50, start=50), ValueError, "start must be <= 49"),
    ],
)
def test_bad_inputs_chapter_10(call, error, match):
    with pytest.raises(error, match=match):
        call()
