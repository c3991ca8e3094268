"""neurodl.data: finding, verifying and loading the book's datasets.

The error paths (missing, truncated, corrupted, mis-set $NEURODL_DATA) run on copies in a
temporary folder, with the real search path redirected there, so nothing the user has is
touched; the test at the end proves that.
"""

import gzip
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from neurodl import data
from neurodl.data import DatasetIntegrityError, DatasetNotFoundError

NAMES = [spec.name for spec in data._FILES.values()]


@pytest.fixture(scope="session")
def real_dir() -> Path:
    folder = data.find_fashion_mnist()
    if folder is None:
        message = "Fashion-MNIST is not installed: sudo apt-get install dataset-fashion-mnist"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it, so its absence there is a failure
        pytest.skip(message)
    return folder


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """Point every place the loader looks at empty folders inside tmp_path."""
    repo = tmp_path / "repo_data"
    debian = tmp_path / "debian"
    repo.mkdir()
    monkeypatch.setattr(data, "REPO_DATA_DIR", repo)
    monkeypatch.setattr(data, "DEBIAN_DIR", debian)
    monkeypatch.delenv("NEURODL_DATA", raising=False)
    return tmp_path


def _copy_files(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        shutil.copy2(src / name, dst / name)
    return dst


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


# ----------------------------------------------------------------------------- loading


def test_full_dataset_shapes_and_ranges(real_dir):
    X_train, y_train, X_test, y_test, names = data.load_fashion_mnist()
    assert X_train.shape == (60000, 28, 28) and X_test.shape == (10000, 28, 28)
    assert X_train.dtype == np.float32 and 0.0 <= X_train.min() and X_train.max() == 1.0
    assert y_train.dtype == np.int64 and set(np.unique(y_test)) == set(range(10))
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert names == data.FASHION_MNIST_CLASSES and len(names) == 10


def test_raw_and_flat_options(real_dir):
    d = data.load_fashion_mnist(n_train=50, n_test=20, normalize=False, flatten=True)
    assert d.X_train.shape == (50, 784) and d.X_train.dtype == np.uint8
    assert d.X_test.shape == (20, 784) and d.X_train.max() > 1


def test_subsets_are_balanced_and_repeatable(real_dir):
    a = data.load_fashion_mnist(n_train=100, n_test=30, seed=3)
    b = data.load_fashion_mnist(n_train=100, n_test=30, seed=3)
    c = data.load_fashion_mnist(n_train=100, n_test=30, seed=4)
    assert np.bincount(a.y_train).tolist() == [10] * 10
    assert np.bincount(a.y_test).tolist() == [3] * 10
    assert np.array_equal(a.X_train, b.X_train) and not np.array_equal(a.X_train, c.X_train)


def test_returned_arrays_are_copies(real_dir):
    a = data.load_fashion_mnist(normalize=False)
    a.X_train[:] = 0
    assert data.load_fashion_mnist(normalize=False).X_train.max() == 255


def test_balanced_subset_round_robin():
    y = np.array([0] * 50 + [1] * 5 + [2] * 45)
    idx = data.balanced_subset(y, 12, seed=0)
    assert np.bincount(y[idx]).tolist() == [4, 4, 4]
    assert np.all(np.diff(idx) > 0)
    idx = data.balanced_subset(y, 20, seed=0)  # class 1 runs out after 5
    assert np.bincount(y[idx]).tolist() == [8, 5, 7] or np.bincount(y[idx]).tolist() == [7, 5, 8]


def test_digits_split_is_balanced_and_scaled():
    d = data.load_digits()
    assert d.X_train.shape[1:] == (8, 8) and len(d.X_train) + len(d.X_test) == 1797
    assert 0.0 <= d.X_train.min() and d.X_train.max() == 1.0
    assert np.bincount(d.y_test).min() >= 44 and np.bincount(d.y_test).max() <= 46
    flat = data.load_digits(flatten=True, normalize=False, test_size=0.5)
    assert flat.X_train.shape[1] == 64 and flat.X_train.max() == 16.0
    assert d.class_names == tuple("0123456789")


# ----------------------------------------------------------------------------- errors


def test_missing_dataset_lists_every_place_and_the_fix(isolated, monkeypatch):
    env_dir = isolated / "my_data"
    env_dir.mkdir()
    monkeypatch.setenv("NEURODL_DATA", str(env_dir))
    with pytest.raises(DatasetNotFoundError) as info:
        data.load_fashion_mnist(download=False)
    message = str(info.value)
    for place in data.fashion_mnist_search_path():
        assert str(place) in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "python -m neurodl.data download" in message
    assert "Downloading was not tried" in message


def test_partial_folder_is_reported(isolated, real_dir):
    target = isolated / "repo_data" / "fashion-mnist"
    target.mkdir()
    shutil.copy2(real_dir / NAMES[1], target / NAMES[1])
    with pytest.raises(DatasetNotFoundError, match=r"only 1 of the 4 files: train-labels"):
        data.load_fashion_mnist(download=False)


def test_wrong_neurodl_data_is_named(isolated, monkeypatch):
    monkeypatch.setenv("NEURODL_DATA", str(isolated / "does-not-exist"))
    with pytest.raises(DatasetNotFoundError, match="NEURODL_DATA is set to .*does-not-exist.*not an existing folder"):
        data.load_fashion_mnist()


def test_offline_env_prevents_download(isolated, monkeypatch):
    def no_network(*args, **kwargs):  # pragma: no cover - must not be called
        raise AssertionError("the loader tried to download although NEURODL_OFFLINE is set")

    monkeypatch.setattr(data.urllib.request, "urlopen", no_network)
    monkeypatch.setenv("NEURODL_OFFLINE", "1")
    with pytest.raises(DatasetNotFoundError, match="NEURODL_OFFLINE"):
        data.load_fashion_mnist()


def test_failed_download_gives_the_not_found_message(isolated, monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("network is unreachable")

    monkeypatch.setattr(data.urllib.request, "urlopen", offline)
    with pytest.raises(DatasetNotFoundError) as info:
        data.load_fashion_mnist(download=True)
    message = str(info.value)
    assert "Could not download" in message and "network is unreachable" in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert not list((isolated / "repo_data" / "fashion-mnist").glob("*.part"))  # no debris


def test_download_fills_only_missing_files(isolated, real_dir, monkeypatch):
    target = isolated / "repo_data" / "fashion-mnist"
    target.mkdir()
    (target / NAMES[0]).write_bytes(b"the user's own file")  # must survive untouched
    served = []

    def fake_urlopen(url, timeout):
        name = url.rsplit("/", 1)[1]
        served.append(name)
        return io.BytesIO((real_dir / name).read_bytes())

    monkeypatch.setattr(data.urllib.request, "urlopen", fake_urlopen)
    data.download_fashion_mnist()
    assert sorted(served) == sorted(NAMES[1:])
    assert (target / NAMES[0]).read_bytes() == b"the user's own file"


def test_download_rejects_a_corrupted_transfer(isolated, real_dir, monkeypatch):
    monkeypatch.setattr(
        data.urllib.request, "urlopen", lambda url, timeout: io.BytesIO(gzip.compress(b"not the data"))
    )
    with pytest.raises(DatasetIntegrityError, match="failed its checksum"):
        data.download_fashion_mnist()
    assert list((isolated / "repo_data" / "fashion-mnist").iterdir()) == []


def test_truncated_file_is_named(isolated, real_dir):
    folder = _copy_files(real_dir, isolated / "repo_data" / "fashion-mnist")
    victim = folder / "train-images-idx3-ubyte.gz"
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    with pytest.raises(DatasetIntegrityError) as info:
        data.load_fashion_mnist()
    assert str(victim) in str(info.value) and "truncated or corrupted" in str(info.value)
    assert "reshape" not in str(info.value)


def test_corrupted_contents_fail_the_checksum(isolated, real_dir):
    folder = _copy_files(real_dir, isolated / "repo_data" / "fashion-mnist")
    victim = folder / "t10k-labels-idx1-ubyte.gz"
    payload = bytearray(gzip.decompress(victim.read_bytes()))
    payload[100] = (payload[100] + 1) % 10  # one wrong label, still a valid gzip file
    victim.write_bytes(gzip.compress(bytes(payload)))
    with pytest.raises(DatasetIntegrityError) as info:
        data.load_fashion_mnist()
    message = str(info.value)
    assert str(victim) in message and "failed its checksum" in message
    assert data._FILES["test_labels"].sha256 in message


def test_flipped_byte_in_gzip_stream_is_caught(isolated, real_dir):
    folder = _copy_files(real_dir, isolated / "repo_data" / "fashion-mnist")
    victim = folder / "t10k-images-idx3-ubyte.gz"
    raw = bytearray(victim.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    victim.write_bytes(bytes(raw))
    with pytest.raises(DatasetIntegrityError, match=str(victim.name)):
        data.load_fashion_mnist()


def test_errors_leave_the_files_untouched(isolated, real_dir):
    folder = _copy_files(real_dir, isolated / "repo_data" / "fashion-mnist")
    victim = folder / "train-labels-idx1-ubyte.gz"
    victim.write_bytes(victim.read_bytes()[:1000])
    before = _digest(folder)
    for _ in range(2):
        with pytest.raises(DatasetIntegrityError):
            data.load_fashion_mnist()
    assert _digest(folder) == before


def test_replaced_file_is_read_again(isolated, real_dir):
    folder = _copy_files(real_dir, isolated / "repo_data" / "fashion-mnist")
    assert data.load_fashion_mnist(n_train=10, n_test=10).X_train.shape == (10, 28, 28)
    victim = folder / "t10k-labels-idx1-ubyte.gz"
    victim.write_bytes(victim.read_bytes()[:500])  # a cached copy must not hide this
    with pytest.raises(DatasetIntegrityError):
        data.load_fashion_mnist()


def test_command_line_check(real_dir, capsys):
    if data.find_austen() is None:  # the check covers chapter 07's data too (test_data_sequences.py)
        pytest.skip("Jane Austen's novels are not installed (see data/README.md); the check needs every data set")
    assert data._main(["check"]) == 0
    assert "verified" in capsys.readouterr().out


def test_command_line_reports_missing_data(isolated, capsys):
    assert data._main(["check"]) == 1
    assert "apt-get install dataset-fashion-mnist" in capsys.readouterr().err


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_train": 0}, ValueError, "n_train must be >= 1"),
        ({"n_train": 60001}, ValueError, "n_train must be <= 60000"),
        ({"n_test": 2.5}, TypeError, "n_test must be an integer"),
        ({"normalize": "yes"}, TypeError, "normalize must be True or False"),
        ({"flatten": 1}, TypeError, "flatten must be True or False"),
        ({"seed": -1}, ValueError, "seed must be >= 0"),
        ({"download": "no"}, TypeError, "download must be True or False"),
        ({"data_dir": 3}, TypeError, "data_dir must be a path"),
    ],
)
def test_load_fashion_mnist_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        data.load_fashion_mnist(**kwargs)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"test_size": 0.0}, ValueError, "test_size must be > 0"),
        ({"test_size": 1.0}, ValueError, "test_size must be < 1"),
        ({"test_size": "a"}, TypeError, "test_size must be a real number"),
        ({"normalize": None}, TypeError, "normalize must be True or False"),
    ],
)
def test_load_digits_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        data.load_digits(**kwargs)


@pytest.mark.parametrize(
    "y, n, error, match",
    [
        (np.array([0.5, 1.0]), 1, TypeError, "y must be of integer"),
        (np.zeros((2, 2), dtype=int), 1, ValueError, "y must be 1-D"),
        (np.zeros(3, dtype=int), 4, ValueError, "n must be <= 3"),
        (np.zeros(0, dtype=int), 1, ValueError, "y must not be empty"),
    ],
)
def test_balanced_subset_bad_arguments(y, n, error, match):
    with pytest.raises(error, match=match):
        data.balanced_subset(y, n)


# ----------------------------------------------------------------------------- natural images (chapter 08)


def test_natural_images_shapes_range_and_grey_levels():
    images = data.load_natural_images()
    assert list(images) == ["china", "flower"]
    for image in images.values():
        assert image.shape == (427, 640) and image.dtype == np.float64
        assert 0.0 <= image.min() and image.max() <= 1.0 and image.std() > 0.1
    # the same pixels as scikit-learn's own loader, turned grey with the BT.601 weights
    sample = pytest.importorskip("sklearn.datasets").load_sample_images()
    for name, rgb in zip(("china", "flower"), sample.images, strict=True):
        assert np.allclose(images[name], rgb @ np.array([0.299, 0.587, 0.114]) / 255.0, rtol=0, atol=1e-12)


def test_natural_images_scaled_by_block_averaging():
    full = data.load_natural_images()
    half = data.load_natural_images(scale=0.5)
    assert {name: image.shape for name, image in half.items()} == {"china": (213, 320), "flower": (213, 320)}
    crop = full["china"][:426]  # the odd last row is cropped
    assert np.allclose(half["china"], (crop[0::2, 0::2] + crop[1::2, 0::2] + crop[0::2, 1::2] + crop[1::2, 1::2]) / 4)
    assert data.load_natural_images(scale=0.25)["flower"].shape == (106, 160)
    assert np.array_equal(data.load_natural_images(scale=0.7)["china"], full["china"])  # round(1 / 0.7) = 1


def test_natural_images_are_repeatable_new_copies():
    a = data.load_natural_images()
    before = a["china"].copy()
    a["china"][:] = -1.0
    a["flower"] = None
    b = data.load_natural_images()
    assert np.array_equal(b["china"], before) and b["flower"].shape == (427, 640)
    assert b["china"].flags.writeable


def test_natural_images_do_not_import_sklearn():
    code = "import sys, neurodl.data as d; d.load_natural_images(); print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False"]


def test_natural_images_pinned_version_matches_requirements():
    text = (Path(__file__).resolve().parent.parent / "requirements.txt").read_text()
    assert re.search(rf"^scikit-learn=={re.escape(data.SKLEARN_VERSION)}\s", text, re.M)


def _fake_sklearn(tmp_path: Path, monkeypatch) -> Path:
    """A copy of scikit-learn's images folder, where the loader is told scikit-learn lives."""
    real = data._package_dir("sklearn") / "datasets" / "images"
    fake = tmp_path / "sklearn"
    (fake / "datasets" / "images").mkdir(parents=True)
    for name in ("china.jpg", "flower.jpg"):
        shutil.copy2(real / name, fake / "datasets" / "images" / name)
    monkeypatch.setattr(data, "_package_dir", lambda name: fake if name == "sklearn" else None)
    return fake / "datasets" / "images"


def test_natural_images_checksum_mismatch(tmp_path, monkeypatch):
    folder = _fake_sklearn(tmp_path, monkeypatch)
    assert data.load_natural_images()["china"].shape == (427, 640)  # the intact copy loads
    victim = folder / "flower.jpg"
    payload = bytearray(victim.read_bytes())
    payload[len(payload) // 2] ^= 0xFF  # one flipped byte in the middle of the picture
    victim.write_bytes(bytes(payload))
    with pytest.raises(DatasetIntegrityError) as info:
        data.load_natural_images()
    message = str(info.value)
    assert str(victim) in message and "failed its checksum" in message
    assert data._NATURAL_IMAGES["flower"][1] in message and hashlib.sha256(bytes(payload)).hexdigest() in message
    assert f"pip install --force-reinstall scikit-learn=={data.SKLEARN_VERSION}" in message


def test_natural_images_missing_file_is_named(tmp_path, monkeypatch):
    folder = _fake_sklearn(tmp_path, monkeypatch)
    (folder / "china.jpg").unlink()
    with pytest.raises(DatasetNotFoundError) as info:
        data.load_natural_images()
    assert str(folder / "china.jpg") in str(info.value) and f"pip install scikit-learn=={data.SKLEARN_VERSION}" in str(info.value)


def test_natural_images_without_sklearn_say_what_to_install(monkeypatch):
    monkeypatch.setattr(data, "_package_dir", lambda name: None)
    with pytest.raises(DatasetNotFoundError, match=r"scikit-learn, which is not installed.*\n.*pip install scikit-learn==1\.9\.1"):
        data.load_natural_images()


def test_natural_images_report():
    report = data._report_natural_images()
    assert "verified (SHA-256)" in report and "china 427 x 640" in report


@pytest.mark.parametrize(
    "scale, error, match",
    [
        (0.0, ValueError, "scale must be > 0"),
        (1.5, ValueError, "scale must be <= 1"),
        ("half", TypeError, "scale must be a real number"),
        (float("nan"), ValueError, "scale must be finite"),
        (1e-4, ValueError, "scale must leave at least one pixel"),
    ],
)
def test_load_natural_images_bad_scale(scale, error, match):
    with pytest.raises(error, match=match):
        data.load_natural_images(scale=scale)
