"""The NTK function-norm penalty and its training loop."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ntk_course import kernels, nets
from ntk_course import ntk_regularizer as R

RNG = np.random.default_rng(0)
X = jnp.asarray(RNG.normal(size=(5, 8)), jnp.float32)
linear = lambda p, x: x @ p["w"]


def test_penalty_of_a_linear_model_equals_the_closed_form():
    w = jnp.asarray(RNG.normal(size=(8, 2)), jnp.float32)
    f = np.asarray(X @ w, dtype=np.float64)
    k = np.asarray(X @ X.T, dtype=np.float64)
    # each output has kernel X X^T, so their average is X X^T too
    expected = np.trace(f.T @ np.linalg.solve(k, f))
    got = float(R.ntk_norm_penalty(linear, {"w": w}, X, jitter=0.0))
    assert np.isclose(got, expected, rtol=1e-3)


def test_penalty_of_linearized_network_equals_projected_weight_norm():
    net = nets.mlp(depth=1, width=32)
    p0 = net.init(0, (8,))
    lin = nets.linearize(net.apply_fn, p0)
    delta = jax.tree_util.tree_map(lambda a: 0.1 * jnp.ones_like(a), p0)
    p1 = jax.tree_util.tree_map(jnp.add, p0, delta)
    centered = lambda p, x: lin(p, x) - net.apply_fn(p0, x)
    # f = J delta, Theta = J J^T  =>  f^T Theta^-1 f = |P delta|^2 <= |delta|^2
    pen = float(R.ntk_norm_penalty(centered, p1, X, jitter=0.0))
    assert 0.0 <= pen <= float(nets.param_norm(delta)) ** 2 * (1 + 1e-3)
    f = np.asarray(centered(p1, X), np.float64)
    k = np.asarray(kernels.empirical_ntk(centered, p1, X), np.float64)
    assert np.isclose(pen, float(f[:, 0] @ np.linalg.solve(k, f[:, 0])), rtol=1e-2)


def test_penalty_is_nonnegative_and_zero_for_zero_function():
    net = nets.mlp(depth=2, width=16, out_dim=3, b_std=0.1)
    p0 = net.init(1, (8,))
    for seed in range(3):
        p = jax.tree_util.tree_map(lambda a: a + 0.3 * jax.random.normal(
            jax.random.PRNGKey(seed), a.shape), p0)
        assert float(R.ntk_norm_penalty(net.apply_fn, p, X)) >= 0.0
    centered = nets.centered(net.apply_fn, p0)
    assert abs(float(R.ntk_norm_penalty(centered, p0, X))) < 1e-10


def test_full_batch_training_of_linear_model_is_kernel_ridge_regression():
    y = jnp.asarray(RNG.normal(size=(5, 1)), jnp.float32)
    tau = 0.7
    k = X @ X.T
    res = R.train_regularized(linear, {"w": jnp.zeros((8, 1))}, X, y, penalty="ntk",
                              strength=tau, steps=3000, learning_rate=0.5 / float(
                                  jnp.linalg.eigvalsh(k)[-1] + tau), jitter=0.0)
    krr = kernels.kernel_regression(k, y, ridge=tau)
    assert np.allclose(linear(res.params, X), krr, atol=2e-3)


def test_weight_decay_and_none_options():
    y = jnp.ones((5, 1))
    p = {"w": jnp.zeros((8, 1))}
    lr = 0.5 / float(jnp.linalg.eigvalsh(X @ X.T)[-1] + 1.0)
    none = R.train_regularized(linear, p, X, y, penalty="none", strength=0.0, steps=2000,
                               learning_rate=lr)
    wd = R.train_regularized(linear, p, X, y, penalty="weight_decay", strength=1.0, steps=2000,
                             learning_rate=lr)
    # ridge regression in weight space: w = X^T (X X^T + I)^-1 y
    w_ridge = X.T @ jnp.linalg.solve(X @ X.T + jnp.eye(5), y)
    assert np.allclose(wd.params["w"], w_ridge, atol=2e-3)
    assert float(nets.param_norm(wd.params)) < float(nets.param_norm(none.params))


def test_bad_inputs_name_the_argument():
    p = {"w": jnp.zeros((8, 1))}
    y = jnp.ones((5, 1))
    with pytest.raises(ValueError, match="penalty"):
        R.train_regularized(linear, p, X, y, penalty="l1", strength=1.0, steps=1,
                            learning_rate=0.1)
    with pytest.raises(ValueError, match="strength"):
        R.train_regularized(linear, p, X, y, penalty="ntk", strength=-1.0, steps=1,
                            learning_rate=0.1)
    with pytest.raises(ValueError, match="sub_batch"):
        R.train_regularized(linear, p, X, y, penalty="ntk", strength=1.0, steps=1,
                            learning_rate=0.1, sub_batch=6)
    with pytest.raises(ValueError, match="y"):
        R.train_regularized(linear, p, X, jnp.ones(5), penalty="ntk", strength=1.0, steps=1,
                            learning_rate=0.1)
    with pytest.raises(ValueError, match="x_sub"):
        R.ntk_norm_penalty(linear, p, jnp.ones(8))
    with pytest.raises(TypeError, match="apply_fn"):
        R.ntk_norm_penalty(None, p, X)


def test_penalty_at_zero_jitter_on_a_singular_kernel_says_add_ridge():
    f = lambda p, x: x @ p["w"]
    x = jnp.array([[1.0, 0.0], [1.0, 0.0]])           # duplicate rows: singular NTK
    with pytest.raises(ValueError, match="add ridge"):
        R.ntk_norm_penalty(f, {"w": jnp.ones((2, 1))}, x, jitter=0.0)
    assert np.isfinite(float(R.ntk_norm_penalty(f, {"w": jnp.ones((2, 1))}, x, jitter=1e-3)))


def test_train_regularized_checks_target_width():
    f = lambda p, x: x @ p["w"]
    with pytest.raises(ValueError, match="y must have the shape"):
        R.train_regularized(f, {"w": jnp.zeros((2, 1))}, jnp.eye(2), jnp.ones((2, 3)),
                            penalty="none", strength=0.0, steps=2, learning_rate=0.1)
