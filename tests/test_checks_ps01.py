"""Problem set 1 checkers accept right answers (float32, in place) and reject wrong ones."""
import numpy as np
import pytest

from ntk_course.checks import ps01


def right_gd(w0, X, Y, eta, steps, p=None):
    w = np.array(w0, dtype=float)
    p = np.ones_like(w) if p is None else p
    for _ in range(steps):
        w = w - eta * p * (X.T @ (X @ w - Y))
    return w


def float32_in_place_gd(w0, X, Y, eta, steps, p=None):
    w = w0                                    # updates the caller's array, in float32
    p = np.ones_like(w) if p is None else p
    for _ in range(steps):
        w -= np.float32(eta) * p * (X.T @ (X @ w - Y))
    return w


def stub(*args):
    raise NotImplementedError


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gd_checkers_accept_float32_and_in_place(seed):
    assert ps01.gd_linear(right_gd, seed=seed)
    assert ps01.gd_linear(float32_in_place_gd, seed=seed)
    assert ps01.preconditioned_gd(right_gd, seed=seed)
    assert ps01.preconditioned_gd(float32_in_place_gd, seed=seed)


def test_gd_checkers_reject_wrong_answers():
    assert not ps01.gd_linear(lambda w0, X, Y, eta, steps: right_gd(w0, X, -Y, eta, steps))
    assert ps01.gd_linear(lambda *a: 1 / 0).status == "error"
    assert not ps01.preconditioned_gd(
        lambda w0, X, Y, eta, steps, p: right_gd(w0, X, Y, eta, steps))
    assert not ps01.preconditioned_gd(
        lambda w0, X, Y, eta, steps, p: right_gd(w0, X, Y, eta, steps, 1 / p))
    assert ps01.preconditioned_gd(lambda *a: None).status == "invalid"
    r = ps01.preconditioned_gd(stub)
    assert r.status == "not implemented" and "Traceback" not in str(r)


def right_samples(d, eps):
    n = 0
    while 0.5 * (1 - 1 / d) ** n > eps:
        n += 1
    return n


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_samples_needed_function(seed):
    assert ps01.samples_needed(right_samples, seed=seed)
    assert not ps01.samples_needed(lambda d, eps: right_samples(d, eps) + 1, seed=seed)


def test_samples_needed_rejects_strings_and_boundary_errors():
    def strict_inequality(d, eps):        # "<" instead of "<=" fails on the exact boundary
        n = 0
        while 0.5 * (1 - 1 / d) ** n >= eps:
            n += 1
        return n

    def log_formula(d, eps):               # forgets that eps >= 1/2 needs no sample
        return int(np.ceil(np.log(2 * eps) / np.log(1 - 1 / d))) if d > 1 else 1

    assert not ps01.samples_needed(strict_inequality)
    assert not ps01.samples_needed(log_formula)
    assert ps01.samples_needed(lambda d, eps: str(right_samples(d, eps))).status == "invalid"
    assert ps01.samples_needed(lambda d, eps: right_samples(d, eps) + 0.5).status == "invalid"


def test_samples_needed_number_and_argument_validation():
    right = right_samples(100, 0.05)
    assert ps01.samples_needed(right) and ps01.samples_needed(float(right))
    assert not ps01.samples_needed(right - 1)
    assert ps01.samples_needed(str(right)).status == "invalid"
    assert ps01.samples_needed(right_samples(40, 0.1), d=40, eps=0.1)
    with pytest.raises(TypeError, match="d must be an int"):
        ps01.samples_needed(right, d=100.5)
    with pytest.raises(ValueError, match="eps"):
        ps01.samples_needed(right, eps=-0.1)


def test_rotate_first_layer():
    def right(params, U):
        (W1, b1), *rest = params
        return [(U @ W1, b1), *rest]

    def transposed(params, U):
        (W1, b1), *rest = params
        return [(U.T @ W1, b1), *rest]

    assert ps01.rotate_first_layer(right)
    assert not ps01.rotate_first_layer(transposed)
    assert not ps01.rotate_first_layer(lambda params, U: params)
    assert ps01.rotate_first_layer(None).status == "invalid"
