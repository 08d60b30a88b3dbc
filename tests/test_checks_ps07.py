"""Problem set 7 checkers: references pass on every seed, stubs are "not implemented",
typical wrong answers fail, bad answers and arguments get clear messages."""
import numpy as np
import pytest

from ntk_course import checks
from ntk_course.checks import ps07


def stub(*args):
    raise NotImplementedError


def soft(theta, eps):
    return np.sign(theta) * np.maximum(np.abs(theta) - eps, 0)


def bayes(p, eta, d):
    return np.log(p / (1 - p)) / (2 * eta * d)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_references_pass(seed):
    assert ps07.robust_direction(soft, seed=seed)
    assert ps07.robust_direction(lambda t, e: 3.0 * soft(t, e).astype(np.float32), seed=seed)
    assert ps07.bayes_alpha(bayes, seed=seed)
    assert ps07.bayes_alpha(lambda p, eta, d: np.float32(bayes(p, eta, d)), seed=seed)


def test_soft_thresholding_is_optimal_among_random_directions():
    rng = np.random.default_rng(0)
    theta, eps = rng.normal(size=8) * 2, 0.7
    best = ps07.robust_objective(soft(theta, eps), theta, eps)
    assert np.isclose(best, np.linalg.norm(soft(theta, eps)))
    for _ in range(200):
        w = soft(theta, eps) + 0.3 * rng.normal(size=8)
        assert ps07.robust_objective(w, theta, eps) <= best + 1e-12


def test_stubs_are_not_implemented_without_raising():
    with checks.strict(True):
        assert ps07.robust_direction(stub).status == "not implemented"
        assert ps07.bayes_alpha(stub).status == "not implemented"


def test_typical_mistakes_fail_with_hints():
    result = ps07.robust_direction(lambda theta, eps: theta)
    assert result.status == "failed" and "most accurate" in result.message
    hard = lambda theta, eps: theta * (np.abs(theta) > eps)
    assert ps07.robust_direction(hard).status == "failed"
    assert ps07.robust_direction(lambda theta, eps: 0 * theta).status == "failed"
    assert ps07.robust_direction(lambda theta, eps: soft(theta, eps)[:-1]).status == "invalid"
    result = ps07.bayes_alpha(lambda p, eta, d: np.log(p / (1 - p)) / (2 * eta))
    assert result.status == "failed" and "sum of the weak features" in result.message
    assert ps07.bayes_alpha(lambda p, eta, d: str(bayes(p, eta, d))).status == "invalid"
    assert ps07.bayes_alpha(lambda p, eta, d: None).status == "invalid"


def test_build_mode_and_seed_validation():
    with checks.strict(True), pytest.raises(checks.CheckFailed):
        ps07.bayes_alpha(lambda p, eta, d: 1.0)
    with pytest.raises(TypeError, match="seed"):
        ps07.bayes_alpha(bayes, seed=-2)
