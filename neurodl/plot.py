"""One look for every figure in the book, and the plots chapters draw again and again.

Introduced in chapter 01. Call :func:`use_book_style` once in a chapter's Setup cell;
then :func:`image_grid` shows images with their labels, :func:`decision_boundary` the
regions a 2-D classifier assigns to each class, and :func:`training_curves` a training
history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from neurodl._validate import check_array, check_int

__all__ = ["COLORS", "use_book_style", "image_grid", "decision_boundary", "training_curves"]

#: Okabe & Ito's palette: distinguishable with every common form of colour blindness.
COLORS: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)

_STYLE: dict[str, Any] = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.constrained_layout.use": True,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "image.cmap": "viridis",
    "svg.hashsalt": "neurodl",  # stable SVG ids, so stored outputs do not churn
}


def use_book_style() -> None:
    """Apply the book's figure style (sizes, fonts, colour-blind-safe colours).

    Introduced in chapter 01, called in every chapter's Setup cell.
    """
    mpl.rcParams.update(_STYLE)
    mpl.rcParams["axes.prop_cycle"] = mpl.cycler(color=COLORS)


def _as_images(images: Any) -> np.ndarray:
    array = check_array("images", images, ndim=(2, 3, 4))
    if array.ndim == 2:  # flattened square images, shape (n, side*side)
        side = int(round(np.sqrt(array.shape[1])))
        if side * side != array.shape[1]:
            raise ValueError(
                "images of shape (n, d) must be flattened square images, "
                f"but d={array.shape[1]} is not a perfect square"
            )
        array = array.reshape(len(array), side, side)
    if array.ndim == 4 and array.shape[-1] not in (1, 3, 4):
        raise ValueError(
            "images of shape (n, height, width, channels) must have 1, 3 or 4 channels last, "
            f"got shape {array.shape}"
        )
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    return array


def image_grid(
    images: Any,
    labels: Any = None,
    *,
    class_names: Sequence[str] | None = None,
    predictions: Any = None,
    ncols: int = 10,
    cmap: str = "gray_r",
    title: str | None = None,
    size: float = 1.1,
) -> plt.Figure:
    """Show images in a grid, titled with their labels (and predictions, if given).

    Introduced in chapter 01.

    Parameters
    ----------
    images
        ``(n, height, width)``, ``(n, height, width, channels)``, or flattened square
        images ``(n, height*width)``.
    labels, predictions
        Optional integer class labels of length ``n``. With both, a wrong prediction's
        title reads ``pred (true)`` in red.
    class_names
        Names for the labels; without them, the numbers are shown.
    ncols
        Images per row.
    """
    array = _as_images(images)
    n = len(array)
    ncols = check_int("ncols", ncols, minimum=1)
    size = float(size)
    if size <= 0:
        raise ValueError(f"size must be > 0, got {size}")

    def _labels(name: str, value: Any) -> np.ndarray | None:
        if value is None:
            return None
        arr = check_array(name, value, ndim=1, dtype_kind="iu")
        if len(arr) != n:
            raise ValueError(f"{name} must have one entry per image ({n}), got {len(arr)}")
        if class_names is not None and (arr.min() < 0 or arr.max() >= len(class_names)):
            raise ValueError(f"{name} must be in 0..{len(class_names) - 1} to index class_names")
        return arr

    true = _labels("labels", labels)
    pred = _labels("predictions", predictions)

    def name(k: int) -> str:
        return class_names[k] if class_names is not None else str(k)

    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    extra = 0.35 if (true is not None or pred is not None) else 0.0
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, (size + extra) * nrows), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i >= n:
            continue
        ax.imshow(array[i], cmap=None if array.ndim == 4 else cmap)
        if pred is not None:
            wrong = true is not None and pred[i] != true[i]
            text = f"{name(pred[i])}\n({name(true[i])})" if wrong else name(pred[i])
            ax.set_title(text, fontsize=8, color=COLORS[1] if wrong else "black")
        elif true is not None:
            ax.set_title(name(true[i]), fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    X: Any,
    y: Any,
    *,
    ax: plt.Axes | None = None,
    resolution: int = 200,
    margin: float = 0.5,
    levels: Sequence[float] | None = None,
    title: str | None = None,
    xlabel: str = "$x_1$",
    ylabel: str = "$x_2$",
    class_names: Sequence[str] | None = None,
) -> plt.Axes:
    """Shade the regions a 2-D classifier assigns to each class, with the data on top.

    Introduced in chapter 02 (the perceptron); used again for logistic regression (03)
    and for XOR (04).

    Parameters
    ----------
    predict
        Maps an array of points, shape ``(n, 2)``, to one number per point: a class label,
        or a score that is thresholded at 0.5 (pass ``levels`` to draw other contours).
    X, y
        The data, shape ``(n, 2)`` and ``(n,)`` with integer labels.
    ax
        Axes to draw on; a new figure is made if ``None``.
    resolution
        Grid points per axis.
    margin
        How far beyond the data the shaded area extends, in data units.
    class_names
        The legend's name for each class label 0, 1, ... (default "class 0", "class 1", ...),
        so that a figure can say "benign" instead of a number.
    """
    if not callable(predict):
        raise TypeError(f"predict must be a function of an (n, 2) array, got {type(predict).__name__}")
    X = check_array("X", X, ndim=2)
    if X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2) for a 2-D plot, got {X.shape}")
    y = check_array("y", y, ndim=1, dtype_kind="biu")
    if len(y) != len(X):
        raise ValueError(f"y must have one label per row of X ({len(X)}), got {len(y)}")
    resolution = check_int("resolution", resolution, minimum=2)
    if class_names is not None:
        if isinstance(class_names, str) or not all(isinstance(n, str) for n in class_names):
            raise TypeError("class_names must be a sequence of strings, one per class label")
        if int(y.max()) >= len(class_names) or int(y.min()) < 0:
            raise ValueError(f"class_names must name every label 0..{int(y.max())}, got {len(class_names)} names")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.0))
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([g1.ravel(), g2.ravel()])
    z = np.asarray(predict(grid), dtype=float).reshape(g1.shape)
    classes = np.unique(y)
    cmap = mpl.colors.ListedColormap([COLORS[i % len(COLORS)] for i in range(max(len(classes), 2))])
    if levels is not None:
        fill_levels = line_levels = list(levels)
    else:  # class labels 0..k-1 (or scores thresholded at 0.5): boundaries half-way
        fill_levels = np.arange(len(classes) + 1) - 0.5
        fill_levels[0] = min(fill_levels[0], z.min()) - 1.0  # finite: matplotlib warns on inf
        fill_levels[-1] = max(fill_levels[-1], z.max()) + 1.0
        line_levels = np.arange(1, len(classes)) - 0.5
    ax.contourf(g1, g2, z, levels=fill_levels, cmap=cmap, alpha=0.18)
    ax.contour(g1, g2, z, levels=line_levels, colors="k", linewidths=1)
    for k, c in enumerate(classes):
        name = class_names[int(c)] if class_names is not None else f"class {c}"
        ax.scatter(*X[y == c].T, s=18, color=COLORS[k % len(COLORS)], edgecolor="white", linewidth=0.5, label=name)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="best")
    if title:
        ax.set_title(title)
    return ax


#: Legend words for the history keys the book's training loops use.
HISTORY_WORDS = {"train": "training", "val": "validation", "test": "test", "loss": "loss", "acc": "accuracy"}


def _words(key: str) -> str:
    """``"train_acc"`` -> ``"training accuracy"``, ``"Keras val_loss"`` -> ``"Keras, validation loss"``;
    a key that does not end in a history name is kept."""
    head, _, last = key.rpartition(" ")
    parts = last.split("_")
    if len(parts) == 2 and all(p in HISTORY_WORDS for p in parts):
        words = " ".join(HISTORY_WORDS[p] for p in parts)
        return f"{head}, {words}" if head else words
    return key


def training_curves(
    history: Mapping[str, Sequence[float]],
    *,
    xlabel: str = "epoch",
    title: str | None = None,
) -> plt.Figure:
    """Plot a training history: losses on the left, every other metric on the right.

    Introduced in chapter 01. ``history`` maps names to one value per epoch, for
    example ``{"train_loss": [...], "test_loss": [...], "test_acc": [...]}``, the
    form the book's training loops return. Names containing ``loss`` share the left
    panel; the rest (accuracies) share the right one. The book's standard names are shown
    in words in the legends ("training loss", "test accuracy"), also after a prefix ("Keras val_loss"
    becomes "Keras, validation loss"); any other name as it is.
    """
    if not isinstance(history, Mapping) or not history:
        raise TypeError("history must be a non-empty mapping of name -> list of values per epoch")
    series = {}
    for key, values in history.items():
        if not isinstance(key, str):
            raise TypeError(f"history keys must be strings, got {key!r}")
        series[key] = check_array(f"history[{key!r}]", values, ndim=1)
    losses = {k: v for k, v in series.items() if "loss" in k}
    others = {k: v for k, v in series.items() if "loss" not in k}
    panels = [p for p in (losses, others) if p]
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.2), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        for key, values in panel.items():
            ax.plot(np.arange(1, len(values) + 1), values, marker="o", markersize=3, label=_words(key))
        ax.set_xlabel(xlabel)
        ax.set_ylabel("loss" if panel is losses else "value")
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig
