"""Problem set 9 checkers: references pass on every seed, stubs are "not implemented",
typical wrong answers fail, bad answers and arguments get clear messages."""
import numpy as np
import pytest

from ntk_course import checks, minimax
from ntk_course.checks import ps09


def stub(*args):
    raise NotImplementedError


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_references_pass(seed):
    assert ps09.ogda(ps09.reference_ogda, seed=seed)
    assert ps09.eg_radius(ps09.reference_eg_radius, seed=seed)


def test_reference_ogda_matches_the_course_package():
    g = minimax.almost_bilinear(0.3)
    z0 = np.array([0.4, -0.2])
    ours = ps09.reference_ogda(lambda z: np.asarray(g.field(z), dtype=float), z0, 0.2, 30)
    assert np.allclose(ours, minimax.run(g, "ogda", z0, step=0.2, steps=30), atol=1e-5)


def test_eg_radius_matches_the_singular_value_formula():
    rng = np.random.default_rng(0)
    B = rng.normal(size=(4, 4))
    s = np.linalg.svd(B, compute_uv=False)
    for alpha in (0.1, 0.5 / s[0], 1.2 / s[0]):
        u = (alpha * s) ** 2
        assert np.isclose(ps09.reference_eg_radius(B, alpha), np.sqrt(np.max(1 - u + u ** 2)))
    assert np.isclose(ps09.reference_eg_radius(np.ones((1, 1)), 0.5),
                      minimax.bilinear_spectral_radius("eg", 0.5))
    assert np.isclose(ps09.reference_eg_radius(rng.normal(size=(2, 4)), 0.1), 1.0)  # kernel


def test_stubs_are_not_implemented_without_raising():
    with checks.strict(True):
        assert ps09.ogda(stub).status == "not implemented"
        assert ps09.eg_radius(stub).status == "not implemented"


def test_typical_mistakes_fail_with_hints():
    def gda(field, z0, step, steps):
        out = [np.asarray(z0, float)]
        for _ in range(steps):
            out.append(out[-1] - step * field(out[-1]))
        return np.stack(out)

    def zero_prev(field, z0, step, steps):     # z^{-1} = 0 instead of z^0
        out, prev = [np.asarray(z0, float)], np.zeros(len(z0))
        for _ in range(steps):
            z = out[-1]
            out.append(z - step * (2 * field(z) - field(prev)))
            prev = z
        return np.stack(out)

    assert ps09.ogda(gda).status == "failed"
    result = ps09.ogda(zero_prev)
    assert result.status == "failed" and "GDA step" in result.message
    assert ps09.ogda(lambda f, z0, a, n: ps09.reference_ogda(f, z0, a, n)[1:]).status == "invalid"

    scalar = lambda B, a: np.sqrt(1 - a ** 2 + a ** 4)
    assert ps09.eg_radius(scalar).status == "failed"

    def complement_only(B, alpha):             # forgets the kernel of J
        u = (alpha * np.linalg.svd(B, compute_uv=False)) ** 2
        return np.sqrt(np.max(1 - u + u ** 2))

    result = ps09.eg_radius(complement_only)
    assert result.status == "failed" and "rectangular" in result.message
    assert ps09.eg_radius(lambda B, a: "0.9").status == "invalid"


def test_build_mode_and_seed_validation():
    with checks.strict(True), pytest.raises(checks.CheckFailed):
        ps09.eg_radius(lambda B, a: 0.5)
    with pytest.raises(TypeError, match="seed"):
        ps09.ogda(ps09.reference_ogda, seed=None)
