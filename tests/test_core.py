"""neurodl's package surface: seeding, device choice, and a light import."""

import json
import random
import subprocess
import sys

import numpy as np
import pytest

import neurodl


def test_import_loads_no_framework():
    # a fresh interpreter: this test process may already have imported torch
    code = (
        "import sys, neurodl; "
        "print(json.dumps(sorted(m for m in ('torch','tensorflow','keras','matplotlib','sklearn') if m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []


def test_lazy_submodules_load_on_first_use():
    assert "neurodl.data" in dir(neurodl) or "data" in dir(neurodl)
    assert neurodl.data.FASHION_MNIST_CLASSES[0] == "T-shirt/top"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        neurodl.nope  # noqa: B018


def test_set_seed_repeats_python_numpy_and_returns_generator():
    rng = neurodl.set_seed(123)
    first = (random.random(), np.random.rand(), rng.random())
    rng = neurodl.set_seed(123)
    assert (random.random(), np.random.rand(), rng.random()) == first


def test_set_seed_seeds_torch_when_imported():
    torch = pytest.importorskip("torch")
    neurodl.set_seed(7)
    a = torch.rand(3)
    neurodl.set_seed(7)
    assert torch.equal(a, torch.rand(3))


def test_set_seed_seeds_tensorflow_when_imported():
    code = (
        "import os; os.environ['TF_CPP_MIN_LOG_LEVEL']='2'\n"
        "import tensorflow as tf, neurodl\n"
        "neurodl.set_seed(5); a = tf.random.uniform((3,)).numpy()\n"
        "neurodl.set_seed(5); b = tf.random.uniform((3,)).numpy()\n"
        "print((a == b).all())"
    )
    pytest.importorskip("tensorflow")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("True")


def test_neurodl_seed_replaces_the_chapters_seed(monkeypatch):
    monkeypatch.setenv("NEURODL_SEED", "7")
    first = neurodl.set_seed(0).random()
    assert neurodl.active_seed() == 7
    monkeypatch.delenv("NEURODL_SEED")
    assert neurodl.set_seed(7).random() == first       # the same stream as seed 7
    assert neurodl.set_seed(0).random() != first
    assert neurodl.active_seed() == 0


@pytest.mark.parametrize("bad", ["x", "-1", "1.5", str(2**32)])
def test_neurodl_seed_is_checked(monkeypatch, bad):
    monkeypatch.setenv("NEURODL_SEED", bad)
    with pytest.raises(ValueError, match="NEURODL_SEED"):
        neurodl.set_seed(0)


def test_seeds_follow_the_active_seed(monkeypatch):
    monkeypatch.delenv("NEURODL_SEED", raising=False)
    neurodl.set_seed(0)
    three = neurodl.seeds(3)
    assert three == neurodl.seeds(3) and neurodl.seeds(5)[:3] == three    # repeatable, extendable
    assert len(set(three)) == 3 and 0 not in three
    assert all(isinstance(s, int) and 0 <= s < 2**32 for s in three)
    neurodl.set_seed(1)
    assert not set(neurodl.seeds(3)) & set(three)                          # another seed, other runs
    with pytest.raises(ValueError, match="n must be >= 1"):
        neurodl.seeds(0)


def test_data_subsets_follow_the_active_seed(monkeypatch):
    monkeypatch.delenv("NEURODL_SEED", raising=False)
    y = np.arange(1000) % 10
    neurodl.set_seed(0)
    default = neurodl.data.balanced_subset(y, 50)
    assert np.array_equal(default, neurodl.data.balanced_subset(y, 50, seed=0))
    monkeypatch.setenv("NEURODL_SEED", "3")
    neurodl.set_seed(0)
    assert np.array_equal(neurodl.data.balanced_subset(y, 50), neurodl.data.balanced_subset(y, 50, seed=3))
    assert not np.array_equal(neurodl.data.balanced_subset(y, 50), default)


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "3", None, True])
def test_set_seed_rejects_bad_seeds(bad):
    with pytest.raises((TypeError, ValueError), match="seed"):
        neurodl.set_seed(bad)


def test_device_is_cpu_here_or_an_accelerator():
    pytest.importorskip("torch")
    assert neurodl.device().type in ("cpu", "cuda", "mps")
    assert neurodl.device("cpu").type == "cpu"


def test_device_rejects_unknown_and_unavailable(monkeypatch):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="prefer must be"):
        neurodl.device("tpu")
    monkeypatch.setenv("NEURODL_DEVICE", "gpu")
    with pytest.raises(ValueError, match="NEURODL_DEVICE"):
        neurodl.device()
    monkeypatch.delenv("NEURODL_DEVICE")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no cuda device"):
            neurodl.device("cuda")


def test_record_headline_validates_and_returns_floats():
    assert neurodl.record_headline(test_acc=0.9, epochs=3) == {"test_acc": 0.9, "epochs": 3.0}
    with pytest.raises(ValueError, match="at least one metric"):
        neurodl.record_headline()
    with pytest.raises(TypeError, match="test_acc must be a real number"):
        neurodl.record_headline(test_acc="high")
    with pytest.raises(ValueError, match="epochs must be finite"):
        neurodl.record_headline(epochs=10**400)
    with pytest.raises(ValueError, match="finite"):
        neurodl.record_headline(loss=float("nan"))
