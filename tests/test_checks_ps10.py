"""Problem set 10 checkers: references pass on every seed, stubs are "not implemented",
typical wrong answers fail, bad answers and arguments get clear messages."""
import numpy as np
import pytest

from ntk_course import checks, minimax
from ntk_course.checks import ps10


def stub(*args):
    raise NotImplementedError


def pg_weights(G, iters=50_000):
    M = G @ G.T
    step = 1 / np.linalg.eigvalsh(M)[-1]
    lam = np.full(len(G), 1 / len(G))
    for _ in range(iters):
        lam = ps10.reference_project_simplex(lam - step * M @ lam)
    return lam


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_references_pass(seed):
    assert ps10.project_simplex(ps10.reference_project_simplex, seed=seed)
    assert ps10.min_norm_weights(ps10.reference_min_norm_weights, seed=seed)
    assert ps10.min_norm_weights(lambda G: pg_weights(G, 3000).astype(np.float32), seed=seed)


def test_reference_projection_matches_the_course_package():
    v = np.random.default_rng(2).normal(size=7) * 3
    assert np.allclose(ps10.reference_project_simplex(v), minimax.project_simplex(v),
                       atol=1e-6)


def test_exact_min_norm_weights_satisfy_kkt():
    rng = np.random.default_rng(0)
    for k, p in ((2, 3), (4, 10), (6, 6)):
        G = rng.normal(size=(k, p)) + rng.normal(size=p)
        lam = ps10.reference_min_norm_weights(G)
        M = G @ G.T
        val = lam @ M @ lam
        assert np.all(lam >= 0) and np.isclose(lam.sum(), 1)
        assert np.all(M @ lam >= val - 1e-9)
        assert np.allclose((M @ lam)[lam > 1e-9], val, atol=1e-9)


def test_stubs_are_not_implemented_without_raising():
    with checks.strict(True):
        assert ps10.project_simplex(stub).status == "not implemented"
        assert ps10.min_norm_weights(stub).status == "not implemented"


def test_typical_mistakes_fail_with_hints():
    normalize = lambda v: np.maximum(v, 0) / np.maximum(v, 0).sum()
    result = ps10.project_simplex(normalize)
    assert result.status == "failed"
    clip_only = lambda v: np.clip(v, 0, 1)
    result = ps10.project_simplex(clip_only)
    assert result.status == "failed" and "not in the simplex" in result.message
    uniform = lambda G: np.full(len(G), 1 / len(G))
    result = ps10.min_norm_weights(uniform)
    assert result.status == "failed" and "not optimal" in result.message
    result = ps10.min_norm_weights(lambda G: pg_weights(G, 3) * 2)
    assert result.status == "failed" and "not in the simplex" in result.message
    point = lambda G: ps10.reference_min_norm_weights(G) @ G
    result = ps10.min_norm_weights(point)
    assert result.status == "invalid" and "weights" in result.message


def test_build_mode_and_seed_validation():
    with checks.strict(True), pytest.raises(checks.CheckFailed):
        ps10.project_simplex(lambda v: v)
    with pytest.raises(TypeError, match="seed"):
        ps10.project_simplex(ps10.reference_project_simplex, seed=True)
