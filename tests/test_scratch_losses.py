"""neurodl.scratch.losses: every loss and gradient against torch.nn.functional and autograd."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurodl.check import max_abs_diff
from neurodl.scratch import losses

torch = pytest.importorskip("torch")
F = torch.nn.functional

shapes = st.lists(st.integers(1, 6), min_size=1, max_size=3).map(tuple)
seeds = st.integers(0, 2**32 - 1)


def _torch_loss_and_grad(fn, x, *rest):
    t = torch.tensor(x, requires_grad=True)
    loss = fn(t, *rest)
    loss.backward()
    return loss.item(), t.grad.numpy()


@settings(max_examples=30, deadline=None)
@given(shape=shapes, seed=seeds)
def test_mse_matches_torch(shape, seed):
    rng = np.random.default_rng(seed)
    y_hat, y = rng.normal(size=shape), rng.normal(size=shape)
    loss, grad = _torch_loss_and_grad(F.mse_loss, y_hat, torch.tensor(y))
    assert abs(losses.mse(y_hat, y) - loss) < 1e-12
    g = losses.mse_grad(y_hat, y)
    assert g.shape == y_hat.shape and max_abs_diff(g, grad) < 1e-12


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 8), num_classes=st.integers(1, 7), scale=st.sampled_from([1.0, 10.0, 300.0]), seed=seeds)
def test_cross_entropy_matches_torch(n, num_classes, scale, seed):
    rng = np.random.default_rng(seed)
    logits = scale * rng.normal(size=(n, num_classes))  # scale 300: naive softmax would overflow
    y = rng.integers(0, num_classes, size=n)
    loss, grad = _torch_loss_and_grad(F.cross_entropy, logits, torch.tensor(y))
    assert abs(losses.cross_entropy(logits, y) - loss) < 1e-9 * max(1.0, abs(loss))
    g = losses.cross_entropy_grad(logits, y)
    assert g.shape == logits.shape and max_abs_diff(g, grad) < 1e-12
    onehot = np.eye(num_classes)[y]
    assert np.allclose(g, (losses.softmax(logits) - onehot) / n)


@settings(max_examples=30, deadline=None)
@given(shape=shapes, seed=seeds)
def test_softmax_and_log_softmax_match_torch(shape, seed):
    rng = np.random.default_rng(seed)
    z = 50 * rng.normal(size=shape)
    assert max_abs_diff(losses.softmax(z), F.softmax(torch.tensor(z), dim=-1)) < 1e-12
    assert max_abs_diff(losses.log_softmax(z), F.log_softmax(torch.tensor(z), dim=-1)) < 1e-9
    assert np.allclose(losses.softmax(z).sum(axis=-1), 1.0)


@settings(max_examples=30, deadline=None)
@given(shape=shapes, seed=seeds)
def test_binary_cross_entropy_matches_torch(shape, seed):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.01, 0.99, size=shape)
    y = rng.uniform(0, 1, size=shape)  # soft targets are allowed, as in torch
    loss, grad = _torch_loss_and_grad(F.binary_cross_entropy, p, torch.tensor(y))
    assert abs(losses.binary_cross_entropy(p, y) - loss) < 1e-12
    assert max_abs_diff(losses.binary_cross_entropy_grad(p, y), grad) < 1e-9


@settings(max_examples=30, deadline=None)
@given(shape=shapes, scale=st.sampled_from([1.0, 50.0]), seed=seeds)
def test_binary_cross_entropy_with_logits_matches_torch(shape, scale, seed):
    rng = np.random.default_rng(seed)
    z = scale * rng.normal(size=shape)
    y = (rng.uniform(size=shape) < 0.5).astype(float)
    loss, grad = _torch_loss_and_grad(F.binary_cross_entropy_with_logits, z, torch.tensor(y))
    assert abs(losses.binary_cross_entropy_with_logits(z, y) - loss) < 1e-12 * max(1.0, loss)
    assert max_abs_diff(losses.binary_cross_entropy_with_logits_grad(z, y), grad) < 1e-12


def test_bce_saturates_like_torch():
    p, y = np.array([0.0, 1.0, 0.5]), np.array([1.0, 0.0, 1.0])
    expected = F.binary_cross_entropy(torch.tensor(p), torch.tensor(y)).item()
    assert losses.binary_cross_entropy(p, y) == pytest.approx(expected)
    assert np.all(np.isfinite(losses.binary_cross_entropy_grad(p, y)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_grads_keep_input_dtype_and_losses_are_floats(dtype):
    y_hat = np.full((3, 2), 0.3, dtype=dtype)
    y = np.ones((3, 2))
    labels = np.array([0, 1, 1])
    for loss, grad, args in [
        (losses.mse, losses.mse_grad, (y_hat, y)),
        (losses.binary_cross_entropy, losses.binary_cross_entropy_grad, (y_hat, y)),
        (losses.binary_cross_entropy_with_logits, losses.binary_cross_entropy_with_logits_grad, (y_hat, y)),
        (losses.cross_entropy, losses.cross_entropy_grad, (y_hat, labels)),
    ]:
        assert type(loss(*args)) is float
        g = grad(*args)
        assert g.dtype == dtype and g.shape == y_hat.shape


def test_broadcasting_trap_is_explained():
    y_hat, y = np.zeros((5, 1)), np.ones(5)
    with pytest.raises(ValueError, match=r"broadcast y_hat - y to shape \(5, 5\)"):
        losses.mse(y_hat, y)
    with pytest.raises(ValueError, match="same shape"):
        losses.mse_grad(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="same shape"):
        losses.binary_cross_entropy_with_logits(np.zeros((4, 1)), np.zeros(4))


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: losses.mse(np.zeros(3, dtype=int), np.zeros(3)), TypeError, "y_hat must be of floating-point"),
        (lambda: losses.mse("abc", np.zeros(3)), TypeError, "y_hat must be an array-like"),
        (lambda: losses.mse(np.array([np.nan]), np.zeros(1)), ValueError, "finite"),
        (lambda: losses.cross_entropy(np.zeros(3), np.array([0])), ValueError, "logits must be 2-D"),
        (lambda: losses.cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0])), TypeError, "y must be of integer"),
        (lambda: losses.cross_entropy(np.zeros((2, 3)), np.array([0, 3])), ValueError, r"class indices in \[0, 2\]"),
        (lambda: losses.cross_entropy(np.zeros((2, 3)), np.array([0, -1])), ValueError, "class indices"),
        (lambda: losses.cross_entropy_grad(np.zeros((2, 3)), np.array([0, 1, 2])), ValueError, "one class label per row"),
        (lambda: losses.binary_cross_entropy(np.array([1.5]), np.array([1.0])), ValueError, "p must be <= 1"),
        (lambda: losses.binary_cross_entropy(np.array([0.5]), np.array([2.0])), ValueError, "y must be <= 1"),
        (lambda: losses.binary_cross_entropy_grad(np.array([-0.1]), np.array([1.0])), ValueError, "p must be >= 0"),
        (lambda: losses.softmax(np.zeros((0, 3))), ValueError, "empty"),
        (lambda: losses.log_softmax(np.array(1.0)), ValueError, "z must be"),
    ],
)
def test_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()
