"""neurodl.generative: Fréchet and kernel distances, class shares, the ring of Gaussians, the feature network."""

import hashlib
import re
import subprocess
import sys

import numpy as np
import pytest
import scipy.linalg

import neurodl
import neurodl.generative as generative
from neurodl.generative import (
    FEATURE_NET_PATH,
    FEATURE_NET_SHA256,
    FeatureNetIntegrityError,
    FeatureNetNotFoundError,
    class_shares,
    feature_net,
    frechet_distance,
    image_features,
    image_predictions,
    kernel_distance,
    load_feature_net,
    mode_coverage,
    ring_centres,
    ring_of_gaussians,
    save_feature_net,
    train_feature_net,
)

torch = pytest.importorskip("torch")


def _sqrtm_frechet(a, b):
    """The FID formula as usually written, with scipy's general matrix square root."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    C_a, C_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = scipy.linalg.sqrtm(C_a @ C_b).real
    return np.sum((mu_a - mu_b) ** 2) + np.trace(C_a + C_b - 2 * root)


def _naive_kid(a, b, subsets, subset_size, seed):
    """Kernel distance by double loops over the same subsets (same draws, same order)."""
    rng = np.random.default_rng(seed)
    m, d = min(subset_size, len(a), len(b)), a.shape[1]

    def k(u, v):
        return (sum(u[i] * v[i] for i in range(d)) / d + 1) ** 3

    values = []
    for _ in range(subsets):
        x = a[rng.choice(len(a), m, replace=False)]
        y = b[rng.choice(len(b), m, replace=False)]
        xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
        yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
        xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / m**2
        values.append(xx + yy - 2 * xy)
    return np.mean(values), (np.std(values, ddof=1) if subsets > 1 else 0.0)


def _stripes(n, seed):
    """Images of three classes: bright top half, bright bottom half, bright left half, on noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(3, size=n)
    X = rng.uniform(0.0, 0.3, (n, 28, 28)).astype(np.float32)
    X[y == 0, :14] += 0.7
    X[y == 1, 14:] += 0.7
    X[y == 2, :, :14] += 0.7
    return np.clip(X, 0.0, 1.0), y


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """The networks here are tiny: one thread is faster than two contending on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def small_net():
    torch.manual_seed(0)
    return feature_net(width=4, features=8).eval()


@pytest.fixture(scope="module")
def trained():
    X, y = _stripes(300, seed=1)
    return train_feature_net(X, y, epochs=5, seed=0, batch_size=32, lr=1e-2, width=8, features=16)


# ----------------------------------------------------------------------------- the package


def test_generative_is_a_lazy_submodule_that_does_not_import_torch():
    assert "generative" in neurodl.__all__ and "generative" in dir(neurodl)
    assert neurodl.generative.frechet_distance is frechet_distance
    code = (
        "import sys, numpy as np, neurodl.generative as g; x, _ = g.ring_of_gaussians(50); "
        "g.frechet_distance(x, x + 1); g.kernel_distance(x, x, subsets=2); g.mode_coverage(x); "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False"]


def test_the_digest_constant_is_unset_or_a_sha256():
    assert FEATURE_NET_SHA256 == "UNSET" or re.fullmatch(r"[0-9a-f]{64}", FEATURE_NET_SHA256)
    assert FEATURE_NET_PATH.name == "fashion_features.pt" and FEATURE_NET_PATH.parent.name == "weights"


# ----------------------------------------------------------------------------- Fréchet distance


@pytest.mark.parametrize("d", [5, 12, 20])
def test_frechet_distance_matches_the_sqrtm_formula(d):
    rng = np.random.default_rng(d)
    a = rng.standard_normal((200, d)) @ rng.standard_normal((d, d))
    b = rng.standard_normal((150, d)) @ rng.standard_normal((d, d)) + rng.standard_normal(d)
    assert frechet_distance(a, b) == pytest.approx(_sqrtm_frechet(a, b), rel=1e-6)


def test_frechet_distance_is_zero_for_identical_sets_and_symmetric():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((100, 8)), rng.standard_normal((80, 8)) * 2
    assert 0.0 <= frechet_distance(a, a) < 1e-8
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-10)
    assert isinstance(frechet_distance(a, b), float)
    assert frechet_distance(a.tolist(), b.astype(np.float32)) == pytest.approx(
        frechet_distance(a, b), rel=1e-6
    )


def test_a_shift_adds_exactly_its_effect_on_the_means():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((120, 6)), rng.standard_normal((90, 6)) * 1.5
    v = rng.standard_normal(6)
    assert frechet_distance(a, a + v) == pytest.approx(np.sum(v**2), rel=1e-8)
    delta = a.mean(0) - b.mean(0)
    expected = frechet_distance(a, b) + np.sum((delta - v) ** 2) - np.sum(delta**2)
    assert frechet_distance(a, b + v) == pytest.approx(expected, rel=1e-8)


def test_frechet_distance_of_large_samples_approaches_the_gaussians_closed_form():
    rng = np.random.default_rng(2)
    mu_a, mu_b = np.array([0.0, 1.0, -1.0]), np.array([0.5, 0.0, 0.0])
    L_a, L_b = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    S_a, S_b = L_a @ L_a.T, L_b @ L_b.T
    exact = np.sum((mu_a - mu_b) ** 2) + np.trace(S_a + S_b - 2 * scipy.linalg.sqrtm(S_a @ S_b).real)
    a = rng.multivariate_normal(mu_a, S_a, size=50_000)
    b = rng.multivariate_normal(mu_b, S_b, size=50_000)
    assert frechet_distance(a, b) == pytest.approx(exact, rel=0.02)


def test_frechet_distance_handles_one_feature_and_fewer_samples_than_features():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((50, 1)), rng.standard_normal((40, 1)) * 2 + 1
    expected = (a.mean() - b.mean()) ** 2 + (a.std(ddof=1) - b.std(ddof=1)) ** 2  # 1-D: (sigma_a - sigma_b)^2
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-10)
    d = frechet_distance(rng.standard_normal((4, 10)), rng.standard_normal((3, 10)))  # singular covariances
    assert np.isfinite(d) and d >= 0


# ----------------------------------------------------------------------------- kernel distance


def test_kernel_distance_matches_a_naive_double_loop():
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((9, 3)), rng.standard_normal((8, 3)) + 0.5
    for subsets, subset_size in [(3, 5), (1, 4), (2, 100)]:
        got = kernel_distance(a, b, subsets=subsets, subset_size=subset_size, seed=7)
        assert got == pytest.approx(_naive_kid(a, b, subsets, subset_size, 7), rel=1e-10, abs=1e-12)
    mean, std = kernel_distance(a[:8], b, subsets=4, subset_size=8)  # whole sets: every subset the same
    assert std == pytest.approx(0.0, abs=1e-12) and mean == pytest.approx(_naive_kid(a[:8], b, 1, 8, 0)[0])


def test_kernel_distance_is_near_zero_for_one_distribution_and_positive_for_two():
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((1500, 16)), rng.standard_normal((1500, 16))
    mean, std = kernel_distance(a, b, subsets=10, subset_size=500)
    assert std > 0 and abs(mean) < 3 * std + 1e-3
    mean_far, std_far = kernel_distance(a, b + 0.5, subsets=10, subset_size=500)
    assert mean_far > 0.05 and mean_far > 10 * std_far


def test_kernel_distance_is_deterministic_for_a_seed():
    rng = np.random.default_rng(6)
    a, b = rng.standard_normal((60, 4)), rng.standard_normal((70, 4))
    first = kernel_distance(a, b, subsets=5, subset_size=20, seed=3)
    assert kernel_distance(a, b, subsets=5, subset_size=20, seed=3) == first
    assert kernel_distance(a, b, subsets=5, subset_size=20, seed=4) != first
    assert all(isinstance(v, float) for v in first)
    assert kernel_distance(a, b, subsets=1, subset_size=20)[1] == 0.0


# ----------------------------------------------------------------------------- class shares


def test_class_shares_of_labels_and_of_scores():
    shares = class_shares(np.array([0, 1, 1, 3]), n_classes=4)
    assert shares.dtype == np.float64 and shares.tolist() == [0.25, 0.5, 0.0, 0.25]
    scores = np.array([[0.1, 0.9, 0.0], [0.8, 0.1, 0.1], [0.2, 0.7, 0.1]])
    assert class_shares(scores, n_classes=3) == pytest.approx([1 / 3, 2 / 3, 0.0])
    labels = np.random.default_rng(0).integers(10, size=1000).astype(np.uint8)
    assert class_shares(labels).sum() == pytest.approx(1.0) and class_shares(labels).shape == (10,)


# ----------------------------------------------------------------------------- the ring


def test_ring_centres_and_samples():
    centres = ring_centres(8, 2.0)
    assert centres.shape == (8, 2) and centres.dtype == np.float64
    assert centres[0] == pytest.approx([2.0, 0.0]) and centres[2] == pytest.approx([0.0, 2.0], abs=1e-12)
    assert np.linalg.norm(centres, axis=1) == pytest.approx(np.full(8, 2.0))
    x, mode = ring_of_gaussians(8000, seed=1)
    assert x.shape == (8000, 2) and x.dtype == np.float32 and mode.dtype == np.int64
    assert np.bincount(mode, minlength=8) == pytest.approx(np.full(8, 1000), rel=0.15)
    residual = x - centres[mode]
    assert residual.std() == pytest.approx(0.02, rel=0.05) and np.abs(residual.mean(0)).max() < 1e-3
    again = ring_of_gaussians(8000, seed=1)
    assert np.array_equal(again[0], x) and np.array_equal(again[1], mode)
    assert not np.array_equal(ring_of_gaussians(8000, seed=2)[0], x)
    x5, mode5 = ring_of_gaussians(100, modes=5, radius=1.0, std=0.1)
    assert mode5.max() <= 4 and np.abs(np.linalg.norm(x5, axis=1) - 1.0).max() < 0.6


def test_real_samples_cover_every_mode():
    x, _ = ring_of_gaussians(2000, seed=3)
    result = mode_coverage(x)
    assert result["modes_covered"] == 8 and result["modes_visited"] == 8 and result["high_quality"] > 0.98
    assert result["min_count"] == 50 and result["counts"].shape == (8,) and result["counts"].dtype == np.int64
    assert result["counts"].sum() == round(result["high_quality"] * 2000)
    assert isinstance(result["modes_covered"], int) and isinstance(result["high_quality"], float)


def test_samples_of_three_modes_cover_three():
    x, mode = ring_of_gaussians(3000, seed=4)
    kept = x[np.isin(mode, [0, 3, 5])]
    result = mode_coverage(kept)
    assert result["modes_covered"] == 3 and np.flatnonzero(result["counts"]).tolist() == [0, 3, 5]
    assert result["modes_visited"] == 3
    assert result["high_quality"] > 0.98


def test_samples_off_the_ring_are_not_high_quality():
    far = np.random.default_rng(0).standard_normal((500, 2)) * 0.1 + [10.0, 10.0]
    result = mode_coverage(far)
    assert result["modes_covered"] == 0 and result["high_quality"] == 0.0 and result["counts"].sum() == 0
    assert result["modes_visited"] == 1  # all near the centre at 45 degrees, none good
    centre = mode_coverage(np.zeros((10, 2)))  # the origin is 2 from every centre
    assert centre["high_quality"] == 0.0


def test_min_count_is_respected():
    x, mode = ring_of_gaussians(800, seed=5)
    counts = mode_coverage(x, min_count=1)["counts"]
    assert mode_coverage(x, min_count=1)["modes_covered"] == 8
    threshold = int(np.sort(counts)[3]) + 1  # above the four smallest counts
    result = mode_coverage(x, min_count=threshold)
    assert result["min_count"] == threshold and result["modes_covered"] == int(np.sum(counts >= threshold))
    assert mode_coverage(x[:8])["min_count"] == 1  # a fifth of 1 sample per mode, at least 1


def test_nearest_centre_by_angle_agrees_with_brute_force():
    rng = np.random.default_rng(6)
    points = rng.uniform(-3, 3, (5000, 2))
    for modes in (1, 5, 8, 25):
        centres = ring_centres(modes, 2.0)
        nearest = np.argmin(((points[:, None] - centres[None]) ** 2).sum(-1), axis=1)
        good = np.linalg.norm(points - centres[nearest], axis=1) <= 3 * 0.3
        expected = np.bincount(nearest[good], minlength=modes)
        assert np.array_equal(mode_coverage(points, modes=modes, std=0.3)["counts"], expected)


# ----------------------------------------------------------------------------- the feature network


def test_feature_net_architecture():
    net = feature_net()
    convs = [m for m in net.features if isinstance(m, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels) for c in convs] == [(1, 32), (32, 64), (64, 128)]
    assert net.features[-1].in_features == 128 and net.features[-1].out_features == 128
    assert isinstance(net.head[0], torch.nn.ReLU) and net.head[1].out_features == 10
    assert net(torch.rand(2, 1, 28, 28)).shape == (2, 10)


def test_image_features_shape_dtype_and_input_forms(small_net):
    X = np.random.default_rng(0).uniform(0, 1, (5, 28, 28)).astype(np.float32)
    features = image_features(small_net, X)
    assert features.shape == (5, 8) and features.dtype == np.float64
    for form in (X.reshape(5, 784), X[:, None], X.astype(np.float64), torch.from_numpy(X).requires_grad_()):
        assert np.array_equal(image_features(small_net, form), features)
    logits = small_net(torch.from_numpy(X[:, None])).detach().numpy()
    assert np.array_equal(image_predictions(small_net, X), logits.argmax(1))
    assert image_predictions(small_net, X).dtype == np.int64
    assert np.allclose(image_features(small_net, X, batch_size=2), features, atol=1e-5)


def test_image_features_run_in_eval_mode_and_restore_the_mode(small_net):
    X = np.random.default_rng(1).uniform(0, 1, (6, 784))
    eval_features = image_features(small_net, X)
    small_net.train()
    try:
        assert np.array_equal(image_features(small_net, X), eval_features)
        assert small_net.training  # the caller's mode is back
    finally:
        small_net.eval()
    assert np.array_equal(image_features(small_net, X), eval_features)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert np.array_equal(image_features(small_net, X), eval_features)  # float32 inside autocast


def test_train_feature_net_learns_a_separable_problem_repeatably(trained):
    X_test, y_test = _stripes(200, seed=2)
    assert not trained.training
    assert np.mean(image_predictions(trained, X_test) == y_test) > 0.95
    X, y = _stripes(64, seed=1)
    first, again, other = (
        train_feature_net(X, y, epochs=1, seed=s, batch_size=16, width=4) for s in (0, 0, 1)
    )
    assert all(
        torch.equal(p, q)
        for p, q in zip(first.state_dict().values(), again.state_dict().values(), strict=True)
    )
    assert not torch.equal(first.features[0].weight, other.features[0].weight)


def test_save_and_load_give_identical_features(trained, tmp_path):
    X, _ = _stripes(20, seed=3)
    path = save_feature_net(trained, tmp_path / "sub" / "net.pt")
    assert path.is_file()
    loaded = load_feature_net(path)
    assert not loaded.training and loaded.features[0].out_channels == 8 and loaded.head[1].in_features == 16
    assert np.array_equal(image_features(loaded, X), image_features(trained, X))
    assert np.array_equal(
        load_feature_net(str(path)).head[1].weight.detach(), trained.head[1].weight.detach()
    )


def test_a_missing_file_says_where_and_how_to_fix_it(tmp_path, monkeypatch):
    missing = tmp_path / "nothing.pt"
    with pytest.raises(FeatureNetNotFoundError) as info:
        load_feature_net(missing)
    assert isinstance(info.value, FileNotFoundError)
    assert str(missing) in str(info.value) and "save_feature_net" in str(info.value)
    monkeypatch.setattr(generative, "FEATURE_NET_PATH", missing)
    with pytest.raises(FileNotFoundError, match="tools/train_feature_net.py") as info:
        load_feature_net()
    assert str(missing) in str(info.value) and "reinstall" in str(info.value)


def test_the_default_file_is_checked_against_its_digest(small_net, tmp_path, monkeypatch):
    path = save_feature_net(small_net, tmp_path / "fashion_features.pt")
    monkeypatch.setattr(generative, "FEATURE_NET_PATH", path)
    monkeypatch.setattr(generative, "FEATURE_NET_SHA256", "0" * 64)
    with pytest.raises(FeatureNetIntegrityError) as info:
        load_feature_net()
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert str(path) in message and "0" * 64 in message and "tools/train_feature_net.py" in message
    load_feature_net(path)  # an explicit path is not checked
    monkeypatch.setattr(generative, "FEATURE_NET_SHA256", hashlib.sha256(path.read_bytes()).hexdigest())
    assert load_feature_net().features[0].out_channels == 4
    monkeypatch.setattr(generative, "FEATURE_NET_SHA256", "UNSET")
    assert load_feature_net().features[0].out_channels == 4


def test_a_file_that_is_no_feature_net_is_refused(tmp_path):
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a zip of tensors")
    other = tmp_path / "linear.pt"
    torch.save(torch.nn.Linear(2, 2).state_dict(), other)
    for path in (garbage, other):
        with pytest.raises(FeatureNetIntegrityError, match=re.escape(str(path))):
            load_feature_net(path)


@pytest.mark.skipif(not FEATURE_NET_PATH.is_file(), reason="the book's weights are not built yet")
def test_the_books_feature_net_loads():
    net = load_feature_net()
    assert image_features(net, np.zeros((2, 784))).shape == (2, net.features[-1].out_features)


# ----------------------------------------------------------------------------- bad input

A = np.random.default_rng(0).standard_normal((6, 3))
IMAGES = np.zeros((2, 28, 28))

BAD_INPUT = {
    "frechet: a string": (lambda net: frechet_distance("abc", A), TypeError, "features_a"),
    "frechet: 1-D": (lambda net: frechet_distance(A, A[0]), ValueError, "features_b"),
    "frechet: one row": (lambda net: frechet_distance(A[:1], A), ValueError, "features_a"),
    "frechet: widths differ": (lambda net: frechet_distance(A, A[:, :2]), ValueError, "features_b"),
    "frechet: NaN": (lambda net: frechet_distance(A, np.where(A > 1, np.nan, A)), ValueError, "features_b"),
    "frechet: overflow": (lambda net: frechet_distance(A * 1e200, A), ValueError, "features_a"),
    "kernel: complex": (lambda net: kernel_distance(A, A + 1j), TypeError, "features_b"),
    "kernel: subsets 0": (lambda net: kernel_distance(A, A, subsets=0), ValueError, "subsets"),
    "kernel: subsets float": (lambda net: kernel_distance(A, A, subsets=2.0), TypeError, "subsets"),
    "kernel: subset_size 1": (lambda net: kernel_distance(A, A, subset_size=1), ValueError, "subset_size"),
    "kernel: seed negative": (lambda net: kernel_distance(A, A, seed=-1), ValueError, "seed"),
    "kernel: overflow": (lambda net: kernel_distance(A * 1e120, A), ValueError, "features_a"),
    "shares: floats": (lambda net: class_shares([0.0, 1.0]), TypeError, "labels"),
    "shares: out of range": (lambda net: class_shares([0, 10]), ValueError, "labels"),
    "shares: negative": (lambda net: class_shares([-1, 0]), ValueError, "labels"),
    "shares: score columns": (lambda net: class_shares(np.ones((3, 4))), ValueError, "n_classes"),
    "shares: n_classes 0": (lambda net: class_shares([0], n_classes=0), ValueError, "n_classes"),
    "shares: 3-D": (lambda net: class_shares(np.zeros((2, 2, 2))), ValueError, "labels"),
    "centres: modes 0": (lambda net: ring_centres(0), ValueError, "modes"),
    "centres: modes bool": (lambda net: ring_centres(True), TypeError, "modes"),
    "centres: radius 0": (lambda net: ring_centres(8, 0.0), ValueError, "radius"),
    "centres: radius NaN": (lambda net: ring_centres(8, float("nan")), ValueError, "radius"),
    "ring: n 0": (lambda net: ring_of_gaussians(0), ValueError, "n"),
    "ring: n float": (lambda net: ring_of_gaussians(10.0), TypeError, "n"),
    "ring: std 0": (lambda net: ring_of_gaussians(10, std=0.0), ValueError, "std"),
    "ring: seed": (lambda net: ring_of_gaussians(10, seed="1"), TypeError, "seed"),
    "coverage: 3 columns": (lambda net: mode_coverage(np.zeros((4, 3))), ValueError, "samples"),
    "coverage: strings": (lambda net: mode_coverage(np.array([["a", "b"]])), TypeError, "samples"),
    "coverage: min_count 0": (
        lambda net: mode_coverage(np.zeros((4, 2)), min_count=0),
        ValueError,
        "min_count",
    ),
    "coverage: std negative": (lambda net: mode_coverage(np.zeros((4, 2)), std=-1.0), ValueError, "std"),
    "coverage: modes": (lambda net: mode_coverage(np.zeros((4, 2)), modes=-2), ValueError, "modes"),
    "net: width 0": (lambda net: feature_net(width=0), ValueError, "width"),
    "net: classes str": (lambda net: feature_net(num_classes="10"), TypeError, "num_classes"),
    "net: features huge": (lambda net: feature_net(features=10**6), ValueError, "features"),
    "features: no net": (lambda net: image_features("net", IMAGES), TypeError, "net"),
    "features: a plain module": (
        lambda net: image_features(torch.nn.Linear(784, 2), IMAGES),
        TypeError,
        "net",
    ),
    "features: 27 x 27": (lambda net: image_features(net, np.zeros((2, 27, 27))), ValueError, "images"),
    "features: 1-D": (lambda net: image_features(net, np.zeros(784)), ValueError, "images"),
    "features: 3 channels": (lambda net: image_features(net, np.zeros((2, 3, 28, 28))), ValueError, "images"),
    "features: 0-255": (lambda net: image_features(net, IMAGES + 255), ValueError, "images"),
    "features: NaN": (lambda net: image_features(net, IMAGES * np.nan), ValueError, "images"),
    "features: batch 0": (lambda net: image_features(net, IMAGES, batch_size=0), ValueError, "batch_size"),
    "predictions: shape": (lambda net: image_predictions(net, np.zeros((2, 100))), ValueError, "images"),
    "train: X shape": (lambda net: train_feature_net(np.zeros((2, 10)), [0, 1]), ValueError, "X"),
    "train: y length": (lambda net: train_feature_net(IMAGES, [0, 1, 2]), ValueError, "y"),
    "train: y range": (lambda net: train_feature_net(IMAGES, [0, 10]), ValueError, "y"),
    "train: y floats": (lambda net: train_feature_net(IMAGES, [0.0, 1.0]), TypeError, "y"),
    "train: epochs 0": (lambda net: train_feature_net(IMAGES, [0, 1], epochs=0), ValueError, "epochs"),
    "train: lr 0": (lambda net: train_feature_net(IMAGES, [0, 1], lr=0.0), ValueError, "lr"),
    "train: seed": (lambda net: train_feature_net(IMAGES, [0, 1], seed=-3), ValueError, "seed"),
    "train: width": (lambda net: train_feature_net(IMAGES, [0, 1], width=0), ValueError, "width"),
    "save: no net": (lambda net: save_feature_net({"a": 1}, "x.pt"), TypeError, "net"),
    "save: path int": (lambda net: save_feature_net(net, 3), TypeError, "path"),
    "load: path int": (lambda net: load_feature_net(3), TypeError, "path"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_refused_naming_the_argument(case, small_net):
    call, error, name = BAD_INPUT[case]
    with pytest.raises(error) as info:
        call(small_net)
    assert re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", str(info.value)), str(info.value)


def test_saving_onto_a_folder_is_refused(small_net, tmp_path):
    with pytest.raises(ValueError, match=r"\bpath\b"):
        save_feature_net(small_net, tmp_path)


def test_a_blurred_ring_is_visited_but_not_covered():
    x, _ = ring_of_gaussians(4000, std=0.3, seed=1)  # every mode reached, few samples within 3 x 0.02
    result = mode_coverage(x)
    assert result["modes_visited"] == 8 and result["modes_covered"] < 8 and result["high_quality"] < 0.1
