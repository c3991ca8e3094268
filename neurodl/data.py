"""Datasets as NumPy arrays: Fashion-MNIST, scikit-learn's digits, and chapter 07's sequences.

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

Chapter 07 (recurrent networks) adds three sources of sequences, none downloaded:

* Jane Austen's six novels, from the R package ``janeaustenr`` (read without R), looked
  for in ``$NEURODL_DATA/janeaustenr``, ``data/janeaustenr/``, then the R library folders
  ``/usr/lib/R/site-library/janeaustenr`` and ``/usr/local/lib/R/site-library/janeaustenr``
  (see :func:`load_austen`);
* the UCI Japanese Vowels speaker recordings, bundled in the pinned ``sktime`` wheel
  (:func:`load_japanese_vowels`);
* the VADER sentiment lexicon, bundled in the pinned ``vaderSentiment`` wheel, from which
  :func:`make_sentiment` builds a synthetic, order-sensitive sentiment data set.

Chapter 08 (efficient coding) reads the two sample photographs that ship with
scikit-learn (:func:`load_natural_images`), verified the same way.

Each is verified against its SHA-256 too. ``data/README.md`` lists every checksum.

Run ``python -m neurodl.data`` to see where the data is found and whether it verifies.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import io
import os
import re
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
import warnings
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from neurodl._validate import check_array, check_bool, check_choice, check_float, check_int

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
    # chapter 07: sequences
    "AUSTEN_TITLES",
    "JAPANESE_VOWELS_CLASSES",
    "SENTIMENT_CANDIDATES",
    "SENTIMENT_SUBJECTS",
    "SENTIMENT_INTENSIFIERS",
    "SENTIMENT_KINDS",
    "SequenceDataset",
    "SentimentData",
    "load_austen",
    "find_austen",
    "austen_search_path",
    "load_japanese_vowels",
    "pad_sequences",
    "load_vader_lexicon",
    "sentiment_adjectives",
    "make_sentiment",
    "encode_tokens",
    # chapter 08: natural images
    "load_natural_images",
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


# --------------------------------------------------------------------------- Jane Austen

#: The six novels of the R package janeaustenr, in publication order.
AUSTEN_TITLES: tuple[str, ...] = (
    "Sense and Sensibility",
    "Pride and Prejudice",
    "Mansfield Park",
    "Emma",
    "Northanger Abbey",
    "Persuasion",
)

#: R library folders where ``r-cran-janeaustenr`` (Debian) or ``install.packages`` put it.
AUSTEN_SYSTEM_DIRS: tuple[Path, ...] = (
    Path("/usr/lib/R/site-library/janeaustenr"),
    Path("/usr/local/lib/R/site-library/janeaustenr"),
)

#: Where a ``dpkg-deb -x`` of Debian's package puts the R package, below the folder named.
AUSTEN_DEB_SUBDIR = Path("usr/lib/R/site-library/janeaustenr")

#: The package's page on CRAN, for readers not on Debian.
AUSTEN_CRAN_URL = "https://cran.r-project.org/package=janeaustenr"


@dataclass(frozen=True)
class _Novel:
    title: str
    r_name: str  # the R object's name, and the .rda file's in the CRAN source layout
    sha256: str  # of the lines joined with "\n", encoded as UTF-8


_AUSTEN: tuple[_Novel, ...] = (
    _Novel("Sense and Sensibility", "sensesensibility", "0996d90842bbe8093f3b8142c1e77d1b20cff52d1d0615f3ed67733653e74e26"),
    _Novel("Pride and Prejudice", "prideprejudice", "2e44edaa4946d64ad541c68e0224f5d672f43bf3ce2a8a0b0637ad5e02fc6eb3"),
    _Novel("Mansfield Park", "mansfieldpark", "e0e9ef3863ea77f51f6070062ee0dd50ad9b933223880617629e4e4963ea40ff"),
    _Novel("Emma", "emma", "dd08b340a56ad4a0a00718d5682528a5a5886ae0aef91c9e0fa528074fa64b75"),
    _Novel("Northanger Abbey", "northangerabbey", "8618a5acf5be50cc6e9b7680c7469fb6012649ab08c709dfc63c6367989fd31d"),
    _Novel("Persuasion", "persuasion", "726513a6c18bb678427bcbcf7c72d0d20816a67c25b0471b26ddcabf3ebac140"),
)

AUSTEN_INSTALL_HINT = (
    "To fix this, do one of (nothing is downloaded automatically):\n"
    "  * on Debian or Ubuntu, without installing R (a 1.6 MB package, unpacked here):\n"
    '      cd "$(mktemp -d)" && apt-get download r-cran-janeaustenr && '
    f"dpkg-deb -x r-cran-janeaustenr_*.deb {REPO_DATA_DIR / 'janeaustenr'}\n"
    "  * on Debian or Ubuntu, with R:  sudo apt-get install r-cran-janeaustenr\n"
    f"  * anywhere: download the package source janeaustenr_1.0.0.tar.gz from {AUSTEN_CRAN_URL}\n"
    "    (1.0.0 is the version checksummed; CRAN keeps old versions under Archive/janeaustenr/)\n"
    f"    and unpack it:  tar -xzf janeaustenr_1.0.0.tar.gz -C {REPO_DATA_DIR}\n"
    "    (it holds janeaustenr/data/<novel>.rda; or unpack it into a folder named by $NEURODL_DATA)"
)


def austen_search_path() -> list[Path]:
    """The folders searched for the R package janeaustenr, in order (see :func:`load_austen`).

    Introduced in chapter 07. Raises ``DatasetNotFoundError`` if ``$NEURODL_DATA`` names a
    folder that does not exist: a mistyped setting should be reported, not silently skipped.
    """
    places: list[Path] = []
    env = os.environ.get("NEURODL_DATA")
    if env:
        root = Path(env).expanduser()
        if not root.is_dir():
            raise DatasetNotFoundError(
                f"the environment variable NEURODL_DATA is set to {str(root)!r}, which is not an "
                "existing folder.\nPoint it at the folder that holds janeaustenr/ (or unset it)."
            )
        places.append(root / "janeaustenr")
    places += [REPO_DATA_DIR / "janeaustenr", *AUSTEN_SYSTEM_DIRS]
    return places


def _austen_layout(package: Path) -> str | None:
    """``"rdb"`` (an installed R package), ``"rda"`` (CRAN's source) or ``None`` (neither)."""
    data_dir = package / "data"
    if (data_dir / "Rdata.rdb").is_file() and (data_dir / "Rdata.rdx").is_file():
        return "rdb"
    if all((data_dir / f"{novel.r_name}.rda").is_file() for novel in _AUSTEN):
        return "rda"
    return None


def _austen_package(folder: Path) -> tuple[Path, str] | None:
    """The package folder inside a search-path entry and its layout, or ``None``."""
    for package in (folder, folder / AUSTEN_DEB_SUBDIR):
        layout = _austen_layout(package)
        if layout is not None:
            return package, layout
    return None


def find_austen() -> Path | None:
    """The janeaustenr package folder :func:`load_austen` reads (the one holding ``data/``), or ``None``.

    Introduced in chapter 07.
    """
    for folder in austen_search_path():
        found = _austen_package(folder)
        if found is not None:
            return found[0]
    return None


def _austen_state(folder: Path) -> str:
    """Why ``folder`` does not count, for the not-found message."""
    if not folder.is_dir():
        return "no such folder"
    for package in (folder, folder / AUSTEN_DEB_SUBDIR):
        data_dir = package / "data"
        rdb = [n for n in ("Rdata.rdb", "Rdata.rdx") if (data_dir / n).is_file()]
        rda = [f"{v.r_name}.rda" for v in _AUSTEN if (data_dir / f"{v.r_name}.rda").is_file()]
        if rdb:
            return f"{data_dir} holds {rdb[0]} but not {({'Rdata.rdb', 'Rdata.rdx'} - set(rdb)).pop()}"
        if rda:
            return f"only {len(rda)} of the 6 .rda files in {data_dir}: {', '.join(rda)}"
    return (
        "folder exists, but holds neither data/Rdata.rdb with data/Rdata.rdx, nor the six "
        f"data/<novel>.rda, nor {AUSTEN_DEB_SUBDIR}"
    )


def _austen_not_found_message(places: list[Path]) -> str:
    lines = ["Jane Austen's novels (the R package janeaustenr) were not found. Looked in:"]
    lines += [f"  - {folder}  ({_austen_state(folder)})" for folder in places]
    lines.append(AUSTEN_INSTALL_HINT)
    return "\n".join(lines)


#: The version of rdata (which reads R's data formats) pinned in requirements.txt.
RDATA_VERSION = "1.1.0"


def _import_rdata():
    try:
        import rdata
    except ImportError as exc:
        raise DatasetNotFoundError(
            "Reading janeaustenr's R data needs the Python package rdata, which is not installed.\n"
            f"To fix this:  pip install rdata=={RDATA_VERSION}  (it is pinned in requirements.txt; "
            "`make setup` installs it)"
        ) from exc
    return rdata


def _r_unserialize(rdata, payload: bytes):
    with warnings.catch_warnings():  # a bare serialised object, not an .rds file: rdata says so
        warnings.filterwarnings("ignore", message="Unknown file type")
        return rdata.conversion.convert(rdata.parser.parse_data(payload))


def _austen_corrupt(path: Path, what: str, exc: BaseException | None = None) -> DatasetIntegrityError:
    detail = f" ({type(exc).__name__}: {exc})" if exc is not None else ""
    return DatasetIntegrityError(
        f"{path} is truncated or corrupted: {what}{detail}.\n"
        f"Delete the janeaustenr folder it is in and install it again.\n{AUSTEN_INSTALL_HINT}"
    )


def _austen_lines_from_rdb(package: Path) -> dict[str, tuple[np.ndarray, Path]]:
    rdata = _import_rdata()
    rdx_path, rdb_path = package / "data" / "Rdata.rdx", package / "data" / "Rdata.rdb"
    try:
        index = _r_unserialize(rdata, gzip.decompress(rdx_path.read_bytes()))
        variables = {str(k): (int(v[0]), int(v[1])) for k, v in index["variables"].items()}
        compressed = index.get("compressed")
    except Exception as exc:  # gzip, zlib, rdata or a wrong structure: all mean a bad file
        raise _austen_corrupt(rdx_path, "it could not be read as an R lazy-load index", exc) from exc
    if not np.all(np.asarray(compressed) == 1):  # TRUE: zlib (bzip2 and xz are R's options 2 and 3)
        raise _austen_corrupt(rdx_path, f"it says its data is compressed as {compressed!r}, not with zlib")
    rdb = rdb_path.read_bytes()
    lines = {}
    for novel in _AUSTEN:
        if novel.r_name not in variables:
            raise _austen_corrupt(rdx_path, f"it has no entry for {novel.r_name} ({novel.title})")
        offset, length = variables[novel.r_name]
        chunk = rdb[offset : offset + length]
        what = f"the entry for {novel.r_name} ({novel.title}) could not be read"
        if offset < 0 or length < 5 or len(chunk) != length:
            raise _austen_corrupt(rdb_path, f"{what}: it ends at byte {len(rdb)}, before the entry does")
        try:
            payload = zlib.decompress(chunk[4:])
            if len(payload) != int.from_bytes(chunk[:4], "big"):
                raise ValueError(f"{len(payload)} bytes, not the {int.from_bytes(chunk[:4], 'big')} recorded")
            lines[novel.title] = (_r_unserialize(rdata, payload), rdb_path)
        except Exception as exc:
            raise _austen_corrupt(rdb_path, what, exc) from exc
    return lines


def _austen_lines_from_rda(package: Path) -> dict[str, tuple[np.ndarray, Path]]:
    rdata = _import_rdata()
    lines = {}
    for novel in _AUSTEN:
        path = package / "data" / f"{novel.r_name}.rda"
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Unknown file type")
                lines[novel.title] = (rdata.read_rda(path)[novel.r_name], path)
        except Exception as exc:
            raise _austen_corrupt(path, f"it could not be read as R data holding {novel.r_name}", exc) from exc
    return lines


@lru_cache(maxsize=4)
def _austen_raw(package: Path, layout: str, stamp: tuple[tuple[str, int, int], ...]) -> dict[str, str]:
    # the files' mtimes and sizes are part of the cache key, so a replaced file is read again
    lines = _austen_lines_from_rdb(package) if layout == "rdb" else _austen_lines_from_rda(package)
    texts = {}
    for novel in _AUSTEN:
        array, path = lines[novel.title]
        array = np.asarray(array)
        if array.ndim != 1 or array.dtype.kind != "U":
            what = f"{novel.r_name} is not a character vector (got {array.dtype}, shape {array.shape})"
            raise _austen_corrupt(path, what)
        text = "\n".join(array.tolist())
        actual = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if actual != novel.sha256:
            raise DatasetIntegrityError(
                f"{novel.title} ({novel.r_name} in {path}) failed its checksum: the SHA-256 of its text "
                f"is {actual}, expected {novel.sha256}.\nThe file is corrupted or holds another "
                "version of janeaustenr than 1.0.0. Delete the janeaustenr folder it is in and install "
                f"it again.\n{AUSTEN_INSTALL_HINT}"
            )
        texts[novel.title] = text
    return texts


def _unwrap(text: str) -> str:
    """Join hard-wrapped lines: one paragraph per line, single spaces, no blank lines."""
    paragraphs = re.split(r"\n(?:[ \t]*\n)+", text)  # a run of blank lines ends a paragraph
    joined = (re.sub(r" {2,}", " ", p.replace("\n", " ")).strip() for p in paragraphs)
    return "\n".join(p for p in joined if p)


@lru_cache(maxsize=4)
def _austen_unwrapped(package: Path, layout: str, stamp: tuple[tuple[str, int, int], ...]) -> dict[str, str]:
    return {title: _unwrap(text) for title, text in _austen_raw(package, layout, stamp).items()}


def load_austen(*, unwrap: bool = True) -> dict[str, str]:
    """Jane Austen's six novels as strings, keyed by title in publication order.

    Introduced in chapter 07. The texts are Project Gutenberg's (in the public domain), as
    Julia Silge's R package janeaustenr 1.0.0 (MIT licence) packages them; they are read with
    the Python package ``rdata``, so R is not needed. The keys are :data:`AUSTEN_TITLES`.
    Each text starts with its title page; some novels mark italics with underscores
    (``_very_``), as Project Gutenberg's plain text does.

    The package is looked for, in this order, in ``$NEURODL_DATA/janeaustenr``,
    ``data/janeaustenr/`` in this repository, ``/usr/lib/R/site-library/janeaustenr``
    (Debian's ``r-cran-janeaustenr``) and ``/usr/local/lib/R/site-library/janeaustenr``.
    A folder counts if it is an installed R package (``data/Rdata.rdb`` and
    ``data/Rdata.rdx``), CRAN's source package unpacked (the six ``data/<novel>.rda``), or a
    folder that Debian's ``.deb`` was unpacked into with ``dpkg-deb -x`` (the package is then
    under ``usr/lib/R/site-library/janeaustenr``). :func:`find_austen` says which is used.

    Parameters
    ----------
    unwrap
        ``True`` (default) joins the hard-wrapped lines of each paragraph with single spaces,
        so a text holds one paragraph per line: runs of blank lines become one ``"\\n"``,
        other newlines spaces, runs of spaces one space, and the text is stripped.
        ``False`` gives the raw text: the book's lines, as printed, joined with ``"\\n"``.

    Returns
    -------
    dict[str, str]
        A new dict on each call (the parsed texts are cached; a replaced file is read again).

    Raises
    ------
    DatasetNotFoundError
        No folder holds the package; the message lists each place looked and the fix.
    DatasetIntegrityError
        A file is truncated or corrupted, or a novel's text fails its SHA-256 (the message
        names the novel, the file and both digests).
    """
    unwrap = check_bool("unwrap", unwrap)
    found = None
    for folder in austen_search_path():
        found = _austen_package(folder)
        if found is not None:
            break
    if found is None:
        raise DatasetNotFoundError(_austen_not_found_message(austen_search_path()))
    package, layout = found
    names = ["Rdata.rdb", "Rdata.rdx"] if layout == "rdb" else [f"{v.r_name}.rda" for v in _AUSTEN]
    stats = [(name, (package / "data" / name).stat()) for name in names]
    stamp = tuple((name, st.st_mtime_ns, st.st_size) for name, st in stats)
    texts = (_austen_unwrapped if unwrap else _austen_raw)(package, layout, stamp)
    return dict(texts)


# --------------------------------------------------------------------------- files in wheels


#: The versions pinned in requirements.txt of the packages that ship chapter 07's data.
SKTIME_VERSION = "1.2.0"
VADER_VERSION = "3.3.2"


def _package_dir(name: str) -> Path | None:
    """Folder of the installed package ``name``, found without importing it (or ``None``)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _installed_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "of unknown version"


def _wheel_file(package: str, pinned: str, relative: str, what: str, dist: str | None = None) -> Path:
    """``relative`` inside the installed ``package``, or DatasetNotFoundError with the fix.

    ``dist`` is the name pip installs it by, when that differs from the import name
    (``scikit-learn`` for ``sklearn``).
    """
    dist = dist or package
    fix = f"To fix this:  pip install {dist}=={pinned}  (it is pinned in requirements.txt; `make setup` installs it)"
    folder = _package_dir(package)
    if folder is None:
        raise DatasetNotFoundError(f"{what} ships inside the Python package {dist}, which is not installed.\n{fix}")
    path = folder / relative
    if not path.is_file():
        raise DatasetNotFoundError(
            f"{what} was not found: {dist} {_installed_version(dist)} is installed in {folder}, "
            f"but {path} does not exist.\n{fix}"
        )
    return path


def _read_wheel_file(path: Path, sha256: str, package: str, pinned: str) -> bytes:
    payload = path.read_bytes()
    actual = hashlib.sha256(payload).hexdigest()
    if actual != sha256:
        raise DatasetIntegrityError(
            f"{path} failed its checksum: its SHA-256 is {actual}, expected {sha256}.\n"
            f"The file is corrupted, or comes from another version of {package} than {pinned}.\n"
            f"To fix this:  pip install --force-reinstall {package}=={pinned}"
        )
    return payload


# --------------------------------------------------------------------------- Japanese vowels

#: The nine speakers of the Japanese Vowels data set, in label order 0-8.
JAPANESE_VOWELS_CLASSES: tuple[str, ...] = tuple(f"speaker {k}" for k in range(1, 10))

#: SHA-256 of the two .ts files in sktime's wheel (sktime/datasets/data/JapaneseVowels/).
_VOWELS_FILES = {
    "train": ("JapaneseVowels_TRAIN.ts", "68a430eabd919cc77f40b1f5f3bc0dcafacc1486bca9260785aeb7d262cc78cd"),
    "test": ("JapaneseVowels_TEST.ts", "b3d41d6a0ca3bcad3afb9ca7d4365382aa51341e2e58bae2a574babdda5b9462"),
}


class SequenceDataset(NamedTuple):
    """Train and test sequences of different lengths, each ``(time, features)``, plus class names.

    Unpacks like a tuple: ``X_train, y_train, X_test, y_test, class_names = data``.
    """

    X_train: list[np.ndarray]
    y_train: np.ndarray
    X_test: list[np.ndarray]
    y_test: np.ndarray
    class_names: tuple[str, ...]


def _parse_ts(text: str, path: Path) -> tuple[list[np.ndarray], np.ndarray]:
    """A multivariate, unequal-length ``.ts`` file (sktime's format) as (T, channels) arrays."""

    def bad(what: str) -> DatasetIntegrityError:  # unreachable for a file that passed its checksum
        return DatasetIntegrityError(f"{path} is not a .ts file of the expected form: {what}")

    lines = iter(text.splitlines())
    header = {}
    for line in lines:  # comments (#) and the header (@...), up to @data
        words = line.strip().split(maxsplit=1)
        if words and words[0].startswith("@"):
            header[words[0].lower()] = words[1] if len(words) > 1 else ""
            if words[0].lower() == "@data":
                break
    else:
        raise bad("no @data line")
    channels = int(header.get("@dimensions", "0"))
    labels = header.get("@classlabel", "").split()[1:]  # "true 1 2 ... 9"
    X, y = [], []
    for line in lines:  # one case per line, after @data
        if not line.strip():
            continue
        fields = line.strip().split(":")
        if len(fields) != channels + 1 or fields[-1] not in labels:
            raise bad(f"a case with {len(fields) - 1} channels and label {fields[-1]!r}")
        series = np.array([f.split(",") for f in fields[:-1]], dtype=np.float64)  # ragged: ValueError
        X.append(np.ascontiguousarray(series.T, dtype=np.float32))
        y.append(labels.index(fields[-1]))
    return X, np.array(y, dtype=np.int64)


@lru_cache(maxsize=2)
def _vowels_split(path: Path, sha256: str, mtime_ns: int, size: int) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    payload = _read_wheel_file(path, sha256, "sktime", SKTIME_VERSION)
    X, y = _parse_ts(payload.decode("utf-8"), path)
    return tuple(X), y


def load_japanese_vowels() -> SequenceDataset:
    """The UCI Japanese Vowels data set: which of nine men is saying the two Japanese vowels /a/ and /e/, one after the other?

    Introduced in chapter 07. Kudo, Toyama & Shimbo (1999) recorded nine male speakers
    uttering two Japanese vowels in succession; each utterance is a sequence of 7-29 frames
    of 12 LPC cepstrum coefficients. The task is to tell the speaker. 270 utterances for
    training (30 per speaker) and 370 for testing (24-88 per speaker), as published.

    The files ship inside the ``sktime`` wheel pinned in requirements.txt; they are found
    without importing sktime, verified against their SHA-256, and parsed here.

    Returns
    -------
    SequenceDataset
        ``(X_train, y_train, X_test, y_test, class_names)``: ``X_train`` and ``X_test`` are
        lists of ``float32`` arrays of shape ``(T_i, 12)``, time first (see
        :func:`pad_sequences` to stack them); labels are ``int64`` 0-8; class names
        ``"speaker 1"`` to ``"speaker 9"``. The arrays are new copies on every call.

    Raises
    ------
    DatasetNotFoundError
        sktime is not installed, or has no Japanese Vowels files; the message gives the
        ``pip install`` command.
    DatasetIntegrityError
        A file fails its SHA-256 (corrupted, or another sktime version).
    """
    splits = []
    for name, sha256 in _VOWELS_FILES.values():
        path = _wheel_file(
            "sktime", SKTIME_VERSION, f"datasets/data/JapaneseVowels/{name}", "The Japanese Vowels data set"
        )
        stat = path.stat()
        X, y = _vowels_split(path, sha256, stat.st_mtime_ns, stat.st_size)
        splits.append(([x.copy() for x in X], y.copy()))
    (X_train, y_train), (X_test, y_test) = splits
    return SequenceDataset(X_train, y_train, X_test, y_test, JAPANESE_VOWELS_CLASSES)


def pad_sequences(
    sequences: Sequence[np.ndarray],
    *,
    maxlen: int | None = None,
    padding: str = "pre",
    value: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Stack sequences of different lengths, each ``(T_i, F)``, into one ``(N, maxlen, F)`` array.

    Introduced in chapter 07. ``padding="pre"`` (the default, as in Keras) puts the padding
    before the data, so a recurrent network reads the padding first and ends on real data;
    ``"post"`` puts it after. A sequence longer than ``maxlen`` (default: the longest) is
    truncated: ``"pre"`` keeps its last ``maxlen`` steps, ``"post"`` its first.

    Returns
    -------
    padded, lengths
        ``float32`` array ``(N, maxlen, F)`` filled with ``value`` where there is no data, and
        ``int64`` array ``(N,)`` of how many real steps each row holds (at most ``maxlen``).
    """
    if (
        isinstance(sequences, (str, bytes))
        or not isinstance(sequences, (Sequence, np.ndarray))
        or (isinstance(sequences, np.ndarray) and sequences.ndim == 0)
    ):
        raise TypeError(f"sequences must be a list of (time, features) arrays, got {type(sequences).__name__}")
    arrays = [check_array(f"sequences[{i}]", s, ndim=2) for i, s in enumerate(sequences)]
    if not arrays:
        raise ValueError("sequences must hold at least one sequence, got none")
    num_features = {a.shape[1] for a in arrays}
    if len(num_features) != 1:
        raise ValueError(f"sequences must all have the same number of features, got {sorted(num_features)}")
    maxlen = check_int("maxlen", maxlen, minimum=1, allow_none=True)
    padding = check_choice("padding", padding, ("pre", "post"))
    value = check_float("value", value)
    if maxlen is None:
        maxlen = max(len(a) for a in arrays)
    padded = np.full((len(arrays), maxlen, num_features.pop()), value, dtype=np.float32)
    lengths = np.array([min(len(a), maxlen) for a in arrays], dtype=np.int64)
    for row, (a, n) in enumerate(zip(arrays, lengths, strict=True)):
        if padding == "pre":
            padded[row, maxlen - n :] = a[len(a) - n :]
        else:
            padded[row, :n] = a[:n]
    return padded, lengths


# --------------------------------------------------------------------------- sentiment

#: SHA-256 of vaderSentiment/vader_lexicon.txt in the vaderSentiment wheel.
_VADER_LEXICON = ("vader_lexicon.txt", "1ec9c6e9ee19aade328f8beb393a6afa71a5bb3acf7d3cc22d4ef568df374bf5")

#: Adjectives that fit "the film was ___", written down by hand *without* their polarity:
#: :func:`sentiment_adjectives` keeps those VADER rates strongly (|valence| >= 1.5) and
#: takes each one's polarity from the sign of its VADER valence, so the labels are VADER's.
SENTIMENT_CANDIDATES: tuple[str, ...] = (
    "amazing", "annoying", "appalling", "awesome", "awful", "bad", "beautiful", "boring",
    "brilliant", "charming", "clever", "cool", "crude", "delightful", "depressing",
    "disappointing", "disgusting", "dismal", "dreadful", "dull", "dumb", "engaging",
    "enjoyable", "entertaining", "excellent", "exciting", "fabulous", "fantastic", "fine",
    "frustrating", "fun", "funny", "good", "gorgeous", "great", "hilarious", "hopeless",
    "horrendous", "horrible", "impressive", "inspiring", "insulting", "intelligent",
    "irritating", "lame", "lousy", "lovely", "magnificent", "marvelous", "mediocre", "messy",
    "miserable", "nasty", "nice", "offensive", "original", "outstanding", "painful",
    "pathetic", "perfect", "pleasant", "pointless", "poor", "ridiculous", "silly", "splendid",
    "stunning", "stupid", "superb", "tedious", "terrible", "terrific", "thrilling", "ugly",
    "unpleasant", "useless", "weak", "witty", "wonderful", "worthless",
)

#: What a sentence of :func:`make_sentiment` is about.
SENTIMENT_SUBJECTS: tuple[str, ...] = (
    "the film", "the plot", "the acting", "the ending", "the music", "the script", "the cast", "the dialogue",
)

#: Intensifiers, each placed before the adjective with probability 1/2 ("rather" never
#: after "not": "not rather good" is not English).
SENTIMENT_INTENSIFIERS: tuple[str, ...] = ("very", "really", "quite", "so", "extremely", "rather")

_NEGATABLE_INTENSIFIERS = tuple(w for w in SENTIMENT_INTENSIFIERS if w != "rather")

#: The kinds of sentence :func:`make_sentiment` writes.
SENTIMENT_KINDS: tuple[str, ...] = ("plain", "negated", "contrast")

#: Candidates VADER rates less strongly than this (in absolute value) are left out.
SENTIMENT_MIN_VALENCE = 1.5


class SentimentData(NamedTuple):
    """Sentences, their labels and kinds, and every token that can occur in them."""

    texts: list[str]
    labels: np.ndarray
    kinds: np.ndarray
    vocab: tuple[str, ...]


@lru_cache(maxsize=2)
def _vader_lexicon(path: Path, mtime_ns: int, size: int) -> dict[str, float]:
    payload = _read_wheel_file(path, _VADER_LEXICON[1], "vaderSentiment", VADER_VERSION)
    lexicon = {}
    for line in payload.decode("utf-8").splitlines():
        token, valence = line.split("\t")[:2]
        lexicon[token] = float(valence)  # 14 tokens appear twice; the last wins, as in VADER
    return lexicon


def load_vader_lexicon() -> dict[str, float]:
    """VADER's sentiment lexicon: token -> mean valence, from -4 (most negative) to +4.

    Introduced in chapter 07. Hutto & Gilbert (2014) had ten raters score each of about
    7 500 words, emoticons and slang terms; this is the mean of their scores. The file ships
    in the ``vaderSentiment`` wheel pinned in requirements.txt; it is found without importing
    the package and verified against its SHA-256. A new dict on every call.
    """
    path = _wheel_file("vaderSentiment", VADER_VERSION, _VADER_LEXICON[0], "The VADER lexicon")
    stat = path.stat()
    return dict(_vader_lexicon(path, stat.st_mtime_ns, stat.st_size))


def _is_test_word(polarity_rank: int) -> bool:
    return polarity_rank % 4 == 3  # every 4th word of each polarity, in alphabetical order


def sentiment_adjectives(*, words: str = "all") -> dict[str, float]:
    """The adjectives :func:`make_sentiment` uses, with their VADER valence, alphabetically.

    Introduced in chapter 07. These are the :data:`SENTIMENT_CANDIDATES` whose VADER mean
    valence is at least :data:`SENTIMENT_MIN_VALENCE` in absolute value; a positive valence
    makes a word positive. ``words="test"`` keeps every 4th positive and every 4th negative
    word in alphabetical order, ``"train"`` the others, ``"all"`` every one: a fixed split, the
    same on every machine and under every seed, for testing on words never seen in training.
    """
    words = check_choice("words", words, ("all", "train", "test"))
    lexicon = load_vader_lexicon()
    kept = {w: lexicon[w] for w in sorted(SENTIMENT_CANDIDATES) if abs(lexicon.get(w, 0.0)) >= SENTIMENT_MIN_VALENCE}
    if words == "all":
        return kept
    chosen = {}
    for positive in (True, False):
        same = [w for w, v in kept.items() if (v > 0) == positive]
        chosen.update({w: kept[w] for k, w in enumerate(same) if _is_test_word(k) == (words == "test")})
    return dict(sorted(chosen.items()))


def _sentiment_vocab() -> tuple[str, ...]:
    tokens = {"was", "not", "but"} | set(SENTIMENT_INTENSIFIERS) | set(sentiment_adjectives())
    for subject in SENTIMENT_SUBJECTS:
        tokens.update(subject.split())
    return ("<pad>", *sorted(tokens))


def _clauses(
    rng: np.random.Generator,
    sentiment: np.ndarray,
    negated: np.ndarray,
    subjects: np.ndarray,
    positive: list[str],
    negative: list[str],
) -> list[str]:
    """One clause per entry: ``subject was [not] [intensifier] adjective`` of the given sentiment."""
    m = len(sentiment)
    adjective_is_positive = sentiment != negated  # "not" flips the adjective's polarity
    pos_pick, neg_pick = rng.integers(len(positive), size=m), rng.integers(len(negative), size=m)
    use_intensifier = rng.random(m) < 0.5
    plain_pick = rng.integers(len(SENTIMENT_INTENSIFIERS), size=m)
    negated_pick = rng.integers(len(_NEGATABLE_INTENSIFIERS), size=m)
    clauses = []
    for k in range(m):
        words = [SENTIMENT_SUBJECTS[subjects[k]], "was"]
        if negated[k]:
            words.append("not")
        if use_intensifier[k]:
            words.append(_NEGATABLE_INTENSIFIERS[negated_pick[k]] if negated[k] else SENTIMENT_INTENSIFIERS[plain_pick[k]])
        words.append(positive[pos_pick[k]] if adjective_is_positive[k] else negative[neg_pick[k]])
        clauses.append(" ".join(words))
    return clauses


def _balanced_labels(m: int, rng: np.random.Generator) -> np.ndarray:
    """``m`` labels, half 1 and half 0 (the odd one chosen at random), in random order."""
    return rng.permutation((np.arange(m) + rng.integers(2)) % 2).astype(np.int64)


def make_sentiment(
    n: int,
    *,
    rng: np.random.Generator,
    kinds: tuple[str, ...] = ("plain", "negated", "contrast"),
    words: str = "all",
) -> SentimentData:
    """A synthetic sentiment data set in which word order matters, labelled by the VADER lexicon.

    Introduced in chapter 07. Every sentence is lower case, without punctuation, its tokens
    ``text.split()``; its adjective comes from :func:`sentiment_adjectives`:

    * ``"plain"``: ``the film was [very] good``, labelled with the adjective's polarity;
    * ``"negated"``: ``the plot was not [really] awful``, the opposite of the adjective's;
    * ``"contrast"``: ``<clause> but <clause>``, two plain or negated clauses (each
      negated with probability 1/2, about two different subjects) of opposite sentiment,
      labelled with the sentiment of the clause after "but". A positive and a negative
      clause are drawn first, then put in random order, so the same bag of words is
      equally likely to carry either label: only word order tells.

    An intensifier (:data:`SENTIMENT_INTENSIFIERS`) comes before the adjective half the time.

    Parameters
    ----------
    n
        Number of sentences. The kinds come equally often (the first kinds get one more when
        ``n`` does not divide), labels within each kind are balanced (the odd one at random),
        and the sentences are shuffled.
    rng
        Every random choice is drawn from it: the same state gives the same data.
    kinds
        Which kinds to make, from :data:`SENTIMENT_KINDS`.
    words
        ``"all"`` adjectives, or the fixed ``"train"`` or ``"test"`` part of them (see
        :func:`sentiment_adjectives`), to test on adjectives never seen in training.

    Returns
    -------
    SentimentData
        ``texts`` (list of str), ``labels`` (``int64``, 1 positive, 0 negative), ``kinds``
        (array of str, each sentence's kind) and ``vocab``: ``"<pad>"`` then every token the
        generator can write, sorted. ``vocab`` is the same for every ``kinds`` and ``words``,
        so data sets made with different options share token ids (see :func:`encode_tokens`).
    """
    n = check_int("n", n, minimum=1, maximum=10_000_000)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    if not isinstance(kinds, (tuple, list)) or not kinds:
        raise TypeError(f"kinds must be a non-empty tuple of names from {SENTIMENT_KINDS}, got {kinds!r:.80}")
    for kind in kinds:
        check_choice("kinds", kind, SENTIMENT_KINDS)
    if len(set(kinds)) != len(kinds):
        raise ValueError(f"kinds must not repeat a kind, got {tuple(kinds)}")
    words = check_choice("words", words, ("all", "train", "test"))

    adjectives = sentiment_adjectives(words=words)
    positive = [w for w, v in adjectives.items() if v > 0]
    negative = [w for w, v in adjectives.items() if v < 0]
    texts: list[str] = []
    labels: list[np.ndarray] = []
    kind_of: list[str] = []
    num_subjects = len(SENTIMENT_SUBJECTS)
    for k, kind in enumerate(kinds):
        m = n // len(kinds) + (1 if k < n % len(kinds) else 0)
        y = _balanced_labels(m, rng)
        if kind in ("plain", "negated"):
            negated = np.full(m, kind == "negated")
            texts += _clauses(rng, y.astype(bool), negated, rng.integers(num_subjects, size=m), positive, negative)
        else:  # a positive and a negative clause, about different subjects; y says which is last
            subject_pos = rng.integers(num_subjects, size=m)
            subject_neg = (subject_pos + 1 + rng.integers(num_subjects - 1, size=m)) % num_subjects
            good = _clauses(rng, np.ones(m, bool), rng.random(m) < 0.5, subject_pos, positive, negative)
            bad = _clauses(rng, np.zeros(m, bool), rng.random(m) < 0.5, subject_neg, positive, negative)
            texts += [f"{b} but {g}" if last_is_good else f"{g} but {b}" for g, b, last_is_good in zip(good, bad, y, strict=True)]
        labels.append(y)
        kind_of += [kind] * m
    order = rng.permutation(n)
    return SentimentData(
        [texts[i] for i in order],
        np.concatenate(labels)[order],
        np.array(kind_of)[order],
        _sentiment_vocab(),
    )


def _strings(name: str, value: object) -> list[str]:
    """``value`` as a list of str (a list, tuple or 1-D array of them), or raise naming ``name``."""
    if isinstance(value, np.ndarray) and value.ndim != 1:
        raise TypeError(f"{name} must be a list of strings or a 1-D array of them, got shape {value.shape}")
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a list of strings, got {type(value).__name__}")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise TypeError(f"{name}[{i}] must be a str, got {type(item).__name__}")
    return [str(item) for item in value]


def encode_tokens(texts: Sequence[str], vocab: Sequence[str], *, maxlen: int | None = None) -> np.ndarray:
    """Token ids of each text (``text.split()``), pre-padded with 0 into an ``(N, maxlen)`` array.

    Introduced in chapter 07. ``vocab[0]`` must be ``"<pad>"``, the id 0 of padding; a token's
    id is its index in ``vocab``. Padding comes first, so a recurrent network ends on the last
    word; a text longer than ``maxlen`` (default: the longest) keeps its last ``maxlen`` tokens.
    A token not in ``vocab`` raises ``ValueError`` naming it.

    Returns
    -------
    np.ndarray
        ``int64`` token ids of shape ``(len(texts), maxlen)``.
    """
    texts, vocab = _strings("texts", texts), _strings("vocab", vocab)
    if len(texts) == 0:
        raise ValueError("texts must hold at least one text, got none")
    if len(vocab) == 0 or vocab[0] != "<pad>":
        raise ValueError(f"vocab must start with '<pad>' (the id 0 of padding), got {list(vocab[:3])!r}")
    ids = {token: i for i, token in enumerate(vocab)}
    if len(ids) != len(vocab):
        raise ValueError("vocab must not hold a token twice")
    maxlen = check_int("maxlen", maxlen, minimum=1, allow_none=True)
    tokenized = [text.split() for text in texts]
    if maxlen is None:
        maxlen = max(len(tokens) for tokens in tokenized)
        if maxlen == 0:
            raise ValueError("texts hold no tokens at all (every text is empty)")
    out = np.zeros((len(texts), maxlen), dtype=np.int64)
    for row, tokens in enumerate(tokenized):
        for token in tokens:
            if token not in ids:
                raise ValueError(f"texts[{row}] holds the token {token!r}, which is not in vocab")
        kept = tokens[len(tokens) - min(len(tokens), maxlen) :]
        if kept:
            out[row, maxlen - len(kept) :] = [ids[token] for token in kept]
    return out


# --------------------------------------------------------------------------- natural images

#: The scikit-learn version pinned in requirements.txt, whose sample photographs chapter 08 reads.
SKLEARN_VERSION = "1.9.1"

#: SHA-256 of the two JPEG files in scikit-learn's wheel (sklearn/datasets/images/).
_NATURAL_IMAGES = {
    "china": ("china.jpg", "8378025ad2519d649d02e32bd98990db4ab572357d9f09841c2fbfbb4fefad29"),
    "flower": ("flower.jpg", "a77f6ec41e353afdf8bdff2ea981b2955535d8d83294f8cfa49cf4e423dd5638"),
}

#: ITU-R BT.601 luma weights of red, green and blue.
_LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])


def _natural_image_path(filename: str) -> Path:
    """``sklearn/datasets/images/<filename>`` of the installed scikit-learn, found without importing it."""
    return _wheel_file("sklearn", SKLEARN_VERSION, f"datasets/images/{filename}", f"The sample photograph {filename}",
                       dist="scikit-learn")


@lru_cache(maxsize=4)
def _natural_image(path: Path, sha256: str, mtime_ns: int, size: int) -> np.ndarray:
    """The verified JPEG at ``path`` as a grey ``float64`` image in [0, 1] (cached; never hand it out)."""
    from PIL import Image  # Pillow: installed with matplotlib

    payload = _read_wheel_file(path, sha256, "scikit-learn", SKLEARN_VERSION)
    with Image.open(io.BytesIO(payload)) as image:  # decode the bytes that were verified
        rgb = np.asarray(image.convert("RGB"), dtype=np.float64)
    grey = rgb @ _LUMA_WEIGHTS / 255.0
    grey.flags.writeable = False
    return grey


def load_natural_images(*, scale: float = 1.0) -> dict[str, np.ndarray]:
    """scikit-learn's two sample photographs, in grey: ``{"china": ..., "flower": ...}``.

    Introduced in chapter 08, as natural images whose statistics (a ``1/f^2`` power
    spectrum) early vision is thought to be adapted to. "china" is a temple in China and
    "flower" a close-up of a flower, both 427 x 640 pixels, from Flickr (by danielbuechele
    and vultilion), under the CC BY 2.0 licence (see ``sklearn/datasets/images/README.txt``).

    The two JPEG files ship inside the scikit-learn wheel pinned in requirements.txt; they
    are found without importing scikit-learn, verified against their SHA-256, and decoded
    with Pillow. Colour becomes grey with the ITU-R BT.601 luma weights,
    ``0.299 R + 0.587 G + 0.114 B``, computed in floating point (no rounding to integers),
    divided by 255.

    Parameters
    ----------
    scale
        The size relative to the original, ``0 < scale <= 1`` (default 1). Images are
        shrunk by averaging blocks of ``k x k`` pixels with ``k = round(1 / scale)``, and any
        rows or columns left over at the bottom and right are cropped: ``scale=0.5``
        averages 2 x 2 blocks, giving 213 x 320 pixels (so ``scale`` values that round to
        the same ``k`` give the same images, and ``k = 1`` for ``scale > 2/3``).

    Returns
    -------
    dict
        ``{"china": image, "flower": image}``, each a 2-D ``float64`` array with values in
        [0, 1]. New arrays on every call.

    Raises
    ------
    DatasetNotFoundError
        scikit-learn is not installed, or lacks the files; the message says how to install it.
    DatasetIntegrityError
        A file fails its SHA-256 (corrupted, or from another scikit-learn version).
    """
    scale = check_float("scale", scale, minimum=0.0, maximum=1.0, exclusive_minimum=True)
    k = round(1 / scale)
    images = {}
    for name, (filename, sha256) in _NATURAL_IMAGES.items():
        path = _natural_image_path(filename)
        stat = path.stat()
        grey = _natural_image(path, sha256, stat.st_mtime_ns, stat.st_size)
        h, w = grey.shape[0] // k, grey.shape[1] // k
        if h == 0 or w == 0:
            raise ValueError(
                f"scale must leave at least one pixel: scale={scale} averages {k} x {k} blocks of a "
                f"{grey.shape[0]} x {grey.shape[1]} image"
            )
        images[name] = grey[: h * k, : w * k].reshape(h, k, w, k).mean(axis=(1, 3))  # a new array
    return images


# --------------------------------------------------------------------------- command line


def _thousands(number: int) -> str:
    """``4 025 022``: thousands separated by spaces, as in the book."""
    return f"{number:,}".replace(",", " ")


def _report_austen() -> str:
    texts = load_austen(unwrap=False)
    total = sum(len(text) for text in texts.values())
    return (
        f"Jane Austen's novels (janeaustenr) found in {find_austen()}; all six verified (SHA-256).\n"
        f"{len(texts)} novels, {_thousands(total)} characters: {', '.join(texts)}"
    )


def _report_japanese_vowels() -> str:
    data = load_japanese_vowels()
    lengths = [len(x) for x in data.X_train + data.X_test]
    folder = _package_dir("sktime") / "datasets" / "data" / "JapaneseVowels"
    return (
        f"Japanese Vowels found in {folder} (sktime {_installed_version('sktime')}); both files verified (SHA-256).\n"
        f"train {len(data.X_train)} utterances, test {len(data.X_test)}, "
        f"{data.X_train[0].shape[1]} channels, {min(lengths)}-{max(lengths)} frames"
    )


def _report_vader() -> str:
    lexicon = load_vader_lexicon()
    kept = sentiment_adjectives()
    positive = sum(v > 0 for v in kept.values())
    return (
        f"VADER lexicon found in {_package_dir('vaderSentiment') / _VADER_LEXICON[0]}; verified (SHA-256).\n"
        f"{_thousands(len(lexicon))} tokens; {len(kept)} of the {len(SENTIMENT_CANDIDATES)} candidate adjectives "
        f"kept ({positive} positive, {len(kept) - positive} negative)"
    )


def _report_natural_images() -> str:
    images = load_natural_images()
    sizes = ", ".join(f"{name} {image.shape[0]} x {image.shape[1]}" for name, image in images.items())
    folder = _package_dir("sklearn") / "datasets" / "images"
    return (
        f"Sample photographs found in {folder} (scikit-learn {_installed_version('scikit-learn')}); "
        f"both files verified (SHA-256).\n{sizes} pixels, grey levels 0-1"
    )


def _main(argv: list[str]) -> int:
    """``python -m neurodl.data [check|download]``: report every data set, or fetch Fashion-MNIST.

    Exits with 1 if any data set is missing or fails its checksum (each is reported).
    """
    command = argv[0] if argv else "check"
    if command not in ("check", "download"):
        print("usage: python -m neurodl.data [check|download]", file=sys.stderr)
        return 2
    status = 0
    try:
        if command == "download" and find_fashion_mnist() is None:
            print(f"downloaded into {download_fashion_mnist()}")
        folder = find_fashion_mnist()
        if folder is None:
            load_fashion_mnist(download=False)  # raises with the full message
        data = load_fashion_mnist(download=False)
        print(f"Fashion-MNIST found in {folder}; all four files verified (SHA-256).")
        print(f"train {data.X_train.shape}, test {data.X_test.shape}")
    except (DatasetNotFoundError, DatasetIntegrityError) as exc:
        print(exc, file=sys.stderr)
        status = 1
    for report in (_report_austen, _report_japanese_vowels, _report_vader, _report_natural_images):
        try:
            print(report())
        except (DatasetNotFoundError, DatasetIntegrityError) as exc:
            print(exc, file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main(sys.argv[1:]))
