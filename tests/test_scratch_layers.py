"""neurodl.scratch.layers: every gradient checked against finite differences and PyTorch autograd."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurodl.check import max_abs_diff
from neurodl.scratch.layers import (
    MLP,
    Activation,
    Linear,
    SigmoidBinaryCrossEntropy,
    SoftmaxCrossEntropy,
)

torch = pytest.importorskip("torch")

#: PyTorch's counterpart of each activation name.
TORCH_ACT = {
    "sigmoid": lambda t: torch.sigmoid(t),
    "tanh": lambda t: torch.tanh(t),
    "relu": lambda t: torch.relu(t),
    "leaky_relu": lambda t: torch.nn.functional.leaky_relu(t, 0.01),
    "gelu": lambda t: torch.nn.functional.gelu(t),
}

shapes = st.fixed_dictionaries(
    {
        "sizes": st.lists(st.integers(1, 6), min_size=2, max_size=5),
        "batch": st.integers(1, 7),
        "activation": st.sampled_from(sorted(TORCH_ACT)),
        "seed": st.integers(0, 2**16),
    }
)


def _data(sizes, batch, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, sizes[0]))
    k = sizes[-1]
    y = rng.integers(0, 2 if k == 1 else k, size=batch)
    return rng, X, y


def _torch_loss_and_grads(net, X, y):
    """The same network in PyTorch, on copies of the same weights: (loss, grads, dX)."""
    params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in net.params]
    Xt = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    h = Xt
    for i in range(0, len(params), 2):
        if i > 0:
            h = TORCH_ACT[net.activation](h)
        h = h @ params[i] + params[i + 1]
    yt = torch.tensor(y)
    if h.shape[1] == 1:
        loss = torch.nn.functional.binary_cross_entropy_with_logits(h[:, 0], yt.double())
    else:
        loss = torch.nn.functional.cross_entropy(h, yt)
    loss.backward()
    return loss.item(), [p.grad for p in params], Xt.grad


@settings(max_examples=60, deadline=None)
@given(shapes)
def test_mlp_gradients_match_torch_autograd(case):
    sizes, batch, act, seed = case["sizes"], case["batch"], case["activation"], case["seed"]
    rng, X, y = _data(sizes, batch, seed)
    net = MLP(sizes, act, rng=rng, init="xavier", dtype=np.float64)
    loss = net.loss.forward(net.forward(X), y)
    dX = net.backward(net.loss.backward(), input_grad=True)
    ref_loss, ref_grads, ref_dX = _torch_loss_and_grads(net, X, y)
    assert abs(loss - ref_loss) < 1e-12
    assert max_abs_diff(net.grads, ref_grads) < 1e-12
    assert max_abs_diff(dX, ref_dX) < 1e-12


def _finite_difference_grads(net, X, y, eps=1e-6):
    grads = []
    for p in net.params:
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + eps
            up = net.loss.forward(net.forward(X), y)
            p[i] = old - eps
            down = net.loss.forward(net.forward(X), y)
            p[i] = old
            g[i] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


@settings(max_examples=25, deadline=None)
@given(shapes.filter(lambda c: c["activation"] in ("sigmoid", "tanh", "gelu")))
def test_mlp_gradients_match_finite_differences(case):
    # smooth activations only: a finite difference across ReLU's kink is meaningless
    sizes, batch, act, seed = case["sizes"], case["batch"], case["activation"], case["seed"]
    rng, X, y = _data(sizes, batch, seed)
    net = MLP(sizes, act, rng=rng, init="xavier", dtype=np.float64)
    _, grads = net.loss_and_grads(X, y)
    grads = [g.copy() for g in grads]
    numeric = _finite_difference_grads(net, X, y)
    assert max_abs_diff(grads, numeric) < 1e-7


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 8), st.integers(1, 8), st.integers(1, 8), st.integers(0, 2**16))
def test_linear_matches_torch(n_in, n_out, batch, seed):
    rng = np.random.default_rng(seed)
    layer = Linear(n_in, n_out, rng=rng, dtype=np.float64)
    layer.b[:] = rng.standard_normal(n_out)
    X, G = rng.standard_normal((batch, n_in)), rng.standard_normal((batch, n_out))
    Y = layer.forward(X)
    dX = layer.backward(G)
    W = torch.tensor(layer.W, requires_grad=True)
    b = torch.tensor(layer.b, requires_grad=True)
    Xt = torch.tensor(X, requires_grad=True)
    Yt = Xt @ W + b
    Yt.backward(torch.tensor(G))
    assert max_abs_diff(Y, Yt) < 1e-12
    assert max_abs_diff([layer.dW, layer.db, dX], [W.grad, b.grad, Xt.grad]) < 1e-12


@pytest.mark.parametrize("name", sorted(TORCH_ACT))
def test_activation_layer_matches_torch(name):
    rng = np.random.default_rng(1)
    X, G = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    layer = Activation(name)
    Y = layer.forward(X)
    dX = layer.backward(G)
    Xt = torch.tensor(X, requires_grad=True)
    Yt = TORCH_ACT[name](Xt)
    Yt.backward(torch.tensor(G))
    assert max_abs_diff(Y, Yt) < 1e-12
    assert max_abs_diff(dX, Xt.grad) < 1e-12


def test_losses_match_torch():
    rng = np.random.default_rng(2)
    logits, y = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    ce = SoftmaxCrossEntropy()
    loss, grad = ce.forward(logits, y), ce.backward()
    t = torch.tensor(logits, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(t, torch.tensor(y))
    ref.backward()
    assert abs(loss - ref.item()) < 1e-12 and max_abs_diff(grad, t.grad) < 1e-12

    z, yb = rng.standard_normal((6, 1)) * 5, rng.integers(0, 2, 6)
    bce = SigmoidBinaryCrossEntropy()
    loss, grad = bce.forward(z, yb), bce.backward()
    t = torch.tensor(z, requires_grad=True)
    ref = torch.nn.functional.binary_cross_entropy_with_logits(t[:, 0], torch.tensor(yb).double())
    ref.backward()
    assert grad.shape == (6, 1)
    assert abs(loss - ref.item()) < 1e-12 and max_abs_diff(grad, t.grad) < 1e-12


def test_float32_stays_float32_and_is_close_to_float64():
    net64 = MLP([5, 7, 3], "tanh", rng=np.random.default_rng(3), dtype=np.float64)
    net32 = MLP([5, 7, 3], "tanh", rng=np.random.default_rng(3), dtype=np.float32)
    X, y = np.random.default_rng(4).standard_normal((8, 5)), np.array([0, 1, 2, 0, 1, 2, 0, 1])
    _, g32 = net32.loss_and_grads(X, y)  # float64 X is cast to the network's dtype
    assert all(p.dtype == np.float32 for p in net32.params + g32)
    assert net32.forward(X).dtype == np.float32
    _, g64 = net64.loss_and_grads(X, y)
    assert max_abs_diff(g32, g64) < 1e-5


def test_params_are_live_arrays_and_grads_align():
    net = MLP([3, 4, 2], rng=np.random.default_rng(0))
    assert [p.shape for p in net.params] == [(3, 4), (4,), (4, 2), (2,)]
    assert [g.shape for g in net.grads] == [p.shape for p in net.params]
    net.params[0][0, 0] = 42.0  # an optimiser updates these in place
    assert net.linears[0].W[0, 0] == 42.0
    assert net.num_params() == 3 * 4 + 4 + 4 * 2 + 2


def test_initialisations_have_the_stated_spread():
    rng = np.random.default_rng(0)
    n_in, n_out = 400, 300
    he = Linear(n_in, n_out, rng=rng, init="he").W
    xavier = Linear(n_in, n_out, rng=rng, init="xavier").W
    normal = Linear(n_in, n_out, rng=rng, init="normal", scale=0.5).W
    zeros = Linear(n_in, n_out, rng=rng, init="zeros").W
    assert he.std() == pytest.approx(np.sqrt(2 / n_in), rel=0.02)
    assert xavier.std() == pytest.approx(np.sqrt(2 / (n_in + n_out)), rel=0.02)
    assert normal.std() == pytest.approx(0.5, rel=0.02)
    assert not zeros.any()
    gained = Linear(n_in, n_out, rng=rng, init="he", scale=3.0).W
    assert gained.std() == pytest.approx(3 * np.sqrt(2 / n_in), rel=0.02)


def test_training_fits_a_small_problem():
    from neurodl.scratch.optim import Adam

    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)  # XOR-like quadrants: not linearly separable
    net = MLP([2, 16, 2], "tanh", rng=rng)
    opt = Adam(net.params, lr=0.05)
    first, _ = net.loss_and_grads(X, y)
    for _ in range(300):
        _, grads = net.loss_and_grads(X, y)
        opt.step(grads)
    assert (net.predict(X) == y).mean() > 0.95
    assert net.loss_and_grads(X, y)[0] < 0.25 * first


def test_predict_handles_one_output_and_batches():
    net = MLP([2, 3, 1], "tanh", rng=np.random.default_rng(0), dtype=np.float64)
    X = np.random.default_rng(1).standard_normal((10, 2))
    pred = net.predict(X, batch_size=3)
    assert pred.shape == (10,) and set(pred) <= {0, 1}
    np.testing.assert_array_equal(pred, (net.forward(X)[:, 0] > 0).astype(int))


def test_reprs_are_helpful():
    rng = np.random.default_rng(0)
    assert repr(Linear(3, 2, rng=rng)) == "Linear(3 -> 2, init='he', dtype=float32)"
    assert repr(Activation("tanh")) == "Activation('tanh')"
    assert repr(SoftmaxCrossEntropy()) == "SoftmaxCrossEntropy()"
    assert repr(MLP([4, 8, 3], rng=rng)) == (
        "MLP([4, 8, 3], activation='relu', init='he', dtype=float32, 67 parameters)"
    )


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda r: Linear(0, 2, rng=r), ValueError, "in_features"),
        (lambda r: Linear(2, 2.5, rng=r), TypeError, "out_features"),
        (lambda r: Linear(2, 2, rng=0), TypeError, "rng"),
        (lambda r: Linear(2, 2, rng=r, init="kaiming"), ValueError, "init"),
        (lambda r: Linear(2, 2, rng=r, init="zeros", scale=1.0), ValueError, "scale"),
        (lambda r: Linear(2, 2, rng=r, init="normal", scale=-1.0), ValueError, "scale"),
        (lambda r: Linear(2, 2, rng=r, dtype=np.int32), ValueError, "dtype"),
        (lambda r: Activation("swish"), ValueError, "name"),
        (lambda r: MLP([3], rng=r), ValueError, "sizes"),
        (lambda r: MLP("784-10", rng=r), TypeError, "sizes"),
        (lambda r: MLP([3, 0, 2], rng=r), ValueError, r"sizes\[1\]"),
        (lambda r: MLP([3, 2], "softplus", rng=r), ValueError, "activation"),
    ],
)
def test_bad_construction_is_refused(make, error, match):
    with pytest.raises(error, match=match):
        make(np.random.default_rng(0))


def test_bad_calls_are_refused():
    rng = np.random.default_rng(0)
    net = MLP([3, 4, 2], rng=rng)
    with pytest.raises(ValueError, match=r"X must have shape \(batch, 3\)"):
        net.forward(np.ones((5, 4)))
    with pytest.raises(ValueError, match="X must be 2-D"):
        net.forward(np.ones(3))
    with pytest.raises(ValueError, match="finite"):
        net.forward(np.full((2, 3), np.nan))
    with pytest.raises(ValueError, match="y must"):
        net.loss_and_grads(np.ones((5, 3)), np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match="y must hold class indices"):
        net.loss_and_grads(np.ones((2, 3)), np.array([0, 2]))
    with pytest.raises(TypeError, match="y must be of"):
        net.loss_and_grads(np.ones((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="before forward"):
        Linear(2, 2, rng=rng).backward(np.ones((1, 2)))
    with pytest.raises(RuntimeError, match="before forward"):
        Activation("relu").backward(np.ones((1, 2)))
    with pytest.raises(RuntimeError, match="before forward"):
        SoftmaxCrossEntropy().backward()
    layer = Linear(2, 3, rng=rng)
    layer.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match="grad_out must have the output's shape"):
        layer.backward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"logits must have shape \(batch, 1\)"):
        SigmoidBinaryCrossEntropy().forward(np.ones((2, 2)), np.array([0, 1]))
    with pytest.raises(ValueError, match="y must be <= 1"):
        SigmoidBinaryCrossEntropy().forward(np.ones((2, 1)), np.array([0, 2]))
