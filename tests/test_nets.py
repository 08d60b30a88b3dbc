"""Networks, training and the helpers around them."""
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from ntk_course import kernels, nets
from ntk_course import toy_models as tm
from ntk_course._compat import stax


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


def test_train_fit_and_fit_many_detect_divergence():
    # A linear model diverges geometrically once the step exceeds 2 / lambda_max.
    net = nets.mlp(depth=0, width=1)
    p0 = net.init(0, (2,))
    x = jnp.ones((4, 2)) * 10
    with pytest.raises(FloatingPointError, match="learning_rate"):
        nets.train(net.apply_fn, p0, x, jnp.ones((4, 1)), steps=2000, learning_rate=1.0)
    with pytest.raises(FloatingPointError, match="learning_rate"):
        nets.fit(net.apply_fn, p0, x, jnp.ones((4, 1)), steps=2000, learning_rate=1.0)
    stacked = jax.tree_util.tree_map(lambda a: jnp.stack([a, a]), p0)
    with pytest.raises(FloatingPointError, match=r"fit_many: .* at step \d+ of 2000"):
        nets.fit_many(net.apply_fn, stacked, jnp.stack([x / 100, x]),
                      jnp.ones((2, 4, 1)), steps=2000, learning_rate=1.0)


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


# ----------------------------------------------------------------------------- no silent wrong results
def test_accuracy_reads_zero_one_labels_and_checks_label_ranges():
    assert nets.accuracy(jnp.array([[2.0], [-2.0]]), jnp.array([1, 0])) == 1.0
    assert nets.accuracy(jnp.array([[2.0], [-2.0]]), jnp.array([1, -1])) == 1.0
    with pytest.raises(ValueError, match="labels must all be in"):
        nets.accuracy(jnp.array([[2.0], [-2.0]]), jnp.array([2, 0]))
    with pytest.raises(ValueError, match=r"labels must be integers in \[0, 3\)"):
        nets.accuracy(jnp.ones((2, 3)), jnp.array([0, 3]))


def test_training_checks_targets_and_inputs_against_the_network():
    net = nets.mlp(depth=1, width=8, out_dim=2)
    p = net.init(0, (3,))
    x = jnp.ones((4, 3))
    with pytest.raises(ValueError, match="y must have the shape of the network's outputs"):
        nets.train(net.apply_fn, p, x, jnp.zeros((4, 1)), steps=2, learning_rate=0.1)
    with pytest.raises(ValueError, match="y must have the shape"):
        nets.fit(net.apply_fn, p, x, jnp.zeros((4, 1)), steps=2)
    with pytest.raises(ValueError, match="x of shape"):
        nets.train(net.apply_fn, p, jnp.ones((4, 5)), jnp.zeros((4, 2)), steps=2,
                   learning_rate=0.1)


# ----------------------------------------------------------------------------- convolutional and weight-shared models, fit and fit_many
def test_conv1d_circular_is_shift_invariant():
    net = nets.conv1d(channels=6, filter_size=3, depth=2)
    p = net.init(0, (11, 1))
    x = jnp.asarray(np.random.default_rng(0).normal(size=(5, 11, 1)), jnp.float32)
    out = net.apply_fn(p, x)
    np.testing.assert_allclose(net.apply_fn(p, jnp.roll(x, 4, axis=1)), out, atol=1e-5)
    k = net.kernel_fn(x, None, "ntk")
    np.testing.assert_allclose(net.kernel_fn(jnp.roll(x, 4, axis=1), None, "ntk"), k, rtol=1e-4)


def test_quadratic_conv_kernel_closed_form():
    # NNGP of sum_i sum_c v_c (w_c . z_i)^2 / sqrt(C): E over w of the product
    # is tr S tr S' + 2 tr(S S') with S = sum_i z_i z_i^T (Isserlis), times 1/fan_in^2.
    net = nets.conv1d(channels=3, filter_size=1, activation="square", pool="sum")
    x, _ = tm.lza_task(6, 4, seed=2)
    z = tm.lza_channels(x)
    S = np.einsum("nsi,nsj->nij", z, z)
    tr = np.trace(S, axis1=1, axis2=2)
    expected = (tr[:, None] * tr[None] + 2 * np.einsum("aij,bji->ab", S, S)) / 4.0
    np.testing.assert_allclose(np.asarray(net.kernel_fn(z, None, "nngp")), expected, rtol=1e-4)


def test_kpattern_cnn_fast_apply_matches_stax():
    net = nets.kpattern_cnn(filters=7, k=3)
    p = net.init(2, (10, 1))
    x = jnp.asarray(np.random.default_rng(1).normal(size=(4, 10, 1)), jnp.float32)
    np.testing.assert_allclose(net.apply_fn(p, x), net.apply_fn.stax_apply(p, x), atol=1e-5)


def test_kpattern_init_is_the_theorem_initialization():
    k, d = 3, 9
    net = nets.kpattern_cnn(filters=40, k=k)
    (W, b), _, _, (u, _) = nets.kpattern_init(net, d=d, k=k, seed=0)
    assert np.allclose(np.abs(W), 1 / k) and np.allclose(b, 1 / k - 1) and np.all(u == 0)
    # hidden units are 1/k-scaled indicators of the window matching the filter's signs
    x = tm.all_patterns(k)
    hidden = jax.nn.relu(x @ np.asarray(W)[:, 0, :] + np.asarray(b).reshape(-1))
    match = (x[:, None, :] == np.sign(np.asarray(W)[:, 0, :]).T[None]).all(-1)
    np.testing.assert_allclose(hidden, match / k, atol=1e-6)


def test_fit_reaches_least_squares_solution_of_linear_model():
    net = nets.mlp(depth=0, width=1)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 3)).astype(np.float32)
    y = rng.normal(size=(20, 1)).astype(np.float32)
    p = nets.fit(net.apply_fn, net.init(0, (3,)), x, y, steps=500, learning_rate=0.01)
    w_ls = np.linalg.lstsq(x * (1 / np.sqrt(3)), y, rcond=None)[0]   # NTK scaling 1/sqrt(fan_in)
    np.testing.assert_allclose(np.asarray(p[0][0]), w_ls, atol=1e-3)


def test_fit_weights_remove_examples_and_fit_many_matches_fit():
    net = nets.mlp(depth=1, width=8)
    x = jnp.asarray(np.random.default_rng(2).normal(size=(6, 2)), jnp.float32)
    y = jnp.asarray(np.random.default_rng(3).normal(size=(6, 1)), jnp.float32)
    w = jnp.array([1.0, 1.0, 1.0, 0.0, 0.0, 0.0])
    p0 = net.init(0, (2,))
    a = nets.fit(net.apply_fn, p0, x, y, weights=w, steps=20, learning_rate=0.1)
    b = nets.fit(net.apply_fn, p0, x[:3], y[:3], steps=20, learning_rate=0.1)
    for la, lb in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)):
        np.testing.assert_allclose(la, lb, atol=1e-5)
    stacked = jax.tree_util.tree_map(lambda *l: jnp.stack(l), p0, p0)
    many = nets.fit_many(net.apply_fn, stacked, jnp.stack([x, x]), jnp.stack([y, y]),
                         weights=jnp.stack([w, jnp.ones(6)]), steps=20, learning_rate=0.1)
    for la, lb in zip(jax.tree_util.tree_leaves(many), jax.tree_util.tree_leaves(a)):
        np.testing.assert_allclose(la[0], lb, atol=1e-5)


def test_gd_trajectory_matches_train():
    net = nets.mlp(depth=1, width=16)
    p = net.init(0, (3,))
    x = jnp.ones((4, 3)) * jnp.arange(4)[:, None]
    y = jnp.ones((4, 1))
    traj = nets.gd_trajectory(net.apply_fn, p, x, y, x, steps=10, learning_rate=0.05)
    ref = nets.train(net.apply_fn, p, x, y, steps=10, learning_rate=0.05, record_every=10, x_eval=x)
    np.testing.assert_allclose(traj[[0, 10]], ref.outputs, atol=1e-5)


def test_accuracy_sign_and_argmax():
    assert nets.accuracy(jnp.array([[1.0], [-1.0], [0.0]]), jnp.array([1.0, -1.0, 1.0])) == 2 / 3
    assert nets.accuracy(jnp.eye(3), jnp.array([0, 1, 1])) == 2 / 3


def test_xent_training_lowers_loss():
    net = nets.mlp(depth=0, width=1, out_dim=3, b_std=1.0, parameterization="standard")
    x = jnp.asarray(np.random.default_rng(0).normal(size=(30, 4)), jnp.float32)
    labels = np.asarray(jnp.argmax(x[:, :3], axis=1))
    y = jnp.eye(3)[labels]
    p = nets.fit(net.apply_fn, net.init(0, (4,)), x, y, steps=200, loss="xent",
                 optimizer=optax.adam(0.1), batch_size=10)
    assert nets.accuracy(net.apply_fn(p, x), labels) > 0.9


@pytest.mark.parametrize("call, name, exc", [
    (lambda: nets.conv1d(channels=0, filter_size=3), "channels", ValueError),
    (lambda: nets.conv1d(channels=2, filter_size=3, activation="tanh"), "activation", ValueError),
    (lambda: nets.conv1d(channels=2, filter_size=3, pool="max"), "pool", ValueError),
    (lambda: nets.kpattern_cnn(filters=2, k=0), "k", ValueError),
    (lambda: nets.kpattern_init(nets.kpattern_cnn(filters=2, k=3), d=2, k=3), "k", ValueError),
    (lambda: nets.fit(lambda p, x: x, None, jnp.ones((3, 2)), jnp.ones((2, 1)), steps=1), "x and y",
     ValueError),
    (lambda: nets.fit(lambda p, x: x, None, jnp.ones((3, 2)), jnp.ones((3, 1)), steps=0), "steps",
     ValueError),
    (lambda: nets.fit(lambda p, x: x, None, jnp.ones((3, 2)), jnp.ones((3, 1)), steps=1,
                      loss="hinge"), "loss", ValueError),
    (lambda: nets.fit(lambda p, x: x, None, jnp.ones((3, 2)), jnp.ones((3, 1)), steps=1,
                      weights=jnp.ones(2)), "weights", ValueError),
    (lambda: nets.fit("f", None, jnp.ones((3, 2)), jnp.ones((3, 1)), steps=1), "apply_fn", TypeError),
    (lambda: nets.fit_many(lambda p, x: x, {"a": jnp.ones((3,))}, jnp.ones((2, 3, 2)),
                           jnp.ones((2, 3, 1)), steps=1), "params", ValueError),
    (lambda: nets.accuracy(jnp.ones((3, 1)), jnp.ones(2)), "outputs and labels", ValueError),
    (lambda: nets.gd_trajectory(lambda p, x: x, None, jnp.ones((3, 2)), jnp.ones((3, 1)),
                                jnp.ones((2, 5)), steps=1, learning_rate=0.1), "x and x_eval",
     ValueError),
])
def test_bad_inputs(call, name, exc):
    with pytest.raises(exc, match=name):
        call()


@pytest.mark.parametrize("parameterization", ["standard", "ntk"])
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("filter_shape", [(3, 3), (2, 4)])
def test_window_conv2d_equals_stax_conv(parameterization, padding, filter_shape):
    x = jax.random.normal(jax.random.PRNGKey(1), (4, 8, 7, 3))
    kw = dict(padding=padding, W_std=1.3, b_std=0.1, parameterization=parameterization)
    ref_init, ref_apply, _ = stax.Conv(5, filter_shape, **kw)
    init, apply, _ = nets.window_conv2d(5, filter_shape, **kw)
    _, p_ref = ref_init(jax.random.PRNGKey(0), x.shape)
    _, p = init(jax.random.PRNGKey(0), x.shape)
    for a, b in zip(jax.tree_util.tree_leaves(p_ref), jax.tree_util.tree_leaves(p)):
        assert bool(jnp.array_equal(a, b))
    np.testing.assert_allclose(apply(p, x), ref_apply(p_ref, x), atol=1e-5)


def test_window_conv2d_validates():
    with pytest.raises(ValueError, match="filter_shape"):
        nets.window_conv2d(4, (3,))
    with pytest.raises(ValueError, match="padding"):
        nets.window_conv2d(4, (3, 3), padding="CIRCULAR")


@pytest.mark.parametrize("padding", ["CIRCULAR", "SAME", "VALID"])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("parameterization", ["ntk", "standard"])
def test_conv1d_windowed_apply_equals_stax_conv(padding, stride, parameterization):
    # conv1d applies each convolution as one product over gathered windows: the same
    # parameters and function as the stax.Conv network it replaces
    kw = dict(W_std=1.3, b_std=0.2, parameterization=parameterization)
    net = nets.conv1d(channels=5, filter_size=4, depth=2, padding=padding, stride=stride,
                      pool="flatten", out_dim=3, **kw)
    ref_init, ref_apply, _ = stax.serial(
        stax.Conv(5, (4,), strides=(stride,), padding=padding, **kw), stax.Relu(),
        stax.Conv(5, (4,), strides=(stride,), padding=padding, **kw), stax.Relu(),
        stax.Flatten(), stax.Dense(3, **kw))
    x = jax.random.normal(jax.random.PRNGKey(1), (4, 13, 2))
    p = net.init(0, (13, 2))
    _, p_ref = ref_init(jax.random.PRNGKey(0), (-1, 13, 2))
    for a, b in zip(jax.tree_util.tree_leaves(p), jax.tree_util.tree_leaves(p_ref)):
        assert bool(jnp.array_equal(a, b))
    np.testing.assert_allclose(net.apply_fn(p, x), ref_apply(p_ref, x), rtol=1e-5, atol=1e-5)
