"""Problem set 8 checkers accept right answers and reject wrong ones."""
import numpy as np

from ntk_course import kip
from ntk_course.checks import ps08


def right_outputs(k, y, kq):
    vals, vecs = np.linalg.eigh(k)
    vals, vecs = vals[::-1], vecs[:, ::-1]
    return (kq @ vecs) * ((vecs.T @ y) / vals)[None, :]


def test_feature_outputs():
    assert ps08.feature_outputs(right_outputs)
    # Ascending order (numpy's default) is the typical mistake.
    def ascending(k, y, kq):
        vals, vecs = np.linalg.eigh(k)
        return (kq @ vecs) * ((vecs.T @ y) / vals)[None, :]
    assert not ps08.feature_outputs(ascending)


def test_usefulness():
    right = lambda f, y: (y[:, None] * f).mean(0) / np.sqrt((f ** 2).mean(0))
    assert ps08.usefulness(right)
    assert not ps08.usefulness(lambda f, y: (y[:, None] * f).mean(0) / f.std(0))


def test_worst_linear_margin():
    assert ps08.worst_linear_margin(lambda w, x, y, eps: y * (x @ w) - eps * np.abs(w).sum())
    assert not ps08.worst_linear_margin(
        lambda w, x, y, eps: y * (x @ w) - eps * np.linalg.norm(w))


def test_top_energy_share():
    x, y = ps08.digits_pair()
    k = np.asarray(kip.fc_ntk(depth=1)(x, x), dtype=np.float64)
    vals, vecs = np.linalg.eigh(k)
    energy = (vecs[:, ::-1].T @ y) ** 2
    assert ps08.top_energy_share(energy[:10].sum() / energy.sum())
    assert not ps08.top_energy_share((vecs[:, :10].T @ y) @ (vecs[:, :10].T @ y) / len(y))
