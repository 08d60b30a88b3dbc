"""Problem set 3 checkers accept right answers and reject wrong ones."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree
from scipy.special import erf  # noqa: F401  (students may use it)

from ntk_course.checks import ps03


def right_erf_ntk(x1, x2, depth, w_std, b_std, *, deriv_factor=1.0):
    d = x1.shape[1]
    s12 = w_std ** 2 * x1 @ x2.T / d + b_std ** 2
    s11 = w_std ** 2 * np.sum(x1 ** 2, 1) / d + b_std ** 2
    s22 = w_std ** 2 * np.sum(x2 ** 2, 1) / d + b_std ** 2
    theta = s12
    for _ in range(depth):
        a, b = 1 + 2 * s11[:, None], 1 + 2 * s22[None, :]
        value = 2 / np.pi * np.arcsin(2 * s12 / np.sqrt(a * b))
        deriv = 4 / np.pi / np.sqrt(a * b - 4 * s12 ** 2)
        s11 = w_std ** 2 * 2 / np.pi * np.arcsin(2 * s11 / (1 + 2 * s11)) + b_std ** 2
        s22 = w_std ** 2 * 2 / np.pi * np.arcsin(2 * s22 / (1 + 2 * s22)) + b_std ** 2
        s12 = w_std ** 2 * value + b_std ** 2
        theta = s12 + deriv_factor * w_std ** 2 * deriv * theta
    return theta


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_erf_ntk(seed):
    assert ps03.erf_ntk(right_erf_ntk, seed=seed)
    assert ps03.erf_ntk(lambda *a: right_erf_ntk(*[np.float32(v) if np.ndim(v) == 0 and
                                                   isinstance(v, float) else v for v in a]),
                        seed=seed)
    # the NNGP instead of the NTK, and a missing w_std^2 on the derivative term
    assert not ps03.erf_ntk(lambda *a: right_erf_ntk(*a, deriv_factor=0.0), seed=seed)
    assert not ps03.erf_ntk(lambda x1, x2, L, w, b: right_erf_ntk(x1, x2, L, 1.0, b), seed=seed)


def right_gd_test(k, kx, y, eta, steps):
    r = -y.astype(float)
    f = np.zeros(kx.shape[0])
    for _ in range(steps):
        f = f - eta * kx @ r
        r = r - eta * k @ r
    return f


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gd_test_predictions(seed):
    assert ps03.gd_test_predictions(right_gd_test, seed=seed)
    assert not ps03.gd_test_predictions(lambda k, kx, y, eta, t: right_gd_test(k, kx, -y, eta, t))
    assert not ps03.gd_test_predictions(
        lambda k, kx, y, eta, t: right_gd_test(k, kx, y, eta, t + 1))


def test_empirical_ntk():
    def right(apply_fn, params, x):
        flat, unravel = ravel_pytree(params)
        jac = jax.jacobian(lambda p: apply_fn(unravel(p), x)[:, 0])(flat)
        return jac @ jac.T

    assert ps03.empirical_ntk(right)
    assert not ps03.empirical_ntk(lambda a, p, x: 2 * right(a, p, x))
    assert ps03.empirical_ntk(lambda a, p, x: jnp.ones(3)).status == "invalid"
