"""Efficient coding: the statistics of natural images and the sparse code that fits them.

Introduced in chapter 08. Natural images are far from random: their power falls with
spatial frequency roughly as ``1/f^2`` (Field, 1987), so neighbouring pixels are strongly
correlated. Barlow's (1961) *efficient coding* hypothesis says that early vision recodes
its input to remove such redundancy. Removing the ``1/f^2`` correlations is *whitening*,
what the centre-surround receptive fields of the retina roughly do (Atick & Redlich, 1992);
asking in addition that each image be explained by a few active units out of many is
*sparse coding*, and Olshausen & Field (1996) showed that a dictionary learned that way from
whitened natural images consists of localised, oriented, band-pass filters, like the
receptive fields of simple cells in V1 and the Gabor filters of chapter 06.

=============================  ======================================================
``radial_power_spectrum``      power against spatial frequency, averaged over
                               orientations (and images)
``spectrum_slope``             the slope of that spectrum on log-log axes (about -2)
``whitening_filter``           Olshausen & Field's whitening / low-pass filter
``whiten``                     images filtered by it, scaled to unit variance
``sample_patches``             random square patches from a set of images
``sparse_code``                the codes of a fixed dictionary, by FISTA
``learn_dictionary``           sparse-coding dictionary learning
``gabor``                      chapter 06's Gabor filter
``gabor_bank``                 a bank of them, each zero-mean and unit-norm
``unit_shape``                 a filter made zero-mean and unit-norm
``best_gabor_fit``             a filter's best ``|cosine|`` with a Gabor of a bank
``gabor_likeness``             chapter 06's test: a better fit than the filter's own
                               shuffled pixels? (returns a ``GaborTest``)
``hoyer_sparsity``             sparseness from the ratio of the l1 and l2 norms
``treves_rolls_sparseness``    sparseness of firing rates (Vinje & Gallant, 2000)
=============================  ======================================================

Conventions. Images are 2-D arrays ``(H, W)`` of any real values; a set of images is a 3-D
array ``(n, H, W)`` or a list of 2-D arrays (of different shapes if need be). Spatial
frequency ``f`` is in *cycles per image*, counted along the image's shorter side ``S``: a
grating with ``k`` periods across the shorter side has ``f = k``, and frequencies run up to
the Nyquist limit ``S / 2``. A dictionary ``D`` has one atom (basis function) per row,
``(n_atoms, n_features)``, and data ``X`` one sample per row, so that ``X ~ A @ D`` with
codes ``A`` of shape ``(n_samples, n_atoms)``, as in scikit-learn. Random choices take a
NumPy ``Generator``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from neurodl._validate import check_array, check_bool, check_float, check_int
from neurodl.scratch.layers import _check_rng

__all__ = [
    "radial_power_spectrum",
    "spectrum_slope",
    "whitening_filter",
    "whiten",
    "sample_patches",
    "sparse_code",
    "learn_dictionary",
    "gabor",
    "gabor_bank",
    "unit_shape",
    "best_gabor_fit",
    "GaborTest",
    "gabor_likeness",
    "half_energy_share",
    "hoyer_sparsity",
    "treves_rolls_sparseness",
]

#: The largest image (in pixels) :func:`whitening_filter` makes a filter for.
_MAX_PIXELS = 2**24


# ----------------------------------------------------------------------------- images


def _as_images(name: str, images: Any) -> tuple[list[np.ndarray], str]:
    """``images`` as a list of 2-D float64 arrays, and the form it came in: "one", "stack" or "list"."""
    if isinstance(images, (list, tuple)) and len(images) > 0:
        try:
            ndims = [np.ndim(x) if isinstance(x, (list, tuple, np.ndarray)) else None for x in images]
        except (TypeError, ValueError):  # a ragged element: reported by check_array below
            ndims = [None]
        if all(d == 2 for d in ndims):  # a list of 2-D images
            arrays = [check_array(f"{name}[{i}]", x, ndim=2, dtype_kind="biuf") for i, x in enumerate(images)]
            return [a.astype(np.float64) for a in arrays], "list"
    if isinstance(images, (list, tuple)) and len(images) == 0:
        raise ValueError(f"{name} must hold at least one image, got an empty {type(images).__name__}")
    array = check_array(name, images, ndim=(2, 3), dtype_kind="biuf").astype(np.float64)
    if array.ndim == 2:
        return [array], "one"
    return list(array), "stack"


def _check_side(name: str, images: list[np.ndarray], smallest: int) -> None:
    for i, image in enumerate(images):
        if min(image.shape) < smallest:
            which = name if len(images) == 1 else f"{name}[{i}]"
            raise ValueError(f"{which} must be at least {smallest} x {smallest} pixels, got shape {image.shape}")


def _radial_frequency(H: int, W: int) -> np.ndarray:
    """The spatial frequency of each coefficient of ``np.fft.fft2`` of an ``(H, W)`` image, in cycles per image.

    Cycles per image along the shorter side ``S = min(H, W)``: ``f = S * sqrt(fy^2 + fx^2)``
    with ``fx``, ``fy`` in cycles per pixel (``np.fft.fftfreq``).
    """
    S = min(H, W)
    fy = np.fft.fftfreq(H)[:, None] * S
    fx = np.fft.fftfreq(W)[None, :] * S
    return np.sqrt(fy**2 + fx**2)


def radial_power_spectrum(images: Any, *, window: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The power spectrum of an image (or the mean over images), averaged over orientations.

    Introduced in chapter 08. For each image: subtract its mean, multiply it by a 2-D Hann
    window if ``window`` (so that the jump between opposite edges, which the FFT treats as
    neighbours, does not add spurious power at high frequencies), take the 2-D FFT and the
    power ``|F|^2``. Each coefficient's spatial frequency ``f`` (cycles per image along the
    shorter side ``S``, see the module docstring) is rounded to the nearest integer, and the
    power is averaged within each integer bin ``1, 2, ..., S // 2``: the mean (DC, ``f = 0``)
    and the corners beyond the Nyquist limit ``S / 2`` are left out.

    The power is normalised as a periodogram, ``|F|^2 / sum(w^2)`` with ``w`` the window
    (all ones without it, so ``|F|^2 / (H W)``): white noise of variance ``s^2`` has power
    ``s^2`` in every bin, whatever the image size and with or without the window.

    Parameters
    ----------
    images
        One image ``(H, W)``, a stack ``(n, H, W)``, or a list of 2-D images, of different
        shapes if need be; each at least 4 x 4. Several images give the mean of their
        spectra, on the bins ``1 .. S_min // 2`` that all of them have (``S_min``: the
        shortest side among the images; each image's frequencies are in cycles per that
        image).
    window
        Apply the Hann window (default ``True``).

    Returns
    -------
    freqs
        The bin centres ``1.0, 2.0, ..., S // 2`` (cycles per image), ``float64``.
    power
        The mean power in each bin, ``float64``, the same length.
    """
    images, _ = _as_images("images", images)
    window = check_bool("window", window)
    _check_side("images", images, 4)
    n_bins = min(min(image.shape) for image in images) // 2
    total = np.zeros(n_bins)
    for image in images:
        H, W = image.shape
        x = image - image.mean()
        w = np.outer(np.hanning(H), np.hanning(W)) if window else np.ones((H, W))
        power = np.abs(np.fft.fft2(x * w)) ** 2 / np.sum(w**2)  # white noise: its variance
        bins = np.rint(_radial_frequency(H, W)).astype(np.int64).ravel()
        keep = (bins >= 1) & (bins <= n_bins)
        sums = np.bincount(bins[keep], weights=power.ravel()[keep], minlength=n_bins + 1)
        counts = np.bincount(bins[keep], minlength=n_bins + 1)
        total += sums[1:] / counts[1:]  # every bin up to S // 2 holds at least one coefficient
    freqs = np.arange(1, n_bins + 1, dtype=np.float64)
    return freqs, total / len(images)


def spectrum_slope(freqs: Any, power: Any, *, fmin: float | None = None, fmax: float | None = None) -> float:
    """The slope of ``log10(power)`` against ``log10(freqs)``, by least squares.

    Introduced in chapter 08. A power spectrum ``P(f) ~ f^a`` is a straight line of slope
    ``a`` on log-log axes: about ``-2`` for natural images (their amplitude falls as
    ``1/f``), ``0`` for white noise.

    Parameters
    ----------
    freqs
        Frequencies, 1-D, all > 0 (e.g. from :func:`radial_power_spectrum`).
    power
        The power at each frequency, 1-D, the length of ``freqs``; > 0 within the range fitted.
    fmin, fmax
        Fit only the points with ``fmin <= freqs <= fmax`` (default: no bound). At least 3
        points must remain.

    Returns
    -------
    The slope, a float.
    """
    freqs = check_array("freqs", freqs, ndim=1, dtype_kind="biuf").astype(np.float64)
    power = check_array("power", power, ndim=1, dtype_kind="biuf").astype(np.float64)
    if freqs.shape != power.shape:
        raise ValueError(f"freqs and power must have the same length, got {len(freqs)} and {len(power)}")
    if np.any(freqs <= 0):
        raise ValueError(f"freqs must be > 0 everywhere (a log scale), got a minimum of {freqs.min()}")
    lo = -np.inf if fmin is None else check_float("fmin", fmin)
    hi = np.inf if fmax is None else check_float("fmax", fmax)
    if lo > hi:
        raise ValueError(f"fmin must be <= fmax, got fmin={fmin} and fmax={fmax}")
    keep = (freqs >= lo) & (freqs <= hi)
    if keep.sum() < 3:
        raise ValueError(
            f"fmin and fmax leave {keep.sum()} of the {len(freqs)} frequencies; at least 3 are needed to fit a slope"
        )
    if np.any(power[keep] <= 0):
        raise ValueError("power must be > 0 at every frequency fitted (a log scale); it has zeros or negative values")
    slope, _ = np.polyfit(np.log10(freqs[keep]), np.log10(power[keep]), 1)
    return float(slope)


def _check_shape(shape: Any) -> tuple[int, int]:
    if isinstance(shape, np.ndarray):
        shape = tuple(shape.tolist()) if shape.ndim == 1 else shape
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise TypeError(f"shape must be a pair (H, W) of integers, got {shape!r:.60}")
    H = check_int("shape[0]", shape[0], minimum=1)
    W = check_int("shape[1]", shape[1], minimum=1)
    if H * W > _MAX_PIXELS:
        raise ValueError(f"shape must have at most {_MAX_PIXELS} pixels (4096 x 4096), got {H} x {W}")
    return H, W


def _check_f0(f0: Any, shape: tuple[int, int]) -> float:
    if f0 is None:
        return 0.4 * min(shape)
    return check_float("f0", f0, minimum=0.0, exclusive_minimum=True)


def whitening_filter(shape: tuple[int, int], f0: float | None = None) -> np.ndarray:
    """Olshausen & Field's whitening and low-pass filter, ``R(f) = f exp(-(f / f0)^4)``.

    Introduced in chapter 08. Multiplying an image's Fourier transform by ``f`` undoes the
    ``1/f`` fall of natural images' amplitude spectrum, so the result is white (flat
    spectrum, neighbouring pixels uncorrelated); the factor ``exp(-(f / f0)^4)`` then rolls
    off the highest frequencies, where noise and the square pixel grid dominate. Olshausen &
    Field (1996) used ``f0 = 200`` cycles per picture on 512 x 512 images; the default here
    is the same fraction, ``0.4 S``.

    Parameters
    ----------
    shape
        ``(H, W)`` of the images to filter.
    f0
        The cut-off, in cycles per image along the shorter side ``S = min(H, W)``, > 0
        (default ``0.4 * S``).

    Returns
    -------
    The gain at each coefficient of ``np.fft.fft2`` of an ``(H, W)`` image (same layout,
    zero frequency at ``[0, 0]``), shape ``(H, W)``, ``float64``; 0 at ``f = 0``.
    """
    shape = _check_shape(shape)
    f0 = _check_f0(f0, shape)
    f = _radial_frequency(*shape)
    return f * np.exp(-((f / f0) ** 4))


def whiten(images: Any, f0: float | None = None) -> np.ndarray | list[np.ndarray]:
    """Whiten images with :func:`whitening_filter`, scaled to unit variance overall.

    Introduced in chapter 08. Each image has its mean subtracted, its 2-D FFT multiplied by
    ``whitening_filter(image.shape, f0)``, and is transformed back (real part). All outputs
    are then divided by one common factor, so that their pixels, pooled over all images,
    have variance 1 (relative contrasts between images are kept).

    Parameters
    ----------
    images
        One image ``(H, W)``, a stack ``(n, H, W)``, or a list of 2-D images; each at least
        2 x 2 and not all constant.
    f0
        The filter's cut-off in cycles per image (default ``0.4 * min(H, W)`` of each image).

    Returns
    -------
    The whitened images in the form given: a 2-D array for one image, a 3-D array for a
    stack, a list for a list (or tuple), ``float64``.
    """
    arrays, form = _as_images("images", images)
    _check_side("images", arrays, 2)
    if f0 is not None:
        f0 = check_float("f0", f0, minimum=0.0, exclusive_minimum=True)
    out = []
    for image in arrays:
        F = np.fft.fft2(image - image.mean())
        out.append(np.real(np.fft.ifft2(F * whitening_filter(image.shape, f0))))
    pooled = np.concatenate([o.ravel() for o in out])
    std = pooled.std()
    if std == 0:
        raise ValueError("images must not all be constant: whitening removes the mean and leaves nothing")
    out = [o / std for o in out]
    if form == "one":
        return out[0]
    if form == "stack":
        return np.stack(out)
    return out


def sample_patches(images: Any, size: int, n: int, *, rng: np.random.Generator, center: bool = True) -> np.ndarray:
    """``n`` square patches cut at random positions from ``images``.

    Introduced in chapter 08. Every position at which a ``size x size`` patch fits, in any
    of the images, is equally likely: an image is chosen with probability proportional to
    its number of positions, then a position in it uniformly. Patches are drawn
    independently (with replacement).

    Parameters
    ----------
    images
        One image ``(H, W)``, a stack ``(n_images, H, W)`` or a list of 2-D images.
    size
        The side of each patch, in pixels, >= 1; no larger than the largest image.
    n
        How many patches, >= 1.
    rng
        The generator that chooses the positions.
    center
        Subtract each patch's own mean (default ``True``).

    Returns
    -------
    The patches, shape ``(n, size, size)``, ``float64``.
    """
    arrays, _ = _as_images("images", images)
    size = check_int("size", size, minimum=1)
    n = check_int("n", n, minimum=1, maximum=10_000_000)
    rng = _check_rng(rng)
    center = check_bool("center", center)
    fits = np.array([(a.shape[0] - size + 1) * (a.shape[1] - size + 1) if min(a.shape) >= size else 0 for a in arrays])
    if fits.sum() == 0:
        largest = max(min(a.shape) for a in arrays)
        raise ValueError(
            f"size must be at most the shorter side of some image ({largest} pixels at most here), got {size}"
        )
    # one number per patch, uniform over all the positions of all the images, then decoded
    k = rng.integers(0, fits.sum(), size=n)
    which = np.searchsorted(np.cumsum(fits), k, side="right")
    offset = k - (np.cumsum(fits) - fits)[which]
    patches = np.empty((n, size, size))
    steps = np.arange(size)
    for i in np.unique(which):
        rows = which == i
        top, left = np.divmod(offset[rows], arrays[i].shape[1] - size + 1)
        patches[rows] = arrays[i][(top[:, None] + steps)[:, :, None], (left[:, None] + steps)[:, None, :]]
    if center:
        patches -= patches.mean(axis=(1, 2), keepdims=True)
    return patches


# ----------------------------------------------------------------------------- sparse coding


def _check_codes_problem(X: Any, D: Any, lam: Any, codes: Any) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    X = check_array("X", X, ndim=2, dtype_kind="biuf").astype(np.float64)
    D = check_array("D", D, ndim=2, dtype_kind="biuf").astype(np.float64)
    lam = check_float("lam", lam, minimum=0.0)
    if X.shape[1] != D.shape[1]:
        raise ValueError(
            f"X and D must have the same number of features (columns), got X {X.shape} and D {D.shape}; "
            "D holds one atom per row, (n_atoms, n_features)"
        )
    if not np.any(D):
        raise ValueError("D must have at least one nonzero entry (an all-zero dictionary explains nothing)")
    with np.errstate(over="ignore"):  # bounds every entry of D D^T and X D^T (Cauchy-Schwarz)
        too_large = not np.linalg.norm(D) * max(np.linalg.norm(D), np.linalg.norm(X)) < np.inf
    if too_large:
        raise ValueError("X and D are too large: D D^T or X D^T would overflow float64; rescale them")
    shape = (X.shape[0], D.shape[0])
    if codes is None:
        return X, D, lam, np.zeros(shape)
    codes = check_array("codes", codes, ndim=2, dtype_kind="biuf").astype(np.float64)  # a copy
    if codes.shape != shape:
        raise ValueError(f"codes must have shape (n_samples, n_atoms) = {shape}, got {codes.shape}")
    return X, D, lam, codes


def sparse_code(
    X: Any, D: Any, lam: float, *, n_iter: int = 200, tol: float = 1e-6, codes: Any = None
) -> np.ndarray:
    """The sparse codes of ``X`` in the dictionary ``D``, by FISTA.

    Introduced in chapter 08. For each sample ``x`` (a row of ``X``), find the code ``a``
    that minimises ``1/2 ||x - a D||^2 + lam ||a||_1``: reconstruct ``x`` well from the atoms
    (rows of ``D``), with as few and as small coefficients as possible. The ``l1`` penalty
    makes most coefficients exactly zero. FISTA (Beck & Teboulle, 2009) alternates a
    gradient step on the reconstruction error with *soft thresholding*, which shrinks every
    coefficient towards zero by ``lam / L`` and zeroes the small ones, and adds momentum.
    All samples are solved at once, as one matrix.

    Parameters
    ----------
    X
        The data, ``(n_samples, n_features)`` (one sample: ``x[None]``).
    D
        The dictionary, ``(n_atoms, n_features)``, one atom per row; not all zero.
    lam
        The weight of the sparseness penalty, >= 0. With ``lam >= max |X D^T|`` every code is
        exactly 0; with ``lam = 0`` this is least squares.
    n_iter
        The most iterations (default 200; at most 100,000).
    tol
        Stop once no coefficient changes by ``tol`` or more in an iteration (default 1e-6), >= 0.
    codes
        A starting point ``(n_samples, n_atoms)``, e.g. the codes of the previous step
        (default: zeros).

    Returns
    -------
    The codes ``A``, ``(n_samples, n_atoms)``, ``float64``: ``X ~ A @ D``.
    """
    X, D, lam, A = _check_codes_problem(X, D, lam, codes)
    n_iter = check_int("n_iter", n_iter, minimum=1, maximum=100_000)
    tol = check_float("tol", tol, minimum=0.0)

    DDt, XDt = D @ D.T, X @ D.T  # the gradient of 1/2 ||X - A D||^2 is A DDt - XDt
    L = np.linalg.eigvalsh(DDt)[-1]  # the gradient's Lipschitz constant: steps of 1/L are safe
    Y, t = A.copy(), 1.0  # Y: A plus momentum, where the next gradient is taken
    for _ in range(n_iter):
        Z = Y - (Y @ DDt - XDt) / L  # a gradient step on the reconstruction error...
        A_new = np.sign(Z) * np.maximum(np.abs(Z) - lam / L, 0.0)  # ...then soft thresholding
        t_new = (1 + np.sqrt(1 + 4 * t**2)) / 2  # Nesterov's schedule: the momentum grows towards 1
        Y = A_new + (t - 1) / t_new * (A_new - A)  # overshoot along the last step
        change = np.max(np.abs(A_new - A))
        A, t = A_new, t_new
        if change < tol:
            break
    return A


def _sparse_loss(residual: np.ndarray, A: np.ndarray, lam: float) -> float:
    """The mean over the rows of ``1/2 ||x - a D||^2 + lam ||a||_1``, given the residuals ``x - a D``."""
    return float(np.mean(0.5 * np.sum(residual**2, axis=1) + lam * np.sum(np.abs(A), axis=1)))


def _unit_rows(D: np.ndarray) -> np.ndarray:
    return D / np.linalg.norm(D, axis=1, keepdims=True)


def _check_dictionary_problem(
    patches: Any, n_atoms: Any, lam: Any, n_steps: Any, batch_size: Any, lr: Any, n_iter: Any, init: Any, callback: Any
) -> tuple[np.ndarray, int, float, int, int, float, int, np.ndarray | None]:
    X = check_array("patches", patches, ndim=(2, 3), dtype_kind="biuf").astype(np.float64)
    X = X.reshape(len(X), -1)
    n_atoms = check_int("n_atoms", n_atoms, minimum=1, maximum=100_000)
    lam = check_float("lam", lam, minimum=0.0)
    n_steps = check_int("n_steps", n_steps, minimum=1, maximum=10_000_000)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if batch_size > len(X):
        raise ValueError(f"batch_size must be at most the number of patches, {len(X)}, got {batch_size}")
    n_features = X.shape[1]
    if lr is None:
        energy = np.mean(np.sum(X**2, axis=1))  # the mean squared norm of a patch
        if not 0 < energy < np.inf:
            raise ValueError("patches must not all be zero (nor overflow when squared): there is nothing to learn")
        lr = 0.3 * n_atoms / energy
    else:
        lr = check_float("lr", lr, minimum=0.0, exclusive_minimum=True)
    n_iter = check_int("n_iter", n_iter, minimum=1, maximum=100_000)
    if init is not None:
        init = check_array("init", init, ndim=(2, 3), dtype_kind="biuf").astype(np.float64)
        init = init.reshape(len(init), -1)
        if init.shape != (n_atoms, n_features):
            raise ValueError(f"init must have shape (n_atoms, n_features) = {(n_atoms, n_features)}, got {init.shape}")
        if np.any(np.linalg.norm(init, axis=1) == 0):
            raise ValueError("init must have no all-zero atom (rows are scaled to unit norm)")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {type(callback).__name__}")
    return X, n_atoms, lam, n_steps, batch_size, lr, n_iter, init


def learn_dictionary(
    patches: Any,
    n_atoms: int,
    lam: float,
    *,
    n_steps: int = 500,
    batch_size: int = 256,
    lr: float | None = None,
    n_iter: int = 50,
    rng: np.random.Generator,
    init: Any = None,
    callback: Callable[[int, np.ndarray, dict[str, list[float]]], Any] | None = None,
) -> tuple[np.ndarray, dict[str, list[float]]]:
    """Learn a dictionary in which ``patches`` have sparse codes, after Olshausen & Field (1996).

    Introduced in chapter 08. The atoms start random (or at ``init``), scaled to unit
    norm. Each step draws a mini-batch of ``batch_size`` patches (without replacement),
    finds their codes ``A`` with :func:`sparse_code` while the dictionary stays fixed, then
    moves the dictionary down the gradient of the mean reconstruction error,
    ``D += lr * A^T (X - A D) / batch_size``, a Hebbian-like rule: an atom grows towards
    the residual of the patches that use it. Each atom is then scaled back to unit norm
    (otherwise atoms would grow and codes shrink to dodge the penalty). Olshausen & Field
    instead adapted each atom's norm so that its coefficients kept a set variance; unit norm
    is the simpler choice of later implementations.

    Parameters
    ----------
    patches
        The training data, ``(n, n_features)``, or ``(n, h, w)`` patches (flattened), e.g.
        from :func:`sample_patches` of :func:`whiten`'d images.
    n_atoms
        How many atoms (basis functions) to learn, >= 1; more than ``n_features`` makes an
        *overcomplete* dictionary.
    lam
        The sparseness penalty of :func:`sparse_code`, >= 0.
    n_steps
        How many mini-batch steps (default 500).
    batch_size
        Patches per step (default 256), at most ``n``.
    lr
        The learning rate, > 0. The default is ``0.3 * n_atoms / E``, with ``E`` the mean
        squared norm of the patches (``E = n_features`` for whitened patches of unit
        variance, so ``0.3`` for a complete dictionary). The reason: a patch's code has
        about the patch's energy ``E``, shared among ``n_atoms`` atoms, so the curvature
        of the reconstruction error along an atom is about ``E / n_atoms``, and a step of
        0.3 times its inverse is safe and fast, whatever the scale of the data.
    n_iter
        FISTA iterations per step (default 50).
    rng
        The generator for the initial atoms and the mini-batches.
    init
        Starting atoms, ``(n_atoms, n_features)`` or ``(n_atoms, h, w)`` (default: random);
        each row is scaled to unit norm.
    callback
        Called as ``callback(step, D, history)`` after every step (``step`` from 0), e.g. to
        print progress; its return value is ignored. It must not modify ``D``.

    Returns
    -------
    D
        The learned dictionary, ``(n_atoms, n_features)``, rows of unit norm (reshape each
        to ``(h, w)`` to see it as an image).
    history
        ``{"loss": [...], "active": [...]}``, one entry per step: the mean over the batch of
        ``1/2 ||x - a D||^2 + lam ||a||_1`` (before the step's update), and the fraction of
        the codes that are nonzero.
    """
    rng = _check_rng(rng)
    X, n_atoms, lam, n_steps, batch_size, lr, n_iter, init = _check_dictionary_problem(
        patches, n_atoms, lam, n_steps, batch_size, lr, n_iter, init, callback
    )
    D = _unit_rows(rng.standard_normal((n_atoms, X.shape[1])) if init is None else init)
    history: dict[str, list[float]] = {"loss": [], "active": []}
    for step in range(n_steps):
        batch = X[rng.choice(len(X), size=batch_size, replace=False)]
        A = sparse_code(batch, D, lam, n_iter=n_iter)  # infer: codes for the fixed dictionary
        residual = batch - A @ D
        history["loss"].append(_sparse_loss(residual, A, lam))  # 1/2 ||x - a D||^2 + lam ||a||_1
        history["active"].append(float(np.mean(A != 0)))
        D = _unit_rows(D + lr * A.T @ residual / batch_size)  # learn: the gradient step, then unit norm
        if callback is not None:
            callback(step, D, history)
    return D, history


# ----------------------------------------------------------------------------- Gabor filters


def gabor(theta: float, wavelength: float, phase: float, sigma: float, size: int = 5) -> np.ndarray:
    """A ``size x size`` Gabor filter: a cosine grating under a round Gaussian window.

    Introduced in chapter 06 (and reused in chapter 08), as written there. Pixel
    coordinates run from ``-(size - 1) / 2`` to ``(size - 1) / 2`` (x to the right, y down
    the rows), so the filter is centred for odd and even sizes alike. The grating varies
    along the direction at angle ``theta`` from the x axis (its stripes are perpendicular
    to it): ``theta = 0`` gives vertical stripes.

    Parameters
    ----------
    theta
        The orientation, radians.
    wavelength
        The grating's period, pixels, > 0.
    phase
        The grating's phase at the centre, radians (0: a bright bar there, ``pi / 2``: an edge).
    sigma
        The standard deviation of the Gaussian window, pixels, > 0.
    size
        The side of the filter, pixels, 1 to 1024 (default 5).

    Returns
    -------
    The filter, ``(size, size)``, ``float64``.
    """
    theta = check_float("theta", theta)
    wavelength = check_float("wavelength", wavelength, minimum=0.0, exclusive_minimum=True)
    phase = check_float("phase", phase)
    sigma = check_float("sigma", sigma, minimum=0.0, exclusive_minimum=True)
    size = check_int("size", size, minimum=1, maximum=1024)
    r = (size - 1) / 2
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    xr = xx * np.cos(theta) + yy * np.sin(theta)
    yr = -xx * np.sin(theta) + yy * np.cos(theta)
    with np.errstate(over="ignore", under="ignore"):  # a tiny sigma or wavelength: a window of 0 away from the centre
        envelope = np.exp(-(xr**2 + yr**2) / (2 * sigma**2))
        return envelope * np.cos(2 * np.pi * xr / wavelength + phase)


#: Wavelengths (pixels) the default bank draws from: chapter 06's 3, 4, 6, 8, 12, continued
#: in the same half-octave-like steps (alternately x 4/3 and x 3/2).
_WAVELENGTH_LADDER = (3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048)

#: The largest bank, in values (filters times pixels), that :func:`gabor_bank` builds.
_MAX_BANK_VALUES = 20_000_000


def _positive_values(name: str, values: Any) -> tuple[float, ...]:
    array = check_array(name, values, ndim=1, dtype_kind="biuf").astype(np.float64)
    if np.any(array <= 0):
        raise ValueError(f"{name} must all be > 0 (pixels), got {array.min()}")
    return tuple(float(v) for v in array)


def gabor_bank(
    size: int, *, thetas: int = 16, wavelengths: Any = None, phases: int = 8, sigmas: Any = None
) -> tuple[np.ndarray, list[tuple[float, float, float, float]]]:
    """A bank of Gabor filters of every combination of the parameters, each made zero-mean and unit-norm.

    Introduced in chapter 06 (and generalised in chapter 08 to other sizes). The
    orientations are ``np.linspace(0, pi, thetas, endpoint=False)``, the phases
    ``np.linspace(0, pi, phases, endpoint=False)`` (a phase shift of ``pi`` only flips the
    sign, which :func:`best_gabor_fit` ignores), and the filters are made in the order
    orientation, wavelength, phase, sigma (the last varying fastest), centred in the
    ``size x size`` square, and passed through :func:`unit_shape`.

    The defaults scale chapter 06's bank (``size=5``: wavelengths 3, 4, 6, 8, 12 pixels and
    sigmas 1, 1.5, 2.5 pixels, 1 920 filters) to other sizes, and give exactly it at
    ``size=5``:

    * wavelengths: the ladder 3, 4, 6, 8, 12, 16, 24, 32, ... pixels (steps of 4/3 and 3/2)
      up to ``2.4 * size`` (from 3 pixels, the shortest period a grating can have without
      aliasing into another orientation, to a grating of which the filter sees less than
      half a period); e.g. up to 16 pixels for ``size=8``, 24 for 12, 32 for 16;
    * sigmas: ``size / 5 * (1, 1.5, 2.5)``, from a window a fifth of the filter's side to
      one that covers it all (8 pixels: 1.6, 2.4, 4; 16 pixels: 3.2, 4.8, 8).

    Parameters
    ----------
    size
        The side of the filters, pixels, 2 to 1024.
    thetas
        How many orientations, >= 1 (default 16, every 11.25 degrees).
    wavelengths
        The grating periods, pixels, each > 0 (default: see above).
    phases
        How many phases, >= 1 (default 8, every 22.5 degrees).
    sigmas
        The widths of the Gaussian window, pixels, each > 0 (default: see above).

    Returns
    -------
    bank
        ``(n_filters, size * size)``, one unit-shaped filter per row, ``float64``.
    params
        The ``(theta, wavelength, phase, sigma)`` of each row, as floats.
    """
    size = check_int("size", size, minimum=2, maximum=1024)
    thetas = check_int("thetas", thetas, minimum=1)
    phases = check_int("phases", phases, minimum=1)
    if wavelengths is None:
        wavelengths = tuple(float(w) for w in _WAVELENGTH_LADDER if w <= 2.4 * size)
    else:
        wavelengths = _positive_values("wavelengths", wavelengths)
    if sigmas is None:
        sigmas = tuple(size / 5 * s for s in (1.0, 1.5, 2.5))
    else:
        sigmas = _positive_values("sigmas", sigmas)
    n_filters = thetas * len(wavelengths) * phases * len(sigmas)
    if n_filters * size * size > _MAX_BANK_VALUES:
        raise ValueError(
            f"thetas, wavelengths, phases and sigmas make {n_filters} filters of {size} x {size} pixels, "
            f"more than the {_MAX_BANK_VALUES} values allowed; use fewer of them"
        )
    params = [
        (float(t), float(w), float(p), float(s))
        for t in np.linspace(0, np.pi, thetas, endpoint=False)
        for w in wavelengths
        for p in np.linspace(0, np.pi, phases, endpoint=False)
        for s in sigmas
    ]
    bank = unit_shape(np.array([gabor(*q, size=size) for q in params]))
    return bank, params


def unit_shape(filters: Any) -> np.ndarray:
    """Each filter with its mean removed and scaled to norm 1, flattened.

    Introduced in chapter 06. Removing the mean discards the response to uniform light;
    scaling to norm 1 makes the dot product of two unit-shaped filters their cosine
    similarity, from -1 to 1, whatever their contrast.

    Parameters
    ----------
    filters
        ``(n, h, w)`` or ``(n, d)``; none may be constant. ``float32`` stays ``float32``
        (as in chapter 06); other numbers become ``float64``.

    Returns
    -------
    ``(n, h * w)`` (or ``(n, d)``).
    """
    filters = check_array("filters", filters, ndim=(2, 3), dtype_kind="biuf")
    if filters.dtype not in (np.float32, np.float64):
        filters = filters.astype(np.float64)
    # remove the mean (the response to uniform light), scale to norm 1
    flat = filters.reshape(len(filters), -1)
    flat = flat - flat.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(flat, axis=1, keepdims=True)
    if np.any(norms == 0):
        k = int(np.flatnonzero(norms.ravel() == 0)[0])
        raise ValueError(f"filters must not be constant (nothing is left once the mean is removed); filter {k} is")
    return flat / norms


def _check_bank(bank: Any, n_features: int) -> np.ndarray:
    bank = check_array("bank", bank, ndim=2, dtype_kind="f")
    if bank.shape[1] != n_features:
        raise ValueError(f"bank must have {n_features} columns (one per pixel of a filter), got shape {bank.shape}")
    if not (np.allclose(bank.mean(axis=1), 0, atol=1e-6) and np.allclose(np.linalg.norm(bank, axis=1), 1, atol=1e-6)):
        raise ValueError("bank must hold unit-shaped filters (zero mean, norm 1), e.g. from gabor_bank or unit_shape")
    return bank


def best_gabor_fit(filters: Any, bank: Any) -> tuple[np.ndarray, np.ndarray]:
    """How well each filter matches its best Gabor: the largest ``|cosine|`` over the bank.

    Introduced in chapter 06 (``best_gabor`` there). Both signs count as a match (a filter
    and its negative are the same feature, with the opposite polarity).

    Parameters
    ----------
    filters
        ``(n, h, w)`` or ``(n, d)``; none constant.
    bank
        Unit-shaped filters, ``(n_bank, h * w)``, e.g. from :func:`gabor_bank`.

    Returns
    -------
    similarity
        ``(n,)``, between 0 and 1.
    index
        ``(n,)``, the row of ``bank`` that fits each filter best.
    """
    shaped = unit_shape(filters)
    bank = _check_bank(bank, shaped.shape[1])
    sims = np.abs(shaped @ bank.T)  # (filters, bank)
    return sims.max(axis=1), sims.argmax(axis=1)


class GaborTest(NamedTuple):
    """What :func:`gabor_likeness` returns.

    Introduced in chapter 08 (the test of chapter 06).

    Attributes
    ----------
    fit
        ``(n,)``: each filter's best ``|cosine|`` with a Gabor of the bank.
    null
        ``(n, n_shuffles)``: the same for each shuffle of the filter's pixels.
    threshold
        ``(n,)``: each filter's own bar, the ``percentile`` of its shuffles' fits.
    gabor_like
        ``(n,)`` booleans, ``fit > threshold``.
    index
        ``(n,)``: the row of the bank that fits each filter best.
    """

    fit: np.ndarray
    null: np.ndarray
    threshold: np.ndarray
    gabor_like: np.ndarray
    index: np.ndarray


def gabor_likeness(
    filters: Any, *, rng: np.random.Generator, bank: Any = None, n_shuffles: int = 200, percentile: float = 95.0
) -> GaborTest:
    """Is each filter more Gabor-like than its own pixels in random order? Chapter 06's test.

    Introduced in chapter 06 and packaged in chapter 08. A filter's best fit to a bank of
    Gabors means little alone: with over a thousand Gabors to choose from, even noise fits
    one of them somewhat. So each filter is compared with ``n_shuffles`` shuffles of its
    own pixels (same values, so the same contrast and histogram, but no spatial
    structure): it is *Gabor-like* when it fits better than the ``percentile`` of its
    shuffles. Noise passes about ``1 - percentile / 100`` of the time (5 % by default).

    The shuffles are drawn as chapter 06 draws them, filter by filter,
    ``rng.permutation(k.ravel())`` ``n_shuffles`` times each, so the same generator gives
    the same numbers.

    Parameters
    ----------
    filters
        ``(n, h, w)`` or ``(n, d)``; none constant. Square (``h == w``, or ``d`` a perfect
        square) unless ``bank`` is given.
    rng
        The generator for the shuffles.
    bank
        Unit-shaped Gabors, ``(n_bank, h * w)`` (default: ``gabor_bank(h)[0]``).
        Every Gabor of the default bank is centred in the filter, so a localised filter
        away from the centre fits less well than its shape deserves; the shuffled null,
        which is not localised either, is not affected in the same way.
    n_shuffles
        Shuffles per filter, 1 to 100,000 (default 200).
    percentile
        The percentile of the shuffles' fits a filter must beat, between 0 and 100 (default 95).
    """
    rng = _check_rng(rng)
    shaped = unit_shape(filters)  # also checks filters
    flat = check_array("filters", filters, ndim=(2, 3)).reshape(len(shaped), -1)
    n_shuffles = check_int("n_shuffles", n_shuffles, minimum=1, maximum=100_000)
    percentile = check_float("percentile", percentile, minimum=0.0, maximum=100.0)
    if bank is None:
        side = math.isqrt(shaped.shape[1])
        if side * side != shaped.shape[1]:
            raise ValueError(
                f"filters must be square ((n, h, h) or (n, h * h)) to build the default bank, got "
                f"{shaped.shape[1]} pixels per filter; pass a bank of that width instead"
            )
        bank = gabor_bank(side)[0]
    bank = _check_bank(bank, shaped.shape[1])
    fit, index = best_gabor_fit(flat, bank)
    null = np.array(
        [best_gabor_fit(np.array([rng.permutation(k.ravel()) for _ in range(n_shuffles)]), bank)[0] for k in flat]
    )  # (filters, shuffles)
    threshold = np.percentile(null, percentile, axis=1)  # each filter's own bar
    return GaborTest(fit=fit, null=null, threshold=threshold, gabor_like=fit > threshold, index=index)


# ----------------------------------------------------------------------------- sparseness


def _check_axis(axis: Any, ndim: int) -> int:
    axis = check_int("axis", axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis must be between {-ndim} and {ndim - 1} for an array of {ndim} dimension(s), got {axis}")
    return axis


def _vectors(name: str, values: Any, axis: Any, minimum: float | None = None) -> tuple[np.ndarray, int, int]:
    """``values`` checked as vectors of ``n >= 2`` entries along ``axis``: (float64 array, axis, n)."""
    values = check_array(name, values, dtype_kind="biuf", minimum=minimum)
    if values.ndim == 0:
        raise ValueError(f"{name} must have at least one dimension, got a scalar")
    axis = _check_axis(axis, values.ndim)
    n = values.shape[axis]
    if n < 2:
        raise ValueError(f"{name} must have at least 2 entries along axis {axis}, got {n}")
    return values.astype(np.float64), axis, n


def half_energy_share(filters: Any) -> np.ndarray:
    """The share of each filter's pixels that together hold half of its energy (small = localised).

    Introduced in chapter 08 and used again in chapter 09. The squared weights of each filter
    are sorted from largest to smallest, and the count of them needed to reach half the sum
    is divided by the number of pixels: a single bright pixel gives ``1 / d``, a filter with
    equal energy everywhere about one half, random noise about 0.13 on 144 pixels.

    Parameters
    ----------
    filters
        ``(n, d)`` or ``(n, h, w)``, finite, none all zero.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` float64 shares in ``(0, 1]``.
    """
    A = check_array("filters", filters, ndim=(2, 3), dtype_kind="biuf").astype(np.float64)
    A = A.reshape(len(A), -1)
    if not np.all(np.isfinite(A)):
        raise ValueError("filters must be finite")
    energy = np.sort(A**2, axis=1)[:, ::-1]
    total = energy.sum(axis=1, keepdims=True)
    if len(A) == 0 or A.shape[1] == 0 or np.any(total == 0):
        raise ValueError(f"filters must hold at least one filter with a non-zero weight each, got shape {A.shape}")
    cumulative = np.cumsum(energy, axis=1) / total
    return (np.argmax(cumulative >= 0.5, axis=1) + 1) / A.shape[1]


def hoyer_sparsity(x: Any, axis: int = -1) -> float | np.ndarray:
    """Hoyer's (2004) sparseness, ``(sqrt(n) - ||x||_1 / ||x||_2) / (sqrt(n) - 1)``, from 0 to 1.

    Introduced in chapter 08. It compares the ``l1`` and ``l2`` norms of the ``n`` entries
    along ``axis``: 1 when exactly one entry is nonzero, 0 when all have the same
    magnitude, in between otherwise. Only magnitudes matter (signs are ignored), and
    scaling ``x`` changes nothing.

    Parameters
    ----------
    x
        Activities, any real values, with ``n >= 2`` entries along ``axis``.
    axis
        The axis of the ``n`` entries (default the last).

    Returns
    -------
    A float for 1-D ``x``, else an array of ``x``'s shape without ``axis``. An all-zero
    vector has no defined sparseness: ``nan``.
    """
    x, axis, n = _vectors("x", x, axis)
    x = np.abs(x)
    x = x / np.maximum(x.max(axis=axis, keepdims=True), np.finfo(float).tiny)  # scale-free; no overflow
    l1, l2 = x.sum(axis=axis), np.sqrt(np.sum(x**2, axis=axis))
    with np.errstate(invalid="ignore", divide="ignore"):  # 0 / 0 for all-zero vectors: nan
        s = np.clip((np.sqrt(n) - l1 / l2) / (np.sqrt(n) - 1), 0.0, 1.0)
    s = np.where(l2 > 0, s, np.nan)
    return float(s) if s.ndim == 0 else s


def treves_rolls_sparseness(rates: Any, axis: int = -1) -> float | np.ndarray:
    """The sparseness ``S = (1 - <r>^2 / <r^2>) / (1 - 1/n)`` of firing rates, from 0 to 1.

    Introduced in chapter 08, in the form of Vinje & Gallant (2000), after Rolls & Tovee
    (1995): ``<.>`` is the mean over the ``n`` rates along ``axis`` (``n`` neurons for
    *population* sparseness, ``n`` stimuli for one neuron's *lifetime* sparseness). 1 when
    exactly one rate is nonzero, 0 when all are equal.

    Parameters
    ----------
    rates
        Nonnegative rates, ``n >= 2`` along ``axis``.
    axis
        The axis of the ``n`` rates (default the last).

    Returns
    -------
    A float for 1-D ``rates``, else an array of ``rates``'s shape without ``axis``. All
    rates zero: ``nan`` (undefined).
    """
    r, axis, n = _vectors("rates", rates, axis, minimum=0)
    r = r / np.maximum(r.max(axis=axis, keepdims=True), np.finfo(float).tiny)  # scale-free; no overflow
    mean, mean_sq = r.mean(axis=axis), np.mean(r**2, axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):  # 0 / 0 when all rates are 0: nan
        s = np.clip((1 - mean**2 / mean_sq) / (1 - 1 / n), 0.0, 1.0)
    s = np.where(mean_sq > 0, s, np.nan)
    return float(s) if s.ndim == 0 else s
