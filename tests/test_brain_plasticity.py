"""neurodl.brain.plasticity: Hebb's rule."""

import numpy as np
import pytest

from neurodl.brain.plasticity import hebb_update, simulate_hebb


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
