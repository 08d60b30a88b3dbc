"""Problem set 5 checkers accept right answers and reject wrong ones (ridge conventions)."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ntk_course.checks import ps05


def right_krr(k_ts, k_ss, y_s, ridge):
    n = k_ss.shape[0]
    return k_ts @ np.linalg.solve(k_ss + ridge * np.trace(k_ss) / n * np.eye(n), y_s)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_krr_predict_distinguishes_ridge_conventions(seed):
    assert ps05.krr_predict(right_krr, seed=seed)
    absolute = lambda k_ts, k_ss, y_s, r: k_ts @ np.linalg.solve(  # noqa: E731
        k_ss + r * np.eye(len(k_ss)), y_s)
    assert not ps05.krr_predict(absolute, seed=seed)
    assert not ps05.krr_predict(lambda a, b, c, r: right_krr(a, b, c, 0.0), seed=seed)


def test_kip_loss():
    def right(k_ts, k_ss, y_s, y_t, ridge):
        return 0.5 * np.sum((y_t - right_krr(k_ts, k_ss, y_s, ridge)) ** 2) / len(y_t)

    assert ps05.kip_loss(right)
    assert not ps05.kip_loss(lambda *a: 2 * right(*a))
    assert ps05.kip_loss(lambda *a: str(right(*a))).status == "invalid"


def right_kip_step(kernel, x_s, y_s, x_t, y_t, lr, ridge, relative=True, sign=1.0):
    def loss(xs, ys):
        k_ss = kernel(xs, xs)
        reg = ridge * jnp.trace(k_ss) / xs.shape[0] if relative else ridge
        pred = kernel(x_t, xs) @ jnp.linalg.solve(k_ss + reg * jnp.eye(xs.shape[0]), ys)
        return 0.5 * jnp.sum((pred - y_t) ** 2) / x_t.shape[0]

    gx, gy = jax.grad(loss, argnums=(0, 1))(x_s, y_s)
    return x_s - sign * lr * gx, y_s - sign * lr * gy


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kip_step(seed):
    assert ps05.kip_step(right_kip_step, seed=seed)
    assert not ps05.kip_step(lambda *a: right_kip_step(*a, relative=False), seed=seed)
    assert not ps05.kip_step(lambda *a: right_kip_step(*a, sign=-1.0), seed=seed)

    def labels_only(kernel, x_s, y_s, x_t, y_t, lr, ridge):
        return x_s, right_kip_step(kernel, x_s, y_s, x_t, y_t, lr, ridge)[1]

    assert not ps05.kip_step(labels_only, seed=seed)
    assert ps05.kip_step(lambda *a: right_kip_step(*a)[0]).status == "invalid"
