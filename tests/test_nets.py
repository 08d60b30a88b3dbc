"""Networks, training and the helpers around them."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ntk_course import data, kernels, nets


def test_mlp_shapes_and_kernel():
    net = nets.mlp(depth=2, width=32, out_dim=3, b_std=0.1)
    params = net.init(0, (5,))
    x = jnp.ones((4, 5))
    assert net.apply_fn(params, x).shape == (4, 3)
    assert net.kernel_fn(x, None, "ntk").shape == (4, 4)


def test_centered_network_starts_at_zero_and_keeps_gradients():
    net = nets.mlp(depth=1, width=16)
    p0 = net.init(0, (3,))
    f = nets.centered(net.apply_fn, p0)
    x = jnp.asarray(np.random.default_rng(0).normal(size=(5, 3)))
    assert float(jnp.max(jnp.abs(f(p0, x)))) == 0.0
    np.testing.assert_allclose(kernels.empirical_ntk(f, p0, x),
                               kernels.empirical_ntk(net.apply_fn, p0, x), rtol=1e-5)


def test_train_matches_hand_written_gradient_descent():
    net = nets.mlp(depth=1, width=8)
    p0 = net.init(0, (2,))
    x = jnp.asarray(np.random.default_rng(0).normal(size=(6, 2)))
    y = jnp.sin(x[:, :1])
    loss = nets.mse_loss(net.apply_fn)
    p = p0
    for _ in range(7):
        g = jax.grad(loss)(p, x, y)
        p = jax.tree_util.tree_map(lambda a, b: a - 0.05 * b, p, g)
    result = nets.train(net.apply_fn, p0, x, y, steps=7, learning_rate=0.05, record_every=3,
                        x_eval=x, keep_snapshots=True)
    assert list(result.times) == [0, 3, 6, 7]
    assert float(nets.param_distance(result.params, p)) < 1e-5
    assert result.outputs.shape == (4, 6, 1)
    assert len(result.snapshots) == 4
    assert result.losses[-1] < result.losses[0]


def test_train_detects_divergence():
    # A linear model diverges geometrically once the step exceeds 2 / lambda_max.
    net = nets.mlp(depth=0, width=1)
    p0 = net.init(0, (2,))
    x = jnp.ones((4, 2)) * 10
    with pytest.raises(FloatingPointError, match="learning_rate"):
        nets.train(net.apply_fn, p0, x, jnp.ones((4, 1)), steps=2000, learning_rate=1.0)


def test_param_norm_and_distance():
    p = {"a": jnp.array([3.0]), "b": jnp.array([4.0])}
    assert float(nets.param_norm(p)) == pytest.approx(5.0)
    assert float(nets.param_distance(p, p)) == 0.0


@pytest.mark.parametrize("call,exc,word", [
    (lambda: nets.mlp(depth=1, width=0), ValueError, "width"),
    (lambda: nets.mlp(depth=1, width=4, activation="gelu"), ValueError, "activation"),
    (lambda: nets.mlp(depth=1, width=4, W_std=0.0), ValueError, "W_std"),
    (lambda: nets.mlp(depth=1, width=4, parameterization="mup"), ValueError, "parameterization"),
    (lambda: nets.train(lambda p, x: x, {}, np.ones((3, 1)), np.ones((2, 1)), steps=1,
                        learning_rate=0.1), ValueError, "rows"),
    (lambda: nets.train(lambda p, x: x, {}, np.ones((3, 1)), np.ones(3), steps=1,
                        learning_rate=0.1), ValueError, "y"),
    (lambda: nets.train(lambda p, x: x, {}, np.ones((3, 1)), np.ones((3, 1)), steps=0,
                        learning_rate=0.1), ValueError, "steps"),
    (lambda: nets.train(lambda p, x: x, {}, np.full((3, 1), np.nan), np.ones((3, 1)), steps=1,
                        learning_rate=0.1), ValueError, "x"),
    (lambda: nets.centered("f", {}), TypeError, "apply_fn"),
])
def test_bad_input_is_named(call, exc, word):
    with pytest.raises(exc, match=word):
        call()
