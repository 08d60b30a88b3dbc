"""Problem set 8 checkers: references pass on every seed, stubs are "not implemented",
typical wrong answers fail, bad answers and arguments get clear messages."""
import numpy as np
import pytest

from ntk_course import checks, features
from ntk_course.checks import ps08


def stub(*args):
    raise NotImplementedError


def centered(outputs, y):
    c = outputs - outputs.mean(axis=0)
    return (y[:, None] * c).mean(axis=0) / c.std(axis=0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_references_pass(seed):
    assert ps08.centered_usefulness(centered, seed=seed)
    assert ps08.linear_feature_scores(ps08.reference_linear_feature_scores, seed=seed)

    def float32(*args):
        args = [np.asarray(a, np.float32) if isinstance(a, np.ndarray) else a for a in args]
        return ps08.reference_linear_feature_scores(*args)

    assert ps08.linear_feature_scores(float32, seed=seed)


def test_linear_scores_agree_with_the_feature_module():
    """The reference's u matches ntk_course.features on the linear kernel, and r <= u."""
    rng = np.random.default_rng(3)
    x_tr, x_te = rng.uniform(size=(8, 20)), rng.uniform(size=(30, 20))
    y_tr, y_te = rng.choice([-1.0, 1.0], 8), rng.choice([-1.0, 1.0], 30)
    u, r = ps08.reference_linear_feature_scores(x_tr, y_tr, x_te, y_te, 0.05)
    dec = features.decompose(x_tr @ x_tr.T, y_tr)
    outputs = features.feature_outputs(x_te @ x_tr.T, dec)
    assert np.allclose(u, features.usefulness(outputs, y_te), atol=1e-4)
    assert np.all(r <= u)


def test_stubs_are_not_implemented_without_raising():
    with checks.strict(True):
        assert ps08.centered_usefulness(stub).status == "not implemented"
        assert ps08.linear_feature_scores(stub).status == "not implemented"


def test_typical_mistakes_fail_with_hints():
    uncentered = lambda o, y: (y[:, None] * o).mean(0) / np.sqrt((o ** 2).mean(0))
    assert ps08.centered_usefulness(uncentered).status == "failed"
    sample_std = lambda o, y: (y[:, None] * (o - o.mean(0))).mean(0) / o.std(0, ddof=1)
    result = ps08.centered_usefulness(sample_std)
    assert result.status == "failed" and "ddof=0" in result.message

    def ascending(*args):
        u, r = ps08.reference_linear_feature_scores(*args)
        return u[::-1], r[::-1]

    def no_attack(*args):
        u, _ = ps08.reference_linear_feature_scores(*args)
        return u, u

    result = ps08.linear_feature_scores(ascending)
    assert result.status == "failed" and "descending" in result.message
    result = ps08.linear_feature_scores(no_attack)
    assert result.status == "failed" and "r is wrong" in result.message
    assert ps08.linear_feature_scores(lambda *a: ps08.reference_linear_feature_scores(*a)[0]
                                      ).status == "invalid"
    assert ps08.linear_feature_scores(lambda *a: None).status == "invalid"


def test_build_mode_and_seed_validation():
    with checks.strict(True), pytest.raises(checks.CheckFailed):
        ps08.centered_usefulness(lambda o, y: np.zeros(o.shape[1]))
    with pytest.raises(TypeError, match="seed"):
        ps08.centered_usefulness(centered, seed="1")
