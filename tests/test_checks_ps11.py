"""Problem set 11 checkers: references pass on every seed, stubs are "not implemented",
typical wrong answers fail, bad answers and arguments get clear messages."""
import numpy as np
import pytest

from ntk_course import architecture_search, checks, kernels
from ntk_course.checks import ps11


def stub(*args):
    raise NotImplementedError


def lga(k, labels, n_classes):
    n = len(k)
    h = np.eye(n) - 1 / n
    hy = h @ np.eye(n_classes)[labels]
    a, b = h @ k @ h, hy @ hy.T
    return np.sum(a * b) / (np.linalg.norm(a) * np.linalg.norm(b))


def simulate_steps(k, y, eta, tol):
    """Count the steps by running the training (slow but obviously right)."""
    f, t = np.zeros_like(y), 0
    while np.linalg.norm(f - y) > tol * np.linalg.norm(y):
        f = f - eta * k @ (f - y)
        t += 1
    return t


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_references_pass(seed):
    assert ps11.label_gradient_alignment(lga, seed=seed)
    assert ps11.steps_to_fit(ps11.reference_steps_to_fit, seed=seed)


def test_reference_lga_matches_the_course_package():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(10, 12))
    k, labels = a @ a.T + 3.0, rng.integers(0, 3, 10)
    assert np.isclose(ps11.reference_lga(k, labels, 4),
                      architecture_search.label_alignment_score(k, labels, 4), rtol=1e-5)


def test_reference_steps_match_a_simulation():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(8, 8))
    k = a @ a.T / 8 + 0.05 * np.eye(8)
    y = rng.choice([-1.0, 1.0], 8)
    lam_max = np.linalg.eigvalsh(k)[-1]
    for eta_rel, tol in ((1.0, 1e-2), (0.5, 1e-3), (1.9, 1e-1)):
        assert ps11.reference_steps_to_fit(k, y, eta_rel / lam_max, tol) == simulate_steps(
            k, y, eta_rel / lam_max, tol)


def test_stubs_are_not_implemented_without_raising():
    with checks.strict(True):
        assert ps11.label_gradient_alignment(stub).status == "not implemented"
        assert ps11.steps_to_fit(stub).status == "not implemented"


def test_typical_mistakes_fail_with_hints():
    uncentered = lambda k, labels, c: float(kernels.kernel_alignment(k, np.eye(c)[labels]))
    assert ps11.label_gradient_alignment(uncentered).status == "failed"
    one_side = lambda k, labels, c: lga(k, labels, c) * 0.9
    assert ps11.label_gradient_alignment(one_side).status == "failed"
    result = ps11.steps_to_fit(lambda *a: ps11.reference_steps_to_fit(*a) - 1)
    assert result.status == "failed" and "t = 0" in result.message
    result = ps11.steps_to_fit(lambda *a: ps11.reference_steps_to_fit(*a) + 0.5)
    assert result.status == "invalid" and "integer" in result.message
    assert ps11.steps_to_fit(lambda *a: str(ps11.reference_steps_to_fit(*a))).status == "invalid"
    assert ps11.steps_to_fit(lambda *a: None).status == "invalid"


def test_build_mode_and_seed_validation():
    with checks.strict(True), pytest.raises(checks.CheckFailed):
        ps11.steps_to_fit(lambda *a: 3)
    with pytest.raises(TypeError, match="seed"):
        ps11.steps_to_fit(ps11.reference_steps_to_fit, seed=0.0)
