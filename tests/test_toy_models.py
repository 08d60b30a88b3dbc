"""Tests of ntk_course.toy_models: closed forms against simulation and algebra."""
import math

import numpy as np
import pytest

from ntk_course import toy_models as tm


# --- basis-vector task -------------------------------------------------------
def test_basis_vector_task_structure():
    x, y, idx = tm.basis_vector_task(50, 7, seed=3)
    assert x.shape == (50, 7) and y.shape == (50,)
    assert np.all(np.abs(x).sum(1) == 1)
    assert np.all(x[np.arange(50), idx] == y)
    assert set(np.unique(y)) <= {-1.0, 1.0}


def test_basis_vector_test_set_covers_all_points():
    x, y = tm.basis_vector_test_set(4)
    assert x.shape == (8, 4)
    assert np.all(x.sum(1) == y)            # label is the sign of the single entry


def test_unseen_error_matches_simulation_and_dominates_bound():
    d, n = 10, 6
    rng_fracs = []
    for s in range(4000):
        _, _, idx = tm.basis_vector_task(n, d, seed=s)
        rng_fracs.append((d - len(set(idx.tolist()))) / (2 * d))
    assert abs(np.mean(rng_fracs) - tm.basis_vector_unseen_error(n, d)) < 0.005
    ns = np.arange(0, 40)
    assert np.all(tm.basis_vector_unseen_error(ns, d) >= tm.basis_vector_error_bound(ns, d) - 1e-15)
    assert float(tm.basis_vector_error_bound(0, 5)) == 0.5
    assert float(tm.basis_vector_error_bound(9, 5)) == 0.0


# --- Li-Zhang-Arora task -----------------------------------------------------
def test_lza_labels_and_balance():
    x, y = tm.lza_task(20000, 5, seed=0)
    margin = (x[:, :5] ** 2).sum(1) - (x[:, 5:] ** 2).sum(1)
    assert np.all(np.sign(margin) == y)
    assert abs(y.mean()) < 0.03             # symmetric under swapping the halves


def test_lza_channels_layout_roundtrip():
    x, _ = tm.lza_task(3, 4, seed=1)
    c = tm.lza_channels(x)
    assert c.shape == (3, 4, 2)
    np.testing.assert_array_equal(np.concatenate([c[..., 0], c[..., 1]], axis=1), x)


# --- k-patterns and the filters ----------------------------------------------
def test_all_patterns_and_index_are_inverse():
    z = tm.all_patterns(5)
    assert z.shape == (32, 5) and len({tuple(r) for r in z}) == 32
    np.testing.assert_array_equal(tm.pattern_index(z), np.arange(32))


def test_kpattern_labels_depend_only_on_window():
    t = tm.kpattern_task(500, 12, 3, seed=4)
    flipped = t.x.copy()
    outside = [j for j in range(12) if not t.start <= j < t.start + 3]
    flipped[:, outside] *= -1
    np.testing.assert_array_equal(t.table[tm.pattern_index(flipped[:, t.start:t.start + 3])], t.y)
    assert t.table.sum() == 0                # balanced table
    other = tm.kpattern_task(5, 12, 3, seed=9, table_seed=4)
    assert other.start == t.start and np.array_equal(other.table, t.table)


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_preactivations_closed_form(k):
    W, b = tm.kpattern_filters(50, k, seed=k)
    z = tm.all_patterns(k)
    pre = tm.filter_preactivations(W, b, z)
    h = (z[:, None, :] != np.sign(W)[None]).sum(2)
    np.testing.assert_allclose(pre, (1 - 2 * h) / k, atol=1e-12)
    assert np.all((pre > 0).sum(0) == 1)
    np.testing.assert_allclose(np.unique(np.round(pre * k)) / k, np.sort(tm.preactivation_values(k)),
                               atol=1e-12)


def test_coverage_probability_against_inclusion_exclusion_and_simulation():
    k, N = 3, 8
    for q in [0, 5, 8, 20, 40]:
        ie = sum((-1) ** j * math.comb(N, j) * (1 - j / N) ** q for j in range(N + 1))
        assert abs(float(tm.coverage_probability(q, k)) - ie) < 1e-12
    sim = tm.simulate_coverage(20, 3, trials=20000, seed=1)
    assert abs(sim - float(tm.coverage_probability(20, 3))) < 0.02
    probs = tm.coverage_probability(np.arange(100), 3)
    assert np.all(np.diff(probs) >= -1e-15) and probs[7] == 0.0


def test_expected_count_is_mean_of_distribution():
    k, N = 3, 8
    qs = np.arange(0, 400)
    cdf = tm.coverage_probability(qs, k)
    mean = np.sum(1 - cdf)                       # E[T] = sum_q P(T > q)
    assert abs(mean - tm.expected_filters_to_cover(k)) < 1e-6
    assert abs(tm.expected_filters_to_cover(k) - N * sum(1 / i for i in range(1, N + 1))) < 1e-12


def test_union_bound_filters_is_minimal_and_theorem_ratio():
    for k, delta in [(2, 0.1), (4, 0.05), (6, 0.01)]:
        N, q = 2 ** k, tm.union_bound_filters(k, delta)
        assert N * (1 - 1 / N) ** q <= delta < N * (1 - 1 / N) ** (q - 1)
        assert float(tm.coverage_probability(q, k)) >= 1 - delta
        assert tm.theorem_filters(k, delta) == pytest.approx(8 * N * math.log(N / delta))


def test_parity_table_is_product():
    z = tm.all_patterns(4)
    np.testing.assert_array_equal(tm.parity_table(4), z.prod(1))
    assert tm.parity_table(4).sum() == 0


def test_samples_to_reach_interpolates():
    assert tm.samples_to_reach([10, 100], [0.5, 0.1], 0.3) == pytest.approx(10 ** 1.5)
    assert math.isnan(tm.samples_to_reach([1, 2], [0.5, 0.4], 0.1))
    assert tm.samples_to_reach([4, 8], [0.05, 0.01], 0.1) == 4.0


# --- bad inputs ---------------------------------------------------------------
@pytest.mark.parametrize("call, name, exc", [
    (lambda: tm.basis_vector_task(0, 3), "n", ValueError),
    (lambda: tm.basis_vector_task(2, 3.5), "d", TypeError),
    (lambda: tm.lza_task(3, 0), "d", ValueError),
    (lambda: tm.lza_channels(np.ones((2, 3))), "x", ValueError),
    (lambda: tm.lza_channels(np.ones(4)), "x", ValueError),
    (lambda: tm.kpattern_task(3, 4, 5), "k", ValueError),
    (lambda: tm.kpattern_task(3, 6, 2, start=5), "start", ValueError),
    (lambda: tm.kpattern_task(3, 6, 2, table=np.ones(3)), "table", ValueError),
    (lambda: tm.pattern_index(np.array([[0.5, 1.0]])), "z", ValueError),
    (lambda: tm.filter_preactivations(np.ones((2, 3)), np.ones(3), np.ones((1, 3))), "b", ValueError),
    (lambda: tm.filter_preactivations(np.ones((2, 3)), np.ones(2), np.ones((1, 2))), "z", ValueError),
    (lambda: tm.coverage_probability(-1, 3), "q", ValueError),
    (lambda: tm.coverage_probability(2.5, 3), "q", TypeError),
    (lambda: tm.union_bound_filters(3, 1.5), "delta", ValueError),
    (lambda: tm.theorem_filters(3, 0.0), "delta", ValueError),
    (lambda: tm.samples_to_reach([2, 1], [0.1, 0.2], 0.1), "ns", ValueError),
    (lambda: tm.samples_to_reach([1, 2], [np.nan, 0.2], 0.1), "errors", ValueError),
    (lambda: tm.basis_vector_error_bound(3, 0), "d", ValueError),
])
def test_bad_inputs(call, name, exc):
    with pytest.raises(exc, match=name):
        call()
