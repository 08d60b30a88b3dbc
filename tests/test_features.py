"""NTK eigen-features: exact identities, the attack's guarantees, bad inputs."""
import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ntk_course import config, features, kernels


def linear(a, b):
    return a @ b.T


def relu_ntk(a, b):
    return kernels.FCKernel(depth=1, W_std=(2 ** 0.5,), b_std=0.1, get="ntk")(a, b)


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(30, 6)).astype(np.float32)
    y = np.where(x[:, 0] + 0.3 * x[:, 1] > 0.6, 1.0, -1.0)
    return x[:20], y[:20], x[20:], y[20:]


def test_features_sum_to_the_kernel_predictor(problem):
    x, y, xq, _ = problem
    with config.double_precision():
        k = relu_ntk(jnp.asarray(x, jnp.float64), jnp.asarray(x, jnp.float64))
        kq = relu_ntk(jnp.asarray(xq, jnp.float64), jnp.asarray(x, jnp.float64))
        feats = features.decompose(k, jnp.asarray(y))
        out = features.feature_outputs(kq, feats)
        direct = kernels.kernel_regression(k, jnp.asarray(y), kq)
        np.testing.assert_allclose(np.asarray(out.sum(axis=1)), np.asarray(direct), atol=1e-9)


def test_eigenvalues_descend_and_features_are_linear_in_the_labels(problem):
    x, y, xq, _ = problem
    rng = np.random.default_rng(1)
    y2 = rng.normal(size=y.shape)
    with config.double_precision():
        xd, xqd = jnp.asarray(x, jnp.float64), jnp.asarray(xq, jnp.float64)
        k, kq = relu_ntk(xd, xd), relu_ntk(xqd, xd)
        f = lambda labels: np.asarray(features.feature_outputs(kq, features.decompose(k, labels)))
        vals = np.asarray(features.decompose(k, y).eigenvalues)
        assert np.all(np.diff(vals) <= 0)
        np.testing.assert_allclose(f(2.0 * y - 3.0 * y2), 2.0 * f(y) - 3.0 * f(y2), atol=1e-8)


def test_on_training_points_features_are_label_projections(problem):
    x, y, _, _ = problem
    with config.double_precision():
        xd = jnp.asarray(x, jnp.float64)
        k = relu_ntk(xd, xd)
        feats = features.decompose(k, y)
        out = np.asarray(features.feature_outputs(k, feats))          # (n, n): f_i(x_j)
        v = np.asarray(feats.eigenvectors)
    np.testing.assert_allclose(out.sum(axis=1), y, atol=1e-8)        # reproduces Y
    np.testing.assert_allclose(out, v * (v.T @ y)[None, :], atol=1e-8)
    # Training usefulness (v_i . y)^2 / n is non-negative and sums to |y|^2 / n = 1.
    train_use = (y[:, None] * out).mean(axis=0)
    assert np.all(train_use >= -1e-10)
    assert train_use.sum() == pytest.approx(1.0, abs=1e-8)


def test_features_do_not_depend_on_eigenvector_signs():
    k = jnp.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]])
    y = jnp.array([1.0, -1.0, 1.0])
    feats = features.decompose(k, y)
    flipped = features.EigenFeatures(feats.eigenvalues, -feats.eigenvectors,
                                     (-feats.eigenvectors.T @ y) / feats.eigenvalues)
    np.testing.assert_allclose(feats.weights, flipped.weights, atol=1e-6)


def test_usefulness_is_a_cosine_in_minus_one_one():
    rng = np.random.default_rng(2)
    out = rng.normal(size=(50, 7))
    y = rng.choice([-1.0, 1.0], size=50)
    out[:, 0] = 3.0 * y                     # perfectly aligned feature
    out[:, 1] = -0.5 * y                    # perfectly anti-aligned
    u = np.asarray(features.usefulness(out, y))
    assert u[0] == pytest.approx(1.0, abs=1e-6) and u[1] == pytest.approx(-1.0, abs=1e-6)
    assert np.all(np.abs(u) <= 1 + 1e-6)


def test_linear_kernel_attack_reaches_the_holder_bound():
    # With K(x, x') = x.x' every feature is linear, f_i(x) = w_i.x, so the worst l_inf
    # margin is y w_i.x - eps |w_i|_1 (no box), reached by one signed step of size eps.
    rng = np.random.default_rng(3)
    xt = rng.normal(size=(3, 4)).astype(np.float32)   # 3 generic points in R^4: X X^T invertible
    y_train = np.array([1.0, -1.0, 1.0])
    k, kern = linear(xt, xt), linear
    feats = features.decompose(k, y_train)
    x = rng.normal(size=(6, 4)).astype(np.float32)
    y = rng.choice([-1.0, 1.0], size=6)
    eps = 0.2
    worst = features.worst_margins(kern, xt, feats, x, y, eps=eps, step=eps, steps=1, box=None)
    w = np.asarray(xt.T @ np.asarray(feats.weights))                 # (d, n): w_i in columns
    expected = y[:, None] * (x @ w) - eps * np.abs(w).sum(axis=0)[None, :]
    np.testing.assert_allclose(worst, expected, rtol=1e-4, atol=1e-4)


def test_robustness_never_exceeds_usefulness(problem):
    x, y, xq, yq = problem
    kern = relu_ntk
    feats = features.decompose(kern(jnp.asarray(x), jnp.asarray(x)), y)
    out = features.feature_outputs(kern(jnp.asarray(xq), jnp.asarray(x)), feats)
    scale = features.feature_scale(out)
    worst = features.worst_margins(kern, x, feats, xq, yq, eps=0.05, step=0.02, steps=4,
                                   random_start=True, chunk=7)
    assert worst.shape == (len(xq), len(x))
    clean = yq[:, None] * np.asarray(out)
    assert np.all(worst <= clean + 1e-5)                    # the clean point is a candidate
    r = features.robustness(worst, scale=scale)
    u = np.asarray(features.usefulness(out, yq))
    assert np.all(r <= u + 1e-5)
    assert np.any(r < u - 1e-2)                             # and the attack does something


def test_attack_stays_in_the_ball_and_the_box(problem):
    # Checked through the margins: a subset of features gives the same values as all of them.
    x, y, xq, yq = problem
    feats = features.decompose(relu_ntk(jnp.asarray(x), jnp.asarray(x)), y)
    full = features.worst_margins(relu_ntk, x, feats, xq, yq, eps=0.05, step=0.02, steps=3)
    part = features.worst_margins(relu_ntk, x, feats, xq, yq, eps=0.05, step=0.02, steps=3,
                                  index=[3, 0, 17])
    np.testing.assert_allclose(part, full[:, [3, 0, 17]], atol=1e-5)


def test_gradients_match_finite_differences(problem):
    x, y, xq, _ = problem
    with config.double_precision():
        xd = jnp.asarray(x, jnp.float64)
        feats = features.decompose(relu_ntk(xd, xd), y)
        x0 = jnp.asarray(xq[0], jnp.float64)
        g = features.feature_gradients(relu_ntk, xd, feats, x0, index=[0, 5])
        f = lambda z: np.asarray(features.feature_outputs(relu_ntk(z[None], xd), feats))[0, [0, 5]]
        h = 1e-6
        for j in range(x.shape[1]):
            e = jnp.zeros(x.shape[1], jnp.float64).at[j].set(h)
            fd = (f(x0 + e) - f(x0 - e)) / (2 * h)
            np.testing.assert_allclose(g[:, j], fd, rtol=1e-5, atol=1e-6)
        total = features.feature_gradients(relu_ntk, xd, feats, x0).sum(axis=0)
        pred = lambda z: (relu_ntk(z[None], xd) @ jnp.linalg.solve(relu_ntk(xd, xd), y))[0]
        np.testing.assert_allclose(total, np.asarray(jax.grad(pred)(x0)), rtol=1e-4, atol=1e-5)


def test_top_share():
    assert features.top_share([1.0, 1.0, 2.0, -5.0], 2) == pytest.approx(0.5)


def test_bad_inputs(problem):
    x, y, xq, yq = problem
    k = relu_ntk(jnp.asarray(x), jnp.asarray(x))
    feats = features.decompose(k, y)
    with pytest.raises(ValueError, match="k_train"):
        features.decompose(k[:, :5], y)
    with pytest.raises(ValueError, match="y_train"):
        features.decompose(k, y[:5])
    with pytest.raises(ValueError, match="k_train"):
        features.decompose(jnp.zeros((3, 3)), jnp.ones(3))          # not invertible
    with pytest.raises(ValueError, match="k_train"):
        features.decompose(k.at[0, 0].set(jnp.nan), y)
    with pytest.raises(ValueError, match="k_test_train"):
        features.feature_outputs(k[:, :4], feats)
    with pytest.raises(TypeError, match="features"):
        features.feature_outputs(k, (1, 2, 3))
    with pytest.raises(ValueError, match="y"):
        features.usefulness(np.ones((4, 3)), np.ones(5))
    with pytest.raises(ValueError, match="outputs"):
        features.usefulness(np.ones(4), np.ones(4))
    with pytest.raises(TypeError, match="kernel"):
        features.worst_margins("rbf", x, feats, xq, yq, eps=0.1, step=0.1, steps=1)
    with pytest.raises(ValueError, match="x_train"):
        features.worst_margins(relu_ntk, x[:4], feats, xq, yq, eps=0.1, step=0.1, steps=1)
    with pytest.raises(ValueError, match="eps"):
        features.worst_margins(relu_ntk, x, feats, xq, yq, eps=-0.1, step=0.1, steps=1)
    with pytest.raises(ValueError, match="index"):
        features.worst_margins(relu_ntk, x, feats, xq, yq, eps=0.1, step=0.1, steps=1,
                               index=[0, 99])
    with pytest.raises(ValueError, match="x"):
        features.feature_gradients(relu_ntk, x, feats, xq[:2])
    with pytest.raises(ValueError, match="k"):
        features.top_share([1.0, 2.0], 3)


def test_usefulness_needs_plus_minus_one_labels():
    with pytest.raises(ValueError, match=r"-1 or \+1.*2 \* y - 1"):
        features.usefulness(jnp.ones((2, 3)), jnp.array([0.0, 1.0]))


def _first_two(x):
    return x[:, :2]


def test_match_representation_copies_what_g_sees_and_keeps_the_rest():
    rng = np.random.default_rng(0)
    target, start = rng.uniform(0.1, 0.9, size=(2, 5, 4)).astype(np.float32)
    out = features.match_representation(_first_two, target, start, steps=400,
                                        learning_rate=0.01)
    assert out.x.shape == (5, 4) and out.relative_error.shape == (5,)
    np.testing.assert_allclose(np.asarray(out.x[:, :2]), target[:, :2], atol=1e-3)
    # the unseen coordinates get a zero gradient: Adam never moves them
    np.testing.assert_array_equal(np.asarray(out.x[:, 2:]), start[:, 2:])
    direct = (np.linalg.norm(np.asarray(out.x[:, :2]) - target[:, :2], axis=1)
              / np.linalg.norm(target[:, :2], axis=1))
    np.testing.assert_allclose(np.asarray(out.relative_error), direct, rtol=1e-4, atol=1e-7)


def test_match_representation_of_a_relu_layer_converges_row_by_row():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(8, 3)).astype(np.float32)
    b = np.full((1, 3), 0.5, np.float32)

    def layer(x, w, b):
        return jax.nn.relu(x @ w + b)

    target, start = rng.uniform(size=(2, 6, 8)).astype(np.float32)
    both = features.match_representation(layer, target, start, steps=500, learning_rate=0.01,
                                         args=(w, b))
    g_target = np.asarray(layer(target, w, b))
    before = np.linalg.norm(np.asarray(layer(start, w, b)) - g_target, axis=1)
    after = np.asarray(both.relative_error) * np.linalg.norm(g_target, axis=1)
    assert np.all(after < before)
    # a unit that is off at the start gets no gradient and may stay off: most rows match
    # exactly, not necessarily all
    assert np.median(np.asarray(both.relative_error)) < 1e-3
    one = features.match_representation(layer, target[:1], start[:1], steps=500,
                                        learning_rate=0.01, args=(w, b))
    np.testing.assert_allclose(np.asarray(one.x), np.asarray(both.x[:1]), atol=1e-5)


def test_match_representation_stays_in_the_box_and_compiles_once():
    target = np.full((3, 2), 1.5, np.float32)          # the exact match lies outside the box
    start = np.full((3, 2), 0.5, np.float32)
    scale = lambda x, a: a * x                          # noqa: E731
    first = features.match_representation(scale, target, start, steps=200, learning_rate=0.05,
                                          args=(1.0,))
    np.testing.assert_allclose(np.asarray(first.x), 1.0)
    size = features._match._cache_size()
    features.match_representation(scale, target, start, steps=200, learning_rate=0.05,
                                  args=(2.0,))
    assert features._match._cache_size() == size
    unbounded = features.match_representation(scale, target, start, steps=200,
                                              learning_rate=0.05, args=(1.0,), box=None)
    np.testing.assert_allclose(np.asarray(unbounded.x), 1.5, atol=1e-2)


def test_match_representation_bad_inputs():
    x = np.full((2, 3), 0.5, np.float32)
    call = functools.partial(features.match_representation, steps=5, learning_rate=0.1)
    with pytest.raises(TypeError, match="represent"):
        call("hidden", x, x)
    with pytest.raises(ValueError, match="x_start"):
        call(_first_two, x, x[:1])
    with pytest.raises(ValueError, match="x_target"):
        call(_first_two, x[0], x)
    with pytest.raises(ValueError, match="x_start"):
        call(_first_two, x, x + 1.0)                     # outside the box
    with pytest.raises(ValueError, match="steps"):
        features.match_representation(_first_two, x, x, steps=0, learning_rate=0.1)
    with pytest.raises(ValueError, match="learning_rate"):
        features.match_representation(_first_two, x, x, steps=5, learning_rate=0.0)
    with pytest.raises(TypeError, match="args"):
        call(_first_two, x, x, args=[1.0])
