"""neurodl.scratch.rnn: BPTT against finite differences and autograd, LSTM and GRU against PyTorch."""

import subprocess
import sys

import numpy as np
import pytest

from neurodl.check import max_abs_diff, numerical_gradient
from neurodl.scratch.rnn import (
    gru_forward,
    gru_params,
    lstm_forward,
    lstm_params,
    params_from_torch,
    rnn_backward,
    rnn_forward,
    rnn_params,
    spectral_radius,
)

torch = pytest.importorskip("torch")
torch.set_num_threads(1)


def _tensor(a, grad=False):
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=grad)


# ----------------------------------------------------------------------------- vanilla RNN


def test_rnn_params_shapes_init_and_determinism():
    p = rnn_params(3, 5, rng=np.random.default_rng(0))
    assert {k: v.shape for k, v in p.items()} == {"W_xh": (3, 5), "W_hh": (5, 5), "b_h": (5,)}
    assert all(v.dtype == np.float64 for v in p.values())
    assert all(np.abs(v).max() <= 1 / np.sqrt(5) for v in p.values())  # PyTorch's uniform bound
    q = rnn_params(3, 5, rng=np.random.default_rng(0))
    assert all(np.array_equal(p[k], q[k]) for k in p)
    p32 = rnn_params(3, 5, rng=np.random.default_rng(0), dtype=np.float32)
    assert all(v.dtype == np.float32 for v in p32.values())
    H_all, cache = rnn_forward(np.ones((2, 4, 3), dtype=np.float32), p32)
    assert H_all.dtype == np.float32
    grads, dX, dh0 = rnn_backward(np.ones((2, 4, 5)), cache)  # a float64 dH computes in float32
    assert all(g.dtype == np.float32 for g in [*grads.values(), dX, dh0])


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9, 1.0, 1.5])
def test_rnn_params_spectral_radius_is_exact(rho):
    p = rnn_params(2, 40, rng=np.random.default_rng(1), spectral_radius=rho)
    assert abs(spectral_radius(p["W_hh"]) - rho) < 1e-12 * max(rho, 1.0)
    assert np.abs(p["W_xh"]).max() <= 1 / np.sqrt(40)  # only W_hh changes


def test_spectral_radius_of_known_matrices():
    assert spectral_radius(np.diag([0.5, -3.0, 2.0])) == pytest.approx(3.0, abs=1e-14)
    assert spectral_radius([[0.0, 2.0], [-2.0, 0.0]]) == pytest.approx(2.0, abs=1e-14)  # eigenvalues +-2i
    assert spectral_radius([[0, 1], [0, 0]]) == 0.0  # nilpotent: norm 1, spectral radius 0
    assert isinstance(spectral_radius(np.eye(3)), float)


def test_rnn_forward_follows_its_equation():
    rng = np.random.default_rng(2)
    p = rnn_params(3, 4, rng=rng)
    X, h0 = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 4))
    H_all, cache = rnn_forward(X, p, h0)
    assert H_all.shape == (2, 5, 4)
    h = h0
    for t in range(5):
        h = np.tanh(X[:, t] @ p["W_xh"] + h @ p["W_hh"] + p["b_h"])
        assert np.allclose(H_all[:, t], h, rtol=0, atol=1e-15)
    assert np.array_equal(rnn_forward(X, p)[0][:, 0], np.tanh(X[:, 0] @ p["W_xh"] + p["b_h"]))  # h0 = 0


def _loss(X, p, h0, R):
    return float(np.sum(rnn_forward(X, p, h0)[0] * R))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rnn_backward_matches_finite_differences(seed):
    rng = np.random.default_rng(seed)
    N, T, D, H = 2, 4, 3, 3
    p = rnn_params(D, H, rng=rng, spectral_radius=1.2)
    X, h0, R = rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.standard_normal((N, T, H))
    H_all, cache = rnn_forward(X, p, h0)
    grads, dX, dh0 = rnn_backward(R, cache)  # loss = sum(H_all * R), so dLoss/dH_all = R
    assert set(grads) == {"W_xh", "W_hh", "b_h"}
    assert dX.shape == X.shape and dh0.shape == h0.shape
    f = lambda: _loss(X, p, h0, R)  # noqa: E731
    for k in p:
        assert max_abs_diff(grads[k], numerical_gradient(f, p[k])) < 1e-8, k
    assert max_abs_diff(dX, numerical_gradient(f, X)) < 1e-8
    assert max_abs_diff(dh0, numerical_gradient(f, h0)) < 1e-8


@pytest.mark.parametrize("batch_first", [True, False])
def test_rnn_forward_and_backward_match_torch_autograd(batch_first):
    torch.manual_seed(0)
    N, T, D, H = 3, 6, 4, 5
    net = torch.nn.RNN(D, H, batch_first=batch_first).double()
    p = params_from_torch(net)
    rng = np.random.default_rng(3)
    X, h0, R = rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.standard_normal((N, T, H))
    H_all, cache = rnn_forward(X, p, h0)
    grads, dX, dh0 = rnn_backward(R, cache)

    Xt, h0t = _tensor(X, grad=True), _tensor(h0, grad=True)
    out, h_T = net(Xt if batch_first else Xt.transpose(0, 1), h0t[None])
    out = out if batch_first else out.transpose(0, 1)
    (out * _tensor(R)).sum().backward()
    assert max_abs_diff(H_all, out) < 1e-12
    assert max_abs_diff(H_all[:, -1], h_T[0]) < 1e-12
    assert max_abs_diff(grads["W_xh"], net.weight_ih_l0.grad.T) < 1e-12
    assert max_abs_diff(grads["W_hh"], net.weight_hh_l0.grad.T) < 1e-12
    assert max_abs_diff(grads["b_h"], net.bias_ih_l0.grad) < 1e-12  # = bias_hh_l0.grad
    assert max_abs_diff(dX, Xt.grad) < 1e-12
    assert max_abs_diff(dh0, h0t.grad) < 1e-12


def test_rnn_backward_of_the_last_state_only():
    """A loss on h_T alone: the gradient reaches the first input only through W_hh."""
    rng = np.random.default_rng(4)
    p = rnn_params(2, 3, rng=rng)
    X = rng.standard_normal((1, 5, 2))
    H_all, cache = rnn_forward(X, p)
    dH = np.zeros_like(H_all)
    dH[:, -1] = 1.0
    grads, dX, dh0 = rnn_backward(dH, cache)
    assert np.all(dX[:, 0] != 0) and np.all(np.isfinite(dX))
    f = lambda: float(rnn_forward(X, p)[0][:, -1].sum())  # noqa: E731
    assert max_abs_diff(dX, numerical_gradient(f, X)) < 1e-8


# ----------------------------------------------------------------------------- LSTM and GRU


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("with_state", [False, True])
def test_lstm_forward_matches_torch(batch_first, with_state):
    torch.manual_seed(1)
    N, T, D, H = 3, 7, 4, 5
    net = torch.nn.LSTM(D, H, batch_first=batch_first).double()
    p = params_from_torch(net)
    assert {k: v.shape for k, v in p.items()} == {"W_x": (D, 4 * H), "W_h": (H, 4 * H), "b": (4 * H,)}
    rng = np.random.default_rng(5)
    X = rng.standard_normal((N, T, D))
    h0, c0 = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    H_all, (h_T, c_T) = lstm_forward(X, p, (h0, c0) if with_state else None)
    Xt = _tensor(X) if batch_first else _tensor(X).transpose(0, 1)
    with torch.no_grad():
        if with_state:
            out, (hn, cn) = net(Xt, (_tensor(h0)[None], _tensor(c0)[None]))
        else:
            out, (hn, cn) = net(Xt)
    out = out if batch_first else out.transpose(0, 1)
    assert max_abs_diff(H_all, out) < 1e-10
    assert max_abs_diff(h_T, hn[0]) < 1e-10
    assert max_abs_diff(c_T, cn[0]) < 1e-10


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("with_state", [False, True])
def test_gru_forward_matches_torch(batch_first, with_state):
    torch.manual_seed(2)
    N, T, D, H = 3, 7, 4, 5
    net = torch.nn.GRU(D, H, batch_first=batch_first).double()
    p = params_from_torch(net)
    assert {k: v.shape for k, v in p.items()} == {
        "W_x": (D, 3 * H),
        "W_h": (H, 3 * H),
        "b_x": (3 * H,),
        "b_h": (3 * H,),
    }
    rng = np.random.default_rng(6)
    X, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    H_all, h_T = gru_forward(X, p, h0 if with_state else None)
    Xt = _tensor(X) if batch_first else _tensor(X).transpose(0, 1)
    with torch.no_grad():
        out, hn = net(Xt, _tensor(h0)[None]) if with_state else net(Xt)
    out = out if batch_first else out.transpose(0, 1)
    assert max_abs_diff(H_all, out) < 1e-10
    assert max_abs_diff(h_T, hn[0]) < 1e-10


def test_lstm_and_gru_params():
    p = lstm_params(3, 4, rng=np.random.default_rng(7))
    q = lstm_params(3, 4, rng=np.random.default_rng(7), forget_bias=1.0)
    assert {k: v.shape for k, v in p.items()} == {"W_x": (3, 16), "W_h": (4, 16), "b": (16,)}
    assert all(np.abs(v).max() <= 0.5 for v in p.values())
    assert np.array_equal(p["W_x"], q["W_x"]) and np.array_equal(p["W_h"], q["W_h"])
    assert np.allclose(q["b"] - p["b"], np.r_[np.zeros(4), np.ones(4), np.zeros(8)], rtol=0, atol=1e-15)
    g = gru_params(3, 4, rng=np.random.default_rng(7), dtype=np.float32)
    assert {k: v.shape for k, v in g.items()} == {"W_x": (3, 12), "W_h": (4, 12), "b_x": (12,), "b_h": (12,)}
    assert all(v.dtype == np.float32 for v in g.values())
    H_all, h_T = gru_forward(np.zeros((2, 3, 3), dtype=np.float32), g)
    assert H_all.dtype == np.float32 and h_T.shape == (2, 4)


def test_lstm_with_a_large_forget_bias_remembers():
    """With the forget gate open (f near 1) and nothing written, the cell keeps its content."""
    p = lstm_params(1, 2, rng=np.random.default_rng(8), forget_bias=20.0)
    p["b"][:2] = -20.0  # input gate shut
    for k in ("W_x", "W_h"):
        p[k][:] = 0.0
    c0 = np.array([[0.7, -0.3]])
    _, (h_T, c_T) = lstm_forward(np.zeros((1, 50, 1)), p, (np.zeros((1, 2)), c0))
    assert np.allclose(c_T, c0, atol=1e-6)


# ----------------------------------------------------------------------------- PyTorch round trip


def test_params_from_torch_round_trip():
    """NumPy weights copied into PyTorch modules come back unchanged, biases split or summed."""
    rng = np.random.default_rng(9)
    D, H = 3, 4
    cases = [
        (torch.nn.RNN(D, H), rnn_params(D, H, rng=rng), ("W_xh", "W_hh"), "b_h"),
        (
            torch.nn.LSTM(D, H, batch_first=True),
            lstm_params(D, H, rng=rng, forget_bias=1.0),
            ("W_x", "W_h"),
            "b",
        ),
    ]
    for net, p, (wx, wh), b in cases:
        net = net.double()
        with torch.no_grad():
            net.weight_ih_l0.copy_(_tensor(p[wx].T))
            net.weight_hh_l0.copy_(_tensor(p[wh].T))
            net.bias_ih_l0.copy_(_tensor(0.25 * p[b]))
            net.bias_hh_l0.copy_(_tensor(0.75 * p[b]))
        back = params_from_torch(net)
        assert set(back) == set(p)
        assert max_abs_diff(back, p) < 1e-15
    g = gru_params(D, H, rng=rng)
    net = torch.nn.GRU(D, H).double()
    with torch.no_grad():
        net.weight_ih_l0.copy_(_tensor(g["W_x"].T))
        net.weight_hh_l0.copy_(_tensor(g["W_h"].T))
        net.bias_ih_l0.copy_(_tensor(g["b_x"]))
        net.bias_hh_l0.copy_(_tensor(g["b_h"]))
    assert max_abs_diff(params_from_torch(net), g) == 0.0


def test_params_from_torch_float32_and_no_bias():
    net = torch.nn.GRU(2, 3, bias=False)  # float32
    p = params_from_torch(net)
    assert all(v.dtype == np.float64 for v in p.values())
    assert np.array_equal(p["b_x"], np.zeros(9)) and np.array_equal(p["b_h"], np.zeros(9))
    assert np.array_equal(p["W_x"], net.weight_ih_l0.detach().double().numpy().T)
    p["W_x"][0, 0] = 123.0  # a copy: the module is not changed
    assert net.weight_ih_l0[0, 0].item() != 123.0
    rnn = params_from_torch(torch.nn.RNN(2, 3, bias=False))
    assert np.array_equal(rnn["b_h"], np.zeros(3))


@pytest.mark.parametrize(
    "module, error, match",
    [
        (lambda: torch.nn.Linear(2, 3), TypeError, "module must be a torch.nn.RNN, nn.LSTM or nn.GRU"),
        (lambda: torch.nn.RNNCell(2, 3), TypeError, "module must be a torch.nn.RNN"),
        (lambda: "lstm", TypeError, "module must be"),
        (lambda: torch.nn.LSTM(2, 3, num_layers=2), ValueError, "module must have one layer"),
        (lambda: torch.nn.GRU(2, 3, bidirectional=True), ValueError, "module must be unidirectional"),
        (lambda: torch.nn.RNN(2, 3, nonlinearity="relu"), ValueError, "nonlinearity='tanh'"),
        (lambda: torch.nn.LSTM(2, 3, proj_size=2), ValueError, "proj_size=0"),
    ],
)
def test_params_from_torch_refuses_other_modules(module, error, match):
    with pytest.raises(error, match=match):
        params_from_torch(module())


def test_importing_the_module_does_not_import_torch():
    code = "import sys, neurodl.scratch.rnn; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----------------------------------------------------------------------------- bad input


def _rnn():
    return rnn_params(3, 4, rng=np.random.default_rng(0))


def _cache():
    return rnn_forward(np.zeros((2, 5, 3)), _rnn())[1]


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: rnn_params(0, 4, rng=np.random.default_rng(0)), ValueError, "input_size must be >= 1"),
        (
            lambda: rnn_params(3, 2.0, rng=np.random.default_rng(0)),
            TypeError,
            "hidden_size must be an integer",
        ),
        (lambda: rnn_params(3, 4, rng=0), TypeError, "rng must be a numpy.random.Generator"),
        (
            lambda: rnn_params(3, 4, rng=np.random.default_rng(0), spectral_radius=-1.0),
            ValueError,
            "spectral_radius must be >= 0",
        ),
        (lambda: rnn_params(3, 4, rng=np.random.default_rng(0), dtype=np.int64), ValueError, "dtype must be"),
        (
            lambda: rnn_forward(np.zeros((4, 5, 2)), _rnn()),
            ValueError,
            r"X must have shape \(N, T, D\) with D = 3 \(the input size of params\), got \(4, 5, 2\)",
        ),
        (lambda: rnn_forward(np.zeros((4, 3)), _rnn()), ValueError, "X must be 3-D"),
        (
            lambda: rnn_forward(np.zeros((4, 5, 3), dtype=int), _rnn()),
            TypeError,
            "X must be of floating-point",
        ),
        (lambda: rnn_forward(np.full((1, 1, 3), np.nan), _rnn()), ValueError, "X must contain only finite"),
        (lambda: rnn_forward(np.zeros((4, 5, 3)), [1, 2]), TypeError, "params must be a dict"),
        (
            lambda: rnn_forward(np.zeros((4, 5, 3)), lstm_params(3, 4, rng=np.random.default_rng(0))),
            ValueError,
            "params must have exactly the keys 'W_xh', 'W_hh', 'b_h'",
        ),
        (
            lambda: rnn_forward(np.zeros((4, 5, 3)), {**_rnn(), "W_hh": np.zeros((4, 5))}),
            ValueError,
            r"params\['W_hh'\] must have shape \(H, H\)",
        ),
        (
            lambda: rnn_forward(np.zeros((4, 5, 3)), {**_rnn(), "W_xh": np.zeros((3, 5))}),
            ValueError,
            r"params\['W_xh'\] must have shape \(D, H\)",
        ),
        (
            lambda: rnn_forward(np.zeros((4, 5, 3)), {**_rnn(), "b_h": np.zeros(5)}),
            ValueError,
            r"params\['b_h'\] must have shape \(4,\)",
        ),
        (
            lambda: rnn_forward(np.zeros((4, 5, 3)), {**_rnn(), "b_h": np.zeros(4, dtype=int)}),
            TypeError,
            r"params\['b_h'\] must be of floating-point",
        ),
        (
            lambda: rnn_forward(np.zeros((4, 5, 3)), _rnn(), np.zeros((3, 4))),
            ValueError,
            r"h0 must have shape \(N, H\) = \(4, 4\)",
        ),
        (
            lambda: rnn_backward(np.zeros((2, 5, 3)), _cache()),
            ValueError,
            r"dH must have the shape of H_all \(2, 5, 4\)",
        ),
        (
            lambda: rnn_backward(np.zeros((2, 5, 4)), {"X": 1}),
            ValueError,
            "cache must be the dict rnn_forward returns",
        ),
        (
            lambda: rnn_backward(np.zeros((2, 5, 4)), None),
            TypeError,
            "cache must be the dict rnn_forward returns",
        ),
        (
            lambda: lstm_forward(
                np.zeros((2, 5, 3)), lstm_params(3, 4, rng=np.random.default_rng(0)), np.zeros((2, 4))
            ),
            TypeError,
            r"state must be a pair \(h0, c0\)",
        ),
        (
            lambda: lstm_forward(
                np.zeros((2, 5, 3)),
                lstm_params(3, 4, rng=np.random.default_rng(0)),
                (np.zeros((2, 4)), np.zeros(4)),
            ),
            ValueError,
            "state",
        ),
        (
            lambda: lstm_forward(np.zeros((2, 5, 3)), _rnn()),
            ValueError,
            "params must have exactly the keys 'W_x', 'W_h', 'b'",
        ),
        (
            lambda: lstm_params(3, 4, rng=np.random.default_rng(0), forget_bias=float("nan")),
            ValueError,
            "forget_bias must be finite",
        ),
        (
            lambda: gru_forward(np.zeros((2, 5, 3)), lstm_params(3, 4, rng=np.random.default_rng(0))),
            ValueError,
            "params must have exactly the keys 'W_x', 'W_h', 'b_x', 'b_h'",
        ),
        (
            lambda: gru_forward(np.zeros((2, 5, 2)), gru_params(3, 4, rng=np.random.default_rng(0))),
            ValueError,
            "X must have shape",
        ),
        (lambda: spectral_radius(np.zeros((2, 3))), ValueError, "W must be a square matrix"),
        (lambda: spectral_radius(np.zeros(3)), ValueError, "W must be 2-D"),
    ],
)
def test_bad_input_names_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
