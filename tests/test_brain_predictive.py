"""neurodl.brain.predictive: hierarchical predictive coding (Rao & Ballard, 1999)."""

import subprocess
import sys

import numpy as np
import pytest
from scipy.linalg import subspace_angles

import neurodl.brain
from neurodl.brain.predictive import PredictiveCoding
from neurodl.check import numerical_gradient


def _model(sizes, seed=0, **kwargs):
    return PredictiveCoding(sizes, rng=np.random.default_rng(seed), **kwargs)


def _random_states(model, B, seed=1, scale=1.0):
    rng = np.random.default_rng(seed)
    return [scale * rng.standard_normal((B, n)) for n in model.sizes[1:]]


def _low_dimensional(seed, n=1000, n_features=16, k=2, noise=0.05):
    """``x = W s + noise``: ``k`` standard-normal causes through a random ``W``, shape (n, n_features)."""
    rng = np.random.default_rng(seed)
    W = 3 * rng.standard_normal((n_features, k)) / np.sqrt(n_features)
    return rng.standard_normal((n, k)) @ W.T + noise * rng.standard_normal((n, n_features)), W


KINDS = [
    dict(prior="gaussian", nonlinearity="linear"),
    dict(prior="sparse", nonlinearity="linear"),
    dict(prior="gaussian", nonlinearity="tanh"),
    dict(prior="sparse", nonlinearity="tanh"),
]

# ----------------------------------------------------------------------------- the package


def test_predictive_is_a_lazy_submodule_of_brain_without_torch():
    assert "predictive" in neurodl.brain.__all__ and "predictive" in dir(neurodl.brain)
    assert neurodl.brain.predictive.PredictiveCoding is PredictiveCoding
    code = "import sys, neurodl.brain.predictive; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False"]


def test_construction_shapes_and_unit_columns():
    model = _model((6, 4, 3, 2), sigma2=[1.0, 0.5, 0.25], weight_scale=2.0)
    assert model.sizes == (6, 4, 3, 2) and model.sigma2 == (1.0, 0.5, 0.25)
    assert [U.shape for U in model.U] == [(6, 4), (4, 3), (3, 2)]
    for U in model.U:
        assert U.dtype == np.float64 and np.allclose(np.linalg.norm(U, axis=0), 2.0)
    assert _model((5, 3), sigma2=0.3).sigma2 == (0.3,)
    again = _model((6, 4, 3, 2), sigma2=[1.0, 0.5, 0.25], weight_scale=2.0)
    assert all(np.array_equal(a, b) for a, b in zip(model.U, again.U, strict=True))  # same rng, same weights
    assert "PredictiveCoding(sizes=(6, 4, 3, 2)" in repr(model)


# ----------------------------------------------------------------------------- energy and errors


def test_errors_and_energy_follow_their_definitions():
    model = _model((5, 4, 3), sigma2=[0.5, 2.0], prior="sparse", alpha=0.7, nonlinearity="tanh")
    x = np.random.default_rng(2).standard_normal((3, 5))
    r1, r2 = _random_states(model, 3)
    U1, U2 = model.U
    e0, e1 = model.errors(x, [r1, r2])
    assert np.allclose(e0, x - np.tanh(r1) @ U1.T) and np.allclose(e1, r1 - np.tanh(r2) @ U2.T)
    per_example = (
        np.sum(e0**2, axis=1) / (2 * 0.5)
        + np.sum(e1**2, axis=1) / (2 * 2.0)
        + 0.7 * np.sum(np.log1p(r1**2), axis=1)
        + 0.7 * np.sum(np.log1p(r2**2), axis=1)
    )
    assert model.energy(x, [r1, r2]) == pytest.approx(per_example.mean())
    gauss = _model((5, 4), alpha=0.3)
    r = _random_states(gauss, 3)
    e = x - r[0] @ gauss.U[0].T
    assert gauss.energy(x, r) == pytest.approx(np.mean(np.sum(e**2, axis=1) / 2 + 0.15 * np.sum(r[0] ** 2, axis=1)))


# ----------------------------------------------------------------------------- inference


@pytest.mark.parametrize("prior", ["gaussian", "sparse"])
def test_energy_never_rises_along_inference_with_the_default_step(prior):
    for sizes, sigma2 in (((8, 5), 0.2), ((10, 6, 4, 2), [0.3, 1.0, 0.1])):
        model = _model(sizes, sigma2=sigma2, prior=prior, alpha=0.5, weight_scale=1.7)
        x = 2 * np.random.default_rng(3).standard_normal((20, sizes[0]))
        states, trajectory = model.infer(x, steps=300, record=True)
        energy = trajectory["energy"]
        assert energy.shape == (301,) and trajectory["mse"].shape == (301, len(sizes) - 1)
        assert np.all(np.diff(energy) <= 1e-12 * np.abs(energy[:-1]))
        assert energy[-1] < 0.7 * energy[0]
        assert energy[-1] == pytest.approx(model.energy(x, states))
        assert trajectory["mse"][0, 0] == pytest.approx(np.mean(x**2))  # states start at zero


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: f"{k['prior']}-{k['nonlinearity']}")
def test_one_step_of_the_dynamics_is_minus_the_gradient_of_the_energy(kind):
    model = _model((5, 4, 3), sigma2=[0.5, 2.0], alpha=0.7, **kind)
    B = 3
    x = np.random.default_rng(2).standard_normal((B, 5))
    states = _random_states(model, B)
    h = 1e-3
    moved = model.infer(x, steps=1, step=h, init=states)
    for r, new in zip(states, moved, strict=True):
        grad = numerical_gradient(lambda: model.energy(x, states), r)  # of the batch mean
        assert np.allclose((new - r) / h, -B * grad, rtol=1e-6, atol=1e-7)


def test_inference_of_a_linear_gaussian_model_reaches_the_closed_form_map():
    sigma2, alpha = 0.5, 0.3
    model = _model((8, 4), sigma2=sigma2, alpha=alpha)
    U = model.U[0]
    x = np.random.default_rng(4).standard_normal((6, 8))
    r_star = np.linalg.solve(U.T @ U / sigma2 + alpha * np.eye(4), U.T @ x.T / sigma2).T
    (r,) = model.infer(x, steps=1000)
    assert np.allclose(r, r_star, atol=1e-8)
    assert model.infer(x, steps=0)[0] == pytest.approx(np.zeros((6, 4)))
    start = [np.ones((6, 4))]
    assert np.array_equal(model.infer(x, steps=0, init=start)[0], start[0])
    assert np.allclose(model.infer(x, steps=1000, init=start)[0], r_star, atol=1e-8)  # wherever it starts


def test_safe_step_bounds_the_curvature():
    model = _model((8, 4), sigma2=0.5, alpha=0.3)
    U = model.U[0]
    hessian = U.T @ U / 0.5 + 0.3 * np.eye(4)
    assert 1 / model.safe_step() >= np.linalg.eigvalsh(hessian)[-1] * (1 - 1e-12)
    assert 1 / model.safe_step() <= 2 * np.linalg.eigvalsh(hessian)[-1]  # and is not far off


# ----------------------------------------------------------------------------- learning


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: f"{k['prior']}-{k['nonlinearity']}")
def test_the_learning_rule_is_minus_the_gradient_of_the_energy(kind):
    model = _model((5, 4, 3), sigma2=[0.5, 2.0], alpha=0.7, **kind)
    x = np.random.default_rng(5).standard_normal((7, 5))
    states = model.infer(x, steps=20, step=0.05)  # learn infers the same states
    before = [U.copy() for U in model.U]
    grads = [numerical_gradient(lambda: model.energy(x, states), U) for U in model.U]
    lr, decay = 0.01, 0.1
    result = model.learn(x, lr=lr, steps=20, step=0.05, weight_decay=decay, normalize=False)
    for U0, U1, grad in zip(before, model.U, grads, strict=True):
        assert np.allclose((U1 - U0) / lr, -grad - decay * U0, rtol=1e-6, atol=1e-8)
    assert result["energy"] == pytest.approx(_model((5, 4, 3), sigma2=[0.5, 2.0], alpha=0.7, **kind).energy(x, states))
    assert all(np.array_equal(a, b) for a, b in zip(result["states"], states, strict=True))
    assert result["mse"].shape == (2,)


def test_learn_normalizes_the_columns_by_default():
    model = _model((6, 3), weight_scale=0.2)
    model.learn(np.random.default_rng(6).standard_normal((10, 6)), lr=0.1)
    assert np.allclose(np.linalg.norm(model.U[0], axis=0), 1.0)


def test_fitting_a_planted_linear_model_finds_its_subspace():
    rng = np.random.default_rng(7)
    A = rng.standard_normal((16, 3))
    X = (rng.standard_normal((1000, 3)) * [3.0, 2.5, 2.0]) @ A.T / 2 + 0.05 * rng.standard_normal((1000, 16))
    model = _model((16, 3), sigma2=0.1, alpha=0.1)
    before = np.mean(model.errors(X, model.infer(X))[0] ** 2)
    history = model.fit(X, rng=np.random.default_rng(8), epochs=8, batch_size=100, lr=0.005, steps=50)
    after = np.mean(model.errors(X, model.infer(X))[0] ** 2)
    assert len(history["mse"]) == len(history["energy"]) == 8
    assert history["mse"][-1] < 0.2 * history["mse"][0] and after < 0.02 * before
    assert np.degrees(subspace_angles(model.U[0], A)).max() < 2.0
    again = _model((16, 3), sigma2=0.1, alpha=0.1)
    again.fit(X, rng=np.random.default_rng(8), epochs=8, batch_size=100, lr=0.005, steps=50)
    assert np.array_equal(again.U[0], model.U[0])  # deterministic given the generators


def test_a_two_level_model_predicts_its_input_from_the_top_and_is_surprised_by_other_inputs():
    X, W = _low_dimensional(9)
    model = _model((16, 6, 2), sigma2=0.1, alpha=0.1)
    test = X[:200]

    def relative(prediction):
        return np.sum((prediction - test) ** 2) / np.sum(test**2)

    untrained = relative(model.predict(model.infer(test)[-1]))
    model.fit(X, rng=np.random.default_rng(10), epochs=6, batch_size=100, lr=0.01, steps=50)
    states = model.infer(test)
    top_down = model.predict(states[-1])  # from the 2 top units alone, through both levels
    assert untrained > 0.5 and relative(top_down) < 0.02
    assert np.allclose(model.predict(states[-1], level=1), model.predict(states, level=1))
    # the surprise: inputs unlike the training data leave large prediction errors
    other = np.random.default_rng(11).standard_normal(test.shape) * test.std()
    familiar = np.mean(model.errors(test, states)[0] ** 2)
    novel = np.mean(model.errors(other, model.infer(other))[0] ** 2)
    assert novel > 50 * familiar


def test_predict_gives_what_the_error_units_compare():
    model = _model((5, 4, 3), nonlinearity="tanh")
    x = np.random.default_rng(12).standard_normal((3, 5))
    states = _random_states(model, 3)
    errors = model.errors(x, states)
    assert np.allclose(model.predict(states), x - errors[0])
    assert np.allclose(model.predict(states, level=1), states[0] - errors[1])
    chained = np.tanh(np.tanh(states[1]) @ model.U[1].T) @ model.U[0].T
    assert np.allclose(model.predict(states[1]), chained)


def test_float32_and_integer_inputs_become_float64():
    model = _model((4, 2))
    states = model.infer(np.ones((3, 4), dtype=np.float32), steps=5)
    assert all(r.dtype == np.float64 for r in states)
    assert model.predict(np.ones((2, 2), dtype=np.int64)).dtype == np.float64


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        (dict(sizes=5), TypeError, "sizes"),
        (dict(sizes=[5]), ValueError, "sizes"),
        (dict(sizes=[5, 0]), ValueError, r"sizes\[1\]"),
        (dict(sizes=[5, 2.5]), TypeError, r"sizes\[1\]"),
        (dict(sizes=[5, 2], sigma2=0.0), ValueError, "sigma2"),
        (dict(sizes=[5, 2, 1], sigma2=[1.0]), ValueError, "sigma2"),
        (dict(sizes=[5, 2, 1], sigma2=[1.0, -1.0]), ValueError, r"sigma2\[1\]"),
        (dict(sizes=[5, 2], prior="laplace"), ValueError, "prior"),
        (dict(sizes=[5, 2], nonlinearity="relu"), ValueError, "nonlinearity"),
        (dict(sizes=[5, 2], alpha=-1.0), ValueError, "alpha"),
        (dict(sizes=[5, 2], weight_scale=0.0), ValueError, "weight_scale"),
        (dict(sizes=[5, 2], rng=0), TypeError, "rng"),
    ],
)
def test_bad_construction_names_the_argument(kwargs, error, name):
    kwargs = {"rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(error, match=name):
        PredictiveCoding(**kwargs)


def test_bad_method_arguments_name_the_argument():
    model = _model((4, 3, 2))
    x = np.ones((5, 4))
    states = model.infer(x, steps=2)
    with pytest.raises(ValueError, match=r"x must have shape \(B, 4\)"):
        model.infer(np.ones((5, 3)))
    with pytest.raises(ValueError, match="x must be 2-D"):
        model.energy(np.ones(4), states)
    with pytest.raises(ValueError, match="x must contain only finite"):
        model.infer(np.full((2, 4), np.nan))
    with pytest.raises(ValueError, match="states must be a list of 2 arrays"):
        model.errors(x, states[:1])
    with pytest.raises(ValueError, match=r"states\[1\] must have shape \(5, 2\)"):
        model.energy(x, [states[0], np.ones((4, 2))])
    with pytest.raises(ValueError, match=r"init\[0\]"):
        model.infer(x, init=[np.ones((5, 2)), states[1]])
    with pytest.raises(ValueError, match="steps"):
        model.infer(x, steps=-1)
    with pytest.raises(ValueError, match="step"):
        model.infer(x, step=0.0)
    with pytest.raises(ValueError, match="diverged.*step=100"):
        model.infer(x, steps=200, step=100.0)
    with pytest.raises(TypeError, match="record"):
        model.infer(x, record=1)
    with pytest.raises(ValueError, match="lr"):
        model.learn(x, lr=0.0)
    with pytest.raises(ValueError, match="weight_decay"):
        model.learn(x, weight_decay=-0.1)
    with pytest.raises(ValueError, match="batch_size"):
        model.fit(x, rng=np.random.default_rng(0), batch_size=6)
    with pytest.raises(ValueError, match="X must have shape"):
        model.fit(np.ones((5, 3)), rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng"):
        model.fit(x, rng=None)
    with pytest.raises(ValueError, match="level"):
        model.predict(states, level=2)
    with pytest.raises(ValueError, match=r"states must be a list of 2 arrays or the top state \(B, 2\), got shape"):
        model.predict(np.ones((5, 3)))
