"""neurodl.scratch.optim: every optimiser follows torch.optim's trajectory step for step."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurodl.check import max_abs_diff
from neurodl.scratch.optim import SGD, Adam, Optimizer, RMSprop

torch = pytest.importorskip("torch")

shapes = st.lists(
    st.lists(st.integers(1, 5), min_size=0, max_size=3).map(tuple), min_size=1, max_size=3
)

CONFIGS = [
    (SGD, torch.optim.SGD, {"lr": 0.1}),
    (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9}),
    (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    (RMSprop, torch.optim.RMSprop, {}),
    (RMSprop, torch.optim.RMSprop, {"lr": 0.003, "alpha": 0.9, "momentum": 0.5, "weight_decay": 0.1}),
    (Adam, torch.optim.Adam, {}),
    (Adam, torch.optim.Adam, {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.05}),
]


def _quartic_grads(params, targets):
    """Gradients of sum((p - t)^2 + 0.1 (p - t)^4): a non-quadratic loss, gradients change every step."""
    return [2 * (p - t) + 0.4 * (p - t) ** 3 for p, t in zip(params, targets)]


@pytest.mark.parametrize("ours, theirs, kwargs", CONFIGS)
@settings(max_examples=15, deadline=None)
@given(shape_list=shapes, seed=st.integers(0, 2**32 - 1))
def test_same_trajectory_as_torch(ours, theirs, kwargs, shape_list, seed):
    rng = np.random.default_rng(seed)
    start = [rng.normal(size=s) for s in shape_list]
    targets = [rng.normal(size=s) for s in shape_list]
    params = [p.copy() for p in start]
    opt = ours(params, **kwargs)
    tparams = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in start]
    topt = theirs(tparams, **kwargs)
    for _ in range(50):
        opt.step(_quartic_grads(params, targets))
        topt.zero_grad()
        loss = sum(((tp - torch.tensor(t)) ** 2 + 0.1 * (tp - torch.tensor(t)) ** 4).sum()
                   for tp, t in zip(tparams, targets))
        loss.backward()
        topt.step()
    assert max_abs_diff(params, [tp.detach() for tp in tparams]) < 1e-6
    assert opt.step_count == 50


@pytest.mark.parametrize("cls", [SGD, RMSprop, Adam])
def test_float32_params_stay_float32_and_close_to_torch(cls):
    rng = np.random.default_rng(0)
    w = rng.normal(size=(4, 3)).astype(np.float32)
    tw = torch.tensor(w.copy(), requires_grad=True)
    opt = cls([w], lr=0.01)
    topt = getattr(torch.optim, cls.__name__)([tw], lr=0.01)
    for _ in range(20):
        g = (2 * w).astype(np.float64)  # float64 gradients are used in the parameter's dtype
        opt.step([g])
        topt.zero_grad()
        (tw**2).sum().backward()
        topt.step()
    assert w.dtype == np.float32
    assert all(s.dtype == np.float32 for s in opt.state[0].values())
    assert max_abs_diff(w, tw) < 1e-5


def test_updates_in_place_and_repr():
    w = np.ones(3)
    view = w
    opt = SGD([w], lr=0.5, momentum=0.9)
    opt.step([np.ones(3)])
    assert view is w and np.allclose(w, 0.5)
    assert isinstance(opt, Optimizer)
    assert repr(opt) == "SGD(1 params, 3 values, lr=0.5, momentum=0.9, weight_decay=0, step=1)"
    assert "betas=(0.9, 0.999)" in repr(Adam([np.zeros(2)]))
    assert "alpha=0.99" in repr(RMSprop([np.zeros(2)]))


def test_lr_can_change_between_steps_but_stays_valid():
    w = np.zeros(2)
    opt = SGD([w], lr=1.0)
    opt.lr = 0.5
    opt.step([np.ones(2)])
    assert np.allclose(w, -0.5)
    with pytest.raises(ValueError, match="lr must be > 0"):
        opt.lr = 0.0


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: SGD(np.zeros(3), lr=0.1), TypeError, "list of NumPy arrays"),
        (lambda: SGD([], lr=0.1), ValueError, "must not be empty"),
        (lambda: SGD([[1.0, 2.0]], lr=0.1), TypeError, r"params\[0\] must be a NumPy array"),
        (lambda: SGD([np.zeros(3, dtype=int)], lr=0.1), TypeError, "floating-point"),
        (lambda: SGD([np.zeros(3)], lr=0.0), ValueError, "lr must be > 0"),
        (lambda: SGD([np.zeros(3)], lr=-1), ValueError, "lr must be > 0"),
        (lambda: SGD([np.zeros(3)], lr="0.1"), TypeError, "lr must be a real number"),
        (lambda: SGD([np.zeros(3)], lr=0.1, momentum=1.0), ValueError, "momentum must be < 1"),
        (lambda: SGD([np.zeros(3)], lr=0.1, nesterov=True), ValueError, "nesterov=True needs momentum"),
        (lambda: SGD([np.zeros(3)], lr=0.1, weight_decay=-0.1), ValueError, "weight_decay"),
        (lambda: RMSprop([np.zeros(3)], alpha=1.0), ValueError, "alpha must be < 1"),
        (lambda: RMSprop([np.zeros(3)], eps=0.0), ValueError, "eps must be > 0"),
        (lambda: Adam([np.zeros(3)], betas=(0.9,)), TypeError, "betas must be a pair"),
        (lambda: Adam([np.zeros(3)], betas=(0.9, 1.0)), ValueError, r"betas\[1\] must be < 1"),
        (lambda: Adam([np.zeros(3)], betas=(-0.1, 0.9)), ValueError, r"betas\[0\] must be >= 0"),
    ],
)
def test_bad_construction(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_shared_and_readonly_params_refused():
    w = np.zeros(4)
    with pytest.raises(ValueError, match="share memory"):
        SGD([w, w[:2]], lr=0.1)
    r = np.zeros(2)
    r.flags.writeable = False
    with pytest.raises(ValueError, match="writable"):
        SGD([r], lr=0.1)


@pytest.mark.parametrize(
    "grads, error, match",
    [
        (np.zeros(3), TypeError, "list of arrays"),
        ([np.zeros(3), np.zeros(2)], ValueError, "one array per parameter"),
        ([np.zeros(4)], ValueError, r"shape of params\[0\]"),
        ([np.zeros((3, 1))], ValueError, r"shape of params\[0\]"),
        ([np.zeros(3, dtype=int)], TypeError, "floating-point"),
        ([np.array([0.0, np.nan, 0.0])], ValueError, "NaN or inf"),
    ],
)
def test_bad_grads(grads, error, match):
    w = np.ones(3)
    opt = Adam([w])
    with pytest.raises(error, match=match):
        opt.step(grads)
    assert np.all(w == 1.0) and opt.step_count == 0  # nothing changed
