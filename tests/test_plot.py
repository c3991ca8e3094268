"""neurodl.plot: one style, image grids and training curves."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from neurodl import plot  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_book_style_sets_palette_and_size():
    plot.use_book_style()
    assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][0] == plot.COLORS[0]
    assert tuple(matplotlib.rcParams["figure.figsize"]) == (6.4, 4.0)


def test_image_grid_layout_and_titles():
    images = np.random.default_rng(0).random((12, 28, 28))
    labels = np.arange(12) % 10
    preds = labels.copy()
    preds[3] = 0
    fig = plot.image_grid(images, labels, predictions=preds, class_names=[str(i) for i in range(10)], ncols=5)
    axes = fig.axes
    assert len(axes) == 15  # 3 rows of 5, the last 3 empty
    assert axes[3].get_title() == "0\n(3)"  # a wrong prediction shows the truth in brackets
    assert axes[4].get_title() == "4"


def test_image_grid_accepts_flat_and_rgb_images():
    assert len(plot.image_grid(np.zeros((4, 64)), ncols=4).axes) == 4
    assert len(plot.image_grid(np.zeros((2, 8, 8, 3))).axes) == 2


@pytest.mark.parametrize(
    "images, kwargs, error, match",
    [
        (np.zeros((3, 10)), {}, ValueError, "not a perfect square"),
        (np.zeros(5), {}, ValueError, "images must be 2-D or 3-D or 4-D"),
        (np.zeros((2, 8, 8, 5)), {}, ValueError, "1, 3 or 4 channels"),
        (np.zeros((2, 8, 8)), {"labels": [1]}, ValueError, "one entry per image"),
        (np.zeros((2, 8, 8)), {"labels": [1, 12], "class_names": ["a", "b"]}, ValueError, "index class_names"),
        (np.zeros((2, 8, 8)), {"ncols": 0}, ValueError, "ncols must be >= 1"),
        ("abc", {}, TypeError, "images must be an array-like"),
        (np.zeros((0, 8, 8)), {}, ValueError, "images must not be empty"),
    ],
)
def test_image_grid_bad_input(images, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot.image_grid(images, **kwargs)


def test_training_curves_puts_losses_left_and_metrics_right():
    fig = plot.training_curves({"train_loss": [1.0, 0.5], "test_loss": [1.1, 0.7], "test_acc": [0.6, 0.8]})
    left, right = fig.axes
    assert len(left.lines) == 2 and len(right.lines) == 1
    assert left.get_ylabel() == "loss"


@pytest.mark.parametrize(
    "history, error",
    [({}, TypeError), ([1, 2], TypeError), ({"loss": []}, ValueError), ({"loss": [float("nan")]}, ValueError)],
)
def test_training_curves_bad_input(history, error):
    with pytest.raises(error):
        plot.training_curves(history)


def test_decision_boundary_shades_both_classes_and_draws_the_line():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    y = np.array([0, 1, 1, 0])
    ax = plot.decision_boundary(lambda P: (P[:, 1] > 0.5).astype(int), X, y, title="t")
    assert ax.get_title() == "t" and len(ax.collections) >= 3  # fill, line, two scatters
    assert ax.get_xlim()[0] == pytest.approx(-0.5)


def test_decision_boundary_multiclass_and_bad_input():
    X = np.random.default_rng(0).random((30, 2))
    y = np.arange(30) % 3
    plot.decision_boundary(lambda P: np.clip((P[:, 0] * 3).astype(int), 0, 2), X, y)
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\)"):
        plot.decision_boundary(lambda P: P[:, 0], np.zeros((4, 3)), np.zeros(4, dtype=int))
    with pytest.raises(TypeError, match="predict must be a function"):
        plot.decision_boundary("f", X, y)
    with pytest.raises(ValueError, match="one label per row"):
        plot.decision_boundary(lambda P: P[:, 0], X, y[:5])


def test_decision_boundary_names_the_classes_in_words():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    y = np.array([0, 1, 1, 0])
    ax = plot.decision_boundary(lambda P: (P[:, 1] > 0.5).astype(int), X, y, class_names=["malignant", "benign"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["malignant", "benign"]
    with pytest.raises(ValueError, match="class_names"):
        plot.decision_boundary(lambda P: P[:, 0], X, y, class_names=["only one"])
    with pytest.raises(TypeError, match="class_names"):
        plot.decision_boundary(lambda P: P[:, 0], X, y, class_names="ab")


def test_training_curves_legends_are_words():
    fig = plot.training_curves({"train_loss": [1.0, 0.5], "Keras val_loss": [1.1, 0.6], "val_acc": [0.5, 0.8],
                                "NumPy, test accuracy": [0.4, 0.6], "my_score": [0.1, 0.2]})
    labels = [t.get_text() for ax in fig.axes for t in ax.get_legend().get_texts()]
    assert labels == ["training loss", "Keras, validation loss", "validation accuracy", "NumPy, test accuracy",
                      "my_score"]
