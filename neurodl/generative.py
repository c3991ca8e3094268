"""Measuring generative models, offline: Fréchet and kernel distances, mode coverage.

Introduced in chapter 09. A generative model is judged by how its samples compare with
real data, and two families of measures do it without a human in the loop. On images, both
sets are mapped to the features of a trained classifier and the two clouds of features are
compared: the *Fréchet distance* between Gaussians fitted to them (Heusel et al., 2017; the
"FID" when the features are Inception's) and the *kernel distance*, an unbiased estimate of
the squared maximum mean discrepancy (Bińkowski et al., 2018; the "KID"). The book has no
Inception weights, so it uses a small classifier of Fashion-MNIST instead (its distances are
comparable with each other, not with published FIDs). On toy data with known modes, a ring
of Gaussians (Metz et al., 2017), one counts how many modes the samples reach and how many
samples lie close to one (Srivastava et al., 2017; Lin et al., 2018).

=============================  ======================================================
``frechet_distance``           Fréchet distance between Gaussians fitted to two
                               feature sets (FID formula)
``kernel_distance``            kernel distance (KID): mean and spread over subsets
``class_shares``               the share of each class among labels or predictions
``ring_centres``               the centres of a ring of Gaussians
``ring_of_gaussians``          samples of that ring and their mode indices
``mode_coverage``              modes covered and share of high-quality samples
``feature_net``                a new, untrained feature classifier for 28 x 28 images
``train_feature_net``          train one (Adam, one-cycle learning rate)
``image_features``             its features (before the last ReLU) of images
``image_predictions``          its predicted classes of images
``save_feature_net``           store its weights (``torch.save`` of the state dict)
``load_feature_net``           load stored weights, by default the book's own
=============================  ======================================================

Conventions. Feature sets are 2-D arrays ``(n, d)``, one sample per row; images are
``(n, 784)``, ``(n, 28, 28)`` or ``(n, 1, 28, 28)`` arrays (NumPy or PyTorch) of grey
levels in [0, 1]. Distances are Python floats computed in float64. PyTorch is imported only
by the functions of the feature network, so ``import neurodl.generative`` does not load it.

References
----------
Heusel, Ramsauer, Unterthiner, Nessler & Hochreiter (2017). GANs trained by a two time-scale
update rule converge to a local Nash equilibrium. NeurIPS.
Bińkowski, Sutherland, Arbel & Gretton (2018). Demystifying MMD GANs. ICLR.
Metz, Poole, Pfau & Sohl-Dickstein (2017). Unrolled generative adversarial networks. ICLR.
Srivastava, Valkov, Russell, Gutmann & Sutton (2017). VEEGAN: reducing mode collapse in
GANs using implicit variational learning. NeurIPS.
Lin, Khetan, Fanti & Oh (2018). PacGAN: the power of two samples in generative adversarial
networks. NeurIPS.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from neurodl._validate import check_array, check_float, check_int

__all__ = [
    "frechet_distance",
    "kernel_distance",
    "class_shares",
    "ring_centres",
    "ring_of_gaussians",
    "mode_coverage",
    "feature_net",
    "train_feature_net",
    "image_features",
    "image_predictions",
    "save_feature_net",
    "load_feature_net",
    "FeatureNetNotFoundError",
    "FeatureNetIntegrityError",
    "FEATURE_NET_PATH",
    "FEATURE_NET_SHA256",
]

#: Where the book's trained feature network is stored (written by tools/train_feature_net.py).
FEATURE_NET_PATH = Path(__file__).resolve().parent / "weights" / "fashion_features.pt"

#: SHA-256 of that file; "UNSET" skips the check (until the weights are trained).
FEATURE_NET_SHA256 = "0ab71c38a56ad272314abe33f31bf02032288bee98b0800621fad15858d6e6e0"

_REBUILD_HINT = (
    "restore the book's file (`git checkout -- neurodl/weights/fashion_features.pt` in a clone, or reinstall "
    "neurodl); or run `python tools/train_feature_net.py` to train a new one and set FEATURE_NET_SHA256 to "
    "the digest it prints"
)


class FeatureNetNotFoundError(FileNotFoundError):
    """No stored feature network where one was looked for; the message names the path and the fix."""


class FeatureNetIntegrityError(ValueError):
    """A stored feature network is corrupted or not the expected one; the message names the path."""


# ----------------------------------------------------------------------------- feature distances


def _feature_sets(features_a: Any, features_b: Any) -> tuple[np.ndarray, np.ndarray]:
    """Both feature sets as float64 ``(n, d)`` arrays with ``n >= 2`` and the same ``d``."""
    sets = []
    for name, value in (("features_a", features_a), ("features_b", features_b)):
        array = check_array(name, value, ndim=2, dtype_kind="biuf").astype(np.float64)
        if len(array) < 2:
            raise ValueError(f"{name} must hold at least 2 samples (rows), got shape {array.shape}")
        sets.append(array)
    a, b = sets
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"features_a and features_b must have the same number of features (columns), "
            f"got {a.shape[1]} and {b.shape[1]}"
        )
    return a, b


def _finite(value: Any, what: str) -> Any:
    if not np.all(np.isfinite(value)):
        raise ValueError(f"features_a and features_b are too large: their {what} overflows float64")
    return value


def frechet_distance(features_a: Any, features_b: Any) -> float:
    """The Fréchet distance between Gaussians fitted to two feature sets (the FID formula).

    Introduced in chapter 09. With ``mu`` and ``C`` the mean and covariance (``ddof=1``) of
    each set, Heusel et al. (2017) compare the two Gaussians by

        ``d^2 = ||mu_a - mu_b||^2 + Tr(C_a + C_b - 2 (C_a C_b)^(1/2))``,

    the squared 2-Wasserstein distance between them; on Inception features it is the FID.
    The trace of the matrix square root is computed stably: ``C_a C_b`` has the eigenvalues
    of the symmetric positive semi-definite ``S C_b S``, with ``S`` the symmetric square
    root of ``C_a`` (by :func:`numpy.linalg.eigh`, negative rounding errors clipped to 0),
    so ``Tr (C_a C_b)^(1/2)`` is the sum of the square roots of those eigenvalues.

    Parameters
    ----------
    features_a, features_b
        Feature sets ``(n_a, d)`` and ``(n_b, d)``, one sample per row, ``n >= 2``, finite.

    Returns
    -------
    float
        The distance (a squared distance, as the FID is), >= 0; it is 0 for identical sets
        and symmetric in its arguments. Like the FID it is biased upwards for small
        samples: compare models on samples of the same size.
    """
    a, b = _feature_sets(features_a, features_b)
    with np.errstate(over="ignore", invalid="ignore"):
        mu_a, mu_b = _finite(a.mean(axis=0), "mean"), _finite(b.mean(axis=0), "mean")
        C_a = _finite(np.atleast_2d(np.cov(a, rowvar=False)), "covariance")
        C_b = _finite(np.atleast_2d(np.cov(b, rowvar=False)), "covariance")
    w, V = np.linalg.eigh(C_a)
    S = (V * np.sqrt(np.clip(w, 0.0, None))) @ V.T
    M = S @ C_b @ S
    trace_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((M + M.T) / 2), 0.0, None)).sum()
    d2 = np.sum((mu_a - mu_b) ** 2) + np.trace(C_a) + np.trace(C_b) - 2.0 * trace_sqrt
    return max(float(d2), 0.0)


def _mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased squared MMD of two equal-size samples, kernel ``(x . y / d + 1)^3``."""
    m, d = x.shape
    k_xx, k_yy, k_xy = ((u @ v.T / d + 1.0) ** 3 for u, v in ((x, x), (y, y), (x, y)))
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within - 2.0 * k_xy.mean())


def kernel_distance(
    features_a: Any, features_b: Any, *, subsets: int = 10, subset_size: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """The kernel distance (KID) of Bińkowski et al. (2018): squared MMD, averaged over subsets.

    Introduced in chapter 09. With the polynomial kernel ``k(x, y) = (x . y / d + 1)^3``,
    the squared maximum mean discrepancy between two samples ``x`` and ``y`` of size ``m``
    has the unbiased estimate

        ``MMD^2 = sum_{i != j} k(x_i, x_j) / (m (m - 1)) + sum_{i != j} k(y_i, y_j) / (m (m - 1))
        - 2 mean_{i, j} k(x_i, y_j)``.

    It is computed on ``subsets`` pairs of random subsets of ``m = min(subset_size, n_a,
    n_b)`` rows, drawn without replacement from each set (each pair: first ``features_a``'s,
    then ``features_b``'s rows, from ``numpy.random.default_rng(seed)``). Unlike the
    Fréchet distance the estimate is unbiased, so it is comparable across sample sizes and
    can be negative (by chance) when the distributions are the same. When ``m`` is both
    ``n_a`` and ``n_b``, every subset is a whole set (reordered) and ``std`` is 0.

    Parameters
    ----------
    features_a, features_b
        Feature sets ``(n_a, d)`` and ``(n_b, d)``, ``n >= 2``, finite.
    subsets
        How many pairs of subsets, 1 to 10 000 (default 10).
    subset_size
        Rows per subset, >= 2 (default 1000, as Bińkowski et al.); capped at ``n_a`` and ``n_b``.
    seed
        Seed of the subset draws, >= 0; the same seed gives the same result.

    Returns
    -------
    mean, std
        The mean of the estimates over the subsets and their standard deviation
        (``ddof=1``; 0.0 for a single subset), Python floats.
    """
    a, b = _feature_sets(features_a, features_b)
    subsets = check_int("subsets", subsets, minimum=1, maximum=10_000)
    subset_size = check_int("subset_size", subset_size, minimum=2)
    seed = check_int("seed", seed, minimum=0)
    m = min(subset_size, len(a), len(b))
    rng = np.random.default_rng(seed)
    estimates = np.empty(subsets)
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(subsets):
            x = a[rng.choice(len(a), m, replace=False)]
            y = b[rng.choice(len(b), m, replace=False)]
            estimates[i] = _mmd2_unbiased(x, y)
    _finite(estimates, "kernel")
    std = float(estimates.std(ddof=1)) if subsets > 1 else 0.0
    return float(estimates.mean()), std


def class_shares(labels: Any, n_classes: int = 10) -> np.ndarray:
    """The share of each class among labels, or among the predictions of a classifier.

    Introduced in chapter 09: a generator that covers every class of Fashion-MNIST has
    shares near ``1 / n_classes``; one that has collapsed onto a few classes does not.

    Parameters
    ----------
    labels
        Integer labels ``(n,)`` in ``[0, n_classes)``, or scores ``(n, n_classes)``
        (logits or probabilities, e.g. of :func:`image_predictions`'s network), whose
        ``argmax`` along each row is taken.
    n_classes
        The number of classes, 1 to 1 000 000 (default 10).

    Returns
    -------
    numpy.ndarray
        ``(n_classes,)`` float64 shares, summing to 1.
    """
    labels = check_array("labels", labels, ndim=(1, 2), dtype_kind="biuf")
    n_classes = check_int("n_classes", n_classes, minimum=1, maximum=1_000_000)
    if labels.ndim == 2:
        if labels.shape[1] != n_classes:
            raise ValueError(
                f"labels given as scores must have n_classes = {n_classes} columns, got shape {labels.shape}"
            )
        labels = labels.argmax(axis=1)
    elif labels.dtype.kind not in "iu":
        raise TypeError(f"labels must be integer class labels (1-D) or scores (2-D), got 1-D {labels.dtype}")
    elif labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(
            f"labels must lie in [0, n_classes) = [0, {n_classes}), got values from {labels.min()} to {labels.max()}"
        )
    return np.bincount(labels.astype(np.int64), minlength=n_classes) / len(labels)


# ----------------------------------------------------------------------------- a ring of Gaussians


def ring_centres(modes: int = 8, radius: float = 2.0) -> np.ndarray:
    """The centres of ``modes`` Gaussians equally spaced on a circle, the first at angle 0.

    Introduced in chapter 09. Centre ``k`` is ``radius (cos 2 pi k / modes, sin 2 pi k / modes)``.

    Parameters
    ----------
    modes
        How many centres, 1 to 10 000 (default 8, as Metz et al., 2017).
    radius
        The circle's radius, > 0 and at most 1e6 (default 2.0).

    Returns
    -------
    numpy.ndarray
        ``(modes, 2)`` float64.
    """
    modes = check_int("modes", modes, minimum=1, maximum=10_000)
    radius = check_float("radius", radius, minimum=0.0, exclusive_minimum=True, maximum=1e6)
    angles = 2.0 * np.pi * np.arange(modes) / modes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def ring_of_gaussians(
    n: int, *, modes: int = 8, radius: float = 2.0, std: float = 0.02, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Samples of an equal mixture of 2-D Gaussians on a ring, the toy data of mode collapse.

    Introduced in chapter 09. Each sample picks one of the :func:`ring_centres` at random
    (all equally likely) and adds isotropic Gaussian noise of standard deviation ``std``.
    With the defaults (8 modes on a circle of radius 2, ``std = 0.02``) it is the ring of
    Metz et al. (2017), also used by Srivastava et al. (2017) and Lin et al. (2018).

    Parameters
    ----------
    n
        How many samples, 1 to 10^8.
    modes, radius
        As in :func:`ring_centres`.
    std
        The standard deviation of each Gaussian, > 0 and at most 1e6 (default 0.02).
    seed
        Seed of :func:`numpy.random.default_rng`, >= 0.

    Returns
    -------
    samples
        ``(n, 2)`` float32.
    mode
        ``(n,)`` int64, the index of the centre each sample was drawn around.
    """
    n = check_int("n", n, minimum=1, maximum=10**8)
    centres = ring_centres(modes, radius)
    std = check_float("std", std, minimum=0.0, exclusive_minimum=True, maximum=1e6)
    seed = check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    mode = rng.integers(len(centres), size=n, dtype=np.int64)
    samples = centres[mode] + std * rng.standard_normal((n, 2))
    return samples.astype(np.float32), mode


def mode_coverage(
    samples: Any, *, modes: int = 8, radius: float = 2.0, std: float = 0.02, min_count: int | None = None
) -> dict[str, Any]:
    """How many modes of a ring of Gaussians the samples cover, and how many samples are good.

    Introduced in chapter 09. The measure of the mode-collapse literature (Metz et al.,
    2017; Srivastava et al., 2017; Lin et al., 2018): each sample is assigned to its nearest
    centre (:func:`ring_centres`) and is *high quality* when it lies within ``3 std`` of it;
    a mode is *covered* when it has at least ``min_count`` high-quality samples.

    Counting a mode as covered from a single sample would reward a generator that sprays a
    few stray points everywhere, so papers set a threshold of a fraction of the samples a
    mode should get (Srivastava et al., 2017; Lin et al., 2018). The default here is a fifth
    of a mode's fair share, ``max(1, round(0.2 n / modes))`` (e.g. 50 of 2 000 samples on 8
    modes): a mode reached that rarely has in effect been dropped.

    The nearest centre is found from each sample's angle: the squared distance to centre
    ``k`` is ``|x|^2 + r^2 - 2 r |x| cos(theta - phi_k)``, smallest for the centre whose
    angle ``phi_k`` is nearest the sample's ``theta``.

    Parameters
    ----------
    samples
        ``(n, 2)`` points, finite.
    modes, radius, std
        The ring the samples should come from, as in :func:`ring_of_gaussians`.
    min_count
        High-quality samples a mode needs to count as covered, >= 1; ``None`` (default)
        for a fifth of the fair share, as above.

    Returns
    -------
    dict
        ``"modes_covered"`` (int), ``"modes_visited"`` (int: modes that are the nearest
        centre of at least ``min_count`` samples, good or not; a collapsed generator visits
        one or two, whatever the quality of its samples), ``"high_quality"`` (float: the
        fraction of all samples that are high quality), ``"counts"`` (``(modes,)`` int64:
        high-quality samples per mode) and ``"min_count"`` (int: the threshold used).
    """
    samples = check_array("samples", samples, ndim=2, dtype_kind="biuf").astype(np.float64)
    if samples.shape[1] != 2:
        raise ValueError(f"samples must be 2-D points, shape (n, 2), got shape {samples.shape}")
    centres = ring_centres(modes, radius)
    modes = len(centres)
    std = check_float("std", std, minimum=0.0, exclusive_minimum=True)
    if min_count is None:
        min_count = max(1, round(0.2 * len(samples) / modes))
    min_count = check_int("min_count", min_count, minimum=1)
    theta = np.arctan2(samples[:, 1], samples[:, 0])
    nearest = np.rint(theta / (2.0 * np.pi / modes)).astype(np.int64) % modes
    good = np.hypot(*(samples - centres[nearest]).T) <= 3.0 * std
    counts = np.bincount(nearest[good], minlength=modes)
    nearest_counts = np.bincount(nearest, minlength=modes)
    return {
        "modes_covered": int(np.sum(counts >= min_count)),
        "modes_visited": int(np.sum(nearest_counts >= min_count)),
        "high_quality": float(np.mean(good)),
        "counts": counts,
        "min_count": min_count,
    }


# ----------------------------------------------------------------------------- the feature network


def feature_net(num_classes: int = 10, width: int = 32, features: int = 128) -> Any:
    """A new, untrained classifier of 28 x 28 grey images whose features measure samples.

    Introduced in chapter 09, in place of the Inception network of the FID. Three
    convolutional blocks (3 x 3 convolutions with ``width``, ``2 width`` and ``4 width``
    channels, each followed by batch normalisation and a ReLU, the first two by 2 x 2 max
    pooling), global average pooling, a linear layer to ``features`` units (the features of
    :func:`image_features`), a ReLU and a linear layer to ``num_classes`` logits.

    Parameters
    ----------
    num_classes
        Outputs, 1 to 1000 (default 10).
    width
        Channels of the first convolution, 1 to 256 (default 32).
    features
        Size of the feature layer, 1 to 4096 (default 128).

    Returns
    -------
    torch.nn.Sequential
        With two parts: ``net.features`` (images ``(n, 1, 28, 28)`` to features) and
        ``net.head`` (features to logits).
    """
    num_classes = check_int("num_classes", num_classes, minimum=1, maximum=1000)
    width = check_int("width", width, minimum=1, maximum=256)
    features = check_int("features", features, minimum=1, maximum=4096)
    from torch import nn

    def block(c_in: int, c_out: int, pool: bool) -> list[nn.Module]:
        layers = [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU()]
        return layers + [nn.MaxPool2d(2)] if pool else layers

    w = width
    body = [*block(1, w, True), *block(w, 2 * w, True), *block(2 * w, 4 * w, False)]
    return nn.Sequential(
        OrderedDict(
            features=nn.Sequential(*body, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4 * w, features)),
            head=nn.Sequential(nn.ReLU(), nn.Linear(features, num_classes)),
        )
    )


def _check_net(net: Any) -> Any:
    from torch import nn

    if not (
        isinstance(net, nn.Module)
        and isinstance(getattr(net, "features", None), nn.Module)
        and isinstance(getattr(net, "head", None), nn.Module)
    ):
        raise TypeError(
            "net must be a network made by feature_net, train_feature_net or load_feature_net, "
            f"got {type(net).__name__}"
        )
    return net


def _as_images(name: str, images: Any) -> np.ndarray:
    """``images`` as a float32 ``(n, 1, 28, 28)`` array with values in [0, 1]."""
    if type(images).__module__.startswith("torch") and hasattr(images, "detach"):
        images = images.detach().cpu()
        images = images.float() if images.is_floating_point() else images
    array = check_array(name, images, dtype_kind="biuf")
    if array.ndim not in (2, 3, 4) or array.shape[1:] not in ((784,), (28, 28), (1, 28, 28)):
        raise ValueError(
            f"{name} must have shape (n, 784), (n, 28, 28) or (n, 1, 28, 28), got shape {array.shape}"
        )
    check_array(name, array, minimum=0.0, maximum=1.0)
    return np.ascontiguousarray(array.reshape(len(array), 1, 28, 28), dtype=np.float32)


def _evaluate(net: Any, images: Any, batch_size: int, part: str) -> np.ndarray:
    """``net.features`` (``part="features"``) or ``net`` (``"logits"``) on images, in eval mode, float32."""
    import torch

    net = _check_net(net)
    X = _as_images("images", images)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    device = next(net.parameters()).device
    module = net.features if part == "features" else net
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad(), torch.autocast(device.type, enabled=False):
            batches = (
                torch.from_numpy(X[i : i + batch_size]).to(device) for i in range(0, len(X), batch_size)
            )
            outputs = [module(batch).float().cpu() for batch in batches]
    finally:
        net.train(was_training)
    return torch.cat(outputs).numpy()


def image_features(net: Any, images: Any, *, batch_size: int = 250) -> np.ndarray:
    """The features of images: ``net``'s feature layer, before its ReLU.

    Introduced in chapter 09; pass them to :func:`frechet_distance` and
    :func:`kernel_distance`. The network runs in eval mode (batch normalisation uses its
    running statistics, so each image's features do not depend on the batch), under
    ``torch.no_grad`` and in float32 (autocast off), on the device of its parameters; its
    train/eval mode is restored afterwards.

    Parameters
    ----------
    net
        A network of :func:`feature_net`, :func:`train_feature_net` or :func:`load_feature_net`.
    images
        ``(n, 784)``, ``(n, 28, 28)`` or ``(n, 1, 28, 28)`` grey levels in [0, 1], finite
        (a NumPy array or a tensor).
    batch_size
        Images per forward pass, >= 1 (default 250: the first layer's activations then
        take 25 MB, and larger batches are no faster on a CPU).

    Returns
    -------
    numpy.ndarray
        ``(n, features)`` float64.
    """
    return _evaluate(net, images, batch_size, "features").astype(np.float64)


def image_predictions(net: Any, images: Any, batch_size: int = 250) -> np.ndarray:
    """The classes ``net`` predicts for images (the ``argmax`` of its logits).

    Introduced in chapter 09, e.g. for :func:`class_shares` of generated images. Runs as
    :func:`image_features` does; the arguments are the same.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` int64 class indices.
    """
    return _evaluate(net, images, batch_size, "logits").argmax(axis=1).astype(np.int64)


def train_feature_net(
    X: Any,
    y: Any,
    *,
    epochs: int = 3,
    seed: int = 0,
    batch_size: int = 128,
    lr: float = 2e-3,
    width: int = 32,
    features: int = 128,
) -> Any:
    """Train a :func:`feature_net` (10 classes) to classify images; returned in eval mode.

    Introduced in chapter 09; ``tools/train_feature_net.py`` trains the book's network on
    Fashion-MNIST with it. Cross-entropy, Adam and the one-cycle learning-rate schedule
    (peak ``lr``), mini-batches reshuffled every epoch, float32 on the CPU, no augmentation.
    ``torch.manual_seed(seed)`` sets the initial weights and a generator seeded with
    ``seed`` the shuffling, so a run is repeatable on the same machine.

    Parameters
    ----------
    X
        Training images, ``(n, 784)``, ``(n, 28, 28)`` or ``(n, 1, 28, 28)``, in [0, 1].
    y
        Their labels, ``(n,)`` integers in [0, 10).
    epochs
        Passes over the data, 1 to 1000 (default 3).
    seed
        The seed, 0 to 2^63 - 1 (default 0).
    batch_size
        Images per step, >= 1 (default 128).
    lr
        The peak learning rate, > 0 and at most 1 (default 2e-3).
    width, features
        The network's size, as in :func:`feature_net` (defaults 32 and 128).

    Returns
    -------
    torch.nn.Sequential
        The trained network, in eval mode.
    """
    X = _as_images("X", X)
    y = check_array("y", y, ndim=1, dtype_kind="iu")
    if len(y) != len(X):
        raise ValueError(f"y must hold one label per image of X: got {len(y)} labels for {len(X)} images")
    if y.min() < 0 or y.max() >= 10:
        raise ValueError(f"y must hold class labels in [0, 10), got values from {y.min()} to {y.max()}")
    epochs = check_int("epochs", epochs, minimum=1, maximum=1000)
    seed = check_int("seed", seed, minimum=0, maximum=2**63 - 1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, exclusive_minimum=True, maximum=1.0)
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    net = feature_net(10, width, features)
    shuffle = torch.Generator().manual_seed(seed)
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    steps = epochs * math.ceil(len(X) / batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    net.train()
    for _ in range(epochs):
        for idx in torch.randperm(len(X), generator=shuffle).split(batch_size):
            loss = F.cross_entropy(net(X_t[idx]), y_t[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
    return net.eval()


def _check_path(name: str, value: Any) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike), got {type(value).__name__}")
    return Path(value).expanduser()


def save_feature_net(net: Any, path: str | os.PathLike[str]) -> Path:
    """Store a feature network's weights: ``torch.save(net.state_dict(), path)``.

    Introduced in chapter 09. Missing parent folders are created. Load the file with
    :func:`load_feature_net`.

    Parameters
    ----------
    net
        A network of :func:`feature_net`, :func:`train_feature_net` or :func:`load_feature_net`.
    path
        The file to write (conventionally ``.pt``); an existing file is replaced.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    import torch

    net = _check_net(net)
    path = _check_path("path", path)
    if path.is_dir():
        raise ValueError(f"path must name a file, but {path} is a folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(net.state_dict(), path)
    return path


def load_feature_net(path: str | os.PathLike[str] | None = None) -> Any:
    """Load a feature network stored by :func:`save_feature_net`; by default the book's own.

    Introduced in chapter 09. The file is read with ``torch.load(..., weights_only=True)``,
    which loads tensors but never runs code stored in the file. The architecture (``width``,
    ``features``, ``num_classes`` of :func:`feature_net`) is read from the shapes of the
    stored weights. The book's network (``path=None``), trained on Fashion-MNIST by
    ``tools/train_feature_net.py``, is :data:`FEATURE_NET_PATH`, and its SHA-256 is checked
    against :data:`FEATURE_NET_SHA256` before it is loaded.

    Parameters
    ----------
    path
        The file, or ``None`` (default) for the book's network.

    Returns
    -------
    torch.nn.Sequential
        The network, on the CPU and in eval mode.

    Raises
    ------
    FeatureNetNotFoundError
        No file at ``path`` (a ``FileNotFoundError``); the message says how to make one.
    FeatureNetIntegrityError
        The file's SHA-256 is not the expected one, or it holds no feature network (a
        ``ValueError``); the message names the file.
    """
    import torch

    default = path is None
    path = FEATURE_NET_PATH if default else _check_path("path", path)
    if not path.is_file():
        fix = (
            _REBUILD_HINT
            if default
            else "check the path, or write one there with save_feature_net(net, path)"
        )
        raise FeatureNetNotFoundError(
            f"path {path}: no file there; expected the weights of a feature network written by "
            f"save_feature_net. To fix this, {fix}."
        )
    if default and FEATURE_NET_SHA256 != "UNSET":
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != FEATURE_NET_SHA256:
            raise FeatureNetIntegrityError(
                f"path {path}: the file's SHA-256 is {digest}, expected {FEATURE_NET_SHA256} "
                f"(neurodl.generative.FEATURE_NET_SHA256); the file is corrupted or from another "
                f"version. To fix this, {_REBUILD_HINT}."
            )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        net = feature_net(
            num_classes=state["head.1.weight"].shape[0],
            width=state["features.0.weight"].shape[0],
            features=state["features.13.weight"].shape[0],
        )
        net.load_state_dict(state)
    except Exception as exc:  # not a zip of tensors, another network, missing or misshapen weights
        raise FeatureNetIntegrityError(
            f"path {path} does not hold the weights of a feature network written by save_feature_net "
            f"({type(exc).__name__}: {str(exc)[:200]})"
        ) from exc
    return net.eval()
