"""neurodl.brain.coding: natural-image spectra, whitening, sparse coding, Gabor-likeness, sparseness."""

import subprocess
import sys

import numpy as np
import pytest

import neurodl.brain
from neurodl.brain.coding import (
    GaborTest,
    best_gabor_fit,
    gabor,
    gabor_bank,
    gabor_likeness,
    hoyer_sparsity,
    learn_dictionary,
    radial_power_spectrum,
    sample_patches,
    sparse_code,
    spectrum_slope,
    treves_rolls_sparseness,
    unit_shape,
    whiten,
    whitening_filter,
)


def _pink(seed, S=256):
    """A periodic S x S image whose amplitude spectrum is exactly 1/f (power 1/f^2), random phases."""
    f = np.hypot(np.fft.fftfreq(S)[:, None] * S, np.fft.fftfreq(S)[None, :] * S)
    f[0, 0] = 1.0
    phase = np.angle(np.fft.fft2(np.random.default_rng(seed).standard_normal((S, S))))  # Hermitian: real image
    F = np.exp(1j * phase) / f
    F[0, 0] = 0.0
    return np.real(np.fft.ifft2(F))


def _planted(seed, n=4000, n_atoms=16, n_features=32, active=3):
    """Data made of ``active`` random atoms of a random unit-norm dictionary per sample, signed, plus a little noise."""
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((n_atoms, n_features))
    D /= np.linalg.norm(D, axis=1, keepdims=True)
    C = np.zeros((n, n_atoms))
    for row in C:
        idx = rng.choice(n_atoms, active, replace=False)
        row[idx] = rng.choice([-1.0, 1.0], active) * rng.uniform(0.5, 1.5, active)
    return C @ D + 0.01 * rng.standard_normal((n, n_features)), D


# ----------------------------------------------------------------------------- the package


def test_coding_is_a_lazy_submodule_of_brain_without_torch():
    assert "coding" in neurodl.brain.__all__ and "coding" in dir(neurodl.brain)
    assert neurodl.brain.coding.sparse_code is sparse_code
    code = "import sys, neurodl.brain.coding; print('torch' in sys.modules, 'sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# ----------------------------------------------------------------------------- power spectra


def test_radial_power_spectrum_bins_and_shapes():
    rng = np.random.default_rng(0)
    image = rng.standard_normal((40, 64))
    freqs, power = radial_power_spectrum(image)
    assert freqs.dtype == np.float64 and power.dtype == np.float64
    assert freqs.tolist() == list(range(1, 21))  # 1 .. S // 2, S the shorter side
    assert power.shape == (20,) and np.all(power > 0)
    # a list of one image, a stack of one image, the image as nested lists: all the same
    for form in ([image], image[None], image.tolist()):
        assert np.array_equal(radial_power_spectrum(form)[1], power)
    # several images: the mean of their spectra, on the bins they share
    other = rng.standard_normal((30, 30))
    f2, p2 = radial_power_spectrum([image, other])
    assert f2.tolist() == list(range(1, 16))
    assert np.allclose(p2, (power[:15] + radial_power_spectrum(other)[1]) / 2)
    stack = rng.standard_normal((3, 32, 32))
    mean = np.mean([radial_power_spectrum(s)[1] for s in stack], axis=0)
    assert np.allclose(radial_power_spectrum(stack)[1], mean)
    assert np.allclose(radial_power_spectrum(list(stack))[1], mean)


def test_a_grating_has_its_power_in_its_own_bin():
    yy, xx = np.mgrid[:64, :96]
    for k, window in ((5, False), (12, True)):
        grating = 3.0 + np.cos(2 * np.pi * k * yy / 64)  # k cycles across the shorter side (the rows)
        freqs, power = radial_power_spectrum(grating, window=window)
        assert freqs[np.argmax(power)] == k
    # along the longer side, cycles per image are counted in units of the shorter side
    grating = np.cos(2 * np.pi * 24 * xx / 96)  # 24 cycles across 96 pixels = 16 across 64
    freqs, power = radial_power_spectrum(grating, window=False)
    assert freqs[np.argmax(power)] == 16


def test_white_noise_has_its_variance_in_every_bin_with_or_without_the_window():
    noise = 2.0 * np.random.default_rng(1).standard_normal((4, 128, 128))  # variance 4
    for window in (True, False):
        freqs, power = radial_power_spectrum(noise, window=window)
        assert np.mean(power[8:]) == pytest.approx(4.0, rel=0.05)
        assert abs(spectrum_slope(freqs, power)) < 0.15  # flat (the few coefficients of the lowest bins are noisy)


def test_one_over_f_images_have_slope_minus_two():
    freqs, power = radial_power_spectrum(_pink(0), window=False)  # periodic: exact without the window
    assert spectrum_slope(freqs, power, fmin=4, fmax=64) == pytest.approx(-2.0, abs=0.05)
    stack = np.stack([_pink(seed) for seed in range(4)])
    freqs, power = radial_power_spectrum(stack)  # with the window: within the estimate's noise
    assert spectrum_slope(freqs, power, fmin=8, fmax=64) == pytest.approx(-2.0, abs=0.15)
    assert radial_power_spectrum(5.0 * stack)[1] == pytest.approx(25.0 * power)  # power scales as contrast^2


def test_spectrum_slope_fits_a_power_law_within_the_range():
    freqs = np.arange(1.0, 51.0)
    power = np.where(freqs <= 10, 3.0 * freqs**-1.0, 3e1 * freqs**-2.0)  # a knee at f = 10
    assert spectrum_slope(freqs, power, fmax=10) == pytest.approx(-1.0)
    assert spectrum_slope(freqs, power, fmin=10) == pytest.approx(-2.0)
    assert spectrum_slope(freqs, power, fmin=10, fmax=12) == pytest.approx(-2.0)  # exactly 3 points
    assert isinstance(spectrum_slope(freqs, power), float)
    assert spectrum_slope(freqs, np.where(freqs > 20, 0.0, power), fmax=20) == pytest.approx(
        spectrum_slope(freqs[:20], power[:20])
    )  # zeros outside the range do not matter


# ----------------------------------------------------------------------------- whitening


def test_whitening_filter_is_olshausen_and_fields():
    R = whitening_filter((64, 100))
    assert R.shape == (64, 100) and R.dtype == np.float64
    f0 = 0.4 * 64
    assert R[0, 0] == 0.0
    assert R[5, 0] == pytest.approx(5 * np.exp(-((5 / f0) ** 4)))  # 5 cycles along the shorter side
    assert R[0, 25] == pytest.approx(16 * np.exp(-((16 / f0) ** 4)))  # 25 / 100 cycles per pixel = 16 per 64
    assert np.array_equal(R, whitening_filter((64, 100), f0=f0))
    assert np.array_equal(R, R[-np.arange(64)][:, -np.arange(100)])  # symmetric: real images stay real
    along = whitening_filter((512, 512), f0=200.0)[0, :257]  # Olshausen & Field's numbers
    assert np.argmax(along) == round(200.0 / 4**0.25)  # the gain peaks at f0 / 4^(1/4), then falls off


def test_whitening_flattens_a_one_over_f_spectrum():
    image = _pink(0)
    flat = whiten(image)
    assert flat.shape == image.shape and flat.dtype == np.float64
    assert flat.var() == pytest.approx(1.0) and abs(flat.mean()) < 1e-12
    f0 = 0.4 * 256
    freqs, power = radial_power_spectrum(flat, window=False)
    assert spectrum_slope(freqs, power, fmin=2, fmax=f0 / 2) == pytest.approx(0.0, abs=0.1)
    stack = whiten(np.stack([_pink(seed) for seed in range(4)]))
    freqs, power = radial_power_spectrum(stack)
    assert spectrum_slope(freqs, power, fmin=2, fmax=f0 / 2) == pytest.approx(0.0, abs=0.3)
    assert power[-1] < 0.2 * power[int(f0 / 2)]  # the low-pass part: little left near Nyquist


def test_whiten_keeps_the_form_and_scales_all_images_together():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((20, 30)), rng.standard_normal((24, 24))
    out = whiten([a, 2.0 * a + 7.0, b])
    assert isinstance(out, list) and [o.shape for o in out] == [(20, 30), (20, 30), (24, 24)]
    assert np.allclose(out[1], 2.0 * out[0])  # one common factor: relative contrast kept; means removed
    pooled = np.concatenate([o.ravel() for o in out])
    assert pooled.var() == pytest.approx(1.0)
    stack = whiten(np.stack([a, a]))
    assert isinstance(stack, np.ndarray) and stack.shape == (2, 20, 30)
    assert np.allclose(stack[0], whiten(a))
    assert isinstance(whiten((a, b)), list)
    sharper = whiten(a, f0=4.0)  # a low cut-off: a smoother image
    assert np.mean(np.abs(np.diff(sharper, axis=1))) < np.mean(np.abs(np.diff(whiten(a), axis=1)))


# ----------------------------------------------------------------------------- patches


def test_sample_patches_are_pieces_of_the_images():
    image = np.arange(8 * 10, dtype=float).reshape(8, 10)  # each value tells its position
    patches = sample_patches(image, 3, 500, rng=np.random.default_rng(0), center=False)
    assert patches.shape == (500, 3, 3) and patches.dtype == np.float64
    tops, lefts = np.divmod(patches[:, 0, 0].astype(int), 10)
    for patch, top, left in zip(patches, tops, lefts, strict=True):
        assert np.array_equal(patch, image[top : top + 3, left : left + 3])
    counts = np.bincount(tops * 8 + lefts, minlength=6 * 8)
    assert np.all(counts > 0)  # every one of the 6 x 8 positions comes up
    centred = sample_patches(image, 3, 500, rng=np.random.default_rng(0))
    assert np.allclose(centred, patches - patches.mean(axis=(1, 2), keepdims=True))


def test_sample_patches_chooses_images_by_their_number_of_positions():
    small, large, tiny = np.zeros((4, 4)), np.ones((10, 10)), np.full((2, 9), 2.0)
    patches = sample_patches([small, large, tiny], 4, 20000, rng=np.random.default_rng(1), center=False)
    from_small = np.mean(patches[:, 0, 0] == 0.0)  # 1 position of 50 (the 2 x 9 image has none)
    assert 0.015 < from_small < 0.025 and not np.any(patches == 2.0)
    same = sample_patches([small, large, tiny], 4, 20000, rng=np.random.default_rng(1), center=False)
    assert np.array_equal(patches, same)
    stack = np.random.default_rng(2).standard_normal((3, 16, 16))
    a = sample_patches(stack, 5, 10, rng=np.random.default_rng(3))
    assert np.array_equal(a, sample_patches(list(stack), 5, 10, rng=np.random.default_rng(3)))
    assert not np.array_equal(a, sample_patches(stack, 5, 10, rng=np.random.default_rng(4)))
    assert np.allclose(a.mean(axis=(1, 2)), 0.0)


# ----------------------------------------------------------------------------- sparse coding


def test_sparse_code_matches_scikit_learn():
    sparse_encode = pytest.importorskip("sklearn.decomposition").sparse_encode
    rng = np.random.default_rng(3)
    X, D = rng.standard_normal((20, 30)), rng.standard_normal((15, 30))
    for lam in (0.5, 4.0):
        A = sparse_code(X, D, lam, n_iter=5000, tol=1e-12)
        expected = sparse_encode(X, D, algorithm="lasso_cd", alpha=lam, max_iter=100_000)
        assert np.abs(A - expected).max() < 1e-5
        assert np.any(A == 0) and np.any(A != 0)  # a genuinely sparse problem, neither dense nor all zero


def test_sparse_code_is_optimal():
    """The optimality (KKT) conditions of the lasso: gradient = lam * sign(a) on the support, within lam off it."""
    rng = np.random.default_rng(4)
    X, D = rng.standard_normal((10, 20)), rng.standard_normal((30, 20))  # overcomplete
    lam = 1.0
    A = sparse_code(X, D, lam, n_iter=20000, tol=1e-13)
    G = (X - A @ D) @ D.T  # minus the gradient of the reconstruction error
    on = A != 0
    assert np.allclose(G[on], lam * np.sign(A[on]), atol=1e-6)
    assert np.all(np.abs(G[~on]) <= lam + 1e-6)
    assert 0.3 < np.mean(on) < 0.9


def test_sparse_code_limits_least_squares_and_all_zero():
    rng = np.random.default_rng(5)
    D = np.eye(6) + 0.1 * rng.standard_normal((6, 6))  # square, well conditioned
    X = rng.standard_normal((4, 6))
    A = sparse_code(X, D, 0.0, n_iter=5000, tol=1e-14)
    assert np.allclose(A, X @ np.linalg.inv(D), atol=1e-8)  # lam = 0: least squares, X = A D exactly
    lam_max = np.abs(X @ D.T).max()
    assert np.array_equal(sparse_code(X, D, lam_max), np.zeros((4, 6)))  # exactly zero at lam >= max |X D^T|
    assert np.any(sparse_code(X, D, 0.9 * lam_max) != 0)


def test_sparse_code_warm_start():
    rng = np.random.default_rng(6)
    X, D = rng.standard_normal((5, 12)), rng.standard_normal((8, 12))
    A = sparse_code(X, D, 0.5, n_iter=5000, tol=1e-13)
    start = A.copy()
    again = sparse_code(X, D, 0.5, n_iter=1, codes=start)  # one step from the solution stays there
    assert np.allclose(again, A, atol=1e-9) and np.array_equal(start, A)  # the start is not modified
    few = sparse_code(X, D, 0.5, n_iter=3)
    assert np.abs(few - A).max() > np.abs(again - A).max()


# ----------------------------------------------------------------------------- dictionary learning


def test_learn_dictionary_recovers_a_planted_dictionary():
    X, D_true = _planted(0)
    D, history = learn_dictionary(X, 16, 0.1, n_steps=300, rng=np.random.default_rng(10))
    assert D.shape == (16, 32) and np.allclose(np.linalg.norm(D, axis=1), 1.0)
    best = np.abs(D_true @ D.T).max(axis=1)  # each planted atom's closest learned one, |cosine|
    assert np.mean(best > 0.95) >= 0.8
    loss = np.array(history["loss"])
    assert len(loss) == 300 and np.mean(loss[-20:]) < 0.7 * np.mean(loss[:20])
    active = np.array(history["active"])
    assert np.all((active >= 0) & (active <= 1)) and np.mean(active[-20:]) < 0.5


def test_learn_dictionary_is_repeatable_and_takes_images_init_and_callback():
    X, _ = _planted(1, n=300, n_atoms=4, n_features=9)
    a = learn_dictionary(X, 5, 0.1, n_steps=5, batch_size=32, rng=np.random.default_rng(0))
    b = learn_dictionary(X.reshape(300, 3, 3), 5, 0.1, n_steps=5, batch_size=32, rng=np.random.default_rng(0))
    assert np.array_equal(a[0], b[0]) and a[1] == b[1]
    c = learn_dictionary(X, 5, 0.1, n_steps=5, batch_size=32, rng=np.random.default_rng(1))
    assert not np.array_equal(a[0], c[0])
    seen = []
    init = np.random.default_rng(2).standard_normal((5, 3, 3)) * 7.0
    D, history = learn_dictionary(
        X, 5, 0.1, n_steps=4, batch_size=32, lr=0.5, rng=np.random.default_rng(0), init=init,
        callback=lambda step, D, history: seen.append((step, D.shape, len(history["loss"]))),
    )
    assert seen == [(0, (5, 9), 1), (1, (5, 9), 2), (2, (5, 9), 3), (3, (5, 9), 4)]
    assert sorted(history) == ["active", "loss"]
    tiny = learn_dictionary(X, 5, 0.1, n_steps=1, batch_size=300, lr=1e-12, rng=np.random.default_rng(0), init=init)
    unit = init.reshape(5, 9) / np.linalg.norm(init.reshape(5, 9), axis=1, keepdims=True)
    assert np.allclose(tiny[0], unit)  # init is scaled to unit norm (and a tiny step hardly moves it)


def test_learn_dictionary_default_step_ignores_the_data_scale():
    X, _ = _planted(2, n=500, n_atoms=4, n_features=9)
    a = learn_dictionary(X, 4, 0.1, n_steps=10, batch_size=50, rng=np.random.default_rng(0))
    b = learn_dictionary(10.0 * X, 4, 1.0, n_steps=10, batch_size=50, rng=np.random.default_rng(0))
    assert np.allclose(a[0], b[0], atol=1e-6)  # data x 10 and lam x 10: codes x 10, the same dictionary


# ----------------------------------------------------------------------------- Gabor filters (chapter 06)

# Chapter 06's cell, verbatim (notebooks/06_cnn.ipynb): the reference for gabor, gabor_bank,
# unit_shape, best_gabor_fit and gabor_likeness.


def ch06_gabor(theta, wavelength, phase, sigma, size=5):
    r = (size - 1) / 2
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    xr = xx * np.cos(theta) + yy * np.sin(theta)
    yr = -xx * np.sin(theta) + yy * np.cos(theta)
    envelope = np.exp(-(xr ** 2 + yr ** 2) / (2 * sigma ** 2))
    return envelope * np.cos(2 * np.pi * xr / wavelength + phase)


ch06_params = [(t, w, p, s)
               for t in np.linspace(0, np.pi, 16, endpoint=False)
               for w in (3, 4, 6, 8, 12)
               for p in np.linspace(0, np.pi, 8, endpoint=False)
               for s in (1.0, 1.5, 2.5)]


def ch06_unit_shape(kernels):
    # remove the mean (the response to uniform light), scale to norm 1
    flat = kernels.reshape(len(kernels), -1)
    flat = flat - flat.mean(axis=1, keepdims=True)
    return flat / np.linalg.norm(flat, axis=1, keepdims=True)


ch06_bank = ch06_unit_shape(np.array([ch06_gabor(*q) for q in ch06_params]))


def ch06_best_gabor(kernels):
    sims = np.abs(ch06_unit_shape(kernels) @ ch06_bank.T)   # (kernels, bank)
    return sims.max(axis=1), sims.argmax(axis=1)


def ch06_test(learned, rng, n_shuffles=200):
    fit_learned, which = ch06_best_gabor(learned)
    null_fit = np.array([ch06_best_gabor(np.array([rng.permutation(k.ravel()) for _ in range(n_shuffles)]))[0]
                         for k in learned])            # (32 kernels, 200 shuffles)
    threshold = np.percentile(null_fit, 95, axis=1)    # each kernel's own bar
    gabor_like = fit_learned > threshold
    return fit_learned, null_fit, threshold, gabor_like, which


def test_gabor_is_chapter_06s_and_any_size_works():
    for q in ch06_params[::37]:
        assert np.array_equal(gabor(*q), ch06_gabor(*q))
    for size in range(1, 41):
        g = gabor(0.3, 4.0, 0.2, 2.0, size=size)
        assert g.shape == (size, size)
        assert np.array_equal(g, ch06_gabor(0.3, 4.0, 0.2, 2.0, size=size))
    even = gabor(0.7, 5.0, 0.0, 2.0, size=8)  # phase 0: symmetric about the centre, for even sizes too
    assert np.allclose(even, even[::-1, ::-1])
    vertical = gabor(0.0, 6.0, 0.0, 1e6, size=9)  # theta = 0: vertical stripes (constant down each column)
    assert np.allclose(vertical, vertical[0]) and not np.allclose(vertical, vertical[:, :1])
    horizontal = gabor(np.pi / 2, 6.0, 0.0, 1e6, size=9)
    assert np.allclose(horizontal, horizontal[:, :1])


def test_gabor_bank_is_chapter_06s_bank():
    bank, params = gabor_bank(5, wavelengths=(3, 4, 6, 8, 12), sigmas=(1.0, 1.5, 2.5))
    assert bank.shape == (1920, 25) and np.array_equal(bank, ch06_bank)
    assert params == [tuple(float(v) for v in q) for q in ch06_params]
    default, default_params = gabor_bank(5)  # the defaults scale to exactly chapter 06's at size 5
    assert np.array_equal(default, ch06_bank) and default_params == params


@pytest.mark.parametrize(
    "size, wavelengths, sigmas",
    [
        (8, (3, 4, 6, 8, 12, 16), (1.6, 2.4, 4.0)),
        (12, (3, 4, 6, 8, 12, 16, 24), (2.4, 3.6, 6.0)),
        (16, (3, 4, 6, 8, 12, 16, 24, 32), (3.2, 4.8, 8.0)),
    ],
)
def test_gabor_bank_defaults_for_other_sizes(size, wavelengths, sigmas):
    bank, params = gabor_bank(size)
    assert bank.shape == (16 * len(wavelengths) * 8 * 3, size * size)
    assert sorted({q[1] for q in params}) == list(wavelengths)
    assert sorted({q[3] for q in params}) == pytest.approx(sigmas)
    assert np.all(np.isfinite(bank))
    assert np.allclose(bank.mean(axis=1), 0) and np.allclose(np.linalg.norm(bank, axis=1), 1)
    small, small_params = gabor_bank(size, thetas=4, wavelengths=[5.0], phases=2, sigmas=[2.0])
    assert small.shape == (8, size * size)
    assert [q[0] for q in small_params] == pytest.approx(np.repeat(np.linspace(0, np.pi, 4, endpoint=False), 2))


def test_unit_shape_and_best_gabor_fit():
    rng = np.random.default_rng(7)
    kernels = rng.standard_normal((6, 5, 5))
    shaped = unit_shape(kernels)
    assert shaped.shape == (6, 25) and np.array_equal(shaped, ch06_unit_shape(kernels))
    assert np.allclose(shaped.mean(axis=1), 0) and np.allclose(np.linalg.norm(shaped, axis=1), 1)
    assert np.array_equal(unit_shape(kernels.reshape(6, 25)), shaped)
    assert unit_shape(kernels.astype(np.float32)).dtype == np.float32  # as chapter 06 computes it
    assert unit_shape(np.arange(50).reshape(2, 25)).dtype == np.float64
    bank, _ = gabor_bank(5)
    members = [3, 500, 1919]
    disguised = -3.0 * bank[members] + 5.0  # another contrast, the opposite sign, an offset
    fit, index = best_gabor_fit(disguised.reshape(3, 5, 5), bank)
    assert np.allclose(fit, 1.0) and index.tolist() == members
    fit, index = best_gabor_fit(kernels, bank)
    expected = ch06_best_gabor(kernels)
    assert np.array_equal(fit, expected[0]) and np.array_equal(index, expected[1])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gabor_likeness_is_chapter_06s_test(dtype):
    kernels = np.random.default_rng(8).standard_normal((12, 5, 5)).astype(dtype)
    kernels[:4] = [ch06_gabor(t, 5.0, 0.3, 1.7) for t in (0.1, 0.9, 1.6, 2.5)]  # some real Gabors too
    result = gabor_likeness(kernels, rng=np.random.default_rng(9), bank=ch06_bank)
    expected = ch06_test(kernels, np.random.default_rng(9))
    assert isinstance(result, GaborTest)
    for got, want in zip(result, expected, strict=True):
        assert got.shape == want.shape and np.array_equal(got, want)
    default = gabor_likeness(kernels, rng=np.random.default_rng(9))  # the default bank at 5 x 5 is chapter 06's
    assert all(np.array_equal(a, b) for a, b in zip(default, result, strict=True))
    flat = gabor_likeness(kernels.reshape(12, 25), rng=np.random.default_rng(9))
    assert all(np.array_equal(a, b) for a, b in zip(flat, result, strict=True))


def test_gabors_are_gabor_like_and_noise_is_not():
    rng = np.random.default_rng(11)
    gabors = np.array([gabor(rng.uniform(0, np.pi), rng.uniform(4, 7), rng.uniform(0, 2 * np.pi), rng.uniform(1.5, 2.5), 8)
                       for _ in range(10)])  # parameters between those of the bank, at 8 x 8
    result = gabor_likeness(gabors, rng=np.random.default_rng(0), n_shuffles=100)
    assert result.null.shape == (10, 100) and np.all(result.gabor_like) and np.all(result.fit > 0.9)
    noise = rng.standard_normal((200, 5, 5))
    result = gabor_likeness(noise, rng=np.random.default_rng(1))
    assert 0.01 <= np.mean(result.gabor_like) <= 0.12  # about 5 %, by construction
    strict = gabor_likeness(noise, rng=np.random.default_rng(1), percentile=99.9)
    assert np.all(strict.threshold >= result.threshold) and np.mean(strict.gabor_like) <= 0.02


# ----------------------------------------------------------------------------- sparseness


def test_hoyer_sparsity():
    assert hoyer_sparsity([0.0, 0.0, 3.0, 0.0]) == 1.0
    assert hoyer_sparsity([2.0, -2.0, 2.0, 2.0]) == pytest.approx(0.0, abs=1e-12)
    assert hoyer_sparsity([1.0, 1.0, 0.0, 0.0]) == pytest.approx((2 - np.sqrt(2)) / (2 - 1))
    x = np.random.default_rng(12).standard_normal((5, 7))
    s = hoyer_sparsity(x)
    assert s.shape == (5,) and np.allclose(s, [hoyer_sparsity(row) for row in x])
    assert np.allclose(hoyer_sparsity(x.T, axis=0), s) and np.allclose(hoyer_sparsity(-1e200 * x), s)
    assert isinstance(hoyer_sparsity(x[0]), float) and np.all((s >= 0) & (s <= 1))
    assert np.isnan(hoyer_sparsity(np.zeros(4)))
    both = hoyer_sparsity(np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
    assert np.isnan(both[0]) and both[1] == 1.0


def test_treves_rolls_sparseness():
    assert treves_rolls_sparseness([0.0, 5.0, 0.0, 0.0]) == pytest.approx(1.0)
    assert treves_rolls_sparseness([3.0, 3.0, 3.0]) == pytest.approx(0.0, abs=1e-12)
    for k in range(1, 8):  # k of 8 neurons active at one rate: S = (1 - k/n) / (1 - 1/n)
        r = np.r_[np.ones(k), np.zeros(8 - k)]
        assert treves_rolls_sparseness(r) == pytest.approx((1 - k / 8) / (1 - 1 / 8))
    rates = np.random.default_rng(13).exponential(size=(3, 4, 10))
    s = treves_rolls_sparseness(rates, axis=1)
    assert s.shape == (3, 10)
    assert s[2, 5] == pytest.approx(treves_rolls_sparseness(rates[2, :, 5]))
    assert np.allclose(treves_rolls_sparseness(7.0 * rates), treves_rolls_sparseness(rates))
    assert np.isnan(treves_rolls_sparseness([0, 0, 0]))


# ----------------------------------------------------------------------------- bad input

_R = np.random.default_rng(0)
_IMG = _R.standard_normal((16, 16))
_X, _D = _R.standard_normal((4, 6)), _R.standard_normal((3, 6))
_F = np.arange(1.0, 11.0)
_GEN = np.random.default_rng(0)


@pytest.mark.parametrize(
    "func, args, kwargs, error, match",
    [
        # radial_power_spectrum
        (radial_power_spectrum, (np.ones(5),), {}, ValueError, "images must be 2-D or 3-D"),
        (radial_power_spectrum, ([],), {}, ValueError, "images must hold at least one image"),
        (radial_power_spectrum, ("photo",), {}, TypeError, "images must be an array-like"),
        (radial_power_spectrum, ([_IMG, np.ones((2, 5))],), {}, ValueError, r"images\[1\] must be at least 4 x 4"),
        (radial_power_spectrum, ([_IMG, np.array([[np.nan] * 4] * 4)],), {}, ValueError, r"images\[1\] must contain only finite"),
        (radial_power_spectrum, (_IMG,), {"window": 1}, TypeError, "window must be True or False"),
        # spectrum_slope
        (spectrum_slope, (_F.reshape(2, 5), _F), {}, ValueError, "freqs must be 1-D"),
        (spectrum_slope, (_F, _F[:-1]), {}, ValueError, "freqs and power must have the same length"),
        (spectrum_slope, (_F - 1, _F), {}, ValueError, "freqs must be > 0"),
        (spectrum_slope, (_F, -_F), {}, ValueError, "power must be > 0"),
        (spectrum_slope, (_F, _F), {"fmin": 9}, ValueError, "fmin and fmax leave 2 of the 10 frequencies"),
        (spectrum_slope, (_F, _F), {"fmin": 5, "fmax": 2}, ValueError, "fmin must be <= fmax"),
        (spectrum_slope, (_F, _F), {"fmax": "high"}, TypeError, "fmax must be a real number"),
        # whitening_filter and whiten
        (whitening_filter, (16,), {}, TypeError, "shape must be a pair"),
        (whitening_filter, ((16, 0),), {}, ValueError, r"shape\[1\] must be >= 1"),
        (whitening_filter, ((16.0, 8),), {}, TypeError, r"shape\[0\] must be an integer"),
        (whitening_filter, ((10**5, 10**5),), {}, ValueError, "shape must have at most"),
        (whitening_filter, ((16, 16), 0.0), {}, ValueError, "f0 must be > 0"),
        (whiten, (np.ones((8, 8)),), {}, ValueError, "images must not all be constant"),
        (whiten, (_IMG, -3.0), {}, ValueError, "f0 must be > 0"),
        (whiten, (np.ones((1, 9)),), {}, ValueError, "images must be at least 2 x 2"),
        # sample_patches
        (sample_patches, (_IMG, 17, 5), {"rng": _GEN}, ValueError, "size must be at most the shorter side"),
        (sample_patches, (_IMG, 0, 5), {"rng": _GEN}, ValueError, "size must be >= 1"),
        (sample_patches, (_IMG, 4, 0), {"rng": _GEN}, ValueError, "n must be >= 1"),
        (sample_patches, (_IMG, 4, 5), {"rng": 0}, TypeError, "rng must be a numpy.random.Generator"),
        (sample_patches, (_IMG, 4, 5), {"rng": _GEN, "center": "no"}, TypeError, "center must be True or False"),
        (sample_patches, (np.ones(9), 4, 5), {"rng": _GEN}, ValueError, "images must be 2-D or 3-D"),
        # sparse_code
        (sparse_code, (_X[0], _D, 0.1), {}, ValueError, "X must be 2-D"),
        (sparse_code, (_X, _D[:, :5], 0.1), {}, ValueError, "X and D must have the same number of features"),
        (sparse_code, (_X, np.zeros((3, 6)), 0.1), {}, ValueError, "D must have at least one nonzero entry"),
        (sparse_code, (_X, _D, -0.1), {}, ValueError, "lam must be >= 0"),
        (sparse_code, (_X, _D, 0.1), {"n_iter": 0}, ValueError, "n_iter must be >= 1"),
        (sparse_code, (_X, _D, 0.1), {"tol": -1e-3}, ValueError, "tol must be >= 0"),
        (sparse_code, (_X, _D, 0.1), {"codes": np.zeros((4, 4))}, ValueError, r"codes must have shape \(n_samples, n_atoms\)"),
        (sparse_code, (_X, 1e200 * _D, 0.1), {}, ValueError, "X and D are too large"),
        # learn_dictionary
        (learn_dictionary, (_X[0], 3, 0.1), {"rng": _GEN}, ValueError, "patches must be 2-D or 3-D"),
        (learn_dictionary, (_X, 0, 0.1), {"rng": _GEN}, ValueError, "n_atoms must be >= 1"),
        (learn_dictionary, (_X, 3, -1.0), {"rng": _GEN}, ValueError, "lam must be >= 0"),
        (learn_dictionary, (_X, 3, 0.1), {"rng": _GEN, "n_steps": 0}, ValueError, "n_steps must be >= 1"),
        (learn_dictionary, (_X, 3, 0.1), {"rng": _GEN}, ValueError, "batch_size must be at most the number of patches, 4"),
        (learn_dictionary, (_X, 3, 0.1), {"rng": _GEN, "batch_size": 2, "lr": 0.0}, ValueError, "lr must be > 0"),
        (learn_dictionary, (np.zeros((4, 6)), 3, 0.1), {"rng": _GEN, "batch_size": 2}, ValueError, "patches must not all be zero"),
        (learn_dictionary, (_X, 3, 0.1), {"rng": _GEN, "batch_size": 2, "n_iter": 0}, ValueError, "n_iter must be >= 1"),
        (learn_dictionary, (_X, 3, 0.1), {"rng": _GEN, "batch_size": 2, "init": np.ones((3, 5))}, ValueError, "init must have shape"),
        (learn_dictionary, (_X, 3, 0.1), {"rng": _GEN, "batch_size": 2, "init": np.zeros((3, 6))}, ValueError, "init must have no all-zero atom"),
        (learn_dictionary, (_X, 3, 0.1), {"rng": _GEN, "batch_size": 2, "callback": "print"}, TypeError, "callback must be callable"),
        (learn_dictionary, (_X, 3, 0.1), {"rng": None}, TypeError, "rng must be a numpy.random.Generator"),
        # Gabor filters
        (gabor, (0.0, 0.0, 0.0, 1.0), {}, ValueError, "wavelength must be > 0"),
        (gabor, (0.0, 4.0, 0.0, -1.0), {}, ValueError, "sigma must be > 0"),
        (gabor, (float("nan"), 4.0, 0.0, 1.0), {}, ValueError, "theta must be finite"),
        (gabor, (0.0, 4.0, "odd", 1.0), {}, TypeError, "phase must be a real number"),
        (gabor, (0.0, 4.0, 0.0, 1.0, 5.0), {}, TypeError, "size must be an integer"),
        (gabor, (0.0, 4.0, 0.0, 1.0, 2000), {}, ValueError, "size must be <= 1024"),
        (gabor_bank, (1,), {}, ValueError, "size must be >= 2"),
        (gabor_bank, (5,), {"thetas": 0}, ValueError, "thetas must be >= 1"),
        (gabor_bank, (5,), {"phases": 2.0}, TypeError, "phases must be an integer"),
        (gabor_bank, (5,), {"wavelengths": (3, -4)}, ValueError, "wavelengths must all be > 0"),
        (gabor_bank, (5,), {"sigmas": [[1.0]]}, ValueError, "sigmas must be 1-D"),
        (gabor_bank, (64,), {"thetas": 180}, ValueError, "thetas, wavelengths, phases and sigmas make"),
        (unit_shape, (np.ones(25),), {}, ValueError, "filters must be 2-D or 3-D"),
        (unit_shape, (np.ones((2, 25)),), {}, ValueError, "filters must not be constant.*filter 0"),
        (best_gabor_fit, (np.eye(3, 16), np.eye(3, 25)), {}, ValueError, "bank must have 16 columns"),
        (best_gabor_fit, (np.eye(3, 25), np.eye(3, 25)), {}, ValueError, "bank must hold unit-shaped filters"),
        (gabor_likeness, (np.eye(3, 24),), {"rng": _GEN}, ValueError, "filters must be square"),
        (gabor_likeness, (np.eye(3, 25),), {"rng": _GEN, "n_shuffles": 0}, ValueError, "n_shuffles must be >= 1"),
        (gabor_likeness, (np.eye(3, 25),), {"rng": _GEN, "percentile": 101}, ValueError, "percentile must be <= 100"),
        (gabor_likeness, (np.eye(3, 25),), {"rng": 1}, TypeError, "rng must be a numpy.random.Generator"),
        (gabor_likeness, (np.eye(3, 25),), {"rng": _GEN, "bank": np.eye(3, 16)}, ValueError, "bank must have 25 columns"),
        # sparseness
        (hoyer_sparsity, (np.ones(1),), {}, ValueError, "x must have at least 2 entries along axis -1"),
        (hoyer_sparsity, (3.0,), {}, ValueError, "x must have at least one dimension"),
        (hoyer_sparsity, (np.ones((2, 3)),), {"axis": 2}, ValueError, "axis must be between -2 and 1"),
        (hoyer_sparsity, (np.ones(3) * 1j,), {}, TypeError, "x must hold numbers"),
        (treves_rolls_sparseness, ([1.0, -1.0],), {}, ValueError, "rates must be >= 0 everywhere"),
        (treves_rolls_sparseness, (np.ones((3, 1)),), {}, ValueError, "rates must have at least 2 entries along axis -1"),
        (treves_rolls_sparseness, (np.ones(3),), {"axis": 0.5}, TypeError, "axis must be an integer"),
    ],
)
def test_bad_input_names_the_argument(func, args, kwargs, error, match):
    with pytest.raises(error, match=match):
        func(*args, **kwargs)


def test_half_energy_share():
    from neurodl.brain.coding import half_energy_share

    delta = np.zeros((1, 144))
    delta[0, 7] = 3.0
    flat = np.ones((1, 12, 12))
    shares = half_energy_share(np.concatenate([delta, flat.reshape(1, -1)]))
    assert shares.tolist() == [1 / 144, 0.5]
    noise = half_energy_share(np.random.default_rng(0).standard_normal((200, 144)))
    assert 0.1 < np.median(noise) < 0.16
    with pytest.raises(ValueError, match="non-zero"):
        half_energy_share(np.zeros((2, 4)))
    with pytest.raises((TypeError, ValueError), match="filters"):
        half_energy_share(np.ones(4))

