"""neurodl.check: the comparisons every from-scratch chapter ends with."""

import numpy as np
import pytest

from neurodl.check import below, max_abs_diff, over_runs, to_numpy


def test_max_abs_diff_arrays_lists_and_dicts():
    a = np.array([1.0, 2.0, 3.0])
    assert max_abs_diff(a, a + [0, 0.5, -0.25]) == 0.5
    assert max_abs_diff([a, a], [a, a + 1]) == 1.0
    assert max_abs_diff({"w": a, "b": a[:1]}, {"w": a, "b": a[:1] - 2}) == 2.0
    assert max_abs_diff([1.0, 2.0], [1.0, 2.5]) == 0.5  # a list of numbers is one array


def test_max_abs_diff_accepts_torch_tensors():
    torch = pytest.importorskip("torch")
    t = torch.ones(2, 3, requires_grad=True)
    assert max_abs_diff(t * 2, np.full((2, 3), 2.0)) == 0.0


@pytest.mark.parametrize(
    "a, b, match",
    [
        (np.ones(3), np.ones((3, 1)), "same shape"),
        ([np.ones(2)], [np.ones(2), np.ones(2)], "same length"),
        ({"w": np.ones(1)}, {"v": np.ones(1)}, "same keys"),
        (np.ones(0), np.ones(0), "empty"),
    ],
)
def test_max_abs_diff_refuses_mismatches(a, b, match):
    with pytest.raises(ValueError, match=match):
        max_abs_diff(a, b)


def test_to_numpy_rejects_non_numbers_naming_the_argument():
    with pytest.raises(TypeError, match="value must be an array-like of numbers"):
        to_numpy("abc")
    with pytest.raises(TypeError, match="value must hold numbers"):
        to_numpy(np.array(["a"]))
    with pytest.raises(TypeError, match="value must be an array-like"):
        to_numpy([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match="^b must be an array-like"):
        max_abs_diff(np.ones(2), None)


def test_below_prints_the_bound_or_the_failing_value():
    assert below(2.8e-17, 1e-14) == below(4.2e-17, 1e-14) == "< 1e-14"   # portable across kernels
    assert below(0.0, 1e-8) == "< 1e-08"
    assert below(2e-3, 1e-4) == "2.0e-03 (not below 1e-04)"
    with pytest.raises(ValueError, match="value"):
        below(-1.0, 1.0)
    with pytest.raises(ValueError, match="bound"):
        below(1.0, 0.0)


def test_over_runs_gives_mean_and_range():
    assert over_runs([0.1, 0.2, 0.3]) == "0.200 (0.100 to 0.300, 3 runs)"
    assert over_runs(np.array([0.9, 0.95]), ".1%") == "92.5% (90.0% to 95.0%, 2 runs)"
    with pytest.raises(ValueError, match="fmt"):
        over_runs([1.0], "q")
    with pytest.raises(ValueError, match="values"):
        over_runs([[1.0, 2.0]])


def test_numerical_gradient_of_a_known_function():
    from neurodl.check import numerical_gradient

    a = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = a.copy()
    grad = numerical_gradient(lambda: float(np.sum(a**3)), a)
    assert np.allclose(grad, 3 * before**2, atol=1e-8) and np.array_equal(a, before)  # and a is restored


@pytest.mark.parametrize(
    "args, match",
    [(("not callable", np.zeros(2)), "f must be"), ((lambda: 0.0, [0.0]), "array must be"),
     ((lambda: 0.0, np.zeros(2, dtype=np.float32)), "array must be"), ((lambda: 0.0, np.zeros(2), 0.0), "eps")],
)
def test_numerical_gradient_bad_input(args, match):
    from neurodl.check import numerical_gradient

    with pytest.raises((TypeError, ValueError), match=match):
        numerical_gradient(*args)

