"""Checkers of problem set 4 accept the reference answers and reject wrong ones."""
import numpy as np

from ntk_course.checks import ps04


def test_mode_residual():
    assert ps04.check_mode_residual(ps04.reference_mode_residual)
    # forgetting the (1 - eta lambda)^t factor, or using ascending order, is wrong
    assert not ps04.check_mode_residual(lambda k, y, eta, t: np.abs(np.linalg.eigh(k)[1].T @ y))
    assert not ps04.check_mode_residual(
        lambda k, y, eta, t: ps04.reference_mode_residual(k, y, eta, t)[::-1])


def test_mode_residual_closed_form_against_iteration():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 5))
    k = a @ a.T
    y = rng.normal(size=5)
    eta = 0.5 / np.linalg.eigvalsh(k).max()
    f = np.zeros(5)
    for _ in range(9):
        f = f - eta * k @ (f - y)
    vals, vecs = np.linalg.eigh(k)
    np.testing.assert_allclose(ps04.reference_mode_residual(k, y, eta, 9),
                               vecs[:, ::-1].T @ (f - y), atol=1e-10)


def test_max_step():
    k = np.diag([4.0, 1.0])
    assert ps04.check_max_step(0.5, k)
    assert not ps04.check_max_step(0.25, k)
    assert not ps04.check_max_step(2.0, k)


def test_label_energy():
    assert ps04.check_label_energy(ps04.reference_label_energy)
    assert not ps04.check_label_energy(lambda k, y, m: 1.0 - ps04.reference_label_energy(k, y, m))


def test_steps_to_fit():
    assert ps04.check_steps_to_fit(ps04.reference_steps_to_fit)
    assert not ps04.check_steps_to_fit(lambda lam, eta, fr: 1.0 / (eta * lam))
    # the reference is the smallest t reaching the fraction
    t = ps04.reference_steps_to_fit(2.0, 0.1, 0.9)
    assert 1 - 0.8 ** t >= 0.9 > 1 - 0.8 ** (t - 1)


def test_checker_survives_a_crashing_answer():
    def broken(*args):
        raise RuntimeError("bug")

    assert not ps04.check_mode_residual(broken)
    assert not ps04.check_steps_to_fit(broken)
