"""Kernel-dynamics metrics of ntk_course.kernels: distances, polar view, spectrum, alignment."""
import jax.numpy as jnp
import numpy as np
import pytest

from ntk_course import kernels


def _psd(seed, n=6, rank=None):
    a = np.random.default_rng(seed).normal(size=(n, rank or n))
    return a @ a.T


def test_distance_zero_for_equal_and_scaled_kernels():
    k = _psd(0)
    assert abs(float(kernels.kernel_distance(k, k))) < 1e-6
    assert abs(float(kernels.kernel_distance(k, 7.5 * k))) < 1e-6


def test_distance_is_scale_invariant_symmetric_and_in_unit_interval_for_psd():
    k1, k2 = _psd(1), _psd(2, rank=2)
    d = float(kernels.kernel_distance(k1, k2))
    assert 0.0 <= d <= 1.0
    assert np.isclose(d, float(kernels.kernel_distance(3.0 * k1, 0.2 * k2)), atol=1e-6)
    assert np.isclose(d, float(kernels.kernel_distance(k2, k1)), atol=1e-7)


def test_distance_matches_the_trace_formula_of_the_slides():
    k1, k2 = _psd(3), _psd(4)
    expected = 1 - np.trace(k1 @ k2.T) / np.sqrt(np.trace(k1 @ k1.T) * np.trace(k2 @ k2.T))
    assert np.isclose(float(kernels.kernel_distance(k1, k2)), expected, atol=1e-6)


def test_polar_coordinates_separate_growth_from_rotation():
    k0 = _psd(5)
    rel, ang = kernels.kernel_polar(3.0 * k0, k0)        # pure growth: no rotation
    assert np.isclose(float(rel), 2.0, atol=1e-5) and float(ang) < 1e-3
    # an orthogonal direction of the same norm: rotation by pi/2, relative change sqrt(2)
    e = np.diag([1.0, -1.0]) / np.sqrt(2)
    rel, ang = kernels.kernel_polar(e, np.eye(2) / np.sqrt(2))
    assert np.isclose(float(ang), np.pi / 2, atol=1e-6)
    assert np.isclose(float(rel), np.sqrt(2), atol=1e-6)


def test_angle_satisfies_the_triangle_inequality():
    ks = [_psd(s) for s in (6, 7, 8)]
    ang = lambda a, b: float(kernels.kernel_polar(a, b)[1])
    assert ang(ks[0], ks[2]) <= ang(ks[0], ks[1]) + ang(ks[1], ks[2]) + 1e-6


def test_effective_rank_closed_forms():
    assert np.isclose(float(kernels.effective_rank(np.diag([2.0, 2.0, 2.0, 0.0]))), 3.0, atol=1e-5)
    assert np.isclose(float(kernels.effective_rank(np.ones((5, 5)))), 1.0, atol=1e-4)
    lam = np.array([4.0, 1.0])
    p = lam / lam.sum()
    expected = np.exp(-(p * np.log(p)).sum())
    q = np.linalg.qr(np.random.default_rng(0).normal(size=(2, 2)))[0]
    assert np.isclose(float(kernels.effective_rank(q @ np.diag(lam) @ q.T)), expected, atol=1e-5)


def test_top_eigen_fraction_and_rank_bounds():
    k = _psd(9, n=8)
    r = float(kernels.effective_rank(k))
    assert 1.0 <= r <= 8.0 + 1e-6
    assert np.isclose(float(kernels.top_eigen_fraction(k, 8)), 1.0, atol=1e-6)
    vals = np.sort(np.linalg.eigvalsh(k))[::-1]
    assert np.isclose(float(kernels.top_eigen_fraction(k, 2)), vals[:2].sum() / vals.sum(),
                      atol=1e-5)


def test_alignment_of_label_kernel_is_one_and_matches_formula():
    y = np.array([1.0, -1.0, 1.0, 1.0])
    assert np.isclose(float(kernels.kernel_alignment(2.0 * np.outer(y, y), y)), 1.0, atol=1e-6)
    k = _psd(10, n=4)
    expected = y @ k @ y / (np.linalg.norm(k) * (y @ y))
    assert np.isclose(float(kernels.kernel_alignment(k, y)), expected, atol=1e-6)
    onehot = np.eye(2)[[0, 1, 0, 0]]
    expected = np.sum(k * (onehot @ onehot.T)) / (np.linalg.norm(k) * np.linalg.norm(onehot @ onehot.T))
    assert np.isclose(float(kernels.kernel_alignment(k, onehot)), expected, atol=1e-6)


def test_bad_inputs_name_the_argument():
    k = _psd(0, n=3)
    with pytest.raises(ValueError, match="k1"):
        kernels.kernel_distance(np.ones((2, 3)), k)
    with pytest.raises(ValueError, match="k1 and k2"):
        kernels.kernel_distance(k, np.eye(4))
    with pytest.raises(ValueError, match="k2"):
        kernels.kernel_distance(k, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="k1"):
        kernels.kernel_distance(np.full((3, 3), np.nan), k)
    with pytest.raises(ValueError, match="k"):
        kernels.effective_rank(np.ones(3))
    with pytest.raises(ValueError, match="m"):
        kernels.top_eigen_fraction(k, 4)
    with pytest.raises(ValueError, match="y"):
        kernels.kernel_alignment(k, np.ones(4))
    with pytest.raises(TypeError, match="k"):
        kernels.kernel_alignment("kernel", np.ones(3))
