"""Tests of ntk_course.toy_models: closed forms against simulation and algebra."""
import math

import numpy as np
import pytest

from ntk_course import toy_models
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


def test_pattern_index_refuses_more_columns_than_an_int64_holds():
    assert tm.pattern_index(np.ones((1, 62)))[0] == 2 ** 62 - 1
    with pytest.raises(ValueError, match="at most 62 columns"):
        tm.pattern_index(np.ones((1, 64)))


# ----------------------------------------------------------------------------- robustness models of lecture L7
def test_gaussian_errors_match_simulation():
    rng = np.random.default_rng(0)
    model = toy_models.GaussianModel.make(50, 2.0)
    w = model.averaging_classifier(3, rng)[0]
    x, y = model.sample(200_000, rng)
    standard, robust = model.errors(w, 0.3)
    attacked = toy_models.linf_attack_linear(x, y, w, 0.3)
    assert np.mean(np.sign(x @ w) != y) == pytest.approx(standard[0], abs=4e-3)
    assert np.mean(np.sign(attacked @ w) != y) == pytest.approx(robust[0], abs=4e-3)


def test_attack_is_optimal_and_in_the_ball():
    rng = np.random.default_rng(1)
    x, y, w = rng.normal(size=(20, 7)), rng.choice([-1.0, 1.0], 20), rng.normal(size=7)
    attacked = toy_models.linf_attack_linear(x, y, w, 0.4)
    assert np.max(np.abs(attacked - x)) == pytest.approx(0.4)
    np.testing.assert_allclose(y * (attacked @ w), y * (x @ w) - 0.4 * np.abs(w).sum())
    # no random perturbation in the ball does better
    for _ in range(200):
        delta = rng.uniform(-0.4, 0.4, size=(20, 7))
        assert np.all(y * ((x + delta) @ w) >= y * (attacked @ w) - 1e-12)


def test_zero_budget_robust_error_is_standard_error():
    model = toy_models.GaussianModel.make(30, 1.5)
    w = model.averaging_classifier(2, np.random.default_rng(2), draws=5)
    standard, robust = model.errors(w, 0.0)
    np.testing.assert_allclose(standard, robust)


def test_folded_normal_mean():
    rng = np.random.default_rng(3)
    for mu, s in [(1.0, 0.3), (1.0, 2.0), (-0.5, 1.0)]:
        assert toy_models.folded_normal_mean(mu, s) == pytest.approx(
            np.mean(np.abs(mu + s * rng.normal(size=1_000_000))), abs=5e-3)
    s = np.geomspace(0.01, 100, 50)
    assert np.all(toy_models.folded_normal_mean(1.0, s) >= 1 - 1e-12)
    with pytest.raises(ValueError, match="s"):
        toy_models.folded_normal_mean(1.0, 0.0)


def test_large_d_limit_matches_exact_errors():
    d, sigma = 40_000, 0.5 * 40_000 ** 0.25
    model = toy_models.GaussianModel.make(d, sigma)
    for n in (2, 10, 50):
        w = model.averaging_classifier(n, np.random.default_rng(n), draws=16)
        exact = model.errors(w, 0.6)[1].mean()
        assert toy_models.gaussian_model_robust_error_limit(n, d, sigma, 0.6) == pytest.approx(exact, abs=0.03)


def test_feature_model_accuracy_matches_simulation_and_bound():
    rng = np.random.default_rng(4)
    model = toy_models.FeatureModel(d=400, p=0.8, eta=2 / 20)
    x, y = model.sample(100_000, rng)
    eps = 2 * model.eta
    for alpha in (0.0, 0.05, 1.0):
        w = np.r_[alpha, np.full(400, 1 / 400)]
        clean = np.mean(np.sign(x @ w) == y)
        robust = np.mean(np.sign(toy_models.linf_attack_linear(x, y, w, eps) @ w) == y)
        assert clean == pytest.approx(model.accuracy(alpha), abs=6e-3)
        assert robust == pytest.approx(model.accuracy(alpha, eps), abs=6e-3)
        assert robust <= model.tradeoff_bound(1 - clean) + 0.01
    with pytest.raises(ValueError, match="alpha"):
        model.accuracy(-1.0)


def test_gaussian_l2_errors_match_simulation_and_the_bayes_direction_is_best():
    # the two-Gaussian toy of Shi's thesis: theta = 1.5 e_1 scaled, sigma = 1.3
    model = toy_models.GaussianModel.make(20, 1.3, theta=1.5 * np.eye(20)[0])
    x, y = model.sample(200_000, np.random.default_rng(1))
    w = model.theta + np.random.default_rng(2).normal(size=20) * 0.3
    for eps in (0.0, 0.5, 1.0):
        exact = model.errors(w, eps, norm="l2")
        sampled = model.simulated_errors(w, x, y, eps, norm="l2")
        assert abs(sampled[1][0] - exact[1][0]) < 5 * np.sqrt(0.25 / len(y))
        assert model.errors(model.theta, eps, norm="l2")[1][0] <= exact[1][0]
    assert model.errors(w, 0.0, norm="l2")[1][0] == model.errors(w)[0][0]
    # the standard error depends on w only through its angle to theta
    from scipy.stats import norm
    angle = model.angle(w)[0]
    assert np.isclose(1 - model.errors(w)[0][0], norm.cdf(1.5 / 1.3 * np.cos(angle)))
    assert model.angle(model.theta)[0] == pytest.approx(0.0, abs=1e-7)


@pytest.mark.parametrize("call,exc,word", [
    (lambda: toy_models.GaussianModel.make(0, 1.0), ValueError, "d"),
    (lambda: toy_models.GaussianModel.make(3, -1.0), ValueError, "sigma"),
    (lambda: toy_models.GaussianModel.make(3, 1.0, theta=np.ones(4)), ValueError, "theta"),
    (lambda: toy_models.GaussianModel.make(3, 1.0).errors(np.ones((2, 4))), ValueError, "w"),
    (lambda: toy_models.GaussianModel.make(3, 1.0).errors(np.ones(3), eps=-0.1), ValueError, "eps"),
    (lambda: toy_models.GaussianModel.make(3, 1.0).errors(np.array([1.0, np.nan, 1.0])), ValueError, "w"),
    (lambda: toy_models.GaussianModel.make(3, 1.0).errors(np.zeros(3)), ValueError, "w"),
    (lambda: toy_models.GaussianModel.make(3, 1.0).errors(np.ones(3), norm="l1"), ValueError, "norm"),
    (lambda: toy_models.GaussianModel.make(3, 1.0).angle(np.ones(4)), ValueError, "w"),
    (lambda: toy_models.linf_attack_linear(np.ones((2, 3)), np.ones(2), np.ones(4), 0.1), ValueError, "dimension"),
    (lambda: toy_models.linf_attack_linear(np.ones((2, 3)), np.ones(3), np.ones(3), 0.1), ValueError, "rows"),
])
def test_bad_input_is_named(call, exc, word):
    with pytest.raises(exc, match=word):
        call()
