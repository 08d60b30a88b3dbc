"""Tests of ntk_course.online: the k-pattern sampler, the slice-based CNN, online SGD."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ntk_course import nets, online
from ntk_course import toy_models as tm


def test_sampler_labels_and_balance():
    table = tm.parity_table(3)
    s = online.kpattern_sampler(40, 3, 5, table)
    x, y = s(jax.random.PRNGKey(0), 4000)
    x, y = np.asarray(x), np.asarray(y)
    assert x.shape == (4000, 40) and set(np.unique(x)) == {-1.0, 1.0}
    np.testing.assert_array_equal(y, x[:, 5] * x[:, 6] * x[:, 7])
    # fair, independent bits: every coordinate has mean ~0, pairs uncorrelated
    assert np.abs(x.mean(axis=0)).max() < 0.08
    c = np.corrcoef(x.T) - np.eye(40)
    assert np.abs(c).max() < 0.1


def test_sampler_matches_pattern_index():
    table = np.array([1.0, -1.0, -1.0, -1.0])          # +1 only on pattern (-1, -1)
    x, y = online.kpattern_sampler(6, 2, 2, table)(jax.random.PRNGKey(1), 200)
    idx = tm.pattern_index(np.asarray(x)[:, 2:4])
    np.testing.assert_array_equal(np.asarray(y), table[idx])


def test_kpattern_apply_agrees_with_stax_network():
    net = nets.kpattern_cnn(filters=8, k=3)
    p = net.init(0, (12, 1))
    p = [p[0], (), (), (jax.random.normal(jax.random.PRNGKey(2), p[3][0].shape), p[3][1])]
    x = jnp.where(jax.random.bernoulli(jax.random.PRNGKey(3), 0.5, (5, 12)), 1.0, -1.0)
    np.testing.assert_allclose(online.kpattern_apply(p, x),
                               net.apply_fn(p, x[..., None]),
                               atol=1e-5)


def test_kpattern_params_match_kpattern_init():
    net = nets.kpattern_cnn(filters=16, k=4)
    a = nets.kpattern_init(net, d=10, k=4, seed=3)
    b = online.kpattern_params(16, 4, 10, seed=3)
    for la, lb in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)):
        np.testing.assert_allclose(np.asarray(la), np.asarray(lb))


def test_online_sgd_learns_a_single_bit_and_streams_agree_across_rates():
    net = nets.mlp(depth=1, width=16)
    p = jax.tree_util.tree_map(lambda a: jnp.stack([a, a]), net.init(0, (5,)))
    s = online.kpattern_sampler(5, 1, 2, [-1.0, 1.0])
    xt, yt = s(jax.random.PRNGKey(9), 128)
    r = online.online_sgd(net.apply_fn, p, s, xt, yt, learning_rates=[1e-6, 0.5], steps=300,
                          batch_size=8, eval_every=100)
    assert r.accuracy.shape == (2, 2, 3)
    assert r.accuracy[1, :, -1].min() == 1.0          # learns y = x_2
    steps = online.steps_to_target(r, 0.99)
    assert np.isfinite(steps[1]).all() and steps.shape == (2, 2)
    best, worst = online.tune(r, 0.99)
    assert best == 1 and worst == steps[1].max()


def test_online_sgd_bad_inputs():
    net = nets.mlp(depth=1, width=4)
    p = jax.tree_util.tree_map(lambda a: a[None], net.init(0, (3,)))
    s = online.kpattern_sampler(3, 1, 0, [-1.0, 1.0])
    xt, yt = s(jax.random.PRNGKey(0), 8)
    with pytest.raises(ValueError, match="eval_every"):
        online.online_sgd(net.apply_fn, p, s, xt, yt, learning_rates=[0.1], steps=10,
                          batch_size=2, eval_every=3)
    with pytest.raises(ValueError, match="learning_rates"):
        online.online_sgd(net.apply_fn, p, s, xt, yt, learning_rates=[-0.1], steps=10,
                          batch_size=2, eval_every=5)
    with pytest.raises(TypeError, match="sample"):
        online.online_sgd(net.apply_fn, p, None, xt, yt, learning_rates=[0.1], steps=10,
                          batch_size=2, eval_every=5)
    with pytest.raises(ValueError, match="table"):
        online.kpattern_sampler(5, 2, 0, [1.0, -1.0])
    with pytest.raises(ValueError, match="start"):
        online.kpattern_sampler(5, 2, 4, [1.0, -1.0, 1.0, -1.0])
