"""Problem set 6 checkers: references pass on every seed, stubs are "not implemented",
typical wrong answers fail, bad answers and arguments get clear messages."""
import numpy as np
import pytest

from ntk_course import checks
from ntk_course.checks import ps06


def stub(*args):
    raise NotImplementedError


def pgd_float32(grad_fn, x, eps, step, steps, rng):
    """A correct float32 implementation that updates its arrays in place."""
    x = np.asarray(x, dtype=np.float32)
    low, high = np.maximum(x - eps, 0), np.minimum(x + eps, 1)
    xa = x.copy()
    xa += rng.uniform(-eps, eps, size=x.shape).astype(np.float32)
    np.clip(xa, 0, 1, out=xa)
    for _ in range(steps):
        xa += np.float32(step) * np.sign(grad_fn(xa)).astype(np.float32)
        np.clip(xa, low, high, out=xa)
    return xa


def robust_loss_right(w, b, x, y, eps):
    return np.mean(np.logaddexp(0, -(y * (x @ w + b) - eps * np.abs(w).sum())))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_references_pass(seed):
    assert ps06.pgd(ps06.reference_pgd, seed=seed)
    assert ps06.pgd(pgd_float32, seed=seed)
    assert ps06.robust_logistic_loss(ps06.reference_robust_logistic_loss, seed=seed)
    assert ps06.robust_logistic_loss(robust_loss_right, seed=seed)


def test_stubs_are_not_implemented_without_raising():
    with checks.strict(True):
        for checker in (ps06.pgd, ps06.robust_logistic_loss):
            result = checker(stub)
            assert result.status == "not implemented" and "Traceback" not in str(result)


def test_pgd_rejects_typical_mistakes():
    def no_box(grad_fn, x, eps, step, steps, rng):
        xa = x + rng.uniform(-eps, eps, size=x.shape)
        for _ in range(steps):
            xa = np.clip(xa + step * np.sign(grad_fn(xa)), x - eps, x + eps)
        return xa

    def no_random_start(grad_fn, x, eps, step, steps, rng):
        rng.uniform(-eps, eps, size=x.shape)
        xa = x.copy()
        for _ in range(steps):
            xa = np.clip(np.clip(xa + step * np.sign(grad_fn(xa)), x - eps, x + eps), 0, 1)
        return xa

    def descent(grad_fn, x, eps, step, steps, rng):
        return ps06.reference_pgd(lambda z: -np.asarray(grad_fn(z)), x, eps, step, steps, rng)

    result = ps06.pgd(no_box)
    assert result.status == "failed" and "box" in result.message
    result = ps06.pgd(no_random_start)
    assert result.status == "failed" and "random start" in result.message
    assert ps06.pgd(descent).status == "failed"
    assert ps06.pgd(lambda *a: None).status == "invalid"
    assert ps06.pgd(lambda *a: 1 / 0).status == "error"


def test_robust_loss_rejects_typical_mistakes():
    def l2_norm(w, b, x, y, eps):
        return np.mean(np.logaddexp(0, -(y * (x @ w + b) - eps * np.linalg.norm(w))))

    def overflows(w, b, x, y, eps):
        with np.errstate(over="ignore"):
            return np.mean(np.log(1 + np.exp(-(y * (x @ w + b) - eps * np.abs(w).sum()))))

    assert ps06.robust_logistic_loss(l2_norm).status == "failed"
    assert ps06.robust_logistic_loss(lambda w, b, x, y, eps: robust_loss_right(w, b, x, y, 0.0)
                                     ).status == "failed"
    result = ps06.robust_logistic_loss(overflows)
    assert result.status == "failed" and "logaddexp" in result.message
    assert ps06.robust_logistic_loss(lambda *a: str(robust_loss_right(*a))).status == "invalid"
    assert ps06.robust_logistic_loss(lambda *a: None).status == "invalid"


def test_wrong_answers_raise_in_build_mode_and_seed_is_validated():
    with checks.strict(True), pytest.raises(checks.CheckFailed):
        ps06.robust_logistic_loss(lambda w, b, x, y, eps: 0.0)
    for bad in (-1, 1.5, "0"):
        with pytest.raises(TypeError, match="seed"):
            ps06.pgd(ps06.reference_pgd, seed=bad)
