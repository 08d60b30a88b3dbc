"""Offline datasets, and the online loaders on small files in the real formats."""
import gzip
import hashlib
import io
import struct
import tarfile

import numpy as np
import pytest

from ntk_course import data


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode an unsigned-byte array as an IDX file, as the MNIST files are."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(">" + "I" * array.ndim, *array.shape)
    return header + array.astype(np.uint8).tobytes()


def cifar_bytes(images: np.ndarray, labels: np.ndarray) -> bytes:
    """Encode images (n, 32, 32, 3) uint8 as CIFAR-10 binary records."""
    planes = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    return np.concatenate([labels[:, None].astype(np.uint8), planes], axis=1).tobytes()


def sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def test_digits_split_and_normalization():
    s = data.digits(n_train=100, n_test=50, seed=1)
    assert s.x_train.shape == (100, 64) and s.x_test.shape == (50, 64)
    assert s.x_train.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(s.x_train, axis=1), 8.0, rtol=1e-5)
    np.testing.assert_allclose(s.x_train.mean(axis=1), 0.0, atol=1e-6)
    assert set(np.unique(s.y_train)) <= set(range(10))
    raw = data.digits(n_train=10, n_test=0, standardize=False)
    assert raw.x_train.min() >= 0 and raw.x_train.max() <= 1


def test_digits_rejects_too_many():
    with pytest.raises(ValueError, match="exceeds"):
        data.digits(n_train=2000, n_test=10)


def test_mnist1d_generated_locally(monkeypatch):
    import urllib.request

    def no_network(*args, **kwargs):
        raise AssertionError("mnist1d must not touch the network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    s = data.mnist1d(n_samples=500)
    assert s.x_train.shape == (400, 40) and s.x_test.shape == (100, 40)
    assert set(np.unique(s.y_train)) == set(range(10))
    shuffled = data.mnist1d(n_samples=500, shuffle_seq=True)
    # The shuffled variant permutes each signal's samples by one fixed permutation.
    assert not np.allclose(shuffled.x_train, s.x_train)
    np.testing.assert_allclose(np.sort(shuffled.x_train, axis=1), np.sort(s.x_train, axis=1),
                               rtol=1e-5, atol=1e-6)


def test_select_classes_and_one_hot():
    s = data.select_classes(data.digits(n_train=300, n_test=100), [3, 8])
    assert set(np.unique(s.y_train)) == {0, 1}
    oh = data.one_hot(s.y_train, 2)
    assert oh.shape == (len(s.y_train), 2) and np.all(oh.sum(1) == 1)
    with pytest.raises(ValueError, match="labels"):
        data.one_hot([0, 5], 3)
    with pytest.raises(ValueError, match="classes"):
        data.select_classes(s, [1])


def test_parse_idx_roundtrip_and_errors():
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(data.parse_idx(idx_bytes(arr)), arr)
    with pytest.raises(ValueError, match="magic"):
        data.parse_idx(b"\x01\x02\x08\x01")
    with pytest.raises(ValueError, match="announces"):
        data.parse_idx(idx_bytes(arr)[:-1])
    with pytest.raises(TypeError, match="raw"):
        data.parse_idx("not bytes")


def test_parse_cifar_batch_roundtrip_and_errors():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(3, 32, 32, 3), dtype=np.uint8)
    labels = np.array([0, 9, 4])
    x, y = data.parse_cifar_batch(cifar_bytes(images, labels))
    np.testing.assert_array_equal(y, labels)
    np.testing.assert_allclose(x * 255, images)
    with pytest.raises(ValueError, match="records"):
        data.parse_cifar_batch(b"\x00" * 100)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NTK_COURSE_DATA", str(tmp_path))
    # A closed local port: any download attempt fails at once, as offline.
    monkeypatch.setattr(data, "_BASE_URLS", {k: "http://127.0.0.1:9/" for k in data._BASE_URLS})
    return tmp_path


def write_mnist_like(folder, dataset, monkeypatch):
    rng = np.random.default_rng(1)
    files = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, size=(5, 28, 28)),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, size=5),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, size=(2, 28, 28)),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, size=2),
    }
    digests = {}
    (folder / dataset).mkdir()
    for name, arr in files.items():
        raw = gzip.compress(idx_bytes(arr))
        (folder / dataset / name).write_bytes(raw)
        digests[name] = sha(raw)
    monkeypatch.setitem(data._FILES, dataset, digests)
    return files


@pytest.mark.parametrize("dataset,loader", [("mnist", data.mnist), ("fashion_mnist", data.fashion_mnist)])
def test_idx_loader_reads_verified_cache(cache, monkeypatch, dataset, loader):
    files = write_mnist_like(cache, dataset, monkeypatch)
    split = loader()
    assert split.x_train.shape == (5, 784) and split.x_test.shape == (2, 784)
    np.testing.assert_allclose(split.x_train * 255, files["train-images-idx3-ubyte.gz"].reshape(5, -1))
    np.testing.assert_array_equal(split.y_test, files["t10k-labels-idx1-ubyte.gz"])


def test_corrupt_cache_is_refused_before_parsing(cache, monkeypatch):
    write_mnist_like(cache, "mnist", monkeypatch)
    path = cache / "mnist" / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-3] + b"xyz")
    with pytest.raises(data.ChecksumMismatch, match="SHA-256"):
        data.mnist()


def test_offline_loader_says_what_to_do(cache):
    with pytest.raises(data.DatasetUnavailable) as info:
        data.mnist()
    message = str(info.value)
    assert "train-images-idx3-ubyte.gz" in message and str(cache) in message
    assert "digits()" in message
    assert not list((cache / "mnist").glob("*.part"))


def test_cifar10_loader_reads_verified_archive(cache, monkeypatch):
    rng = np.random.default_rng(2)
    buffer = io.BytesIO()
    batches = {}
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
            images = rng.integers(0, 256, size=(2, 32, 32, 3), dtype=np.uint8)
            labels = rng.integers(0, 10, size=2)
            raw = cifar_bytes(images, labels)
            batches[name] = (images, labels)
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    raw = buffer.getvalue()
    (cache / "cifar10").mkdir()
    (cache / "cifar10" / "cifar-10-binary.tar.gz").write_bytes(raw)
    monkeypatch.setitem(data._FILES, "cifar10", {"cifar-10-binary.tar.gz": sha(raw)})
    split = data.cifar10()
    assert split.x_train.shape == (10, 32, 32, 3) and split.x_test.shape == (2, 32, 32, 3)
    np.testing.assert_allclose(split.x_test * 255, batches["test_batch.bin"][0])
    np.testing.assert_array_equal(split.y_train[:2], batches["data_batch_1.bin"][1])


def test_published_digests_are_well_formed():
    for files in data._FILES.values():
        for digest in files.values():
            assert len(digest) == 64 and int(digest, 16) >= 0


def test_sphere_bad_input():
    with pytest.raises(ValueError, match="d"):
        data.sphere(3, 0)
    with pytest.raises(TypeError, match="n"):
        data.sphere(2.5, 3)


# ----------------------------------------------------------------------------- no silent wrong results
def test_cache_dir_expands_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NTK_COURSE_DATA", "~/data")
    assert data.cache_dir() == tmp_path / "data"


def test_select_classes_refuses_absent_or_duplicate_classes():
    split = data.Split(np.zeros((4, 2)), np.array([0, 1, 2, 1]), np.zeros((2, 2)),
                       np.array([0, 1]))
    with pytest.raises(ValueError, match="distinct"):
        data.select_classes(split, [1, 1])
    with pytest.raises(ValueError, match=r"classes \[7\] do not occur"):
        data.select_classes(split, [0, 7])
    assert data.select_classes(split, [2, 0]).y_train.tolist() == [1, 0]


def test_mnist1d_leaves_the_global_generators_alone():
    import random

    random.seed(123)
    np.random.seed(123)
    want_py, want_np = random.random(), np.random.random()
    random.seed(123)
    np.random.seed(123)
    data.mnist1d(n_samples=100)
    assert (random.random(), np.random.random()) == (want_py, want_np)
