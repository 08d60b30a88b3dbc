"""The robustness models of lecture L7 against simulation and their closed forms."""
import numpy as np
import pytest

from ntk_course import toy_models


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
