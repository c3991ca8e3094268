"""neurodl.brain.credit: five credit-assignment rules for one small MLP."""

import numpy as np
import pytest

import neurodl.brain
from neurodl.brain.credit import (
    RULES,
    CreditResult,
    alignment_angle,
    forward,
    gradient_estimate,
    init_feedback,
    init_mlp,
    loss_and_accuracy,
    train,
)
from neurodl.check import numerical_gradient

TINY = (5, 4, 3, 3)  # two hidden layers, so FA and DFA differ


def _batch(sizes, B, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((B, sizes[0])), rng.integers(0, sizes[-1], size=B)


def _tiny(seed=0, sizes=TINY):
    return init_mlp(sizes, rng=np.random.default_rng(seed), dtype=np.float64)


def _flat(grads):
    return np.concatenate([p.ravel() for layer in grads for p in layer])


def _cosine(a, b):
    a, b = _flat(a), _flat(b)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def _blobs(n, seed, n_features=10, n_classes=3, spread=0.5):
    """Gaussian clusters around random centres: a separable problem."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(99).standard_normal((n_classes, n_features)) * 2
    y = rng.integers(0, n_classes, size=n)
    return (centres[y] + spread * rng.standard_normal((n, n_features))).astype(np.float32), y


# ----------------------------------------------------------------------------- the package


def test_registered_in_the_brain_package():
    assert "credit" in neurodl.brain.__all__
    assert neurodl.brain.credit.train is train
    assert "neurodl.brain.credit" in neurodl.brain.__doc__


def test_rules_and_shapes():
    assert RULES == (
        "backprop",
        "feedback alignment",
        "direct feedback alignment",
        "node perturbation",
        "weight perturbation",
    )
    params = init_mlp((784, 128, 128, 10), rng=np.random.default_rng(0))
    assert [(W.shape, b.shape) for W, b in params] == [((128, 784), (128,)), ((128, 128), (128,)), ((10, 128), (10,))]
    assert all(W.dtype == np.float32 and b.dtype == np.float32 and not b.any() for W, b in params)
    limit = np.sqrt(6 / (784 + 128))
    assert np.abs(params[0][0]).max() <= limit and np.abs(params[0][0]).max() > 0.9 * limit  # Glorot-uniform
    rng = np.random.default_rng(0)
    assert [B.shape for B in init_feedback("feedback alignment", (784, 128, 64, 10), rng=rng)] == [(128, 64), (64, 10)]
    assert [D.shape for D in init_feedback("direct feedback alignment", (784, 128, 64, 10), rng=rng)] == [
        (128, 10),
        (64, 10),
    ]
    for rule in ("backprop", "node perturbation", "weight perturbation"):
        assert init_feedback(rule, (784, 128, 64, 10), rng=rng) == []
    X, y = _batch(TINY, 7, seed=1)
    params = _tiny()
    assert forward(params, X).shape == (7, 3)
    fb = {r: init_feedback(r, TINY, rng=np.random.default_rng(2), dtype=np.float64) for r in RULES}
    for rule in RULES:
        est = gradient_estimate(rule, params, X, y, feedback=fb[rule], rng=np.random.default_rng(3))
        assert [(dW.shape, db.shape) for dW, db in est] == [(W.shape, b.shape) for W, b in params]
        assert all(dW.dtype == np.float64 for dW, _ in est)
    est32 = gradient_estimate("backprop", init_mlp(TINY, rng=np.random.default_rng(0)), X, y)
    assert est32[0][0].dtype == np.float32


def test_loss_and_accuracy():
    params = _tiny()
    X, y = _batch(TINY, 20, seed=1)
    logits = forward(params, X)
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    loss, acc = loss_and_accuracy(params, X, y)
    assert loss == pytest.approx(-np.mean(np.log(p[np.arange(20), y])), rel=1e-12)
    assert acc == pytest.approx(np.mean(p.argmax(1) == y))


# ----------------------------------------------------------------------------- the rules


def test_backprop_equals_the_numerical_gradient():
    params = _tiny()
    X, y = _batch(TINY, 6, seed=1)
    grads = gradient_estimate("backprop", params, X, y)
    for (W, b), (dW, db) in zip(params, grads, strict=True):
        for p, g in ((W, dW), (b, db)):
            numeric = numerical_gradient(lambda: loss_and_accuracy(params, X, y)[0], p, 1e-6)
            assert np.allclose(g, numeric, rtol=1e-6, atol=1e-9)


def test_feedback_alignment_with_transposed_weights_is_backprop():
    params = _tiny()
    X, y = _batch(TINY, 6, seed=1)
    exact = gradient_estimate("backprop", params, X, y)
    fa = gradient_estimate("feedback alignment", params, X, y, feedback=[W.T for W, _ in params[1:]])
    for (a, b), (c, d) in zip(exact, fa, strict=True):
        assert np.array_equal(a, c) and np.array_equal(b, d)
    random_fb = init_feedback("feedback alignment", TINY, rng=np.random.default_rng(5), dtype=np.float64)
    other = gradient_estimate("feedback alignment", params, X, y, feedback=random_fb)
    assert np.array_equal(other[-1][0], exact[-1][0])  # the output layer needs no feedback
    assert not np.allclose(other[0][0], exact[0][0])


def test_direct_feedback_alignment_with_one_hidden_layer_is_backprop():
    sizes = (5, 4, 3)
    params = _tiny(sizes=sizes)
    X, y = _batch(sizes, 6, seed=1)
    exact = gradient_estimate("backprop", params, X, y)
    dfa = gradient_estimate("direct feedback alignment", params, X, y, feedback=[params[1][0].T])
    for (a, b), (c, d) in zip(exact, dfa, strict=True):
        assert np.allclose(a, c, rtol=1e-14, atol=1e-15) and np.allclose(b, d, rtol=1e-14, atol=1e-15)
    # with two hidden layers DFA and FA differ, even with the same matrix for the last one
    params, (X, y) = _tiny(), _batch(TINY, 6, seed=1)
    B = init_feedback("feedback alignment", TINY, rng=np.random.default_rng(5), dtype=np.float64)
    D = init_feedback("direct feedback alignment", TINY, rng=np.random.default_rng(6), dtype=np.float64)
    D[-1] = B[-1]
    fa = gradient_estimate("feedback alignment", params, X, y, feedback=B)
    dfa = gradient_estimate("direct feedback alignment", params, X, y, feedback=D)
    assert np.allclose(fa[1][0], dfa[1][0]) and not np.allclose(fa[0][0], dfa[0][0])


@pytest.mark.parametrize(("rule", "draws", "sigma"), [("node perturbation", 3000, 1e-3), ("weight perturbation", 3000, 1e-3)])
def test_perturbation_is_unbiased_but_noisy(rule, draws, sigma):
    sizes = (4, 4, 3, 3)
    params = _tiny(sizes=sizes)
    X, y = _batch(sizes, 8, seed=1)
    exact = gradient_estimate("backprop", params, X, y)
    rng = np.random.default_rng(7)
    total = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    singles = []
    for _ in range(draws):
        est = gradient_estimate(rule, params, X, y, sigma=sigma, rng=rng)
        singles.append(_cosine(est, exact))
        for (tW, tb), (dW, db) in zip(total, est, strict=True):
            tW += dW
            tb += db
    mean = [(tW / draws, tb / draws) for tW, tb in total]
    assert _cosine(mean, exact) > 0.95
    assert np.mean(singles) < 0.6  # one draw is a poor guide
    assert np.mean(singles) > 0  # ... but on average points downhill
    norm_ratio = np.linalg.norm(_flat(mean)) / np.linalg.norm(_flat(exact))
    assert 0.8 < norm_ratio < 1.25  # the right size too, not only the right direction


def test_perturbation_needs_a_generator_and_is_reproducible():
    params, (X, y) = _tiny(), _batch(TINY, 6, seed=1)
    for rule in ("node perturbation", "weight perturbation"):
        with pytest.raises(TypeError, match="rng"):
            gradient_estimate(rule, params, X, y)
        a = gradient_estimate(rule, params, X, y, rng=np.random.default_rng(1))
        b = gradient_estimate(rule, params, X, y, rng=np.random.default_rng(1))
        assert all(np.array_equal(p, q) for la, lb in zip(a, b, strict=True) for p, q in zip(la, lb, strict=True))


def test_alignment_angle():
    assert alignment_angle(np.array([1.0, 0.0]), np.array([0.0, 2.0])) == pytest.approx(90)
    assert alignment_angle(np.array([1.0, 1.0]), np.array([3.0, 3.0])) == pytest.approx(0, abs=1e-6)
    assert alignment_angle(np.array([1.0, 0.0]), np.array([-1.0, 0.0])) == pytest.approx(180)
    assert alignment_angle(np.array([1.0, 0.0]), np.array([1.0, 1.0])) == pytest.approx(45)
    params, (X, y) = _tiny(), _batch(TINY, 6, seed=1)
    g = gradient_estimate("backprop", params, X, y)
    assert alignment_angle(g, g) == pytest.approx(0, abs=1e-5)
    negative = [(-dW, -db) for dW, db in g]
    assert alignment_angle(g, negative) == pytest.approx(180, abs=1e-5)
    with pytest.raises(ValueError, match="shapes"):
        alignment_angle(g, g[:2])
    with pytest.raises(ValueError, match="b"):
        alignment_angle(np.ones(3), np.zeros(3))


# ----------------------------------------------------------------------------- training


def test_backprop_learns_a_separable_problem():
    X, y = _blobs(600, seed=0)
    Xv, yv = _blobs(300, seed=1)
    result = train(
        "backprop", X, y, Xv, yv, sizes=(10, 16, 16, 3), steps=200, batch_size=20, lr=0.1,
        rng=np.random.default_rng(0), eval_every=50, target=0.9,
    )
    assert isinstance(result, CreditResult)
    assert list(result.eval_steps) == [0, 50, 100, 150, 200]
    assert result.val_accuracy.shape == result.val_loss.shape == (5,)
    assert result.val_accuracy[-1] > 0.97 and result.val_loss[-1] < result.val_loss[0]
    assert result.steps_to_target is not None and result.steps_to_target in result.eval_steps
    assert result.val_accuracy[list(result.eval_steps).index(result.steps_to_target)] >= 0.9
    assert result.alignment is None and result.seconds > 0
    assert loss_and_accuracy(result.params, Xv, yv)[1] == pytest.approx(result.val_accuracy[-1])
    # momentum, float64, a last partial evaluation interval
    other = train(
        "backprop", X, y, Xv, yv, sizes=(10, 16, 16, 3), steps=70, batch_size=20, lr=0.05, momentum=0.9,
        rng=np.random.default_rng(0), eval_every=50, dtype=np.float64,
    )
    assert list(other.eval_steps) == [0, 50, 70] and other.params[0][0].dtype == np.float64
    assert other.val_accuracy[-1] > 0.9 and other.steps_to_target is None


def test_every_rule_sees_the_same_batches_and_starts_from_the_same_network():
    X, y = _blobs(200, seed=0)
    Xv, yv = _blobs(50, seed=1)
    results = [
        train(rule, X, y, Xv, yv, sizes=(10, 8, 8, 3), steps=25, batch_size=16, lr=0.01,
              rng=np.random.default_rng(4), eval_every=100)
        for rule in RULES
    ]
    assert results[0].batches.shape == (25, 16)
    for r in results[1:]:
        assert np.array_equal(r.batches, results[0].batches)
        assert r.val_accuracy[0] == results[0].val_accuracy[0]  # the same initial network
    # within an epoch of 12 batches no example repeats; a new seed gives new batches
    assert len(np.unique(results[0].batches[:12])) == 12 * 16
    again = train("backprop", X, y, Xv, yv, sizes=(10, 8, 8, 3), steps=25, batch_size=16, lr=0.01,
                  rng=np.random.default_rng(5))
    assert not np.array_equal(again.batches, results[0].batches)
    # the same seed reproduces a noisy rule exactly, and tracking alignment changes nothing
    kwargs = dict(sizes=(10, 8, 8, 3), steps=25, batch_size=16, lr=0.01, eval_every=5)
    a = train("node perturbation", X, y, Xv, yv, rng=np.random.default_rng(4), **kwargs)
    b = train("node perturbation", X, y, Xv, yv, rng=np.random.default_rng(4), track_alignment=True, **kwargs)
    assert np.array_equal(a.val_loss, b.val_loss) and b.alignment.shape == b.eval_steps.shape


def test_feedback_alignment_aligns_during_training():
    X, y = _blobs(1000, seed=0, n_features=20, n_classes=4, spread=2.0)
    Xv, yv = _blobs(200, seed=1, n_features=20, n_classes=4, spread=2.0)
    result = train(
        "feedback alignment", X, y, Xv, yv, sizes=(20, 32, 32, 4), steps=400, batch_size=20, lr=0.3,
        rng=np.random.default_rng(0), eval_every=100, track_alignment=True,
    )
    angles = result.alignment  # seed 0: 81 degrees at the start, 64 at the end (seeds 0-5: 36-72 at the end)
    assert angles.shape == (5,) and np.all((angles >= 0) & (angles <= 180))
    assert angles[-1] < 75 and angles[-1] < angles[0] - 10
    assert result.val_accuracy[-1] > 0.9
    bp = train("backprop", X, y, Xv, yv, sizes=(20, 32, 32, 4), steps=20, batch_size=20, lr=0.1,
               rng=np.random.default_rng(0), eval_every=10, track_alignment=True)
    assert np.all(bp.alignment == 0)


# ----------------------------------------------------------------------------- bad input


def test_bad_input_names_the_argument():
    params, (X, y) = _tiny(), _batch(TINY, 6, seed=1)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="rule"):
        gradient_estimate("hebb", params, X, y)
    with pytest.raises(ValueError, match="rule"):
        init_feedback("backprob", TINY, rng=rng)
    with pytest.raises(TypeError, match="params"):
        forward(np.ones((3, 3)), X)
    with pytest.raises(ValueError, match=r"params\[1\]\[0\]"):
        forward([params[0], (np.ones((3, 5)), np.zeros(3))], X)
    with pytest.raises(ValueError, match=r"params\[0\]\[1\]"):
        forward([(params[0][0], np.zeros(7))] + params[1:], X)
    with pytest.raises(TypeError, match="params"):
        forward([(W.astype(np.float32), b) for W, b in params], X)
    with pytest.raises(ValueError, match="X"):
        forward(params, np.ones((6, 4)))
    with pytest.raises(ValueError, match="y"):
        loss_and_accuracy(params, X, np.full(6, 3))  # 3 classes: labels 0 to 2
    with pytest.raises(ValueError, match="y"):
        loss_and_accuracy(params, X, y[:5])
    with pytest.raises(TypeError, match="y"):
        loss_and_accuracy(params, X, y.astype(float))
    with pytest.raises(TypeError, match="feedback"):
        gradient_estimate("feedback alignment", params, X, y)
    with pytest.raises(ValueError, match=r"feedback\[0\]"):
        gradient_estimate("direct feedback alignment", params, X, y, feedback=[np.ones((4, 4)), np.ones((3, 3))])
    with pytest.raises(ValueError, match="feedback"):
        gradient_estimate("backprop", params, X, y, feedback=[np.ones((4, 3))])
    with pytest.raises(ValueError, match="sigma"):
        gradient_estimate("node perturbation", params, X, y, sigma=0.0, rng=rng)
    with pytest.raises(ValueError, match="sizes"):
        init_mlp((5,), rng=rng)
    with pytest.raises(ValueError, match="sizes"):
        init_mlp((5, 1), rng=rng)
    with pytest.raises(TypeError, match="rng"):
        init_mlp(TINY, rng=0)
    with pytest.raises(ValueError, match="dtype"):
        init_mlp(TINY, rng=rng, dtype=np.int64)

    Xb, yb = _blobs(50, seed=0)
    good = dict(sizes=(10, 8, 3), steps=5, batch_size=10, lr=0.1, rng=rng)
    for change, name, error in [
        (dict(lr=-0.1), "lr", ValueError),
        (dict(lr=0.0), "lr", ValueError),
        (dict(steps=0), "steps", ValueError),
        (dict(batch_size=51), "batch_size", ValueError),
        (dict(sizes=(9, 8, 3)), "X", ValueError),
        (dict(sizes=(10, 8, 2)), "y", ValueError),
        (dict(momentum=1.0), "momentum", ValueError),
        (dict(target=1.5), "target", ValueError),
        (dict(eval_every=0), "eval_every", ValueError),
        (dict(sigma=-1.0), "sigma", ValueError),
        (dict(track_alignment=1), "track_alignment", TypeError),
        (dict(rng=None), "rng", TypeError),
    ]:
        with pytest.raises(error, match=name):
            train("backprop", Xb, yb, Xb, yb, **{**good, **change})
    with pytest.raises(ValueError, match="rule"):
        train("perturbation", Xb, yb, Xb, yb, **good)
    with pytest.raises(ValueError, match="y_val"):
        train("backprop", Xb, yb, Xb, yb[:-1], **good)


def test_readout_only_leaves_hidden_layers_at_their_initial_values():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 5)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    sizes = (5, 6, 4, 2)
    full = train("backprop", X, y, X, y, sizes=sizes, steps=20, batch_size=10, lr=0.5, rng=np.random.default_rng(1))
    readout = train(
        "backprop", X, y, X, y, sizes=sizes, steps=20, batch_size=10, lr=0.5, rng=np.random.default_rng(1), readout_only=True
    )
    init = init_mlp(sizes, rng=np.random.default_rng(np.random.default_rng(1).integers(0, 2**63 - 1, size=5)[0]))
    for (W, b), (W0, b0) in zip(readout.params[:-1], init[:-1], strict=True):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
    assert not np.array_equal(readout.params[-1][0], init[-1][0])
    assert not np.array_equal(full.params[0][0], init[0][0])
