"""neurodl.brain.memory: Hopfield networks, classical and modern."""

import time

import numpy as np
import pytest

from neurodl.brain.memory import (
    HopfieldResult,
    corrupt,
    hopfield_energy,
    hopfield_recall,
    hopfield_weights,
    modern_hopfield_retrieve,
    overlap,
)


def _patterns(P, N, seed):
    return np.random.default_rng(seed).choice([-1.0, 1.0], size=(P, N))


def _symmetric(N, rng):
    A = rng.standard_normal((N, N))
    W = (A + A.T) / 2
    np.fill_diagonal(W, 0.0)
    return W


# ----------------------------------------------------------------------------- weights and energy


def test_hopfield_weights_match_hebbs_rule():
    xi = _patterns(3, 8, seed=0)
    W = hopfield_weights(xi)
    assert W.shape == (8, 8) and W.dtype == np.float64
    assert np.array_equal(W, W.T)
    assert np.all(np.diag(W) == 0)
    expected = sum(np.outer(x, x) for x in xi) / 8
    np.fill_diagonal(expected, 0.0)
    assert np.allclose(W, expected, rtol=0, atol=1e-15)
    assert np.array_equal(hopfield_weights(xi.astype(int)), W)  # integer +-1 patterns work too


def test_hopfield_energy_single_and_batch():
    rng = np.random.default_rng(1)
    W = _symmetric(6, rng)
    S = rng.choice([-1.0, 1.0], size=(4, 6))
    E = hopfield_energy(W, S)
    assert E.shape == (4,)
    for b in range(4):
        e = hopfield_energy(W, S[b])
        assert isinstance(e, float)
        assert e == pytest.approx(-0.5 * S[b] @ W @ S[b], abs=1e-12)
        assert E[b] == pytest.approx(e, abs=1e-12)


def test_stored_patterns_are_energy_minima_among_their_neighbours():
    xi = _patterns(3, 100, seed=2)
    W = hopfield_weights(xi)
    e = hopfield_energy(W, xi[0])
    flipped = np.tile(xi[0], (100, 1))
    flipped[np.arange(100), np.arange(100)] *= -1  # every single-bit neighbour
    assert np.all(hopfield_energy(W, flipped) > e)


# ----------------------------------------------------------------------------- recall


def test_a_single_stored_pattern_is_a_fixed_point():
    xi = _patterns(1, 50, seed=3)
    W = hopfield_weights(xi)
    for s in (xi[0], -xi[0]):  # the pattern and its mirror image
        result = hopfield_recall(W, s, rng=np.random.default_rng(0))
        assert isinstance(result, HopfieldResult)
        assert np.array_equal(result.state, s)
        assert result.converged and result.sweeps == 1 and result.energy is None


def test_recall_does_not_change_the_cue():
    xi = _patterns(2, 30, seed=4)
    cue = corrupt(xi[0], 0.2, rng=np.random.default_rng(0))
    before = cue.copy()
    hopfield_recall(hopfield_weights(xi), cue, rng=np.random.default_rng(0))
    assert np.array_equal(cue, before)


@pytest.mark.parametrize("seed", range(4))
def test_energy_never_increases_single_and_batch(seed):
    rng = np.random.default_rng(seed)
    N = 20
    W = _symmetric(N, rng) if seed % 2 else hopfield_weights(_patterns(4, N, seed))  # random and Hebbian
    cues = rng.choice([-1.0, 1.0], size=(5, N))
    batch = hopfield_recall(W, cues, rng=np.random.default_rng(seed), record_energy=True)
    assert batch.energy.shape == (batch.sweeps * N + 1, 5)
    assert np.allclose(batch.energy[0], hopfield_energy(W, cues))
    assert np.allclose(batch.energy[-1], hopfield_energy(W, batch.state), rtol=0, atol=1e-9)
    assert np.all(np.diff(batch.energy, axis=0) <= 1e-12)
    assert batch.converged
    single = hopfield_recall(W, cues[0], rng=np.random.default_rng(seed), record_energy=True)
    assert single.energy.shape == (single.sweeps * N + 1,)
    assert np.all(np.diff(single.energy) <= 1e-12)
    assert single.energy[-1] == pytest.approx(hopfield_energy(W, single.state), abs=1e-9)
    assert set(np.unique(single.state)) <= {-1.0, 1.0}


def test_batch_recall_matches_one_by_one_with_the_same_orders():
    """A batch visits the neurons in one order per sweep: with one cue it is the same run."""
    xi = _patterns(5, 40, seed=5)
    W = hopfield_weights(xi)
    cue = corrupt(xi[1], 0.25, rng=np.random.default_rng(1))
    single = hopfield_recall(W, cue, rng=np.random.default_rng(7))
    batch = hopfield_recall(W, cue[None], rng=np.random.default_rng(7))
    assert batch.state.shape == (1, 40)
    assert np.array_equal(batch.state[0], single.state) and batch.sweeps == single.sweeps


def test_recall_from_ten_percent_corrupted_cues():
    P, N = 5, 200
    xi = _patterns(P, N, seed=6)
    W = hopfield_weights(xi)
    rng = np.random.default_rng(0)
    targets = np.repeat(xi, 20, axis=0)  # 100 cues, 20 per pattern
    cues = corrupt(targets, 0.1, rng=rng)
    result = hopfield_recall(W, cues, rng=rng)
    m = overlap(result.state, targets)
    assert result.converged
    assert np.mean(m == 1.0) >= 0.95, np.mean(m == 1.0)
    assert np.all(overlap(cues, targets) == pytest.approx(0.8))  # the cue's 10 % flips: m = 1 - 2 * 0.1


def test_recall_fails_beyond_capacity():
    """Far above 0.138 N patterns, even an uncorrupted pattern drifts away from itself."""
    P, N = 60, 100
    xi = _patterns(P, N, seed=7)
    result = hopfield_recall(hopfield_weights(xi), xi, rng=np.random.default_rng(0))
    assert np.mean(overlap(result.state, xi) == 1.0) < 0.2


def test_max_sweeps_stops_a_cycling_asymmetric_network():
    W = np.array([[0.0, 1.0], [-1.0, 0.0]])  # asymmetric: s1 copies s2, s2 copies -s1
    result = hopfield_recall(W, np.array([1.0, 1.0]), rng=np.random.default_rng(0), max_sweeps=7)
    assert result.sweeps == 7 and not result.converged


def test_a_zero_input_leaves_the_neuron_unchanged():
    W = np.array([[0.0, 0.3, -0.3], [0.3, 0.0, 0.3], [-0.3, 0.3, 0.0]])
    s = np.array([1.0, 1.0, 1.0])  # inputs 0, 0.6 and 0: neurons 0 and 2 are tied
    result = hopfield_recall(W, s, rng=np.random.default_rng(0))
    assert np.array_equal(result.state, s) and result.converged and result.sweeps == 1


def _exact_recall(xi, s, seed, max_sweeps=50):
    """The same dynamics in integer arithmetic (N W as integers): ties are exact zeros."""
    P, N = xi.shape
    NW = (xi.T @ xi).astype(np.int64) - P * np.eye(N, dtype=np.int64)
    s = s.astype(np.int64).copy()
    rng = np.random.default_rng(seed)
    for _ in range(max_sweeps):
        changed = False
        for i in rng.permutation(N):
            h = NW[i] @ s
            new = 1 if h > 0 else -1 if h < 0 else s[i]
            changed |= new != s[i]
            s[i] = new
        if not changed:
            break
    return s


def test_ties_are_decided_as_in_exact_arithmetic():
    """Hebbian weights with 1/N entries give ties that floating point misses by ~1e-17."""
    rng = np.random.default_rng(12)
    for seed in range(30):
        xi = rng.choice([-1.0, 1.0], size=(4, 10))  # an even number of patterns: many ties
        cues = rng.choice([-1.0, 1.0], size=(3, 10))
        W = hopfield_weights(xi)
        for cue in cues:
            result = hopfield_recall(W, cue, rng=np.random.default_rng(seed))
            assert np.array_equal(result.state, _exact_recall(xi, cue, seed))


def test_batch_recall_is_fast():
    P, N, B = 10, 200, 500
    xi = _patterns(P, N, seed=8)
    W = hopfield_weights(xi)
    rng = np.random.default_rng(0)
    cues = corrupt(xi[rng.integers(0, P, B)], 0.3, rng=rng)
    start = time.perf_counter()
    result = hopfield_recall(W, cues, rng=rng, max_sweeps=10)
    elapsed = time.perf_counter() - start
    assert result.state.shape == (B, N)
    assert elapsed < 1.0, elapsed


# ----------------------------------------------------------------------------- corrupt and overlap


@pytest.mark.parametrize("fraction, n_flips", [(0.0, 0), (0.1, 20), (0.25, 50), (0.5, 100), (1.0, 200)])
def test_corrupt_flips_exactly_the_right_count(fraction, n_flips):
    xi = _patterns(6, 200, seed=9)
    noisy = corrupt(xi, fraction, rng=np.random.default_rng(0))
    assert noisy.shape == xi.shape and noisy.dtype == np.float64
    assert np.all((noisy != xi).sum(axis=1) == n_flips)
    assert np.array_equal(np.abs(noisy), np.ones_like(xi))
    one = corrupt(xi[0], fraction, rng=np.random.default_rng(0))
    assert one.shape == (200,) and (one != xi[0]).sum() == n_flips
    assert np.array_equal(xi, _patterns(6, 200, seed=9))  # the input is not changed


def test_corrupt_chooses_different_entries_per_row():
    xi = np.ones((50, 100))
    noisy = corrupt(xi, 0.1, rng=np.random.default_rng(1))
    assert len({tuple(np.flatnonzero(row < 0)) for row in noisy}) == 50
    assert (noisy < 0).any(axis=0).sum() > 90  # spread over the columns


def test_overlap_values():
    a = np.array([1.0, -1.0, 1.0, 1.0])
    assert overlap(a, a) == 1.0 and isinstance(overlap(a, a), float)
    assert overlap(a, -a) == -1.0
    assert overlap(a, np.array([1.0, -1.0, -1.0, -1.0])) == 0.0  # two of four differ: 1 - 2 * 2/4
    A = np.stack([a, -a, np.ones(4)])
    assert np.allclose(overlap(A, a), [1.0, -1.0, 0.5])  # a batch against one pattern
    assert np.allclose(overlap(A, A), [1.0, 1.0, 1.0])


# ----------------------------------------------------------------------------- modern Hopfield


def test_modern_retrieval_beyond_the_classical_capacity():
    P, N = 100, 64  # P > 0.138 N = 8.8
    xi = _patterns(P, N, seed=10)
    rng = np.random.default_rng(0)
    idx = rng.integers(0, P, 30)
    queries = corrupt(xi[idx], 0.15, rng=rng)
    nearest = np.argmax(queries @ xi.T, axis=1)
    assert np.array_equal(nearest, idx)  # each cue is still nearest its own pattern
    out = modern_hopfield_retrieve(xi, queries, beta=4.0)
    assert out.shape == queries.shape
    assert np.allclose(out, xi[nearest], rtol=0, atol=1e-12)  # one step, the nearest stored pattern
    one = modern_hopfield_retrieve(xi, queries[0], beta=4.0, steps=3)
    assert one.shape == (N,) and np.allclose(one, xi[idx[0]], rtol=0, atol=1e-12)
    classical = hopfield_recall(hopfield_weights(xi), queries, rng=rng)
    assert np.mean(overlap(classical.state, xi[idx]) == 1.0) < 0.2  # the classical network fails


def test_modern_retrieval_is_attention_and_blends_at_small_beta():
    rng = np.random.default_rng(11)
    X, q = rng.standard_normal((5, 4)), rng.standard_normal((3, 4))
    scores = 0.7 * q @ X.T
    attn = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    assert np.allclose(modern_hopfield_retrieve(X, q, beta=0.7), attn @ X, rtol=0, atol=1e-14)
    tiny = modern_hopfield_retrieve(X, q, beta=1e-9)
    assert np.allclose(tiny, X.mean(axis=0), atol=1e-6)  # beta -> 0: the average of all patterns
    huge = modern_hopfield_retrieve(X, q, beta=1e6)  # stable softmax: no overflow
    assert np.all(np.isfinite(huge))
    twice = modern_hopfield_retrieve(X, modern_hopfield_retrieve(X, q, beta=0.7), beta=0.7)
    assert np.allclose(modern_hopfield_retrieve(X, q, beta=0.7, steps=2), twice, rtol=0, atol=1e-14)


# ----------------------------------------------------------------------------- bad input


W4 = hopfield_weights(np.array([[1.0, -1.0, 1.0, -1.0]]))
RNG = np.random.default_rng


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: hopfield_weights(np.array([[1.0, 0.0, -1.0]])), ValueError, "patterns must contain only"),
        (lambda: hopfield_weights(np.ones(4)), ValueError, "patterns must be 2-D"),
        (lambda: hopfield_weights("abc"), TypeError, "patterns must be an array-like"),
        (lambda: hopfield_energy(np.ones((3, 4)), np.ones(4)), ValueError, "W must be a square"),
        (
            lambda: hopfield_energy(W4, np.ones(3)),
            ValueError,
            r"s must have shape \(N,\) or \(B, N\) with N = 4",
        ),
        (lambda: hopfield_recall(W4, np.ones(3), rng=RNG(0)), ValueError, "cue must have shape"),
        (lambda: hopfield_recall(W4, np.zeros(4), rng=RNG(0)), ValueError, "cue must contain only"),
        (lambda: hopfield_recall(W4, np.ones(4), rng=0), TypeError, "rng must be a numpy.random.Generator"),
        (
            lambda: hopfield_recall(W4, np.ones(4), rng=RNG(0), max_sweeps=0),
            ValueError,
            "max_sweeps must be >= 1",
        ),
        (
            lambda: hopfield_recall(W4, np.ones(4), rng=RNG(0), record_energy=1),
            TypeError,
            "record_energy must be",
        ),
        (
            lambda: hopfield_recall(np.full((4, 4), np.nan), np.ones(4), rng=RNG(0)),
            ValueError,
            "W must contain only finite",
        ),
        (lambda: corrupt(np.ones(4), 1.5, rng=RNG(0)), ValueError, "flip_fraction must be <= 1"),
        (lambda: corrupt(np.ones(4), -0.1, rng=RNG(0)), ValueError, "flip_fraction must be >= 0"),
        (lambda: corrupt(np.ones((2, 2, 2)), 0.1, rng=RNG(0)), ValueError, "patterns must be 1-D or 2-D"),
        (lambda: corrupt(np.ones(4), 0.1, rng=None), TypeError, "rng must be"),
        (lambda: overlap(np.ones(4), np.ones(3)), ValueError, "a and b must have the same last dimension"),
        (lambda: overlap(np.ones((2, 4)), np.ones((3, 4))), ValueError, "a and b must have leading axes"),
        (
            lambda: modern_hopfield_retrieve(np.ones((3, 4)), np.ones(5), beta=1.0),
            ValueError,
            "query must have shape",
        ),
        (
            lambda: modern_hopfield_retrieve(np.ones(4), np.ones(4), beta=1.0),
            ValueError,
            "patterns must be 2-D",
        ),
        (
            lambda: modern_hopfield_retrieve(np.ones((3, 4)), np.ones(4), beta=0.0),
            ValueError,
            "beta must be > 0",
        ),
        (
            lambda: modern_hopfield_retrieve(np.ones((3, 4)), np.ones(4), beta=1.0, steps=0),
            ValueError,
            "steps must be >= 1",
        ),
        (
            lambda: modern_hopfield_retrieve(np.ones((3, 4)), np.ones(4), beta=1e308),
            ValueError,
            "beta is too large",
        ),
    ],
)
def test_bad_input_names_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
