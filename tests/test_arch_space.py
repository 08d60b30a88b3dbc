"""Tests of ntk_course.arch_space: the padded network is the small network, and the statistics."""
import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats as sps

from ntk_course import arch_space as A
from ntk_course import kernels, nets
from ntk_course._compat import stax


def _embed(p_small, key, in_dim, out_dim, max_depth, max_width, depth, width):
    """Padded parameters whose used block equals the stax parameters ``p_small``."""
    P = A.init_params(key, in_dim, out_dim, max_depth, max_width)
    dense = [p_small[i] for i in range(0, 2 * depth + 1, 2)]
    for layer in range(depth):
        w, b = dense[layer]
        rows = w.shape[0]
        P["hidden"][layer] = (P["hidden"][layer][0].at[:rows, :width].set(w),
                              P["hidden"][layer][1].at[:width].set(b[0]))
    w, b = dense[-1]
    P["out"] = (P["out"][0].at[:width].set(w), b[0])
    return P


@pytest.mark.parametrize("depth,width,act,code", [(1, 4, "relu", 0), (2, 8, "erf", 1)])
def test_padded_network_equals_small_network(depth, width, act, code):
    net = nets.mlp(depth=depth, width=width, out_dim=3, activation=act, W_std=1.5, b_std=0.1)
    p_small = net.init(0, (5,))
    P = _embed(p_small, jax.random.PRNGKey(1), 5, 3, 3, 16, depth, width)
    apply = A.padded_mlp(3, 16)
    arch = (jnp.asarray(depth), jnp.asarray(width), jnp.asarray(code), jnp.asarray(1.5))
    x = jax.random.normal(jax.random.PRNGKey(2), (6, 5))
    np.testing.assert_allclose(apply(P, arch, x), net.apply_fn(p_small, x), atol=1e-5)
    space = A.Space(np.array([depth]), np.array([width]), np.array([code]),
                    np.array([1.5], np.float32))
    k = A.ntk_all(apply, jax.tree_util.tree_map(lambda l: l[None], P), space, x)[0]
    k_ref = kernels.ntk_matrix(net.apply_fn, p_small, x)
    np.testing.assert_allclose(k, k_ref, rtol=1e-4, atol=1e-4)


def test_unused_parameters_get_no_gradient():
    apply = A.padded_mlp(3, 8)
    P = A.init_params(jax.random.PRNGKey(0), 4, 2, 3, 8)
    arch = (jnp.asarray(1), jnp.asarray(3), jnp.asarray(0), jnp.asarray(1.0))
    x = jax.random.normal(jax.random.PRNGKey(1), (5, 4))
    g = jax.grad(lambda p: jnp.sum(apply(p, arch, x) ** 2))(P)
    assert float(jnp.abs(g["hidden"][0][0][:, 3:]).max()) == 0.0      # unused units
    assert float(jnp.abs(g["hidden"][1][0]).max()) == 0.0              # unused layers
    assert float(jnp.abs(g["hidden"][2][1]).max()) == 0.0
    assert float(jnp.abs(g["out"][0][3:]).max()) == 0.0
    assert float(jnp.abs(g["hidden"][0][0][:, :3]).max()) > 0.0


def test_sample_space_draws_distinct_architectures_from_the_lists():
    s = A.sample_space(12, depths=[1, 2], widths=[4, 8], activations=["relu", "tanh"],
                       weight_scales=[1.0, 2.0], seed=3)
    combos = set(zip(s.depth, s.width, s.activation, s.weight_scale))
    assert len(combos) == 12
    assert set(s.depth) <= {1, 2} and set(s.width) <= {4, 8}
    assert set(s.activation) <= {0, 2}
    with pytest.raises(ValueError, match="n"):
        A.sample_space(17, depths=[1, 2], widths=[4, 8], activations=["relu", "tanh"],
                       weight_scales=[1.0, 2.0])
    with pytest.raises(ValueError, match="activations"):
        A.sample_space(2, depths=[1], widths=[4], activations=["gelu"], weight_scales=[1.0])


def test_spearman_ci_matches_scipy_and_brackets_rho():
    rng = np.random.default_rng(0)
    a = rng.normal(size=40)
    b = a + rng.normal(size=40)
    rho, low, high = A.spearman_ci(a, b, n_boot=500)
    assert rho == pytest.approx(sps.spearmanr(a, b).statistic)
    assert low < rho < high
    # independent data: the interval contains zero
    _, low0, high0 = A.spearman_ci(a, rng.normal(size=40), n_boot=500)
    assert low0 < 0 < high0
    with pytest.raises(ValueError, match="level"):
        A.spearman_ci(a, b, level=1.5)
    with pytest.raises(ValueError, match="a and b"):
        A.spearman_ci(a[:3], b[:3])


def test_eigen_nas_and_the_random_baseline():
    scores = np.array([5.0, 4.0, 3.0, 2.0, 1.0])
    val = np.array([0.1, 0.5, 0.3, 0.9, 0.2])
    pick, cand = A.eigen_nas(scores, val, top_k=3)
    assert list(cand) == [0, 1, 2] and pick == 1
    test = np.array([0.2, 0.6, 0.4, 0.8, 0.3])
    brute = np.mean([test[list(c)[int(np.argmax(val[list(c)]))]]
                     for c in itertools.combinations(range(5), 3)])
    assert A.expected_best_of_random(val, test, 3) == pytest.approx(brute)
    with pytest.raises(ValueError, match="top_k"):
        A.eigen_nas(scores, val, top_k=6)


def test_train_all_learns_and_validates():
    space = A.sample_space(2, depths=[1], widths=[8], activations=["relu", "tanh"],
                           weight_scales=[1.0], seed=0)
    apply = A.padded_mlp(1, 8)
    P = jax.vmap(lambda k: A.init_params(k, 2, 2, 1, 8))(jax.random.split(jax.random.PRNGKey(0), 2))
    x = np.array([[0.0, 1.0], [1.0, 0.0], [0.1, 0.9], [0.9, 0.1]], np.float32)
    y = np.array([0, 1, 0, 1])
    trained = A.train_all(apply, P, space, x, y, steps=100, learning_rate=1e-2)
    acc = (np.asarray(A.apply_all(apply, trained, space, x)).argmax(-1) == y).mean(1)
    assert np.all(acc == 1.0)
    with pytest.raises(ValueError, match="y"):
        A.train_all(apply, P, space, x, y[:3], steps=1)


def test_init_many_equals_vmap_of_init_params():
    keys = jax.random.split(jax.random.PRNGKey(3), 4)
    many = A.init_many(keys, 5, 2, 2, 8)
    vmapped = jax.vmap(lambda k: A.init_params(k, 5, 2, 2, 8))(keys)
    for a, b in zip(jax.tree_util.tree_leaves(many), jax.tree_util.tree_leaves(vmapped)):
        assert a.shape[0] == 4 and bool(jnp.array_equal(a, b))
    with pytest.raises(ValueError, match="keys must be raw PRNG keys"):
        A.init_many(keys[0], 5, 2, 2, 8)


def test_spearman_bootstrap_equals_scipy_on_each_resample_with_ties():
    rng = np.random.default_rng(1)
    a = np.round(rng.uniform(size=25), 1)          # many ties, like accuracies
    b = np.round(a + rng.normal(scale=0.3, size=25), 1)
    _, low, high = A.spearman_ci(a, b, n_boot=300, seed=4)
    idx = np.random.default_rng(4).integers(0, 25, (300, 25))
    boots = [sps.spearmanr(a[i], b[i]).statistic for i in idx
             if np.ptp(a[i]) > 0 and np.ptp(b[i]) > 0]
    assert (low, high) == pytest.approx(tuple(np.quantile(boots, [0.05, 0.95])), abs=1e-12)


@pytest.mark.parametrize("depth,width,act,code", [(1, 3, "relu", 0), (2, 5, "erf", 1)])
def test_padded_cnn_equals_small_cnn(depth, width, act, code):
    """The padded CNN computes the stax CNN of its depth and channels (SAME 3x3
    convolutions, global average pooling, dense readout), and its tangent kernel."""
    layers = []
    for _ in range(depth):
        layers += [stax.Conv(width, (3, 3), padding="SAME", W_std=1.5, b_std=0.1),
                   {"relu": stax.Relu(), "erf": stax.Erf()}[act]]
    init, apply_small, _ = stax.serial(*layers, stax.GlobalAvgPool(),
                                       stax.Dense(3, W_std=1.5, b_std=0.1))
    _, p_small = init(jax.random.PRNGKey(0), (-1, 5, 5, 2))
    P = A.init_params(jax.random.PRNGKey(1), 2, 3, 3, 8, kind="cnn")
    convs = [p_small[2 * i] for i in range(depth)]
    for layer, (w, b) in enumerate(convs):
        P["hidden"][layer] = (P["hidden"][layer][0].at[:, :, :w.shape[2], :width].set(w),
                              P["hidden"][layer][1].at[:width].set(b.reshape(-1)))
    w, b = p_small[-1]
    P["out"] = (P["out"][0].at[:width].set(w), b.reshape(-1))
    apply = A.padded_cnn((5, 5, 2), 3, 8)
    arch = (jnp.asarray(depth), jnp.asarray(width), jnp.asarray(code), jnp.asarray(1.5))
    x = jax.random.normal(jax.random.PRNGKey(2), (4, 5, 5, 2))
    np.testing.assert_allclose(apply(P, arch, x.reshape(4, -1)), apply_small(p_small, x),
                               atol=1e-5)
    space = A.Space(np.array([depth]), np.array([width]), np.array([code]),
                    np.array([1.5], np.float32))
    k = A.ntk_all(apply, jax.tree_util.tree_map(lambda l: l[None], P), space,
                  x.reshape(4, -1))[0]
    k_ref = kernels.ntk_matrix(lambda p, z: apply_small(p, z.reshape(-1, 5, 5, 2)), p_small,
                               x.reshape(4, -1))
    np.testing.assert_allclose(k, k_ref, rtol=1e-4, atol=1e-4)
