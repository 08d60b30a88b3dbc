"""Datasets: offline ones for the lectures and tests, online ones for readers.

Offline (no network, ever):

* :func:`digits` -- scikit-learn's 8x8 handwritten digits (ships with it).
* :func:`mnist1d` -- MNIST-1D generated locally with the ``mnist1d`` package.
* :func:`sphere` -- points drawn uniformly on the sphere of radius ``sqrt(d)``.

Online (download once into a cache, verify SHA-256 before parsing):

* :func:`mnist`, :func:`fashion_mnist` -- IDX files.
* :func:`cifar10` -- the binary version of CIFAR-10.

Without a network, the online loaders raise :class:`DatasetUnavailable`
saying where to put the files by hand.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import struct
import tarfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import _validate as V

__all__ = ["Split", "digits", "mnist1d", "sphere", "mnist", "fashion_mnist", "cifar10",
           "parse_idx", "parse_cifar_batch", "cache_dir", "DatasetUnavailable",
           "ChecksumMismatch", "one_hot", "select_classes", "per_class_sample"]


class Split(NamedTuple):
    """A train/test split. ``x`` arrays are float32, ``y`` arrays are int labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


class DatasetUnavailable(RuntimeError):
    """A dataset is neither cached nor downloadable."""


class ChecksumMismatch(RuntimeError):
    """A downloaded or cached file does not have the expected SHA-256."""


def one_hot(labels, n_classes: int) -> np.ndarray:
    """``(n,)`` integer labels to ``(n, n_classes)`` one-hot float32 rows.

    >>> one_hot([0, 2], 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    labels = np.asarray(V.array("labels", labels, ndim=1, dtype_kind="iu"))
    n_classes = V.positive_int("n_classes", n_classes)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must lie in [0, {n_classes}), got range "
                         f"[{labels.min()}, {labels.max()}]")
    return np.eye(n_classes, dtype=np.float32)[labels]


def select_classes(split: Split, classes) -> Split:
    """Keep only the given classes, relabelled ``0..len(classes)-1`` in that order.

    Every class must be distinct and present in the training labels.
    """
    if not isinstance(split, Split):
        raise TypeError(f"split must be a data.Split, got {type(split).__name__}")
    classes = list(classes)
    if len(classes) < 2:
        raise ValueError(f"classes must name at least two classes, got {classes}")
    if len(set(classes)) != len(classes):
        raise ValueError(f"classes must be distinct, got {classes}")
    absent = [c for c in classes if not np.any(split.y_train == c)]
    if absent:
        raise ValueError(f"classes {absent} do not occur in the training labels (present: "
                         f"{np.unique(split.y_train).tolist()})")

    def keep(x, y):
        mask = np.isin(y, classes)
        relabel = np.array([classes.index(c) for c in y[mask]], dtype=np.int64)
        return x[mask], relabel

    x_tr, y_tr = keep(split.x_train, split.y_train)
    x_te, y_te = keep(split.x_test, split.y_test)
    return Split(x_tr, y_tr, x_te, y_te)


def _split(x, y, n_train, n_test, seed):
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))
    if n_train + n_test > len(x):
        raise ValueError(f"n_train + n_test = {n_train + n_test} exceeds the {len(x)} examples")
    tr, te = order[:n_train], order[n_train:n_train + n_test]
    return Split(x[tr], y[tr], x[te], y[te])


def digits(*, n_train: int = 1000, n_test: int = 797, seed: int = 0,
           standardize: bool = True) -> Split:
    """scikit-learn's 1797 8x8 digits, flattened to 64 features in ``[0, 1]``.

    With ``standardize`` each image is centred and scaled to norm ``sqrt(64)``,
    the normalization under which the NTK formulas on the sphere apply.

    >>> s = digits(n_train=10, n_test=5)
    >>> s.x_train.shape, s.y_train.shape
    ((10, 64), (10,))
    """
    from sklearn.datasets import load_digits

    n_train = V.positive_int("n_train", n_train)
    n_test = V.positive_int("n_test", n_test, minimum=0)
    bunch = load_digits()
    x = (bunch.data / 16.0).astype(np.float32)
    if standardize:
        x = x - x.mean(axis=1, keepdims=True)
        x = x / np.linalg.norm(x, axis=1, keepdims=True) * np.sqrt(x.shape[1])
    return _split(x.astype(np.float32), bunch.target.astype(np.int64), n_train, n_test, seed)


def mnist1d(*, n_samples: int = 5000, shuffle_seq: bool = False, seed: int = 42) -> Split:
    """MNIST-1D (Greydanus & Kobak), generated locally: 40-sample 1-D signals, 10 classes.

    The defaults reproduce the paper's dataset (4000 train, 1000 test). With
    ``shuffle_seq`` every signal's samples are permuted by one fixed
    permutation, which destroys spatial structure but not information.
    Never downloads: the package's ``make_dataset`` builds it from templates.
    """
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.num_samples = V.positive_int("n_samples", n_samples, minimum=10)
    args.shuffle_seq = bool(shuffle_seq)
    args.seed = V.positive_int("seed", seed, minimum=0)
    # make_dataset seeds Python's and NumPy's global generators: restore them afterwards
    import random

    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        data = make_dataset(args)
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
    return Split(np.asarray(data["x"], dtype=np.float32), np.asarray(data["y"], dtype=np.int64),
                 np.asarray(data["x_test"], dtype=np.float32),
                 np.asarray(data["y_test"], dtype=np.int64))


def sphere(n: int, d: int, *, seed: int = 0) -> np.ndarray:
    """``n`` points uniform on the sphere of radius ``sqrt(d)`` in ``R^d``, shape ``(n, d)``.

    >>> x = sphere(3, 4); np.allclose((x ** 2).sum(1), 4)
    True
    """
    n = V.positive_int("n", n)
    d = V.positive_int("d", d)
    x = np.random.default_rng(seed).normal(size=(n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True) * np.sqrt(d)).astype(np.float32)


# ---------------------------------------------------------------------------
# Online datasets
# ---------------------------------------------------------------------------
class _Remote(NamedTuple):
    url: str
    sha256: str


# SHA-256 digests of the published files (as recorded in TensorFlow Datasets'
# checksum lists); a file is parsed only after its digest matches.
_MNIST_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"
_FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
_FILES = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    "fashion_mnist": {
        "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    },
    "cifar10": {
        "cifar-10-binary.tar.gz": "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
    },
}
_BASE_URLS = {"mnist": _MNIST_URL, "fashion_mnist": _FASHION_URL,
              "cifar10": "https://www.cs.toronto.edu/~kriz/"}


#: set to 1 (by tools/smoke.py only) to read generated test files instead of downloads
TEST_DATA_ENV_VAR = "NTK_COURSE_TEST_DATA"


def cache_dir() -> Path:
    """Where downloads are kept: ``$NTK_COURSE_DATA`` (``~`` and ``$VARS`` expanded)
    or ``~/.cache/ntk_course``."""
    root = os.environ.get("NTK_COURSE_DATA")
    if not root:
        return Path.home() / ".cache" / "ntk_course"
    return Path(os.path.expandvars(root)).expanduser()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fetch(dataset: str, filename: str, *, timeout: float = 60.0) -> Path:
    """Return the path of a verified copy of ``filename``, downloading it if needed."""
    expected = _FILES[dataset][filename]
    base_url = _BASE_URLS[dataset]
    folder = cache_dir() / dataset
    path = folder / filename
    if os.environ.get(TEST_DATA_ENV_VAR) == "1":
        # CI's smoke profile: tiny files in the real formats, generated by
        # tools/smoke.py; their digests cannot match, and nothing is downloaded.
        if not path.exists():
            raise DatasetUnavailable(f"{TEST_DATA_ENV_VAR}=1 but {path} was not generated")
        return path
    if path.exists():
        got = _sha256(path)
        if got != expected:
            raise ChecksumMismatch(
                f"{path} has SHA-256 {got}, expected {expected}: the file is corrupt or not "
                f"the published one. Delete it and run again to download a fresh copy.")
        return path
    folder.mkdir(parents=True, exist_ok=True)
    url = base_url + filename
    partial = path.with_suffix(path.suffix + ".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(partial, "wb") as out:
            for chunk in iter(lambda: response.read(1 << 20), b""):
                out.write(chunk)
    except (urllib.error.URLError, OSError, TimeoutError) as err:
        partial.unlink(missing_ok=True)
        raise DatasetUnavailable(
            f"could not download {url} ({err}). Without a network, download {filename} "
            f"elsewhere and copy it to {path} (or set NTK_COURSE_DATA to a folder holding "
            f"{dataset}/{filename}); the lectures' quick profile needs no download: it uses "
            "ntk_course.data.digits() and ntk_course.data.mnist1d().") from err
    got = _sha256(partial)
    if got != expected:
        partial.unlink(missing_ok=True)
        raise ChecksumMismatch(f"downloaded {url} has SHA-256 {got}, expected {expected}; "
                               "the file was not kept. Try again or use another network.")
    partial.replace(path)
    return path


def parse_idx(raw: bytes) -> np.ndarray:
    """Parse an IDX file (the MNIST format): magic, dimensions, then big-endian data.

    >>> parse_idx(bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 9])).tolist()
    [7, 9]
    """
    if not isinstance(raw, (bytes, bytearray)):
        raise TypeError(f"raw must be bytes, got {type(raw).__name__}")
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError("raw is not an IDX file: bad magic number")
    dtypes = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    code, ndim = raw[2], raw[3]
    if code not in dtypes:
        raise ValueError(f"raw is not an IDX file: unknown type code {code:#x}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError("raw is truncated: IDX header incomplete")
    shape = struct.unpack(">" + "I" * ndim, raw[4:header])
    dtype = np.dtype(dtypes[code])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(f"raw has {len(raw) - header} data bytes, the header announces {expected}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def _load_idx_dataset(dataset: str) -> Split:
    def read(name):
        with gzip.open(_fetch(dataset, name), "rb") as handle:
            return parse_idx(handle.read())

    x_tr = read("train-images-idx3-ubyte.gz").reshape(-1, 28 * 28).astype(np.float32) / 255
    y_tr = read("train-labels-idx1-ubyte.gz").astype(np.int64)
    x_te = read("t10k-images-idx3-ubyte.gz").reshape(-1, 28 * 28).astype(np.float32) / 255
    y_te = read("t10k-labels-idx1-ubyte.gz").astype(np.int64)
    return Split(x_tr, y_tr, x_te, y_te)


def mnist() -> Split:
    """MNIST, 60000 + 10000 images flattened to 784 features in ``[0, 1]`` (downloads once)."""
    return _load_idx_dataset("mnist")


def fashion_mnist() -> Split:
    """Fashion-MNIST, same format as :func:`mnist` (downloads once)."""
    return _load_idx_dataset("fashion_mnist")


_CIFAR_RECORD = 1 + 32 * 32 * 3


def parse_cifar_batch(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Parse one CIFAR-10 binary batch: records of 1 label byte + 3072 pixel bytes.

    Returns images ``(n, 32, 32, 3)`` as float32 in ``[0, 1]`` and labels ``(n,)``.
    """
    if not isinstance(raw, (bytes, bytearray)):
        raise TypeError(f"raw must be bytes, got {type(raw).__name__}")
    if len(raw) == 0 or len(raw) % _CIFAR_RECORD:
        raise ValueError(f"raw has {len(raw)} bytes, not a whole number of {_CIFAR_RECORD}-byte "
                         "CIFAR-10 records")
    records = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _CIFAR_RECORD)
    labels = records[:, 0].astype(np.int64)
    if labels.max() > 9:
        raise ValueError(f"raw has label {labels.max()}; CIFAR-10 labels are 0..9")
    # Pixels are stored channel-major (1024 red, 1024 green, 1024 blue).
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return images.astype(np.float32) / 255, labels


def cifar10() -> Split:
    """CIFAR-10, 50000 + 10000 images of shape ``(32, 32, 3)`` in ``[0, 1]`` (downloads once)."""
    path = _fetch("cifar10", "cifar-10-binary.tar.gz")
    train, test = [], None
    with tarfile.open(path, "r:gz") as archive:
        members = {Path(m.name).name: m for m in archive.getmembers() if m.isfile()}
        for i in range(1, 6):
            train.append(parse_cifar_batch(archive.extractfile(members[f"data_batch_{i}.bin"]).read()))
        test = parse_cifar_batch(archive.extractfile(members["test_batch.bin"]).read())
    x_tr = np.concatenate([b[0] for b in train])
    y_tr = np.concatenate([b[1] for b in train])
    return Split(x_tr, y_tr, test[0], test[1])


# ---------------------------------------------------------------------------
# Subsets
# ---------------------------------------------------------------------------
def per_class_sample(x, labels, per_class: int, *, seed: int = 0):
    """``per_class`` random rows of ``x`` from each class, ordered by class.

    Returns ``(x_sub, labels_sub, index)``; the rows are drawn with
    ``np.random.default_rng(seed)``.

    >>> x = np.arange(12.0).reshape(6, 2); lab = np.array([0, 1, 0, 1, 0, 1])
    >>> per_class_sample(x, lab, 2)[1].tolist()
    [0, 0, 1, 1]
    """
    x = np.asarray(V.array("x", x, ndim=2))
    labels = np.asarray(V.array("labels", labels, ndim=1, dtype_kind="iu"))
    V.same_length("x", x, "labels", labels)
    per_class = V.positive_int("per_class", per_class)
    rng = np.random.default_rng(seed)
    index = []
    for c in np.unique(labels):
        pool = np.flatnonzero(labels == c)
        if len(pool) < per_class:
            raise ValueError(f"per_class={per_class} but class {c} has only {len(pool)} examples")
        index.append(rng.choice(pool, per_class, replace=False))
    index = np.concatenate(index)
    return x[index], labels[index], index
