import numpy as np
import pytest

from ntk_course import stats


def test_power_law_fit_recovers_exponent_and_prefactor():
    x = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    fit = stats.power_law_fit(x, 3.0 * x ** -0.5)
    assert fit.exponent == pytest.approx(-0.5) and fit.prefactor == pytest.approx(3.0)
    assert fit.low <= fit.exponent <= fit.high


def test_spearman_is_rank_based():
    a = np.random.default_rng(4).normal(size=40)
    assert stats.spearman(a, np.exp(a)).rho == pytest.approx(1.0)    # any increasing map
    assert stats.spearman(a, -a ** 3).rho == pytest.approx(-1.0)     # any decreasing map
    r = stats.spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])
    # 1 - 6 sum d^2 / (n (n^2 - 1)) with d = (1, 1, 1, 1, 0)
    assert r.rho == pytest.approx(1 - 6 * 4 / (5 * 24)) and 0 < r.p_value < 1


def test_spearman_p_value_is_small_only_for_real_association():
    rng = np.random.default_rng(0)
    a = rng.normal(size=200)
    assert stats.spearman(a, a + 0.1 * rng.normal(size=200)).p_value < 1e-6
    assert stats.spearman(a, rng.normal(size=200)).p_value > 1e-3


def test_spearman_bad_inputs():
    with pytest.raises(ValueError, match="a and b"):
        stats.spearman([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="at least 3"):
        stats.spearman([1, 2], [1, 2])
    with pytest.raises(ValueError, match="constant"):
        stats.spearman([1, 1, 1], [1, 2, 3])
    with pytest.raises(ValueError, match="a"):
        stats.spearman([1.0, np.nan, 2.0], [1, 2, 3])
    with pytest.raises(ValueError, match="a"):
        stats.spearman(np.ones((2, 2)), [1, 2, 3])


def test_power_law_fit_rejects_a_level_outside_zero_one():
    for level in (-1, 0, 1, 1.5):
        with pytest.raises(ValueError, match="level"):
            stats.power_law_fit([1.0, 2.0, 4.0], [1.0, 0.5, 0.25], level=level)


def test_power_law_fit_recovers_exponent():
    rng = np.random.default_rng(0)
    x = np.array([16, 32, 64, 128, 256])
    y = 3.0 * x[:, None] ** -0.5 * np.exp(rng.normal(scale=0.05, size=(5, 8)))
    fit = stats.power_law_fit(x, y)
    assert fit.exponent == pytest.approx(-0.5, abs=0.05)
    assert fit.low < -0.5 < fit.high
    assert fit.prefactor == pytest.approx(3.0, rel=0.2)
    with pytest.raises(ValueError, match="positive"):
        stats.power_law_fit([1, 2], [1, -1])
    with pytest.raises(ValueError, match="length"):
        stats.power_law_fit([1, 2, 3], [1, 2])
