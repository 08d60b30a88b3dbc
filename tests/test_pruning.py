"""Pruning masks, neural tangent transfer and the two-Gaussian closed forms."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ntk_course import kernels, nets, pruning


@pytest.fixture(scope="module")
def small_net():
    net = nets.mlp(depth=2, width=16, out_dim=3, b_std=0.1)
    return net.apply_fn, net.init(0, (5,))


X = jnp.asarray(np.random.default_rng(0).normal(size=(6, 5)), jnp.float32)


def _n_prunable(params):
    return sum(int(np.size(p)) for p, f in zip(jax.tree_util.tree_leaves(params),
                                               jax.tree_util.tree_leaves(pruning.prunable(params)))
               if f)


@pytest.mark.parametrize("density", [1.0, 0.5, 0.13, 0.01])
def test_masks_have_exactly_the_requested_density(small_net, density):
    _, p0 = small_net
    n = _n_prunable(p0)
    for mask in (pruning.random_mask(p0, density, seed=3), pruning.magnitude_mask(p0, density)):
        kept = sum(float(m.sum()) for m, f in zip(jax.tree_util.tree_leaves(mask),
                                                  jax.tree_util.tree_leaves(pruning.prunable(p0)))
                   if f)
        assert kept == max(1, round(density * n))
        assert np.isclose(pruning.density(mask), kept / n)
        # biases are never pruned; entries are 0 or 1
        for m, f in zip(jax.tree_util.tree_leaves(mask),
                        jax.tree_util.tree_leaves(pruning.prunable(p0))):
            assert set(np.unique(np.asarray(m))) <= {0.0, 1.0}
            if not f:
                assert np.all(np.asarray(m) == 1.0)


def test_density_one_reproduces_the_dense_network(small_net):
    f, p0 = small_net
    for mask in (pruning.random_mask(p0, 1.0), pruning.magnitude_mask(p0, 1.0)):
        assert np.allclose(pruning.masked(f, mask)(p0, X), f(p0, X))
        assert np.allclose(f(pruning.apply_mask(p0, mask), X), f(p0, X))
    ones = jax.tree_util.tree_map(jnp.ones_like, p0)
    k_full = kernels.ntk_matrix(f, p0, X, weights=ones)
    assert np.allclose(k_full, kernels.empirical_ntk(f, p0, X), rtol=1e-4, atol=1e-5)


def test_magnitude_mask_keeps_the_largest_weights():
    p = {"W": jnp.array([[0.1, -5.0, 0.3], [2.0, -0.2, 0.05]])}
    m = pruning.magnitude_mask(p, 2 / 6)
    assert np.asarray(m["W"]).tolist() == [[0, 1, 0], [1, 0, 0]]


def test_ntk_matrix_with_mask_weights_is_the_kernel_of_the_surviving_weights(small_net):
    f, p0 = small_net
    mask = pruning.random_mask(p0, 0.4, seed=1)
    point = pruning.apply_mask(p0, mask)
    # kernel of w -> f(m * w) at w = p0 (chain rule gives J diag(m^2) J^T = J diag(m) J^T)
    direct = kernels.empirical_ntk(pruning.masked(f, mask), p0, X)
    assert np.allclose(kernels.ntk_matrix(f, point, X, weights=mask), direct, rtol=1e-4, atol=1e-5)


def test_transfer_loss_vanishes_for_the_dense_mask_and_is_positive_otherwise(small_net):
    f, p0 = small_net
    ones = jax.tree_util.tree_map(jnp.ones_like, p0)
    assert float(pruning.transfer_loss(f, p0, p0, ones, X)) < 1e-8
    half = pruning.random_mask(p0, 0.5, seed=2)
    assert float(pruning.transfer_loss(f, p0, p0, half, X)) > 0


def test_tangent_transfer_lowers_the_transfer_loss_below_magnitude_pruning(small_net):
    f, p0 = small_net
    res = pruning.tangent_transfer_mask(f, p0, X, density=0.2, steps=60)
    assert np.isclose(pruning.density(res.mask), pruning.density(pruning.magnitude_mask(p0, 0.2)))
    loss = lambda m: float(pruning.transfer_loss(f, p0, p0, m, X))
    assert loss(res.mask) < loss(pruning.magnitude_mask(p0, 0.2))


def test_tangent_transfer_on_a_linear_model_keeps_the_high_variance_input():
    # equal weights: magnitude pruning keeps the first input (ties broken by position);
    # for a linear model the kernel of the kept inputs is sum_j x_j x_j^T, and the
    # transfer loss is lowest when the high-variance input (the last one) survives
    x = jnp.asarray(np.random.default_rng(1).normal(size=(64, 8)) * np.r_[np.ones(7), 4.0],
                    jnp.float32)
    p = {"w": jnp.ones((8, 1))}
    assert np.asarray(pruning.magnitude_mask(p, 1 / 8)["w"]).ravel()[0] == 1.0
    res = pruning.tangent_transfer_mask(lambda q, z: z @ q["w"], p, x, density=1 / 8, steps=20)
    assert np.asarray(res.mask["w"]).ravel().tolist() == [0.0] * 7 + [1.0]


def test_train_sparse_keeps_pruned_weights_at_zero(small_net):
    f, p0 = small_net
    mask = pruning.random_mask(p0, 0.3, seed=5)
    y = jnp.array([0, 1, 2, 0, 1, 2])
    params, losses = pruning.train_sparse(f, p0, mask, X, y, steps=30)
    assert losses[-1] < losses[0]
    for p, m in zip(jax.tree_util.tree_leaves(params), jax.tree_util.tree_leaves(mask)):
        assert np.all(np.asarray(p)[np.asarray(m) == 0] == 0)


def test_bad_inputs_name_the_argument(small_net):
    f, p0 = small_net
    with pytest.raises(ValueError, match="density"):
        pruning.random_mask(p0, 0.0)
    with pytest.raises(ValueError, match="density"):
        pruning.magnitude_mask(p0, 1.5)
    with pytest.raises(TypeError, match="density"):
        pruning.top_k_mask(p0, "half")
    with pytest.raises(ValueError, match="mask"):
        pruning.apply_mask(p0, {"W": jnp.ones(2)})
    with pytest.raises(TypeError, match="apply_fn"):
        pruning.masked("f", p0)
    with pytest.raises(ValueError, match="x"):
        pruning.tangent_transfer_mask(f, p0, jnp.ones(5), density=0.5)
    with pytest.raises(ValueError, match="y"):
        pruning.train_sparse(f, p0, p0, X, jnp.zeros(3, jnp.int32), steps=1)


def test_random_mask_scores_are_the_per_leaf_uniform_draws():
    # the scores are drawn flat and reshaped: the same numbers as a draw of each shape
    shapes = ((7, 5), (5,), (5, 3, 2))
    keys = jax.random.split(jax.random.PRNGKey(4), len(shapes))
    expected = [jax.random.uniform(k, s) for k, s in zip(keys, shapes)]
    for got, want in zip(pruning._uniform_scores(jax.random.PRNGKey(4), shapes), expected):
        assert got.shape == want.shape and bool(jnp.array_equal(got, want))
