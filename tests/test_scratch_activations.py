"""neurodl.scratch.activations: every function and derivative against PyTorch."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from neurodl.check import max_abs_diff
from neurodl.scratch import activations as act

torch = pytest.importorskip("torch")
F = torch.nn.functional

NAMES = ["sigmoid", "tanh", "relu", "leaky_relu", "gelu"]

TORCH_FUNCTIONS = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
    "leaky_relu": lambda t: F.leaky_relu(t, negative_slope=0.01),
    "gelu": F.gelu,
}

# Random shapes (up to 3-D, including empty ones) with values spread over a wide range,
# plus exact zeros, where ReLU and leaky ReLU have their kink.
float_arrays = hnp.arrays(
    dtype=np.float64,
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6),
    elements=st.one_of(
        st.floats(-60.0, 60.0, allow_nan=False, allow_infinity=False),
        st.just(0.0),
        st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    ),
)


def _torch_reference(name: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Value and autograd derivative of torch's activation, element-wise, in float64."""
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = TORCH_FUNCTIONS[name](t)
    (grad,) = torch.autograd.grad(y.sum(), t) if x.size else (torch.zeros_like(t),)
    return y.detach().numpy(), grad.numpy()


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60, deadline=None)
@given(x=float_arrays)
def test_function_and_derivative_match_torch(name, x):
    f, df = act.ACTIVATIONS[name]
    y_ref, g_ref = _torch_reference(name, x)
    y, g = f(x), df(x)
    assert y.shape == x.shape and g.shape == x.shape
    assert y.dtype == np.float64 and g.dtype == np.float64
    if x.size:
        assert max_abs_diff(y, y_ref) < 1e-6
        assert max_abs_diff(g, g_ref) < 1e-6


@settings(max_examples=40, deadline=None)
@given(x=float_arrays, slope=st.floats(0.0, 0.5))
def test_leaky_relu_slope_matches_torch(x, slope):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = F.leaky_relu(t, negative_slope=slope)
    assert act.leaky_relu(x, negative_slope=slope).shape == x.shape
    if x.size:
        (g,) = torch.autograd.grad(y.sum(), t)
        assert max_abs_diff(act.leaky_relu(x, slope), y) < 1e-6
        assert max_abs_diff(act.leaky_relu_grad(x, slope), g) < 1e-6


def test_kinks_follow_torch_convention():
    assert act.relu_grad(0.0) == 0.0
    assert act.leaky_relu_grad(0.0, negative_slope=0.2) == 0.2
    assert act.relu(-0.0) == 0.0


@pytest.mark.parametrize("name", NAMES)
def test_dtypes_kept(name):
    f, df = act.ACTIVATIONS[name]
    x32 = np.linspace(-3, 3, 7, dtype=np.float32)
    assert f(x32).dtype == np.float32 and df(x32).dtype == np.float32
    assert f(x32.astype(np.float64)).dtype == np.float64
    assert f([1, 2, 3]).dtype == np.float64  # integers are computed in float64
    assert f(2.0).shape == ()


@pytest.mark.parametrize("name", NAMES)
def test_float32_close_to_float64(name):
    f, df = act.ACTIVATIONS[name]
    x = np.linspace(-20, 20, 401)
    assert max_abs_diff(f(x.astype(np.float32)), f(x)) < 1e-5 * 20
    assert max_abs_diff(df(x.astype(np.float32)), df(x)) < 1e-5


def test_sigmoid_is_stable_for_large_inputs():
    x = np.array([-1e308, -1000.0, -50.0, 0.0, 50.0, 1000.0, 1e308])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow RuntimeWarning fails the test
        s = act.sigmoid(x)
        g = act.sigmoid_grad(x)
        act.gelu_grad(x)
        act.sigmoid(np.array([-1e38, -200.0, 200.0, 1e38], dtype=np.float32))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    assert np.all(np.isfinite(g)) and np.all(g >= 0)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "bad, error, match",
    [
        ("abc", TypeError, "x must be an array-like of numbers"),
        (None, TypeError, "x must be an array-like of numbers"),
        (np.array(["a", "b"]), TypeError, "x must hold numbers"),
        ([1.0, float("nan")], ValueError, "x must contain only finite numbers"),
        ([[1.0], [2.0, 3.0]], TypeError, "x must be an array-like"),
    ],
)
def test_bad_input_is_refused(name, bad, error, match):
    f, df = act.ACTIVATIONS[name]
    with pytest.raises(error, match=match):
        f(bad)
    with pytest.raises(error, match=match):
        df(bad)


@pytest.mark.parametrize("bad, error", [("0.1", TypeError), (float("inf"), ValueError), (None, TypeError)])
def test_bad_negative_slope_is_refused(bad, error):
    with pytest.raises(error, match="negative_slope"):
        act.leaky_relu([1.0], negative_slope=bad)
    with pytest.raises(error, match="negative_slope"):
        act.leaky_relu_grad([1.0], negative_slope=bad)


def test_registry_names():
    assert sorted(act.ACTIVATIONS) == sorted(NAMES)
    for f, df in act.ACTIVATIONS.values():
        assert callable(f) and callable(df)
