"""Datasets as NumPy arrays: Fashion-MNIST and scikit-learn's handwritten digits.

Introduced in chapter 01; every chapter with real data loads it from here.

Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017) is looked for, in this order:

1. the folder named by the environment variable ``NEURODL_DATA`` (the files directly in
   it, or in a ``fashion-mnist`` folder inside it);
2. ``data/fashion-mnist/`` in this repository;
3. ``/usr/share/datasets/fashion-mnist/``, where Debian's ``dataset-fashion-mnist``
   package installs it.

If none has all four files, and downloading is allowed, the missing files are fetched
from the dataset's official location into ``data/fashion-mnist/``. Nothing that
already exists is ever overwritten. Every file is verified against the SHA-256 of its
decompressed contents (the same whichever source it came from) before it is parsed, so
a truncated or corrupted file is reported by name, never as a NumPy reshape error.

Run ``python -m neurodl.data`` to see where the data is found and whether it verifies.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from neurodl._validate import check_bool, check_float, check_int

__all__ = [
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_URL",
    "DatasetNotFoundError",
    "DatasetIntegrityError",
    "Dataset",
    "load_fashion_mnist",
    "load_digits",
    "find_fashion_mnist",
    "fashion_mnist_search_path",
    "download_fashion_mnist",
    "balanced_subset",
]

#: The ten Fashion-MNIST classes, in label order 0-9.
FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

#: Where Zalando Research publishes the files.
FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"

#: Where Debian's ``dataset-fashion-mnist`` package installs them.
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")

#: ``data/`` at the top of this repository (the package is installed in editable mode).
REPO_DATA_DIR = Path(__file__).resolve().parent.parent / "data"

INSTALL_HINT = (
    "To fix this, do one of:\n"
    "  * on Debian or Ubuntu:  sudo apt-get install dataset-fashion-mnist\n"
    "  * when online:          python -m neurodl.data download\n"
    f"  * by hand: download the four .gz files from {FASHION_MNIST_URL}\n"
    f"    into {REPO_DATA_DIR / 'fashion-mnist'} (or a folder named by $NEURODL_DATA)"
)


@dataclass(frozen=True)
class _IdxFile:
    name: str
    sha256: str  # of the decompressed IDX bytes
    shape: tuple[int, ...]


_FILES: dict[str, _IdxFile] = {
    "train_images": _IdxFile(
        "train-images-idx3-ubyte.gz",
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        (60000, 28, 28),
    ),
    "train_labels": _IdxFile(
        "train-labels-idx1-ubyte.gz",
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        (60000,),
    ),
    "test_images": _IdxFile(
        "t10k-images-idx3-ubyte.gz",
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        (10000, 28, 28),
    ),
    "test_labels": _IdxFile(
        "t10k-labels-idx1-ubyte.gz",
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        (10000,),
    ),
}


class DatasetNotFoundError(FileNotFoundError):
    """A dataset is in none of the places looked; the message lists them and the fix."""


class DatasetIntegrityError(ValueError):
    """A dataset file exists but is truncated or corrupted; the message names the file."""


class Dataset(NamedTuple):
    """Train and test splits as NumPy arrays, plus the class names.

    Unpacks like a tuple: ``X_train, y_train, X_test, y_test, class_names = data``.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]


# --------------------------------------------------------------------------- finding


def fashion_mnist_search_path(data_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """The folders searched for Fashion-MNIST, in order (see the module docstring).

    Raises ``DatasetNotFoundError`` if ``$NEURODL_DATA`` (or ``data_dir``) names a folder
    that does not exist: a mistyped setting should be reported, not silently skipped.
    """
    places: list[Path] = []
    explicit = [("data_dir", data_dir)] if data_dir is not None else []
    env = os.environ.get("NEURODL_DATA")
    if env:
        explicit.append(("the environment variable NEURODL_DATA", env))
    for what, folder in explicit:
        if not isinstance(folder, (str, os.PathLike)):
            raise TypeError(f"data_dir must be a path (str or os.PathLike), got {type(folder).__name__}")
        root = Path(folder).expanduser()
        if not root.is_dir():
            raise DatasetNotFoundError(
                f"{what} is set to {str(root)!r}, which is not an existing folder.\n"
                "Point it at the folder that holds the Fashion-MNIST .gz files (or unset it)."
            )
        places += [root, root / "fashion-mnist"]
    places += [REPO_DATA_DIR / "fashion-mnist", DEBIAN_DIR]
    return places


def find_fashion_mnist(data_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """Return the first folder that holds all four Fashion-MNIST files, or ``None``."""
    for folder in fashion_mnist_search_path(data_dir):
        if all((folder / spec.name).is_file() for spec in _FILES.values()):
            return folder
    return None


def _not_found_message(places: list[Path], download_note: str) -> str:
    lines = ["Fashion-MNIST was not found. Looked in:"]
    for folder in places:
        present = [spec.name for spec in _FILES.values() if (folder / spec.name).is_file()]
        if not folder.is_dir():
            state = "no such folder"
        elif present:
            state = f"only {len(present)} of the 4 files: {', '.join(present)}"
        else:
            state = "folder exists, but holds none of the files"
        lines.append(f"  - {folder}  ({state})")
    lines.append(download_note)
    lines.append(INSTALL_HINT)
    return "\n".join(lines)


def _download_allowed(download: bool | None) -> bool:
    if download is not None:
        return check_bool("download", download)
    return os.environ.get("NEURODL_OFFLINE", "") in ("", "0")


# --------------------------------------------------------------------------- reading


def _read_verified(path: Path, spec: _IdxFile) -> bytes:
    """Decompress ``path`` and check its SHA-256, raising DatasetIntegrityError if wrong."""
    try:
        with gzip.open(path, "rb") as handle:
            payload = handle.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetIntegrityError(
            f"{path} is truncated or corrupted: it could not be decompressed ({exc}).\n"
            f"Delete it and fetch it again.\n{INSTALL_HINT}"
        ) from exc
    actual = hashlib.sha256(payload).hexdigest()
    if actual != spec.sha256:
        raise DatasetIntegrityError(
            f"{path} failed its checksum: the SHA-256 of its contents is {actual}, "
            f"expected {spec.sha256}.\nThe file is corrupted or is not the Fashion-MNIST "
            f"file it is named after. Delete it and fetch it again.\n{INSTALL_HINT}"
        )
    return payload


def _parse_idx(payload: bytes, spec: _IdxFile, path: Path) -> np.ndarray:
    ndim = len(spec.shape)
    header = 4 + 4 * ndim
    magic = int.from_bytes(payload[:4], "big")
    dims = tuple(int.from_bytes(payload[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    if magic != 0x0800 + ndim or dims != spec.shape or len(payload) != header + int(np.prod(dims)):
        # unreachable for a file that passed its checksum; kept as a guard for new specs
        raise DatasetIntegrityError(f"{path} is not an IDX file of shape {spec.shape}")
    return np.frombuffer(payload, dtype=np.uint8, offset=header).reshape(spec.shape)


@lru_cache(maxsize=8)
def _load_file(path: Path, key: str, mtime_ns: int, size: int) -> np.ndarray:
    # mtime and size are part of the cache key, so a replaced file is read again
    spec = _FILES[key]
    return _parse_idx(_read_verified(path, spec), spec, path)


def _load_folder(folder: Path) -> dict[str, np.ndarray]:
    arrays = {}
    for key, spec in _FILES.items():
        path = folder / spec.name
        stat = path.stat()
        arrays[key] = _load_file(path, key, stat.st_mtime_ns, stat.st_size)
    return arrays


# --------------------------------------------------------------------------- download


def download_fashion_mnist(
    target: str | os.PathLike[str] | None = None, *, timeout: float = 60.0
) -> Path:
    """Download the Fashion-MNIST files missing from ``target`` (default ``data/fashion-mnist``).

    Files that already exist are left alone, whatever their state. Each download goes to
    a temporary file that is verified before it is moved into place, so an interrupted or
    corrupted transfer never leaves a bad file behind.

    Returns the folder. Raises ``DatasetNotFoundError`` if a file could not be fetched
    (for example with no network), and ``DatasetIntegrityError`` if one arrived corrupted.
    """
    timeout = check_float("timeout", timeout, minimum=0.0, exclusive_minimum=True)
    if target is not None and not isinstance(target, (str, os.PathLike)):
        raise TypeError(f"target must be None or a path (str or os.PathLike), got {type(target).__name__}")
    folder = Path(target) if target is not None else REPO_DATA_DIR / "fashion-mnist"
    folder.mkdir(parents=True, exist_ok=True)
    for spec in _FILES.values():
        final = folder / spec.name
        if final.exists():
            continue
        url = FASHION_MNIST_URL + spec.name
        fd, tmp_name = tempfile.mkstemp(prefix=spec.name + ".", suffix=".part", dir=folder)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
                shutil.copyfileobj(response, out)
            _read_verified(tmp, spec)
            if final.exists():  # appeared meanwhile (another process): keep it
                continue
            os.replace(tmp, final)
        except (urllib.error.URLError, OSError) as exc:
            raise DatasetNotFoundError(
                f"Could not download {url}: {exc}.\n{INSTALL_HINT}"
            ) from exc
        finally:
            tmp.unlink(missing_ok=True)
    return folder


# --------------------------------------------------------------------------- subsets


def _seed_or_active(seed: object) -> int:
    """``seed`` checked, or the chapter's seed (:func:`neurodl.active_seed`) when None."""
    from neurodl.core import active_seed

    return active_seed() if seed is None else check_int("seed", seed, minimum=0)


def balanced_subset(y: np.ndarray, n: int, seed: int | None = None) -> np.ndarray:
    """Indices of ``n`` examples drawn at random with the classes as equal as possible.

    Introduced in chapter 01. Classes take turns: every class gives one example before
    any gives a second, so a subset of 100 Fashion-MNIST images holds 10 of each class.
    The indices are returned sorted, so the subset keeps the data's original order.
    ``seed=None`` uses the chapter's seed (:func:`neurodl.active_seed`), so
    ``NEURODL_SEED`` draws another subset.
    """
    from neurodl._validate import check_array

    y = check_array("y", y, ndim=1, dtype_kind="iu")
    n = check_int("n", n, minimum=1, maximum=len(y))
    seed = _seed_or_active(seed)
    perm = np.random.default_rng(seed).permutation(len(y))
    labels = y[perm]
    rank = np.empty(len(y), dtype=np.int64)
    for c in np.unique(labels):
        where = np.flatnonzero(labels == c)
        rank[where] = np.arange(len(where))
    order = np.lexsort((np.arange(len(y)), rank))  # by rank within class, then shuffle order
    return np.sort(perm[order[:n]])


def _finish(
    X: np.ndarray, y: np.ndarray, n: int | None, seed: int, scale: float | None, flatten: bool
) -> tuple[np.ndarray, np.ndarray]:
    if n is not None and n < len(y):
        idx = balanced_subset(y, n, seed)
        X, y = X[idx], y[idx]
    X = X.astype(np.float32) / np.float32(scale) if scale is not None else X.copy()
    if flatten:
        X = X.reshape(len(X), -1)
    return X, y.astype(np.int64)


# --------------------------------------------------------------------------- loaders


def load_fashion_mnist(
    *,
    n_train: int | None = None,
    n_test: int | None = None,
    normalize: bool = True,
    flatten: bool = False,
    seed: int | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool | None = None,
) -> Dataset:
    """Load Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017) as NumPy arrays.

    Introduced in chapter 01.

    Parameters
    ----------
    n_train, n_test
        Keep only this many training or test images, drawn at random with the classes
        balanced (see :func:`balanced_subset`); ``None`` keeps all 60 000 / 10 000.
        Small subsets make a chapter fast.
    normalize
        ``True`` gives ``float32`` pixels in [0, 1]; ``False`` the raw ``uint8`` 0-255.
    flatten
        ``True`` gives images of shape ``(n, 784)``; ``False`` keeps ``(n, 28, 28)``.
    seed
        Chooses the subsets; the same seed always gives the same images. ``None`` uses
        the chapter's seed (:func:`neurodl.active_seed`), so ``NEURODL_SEED`` changes it.
    data_dir
        Look here first (before ``$NEURODL_DATA``).
    download
        ``None`` (default) downloads missing files only when nothing local has them and
        ``$NEURODL_OFFLINE`` is unset; ``False`` never downloads; ``True`` allows it.

    Returns
    -------
    Dataset
        ``(X_train, y_train, X_test, y_test, class_names)``; labels are ``int64`` 0-9.

    Raises
    ------
    DatasetNotFoundError
        No folder has the files; the message lists each place looked and the fix.
    DatasetIntegrityError
        A file is truncated or corrupted; the message names it and the checksums.
    """
    n_train = check_int("n_train", n_train, minimum=1, maximum=60000, allow_none=True)
    n_test = check_int("n_test", n_test, minimum=1, maximum=10000, allow_none=True)
    normalize = check_bool("normalize", normalize)
    flatten = check_bool("flatten", flatten)
    seed = _seed_or_active(seed)
    if download is not None:
        check_bool("download", download)

    folder = find_fashion_mnist(data_dir)
    if folder is None:
        places = fashion_mnist_search_path(data_dir)
        if not _download_allowed(download):
            why = "Downloading was not tried (download=False or $NEURODL_OFFLINE is set)."
            raise DatasetNotFoundError(_not_found_message(places, why))
        try:
            folder = download_fashion_mnist()
        except DatasetNotFoundError as exc:
            first_line = str(exc).splitlines()[0]
            raise DatasetNotFoundError(_not_found_message(places, first_line)) from exc
        if find_fashion_mnist(data_dir) is None:  # the target had some, but not all, files
            raise DatasetNotFoundError(_not_found_message(places, "Downloading left files missing."))

    arrays = _load_folder(folder)
    scale = 255.0 if normalize else None
    X_train, y_train = _finish(arrays["train_images"], arrays["train_labels"], n_train, seed, scale, flatten)
    X_test, y_test = _finish(arrays["test_images"], arrays["test_labels"], n_test, seed, scale, flatten)
    return Dataset(X_train, y_train, X_test, y_test, FASHION_MNIST_CLASSES)


def load_digits(
    *,
    test_size: float = 0.25,
    normalize: bool = True,
    flatten: bool = False,
    seed: int | None = None,
) -> Dataset:
    """scikit-learn's 8x8 handwritten digits (1 797 images, bundled, no download).

    Introduced in chapter 01. Split into train and test with the classes balanced in
    both. Pixels are 0-16 in the original; ``normalize=True`` scales them to [0, 1].

    Returns
    -------
    Dataset
        ``(X_train, y_train, X_test, y_test, class_names)`` with images ``(n, 8, 8)``
        (or ``(n, 64)`` with ``flatten=True``) and class names ``"0"`` to ``"9"``.
    """
    test_size = check_float(
        "test_size", test_size, minimum=0.0, maximum=1.0, exclusive_minimum=True, exclusive_maximum=True
    )
    normalize = check_bool("normalize", normalize)
    flatten = check_bool("flatten", flatten)
    seed = _seed_or_active(seed)

    from sklearn.datasets import load_digits as _sk_load_digits

    bunch = _sk_load_digits()
    images, labels = bunch.images.astype(np.float32), bunch.target.astype(np.int64)
    n_test = max(1, round(test_size * len(labels)))
    if n_test >= len(labels):
        raise ValueError(f"test_size={test_size} leaves no training data")
    test_idx = balanced_subset(labels, n_test, seed)
    is_test = np.zeros(len(labels), dtype=bool)
    is_test[test_idx] = True
    scale = 16.0 if normalize else None
    X_train, y_train = _finish(images[~is_test], labels[~is_test], None, seed, scale, flatten)
    X_test, y_test = _finish(images[is_test], labels[is_test], None, seed, scale, flatten)
    return Dataset(X_train, y_train, X_test, y_test, tuple(str(d) for d in range(10)))


# --------------------------------------------------------------------------- command line


def _main(argv: list[str]) -> int:
    """``python -m neurodl.data [check|download]``: report, or fetch, Fashion-MNIST."""
    command = argv[0] if argv else "check"
    if command not in ("check", "download"):
        print("usage: python -m neurodl.data [check|download]", file=sys.stderr)
        return 2
    try:
        if command == "download" and find_fashion_mnist() is None:
            print(f"downloaded into {download_fashion_mnist()}")
        folder = find_fashion_mnist()
        if folder is None:
            load_fashion_mnist(download=False)  # raises with the full message
        data = load_fashion_mnist(download=False)
    except (DatasetNotFoundError, DatasetIntegrityError) as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Fashion-MNIST found in {folder}; all four files verified (SHA-256).")
    print(f"train {data.X_train.shape}, test {data.X_test.shape}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main(sys.argv[1:]))
