"""Problem set 4 checkers accept right answers and reject wrong ones (signs included)."""
import numpy as np
import pytest

from ntk_course.checks import ps04


def right_modes(k, y, eta, t, sign=-1.0):
    vals, vecs = np.linalg.eigh(k)
    vals, vecs = vals[::-1], vecs[:, ::-1]
    vecs = vecs * np.where(np.arange(len(y)) % 2, -1.0, 1.0)   # any eigenvector signs
    return vecs * (sign * (1 - eta * vals) ** t * (vecs.T @ y))[None, :]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mode_components(seed):
    assert ps04.mode_components(right_modes, seed=seed)
    # r_0 = +y instead of -y: the sign error the old checker let through
    assert not ps04.mode_components(lambda *a: right_modes(*a, sign=1.0), seed=seed)
    assert not ps04.mode_components(lambda k, y, eta, t: right_modes(k, y, eta, t)[:, ::-1],
                                    seed=seed)


def right_heavy_ball(k, y, eta, beta, steps):
    f = f_prev = np.zeros_like(y)
    for _ in range(steps):
        f, f_prev = f - eta * k @ (f - y) + beta * (f - f_prev), f
    return f


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_heavy_ball(seed):
    assert ps04.heavy_ball(right_heavy_ball, seed=seed)

    def float32_heavy_ball(k, y, eta, beta, steps):
        return right_heavy_ball(k.astype(np.float32), y.astype(np.float32), np.float32(eta),
                                np.float32(beta), steps)

    assert ps04.heavy_ball(float32_heavy_ball, seed=seed)

    def nesterov(k, y, eta, beta, steps):
        f = f_prev = np.zeros_like(y)
        for _ in range(steps):
            look = f + beta * (f - f_prev)
            f, f_prev = look - eta * k @ (look - y), f
        return f

    assert not ps04.heavy_ball(nesterov, seed=seed)


def test_max_step_validates_k():
    k = np.diag([4.0, 1.0])
    assert ps04.check_max_step(0.5, k)
    assert not ps04.check_max_step(0.25, k)
    assert ps04.check_max_step("0.5", k).status == "invalid"
    with pytest.raises(TypeError, match="k must"):
        ps04.check_max_step(0.5, None)
    with pytest.raises(ValueError, match="square"):
        ps04.check_max_step(0.5, np.ones(3))
    with pytest.raises(ValueError, match="symmetric"):
        ps04.check_max_step(0.5, np.array([[1.0, 2.0], [0.0, 1.0]]))
