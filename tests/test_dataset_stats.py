"""Intrinsic dimension and correlation statistics on data with known answers."""
import numpy as np
import pytest

from ntk_course import dataset_stats as ds


@pytest.mark.parametrize("dim", [2, 5])
def test_mle_recovers_dimension_of_linear_subspace(dim):
    rng = np.random.default_rng(dim)
    x = rng.normal(size=(3000, dim)) @ rng.normal(size=(dim, 30))
    assert abs(ds.mle_intrinsic_dimension(x, k=10) - dim) < 0.15 * dim


def test_mle_on_a_circle_is_one():
    t = np.random.default_rng(0).uniform(0, 2 * np.pi, 2000)
    x = np.stack([np.cos(t), np.sin(t), np.zeros_like(t)], 1)
    assert abs(ds.mle_intrinsic_dimension(x, k=8) - 1) < 0.15


def test_mle_is_scale_and_rotation_invariant():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, 4))
    q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    a = ds.mle_intrinsic_dimension(x, k=6)
    assert np.isclose(a, ds.mle_intrinsic_dimension(7.0 * x @ q, k=6), rtol=1e-6)


def test_correlation_extremes():
    rng = np.random.default_rng(2)
    base = rng.normal(size=50)
    same = np.stack([base, 2 * base + 1, -base])
    assert np.isclose(ds.mean_abs_correlation(same), 1.0)
    noise = rng.normal(size=(40, 5000))
    assert ds.mean_abs_correlation(noise) < 0.02


def test_correlation_matches_numpy():
    x = np.random.default_rng(3).normal(size=(6, 20))
    c = np.abs(np.corrcoef(x))
    expected = (c.sum() - 6) / 30
    assert np.isclose(ds.mean_abs_correlation(x), expected)


def test_bad_inputs():
    with pytest.raises(ValueError, match="x"):
        ds.mle_intrinsic_dimension(np.ones(5))
    with pytest.raises(ValueError, match="k="):
        ds.mle_intrinsic_dimension(np.random.default_rng(0).normal(size=(4, 3)), k=5)
    with pytest.raises(ValueError, match="duplicated"):
        ds.mle_intrinsic_dimension(np.ones((10, 3)), k=3)
    with pytest.raises(TypeError, match="k"):
        ds.mle_intrinsic_dimension(np.zeros((10, 3)), k=2.5)
    with pytest.raises(ValueError, match="NaN"):
        ds.mean_abs_correlation(np.array([[np.nan, 1.0], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="constant"):
        ds.mean_abs_correlation(np.array([[1.0, 1.0], [1.0, 2.0]]))
