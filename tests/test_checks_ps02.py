"""Problem set 2 checkers accept right answers and reject wrong ones."""
import math

import numpy as np
import pytest

from ntk_course import toy_models as tm
from ntk_course.checks import ps02


def right_coverage(q, k):
    N = 2 ** k
    return sum((-1) ** j * math.comb(N, j) * (1 - j / N) ** q for j in range(N + 1))


def test_coverage_probability():
    assert ps02.coverage_probability(right_coverage)
    assert not ps02.coverage_probability(lambda q, k: 1 - 2 ** k * (1 - 2 ** -k) ** q)


def right_filters(k, delta):
    q = 2 ** k
    while tm.coverage_probability(q, k) < 1 - delta:
        q += 1
    return q


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_filters_needed(seed):
    assert ps02.filters_needed(right_filters, seed=seed)
    assert not ps02.filters_needed(lambda k, d: int(tm.union_bound_filters(k, d)), seed=seed)
    assert not ps02.filters_needed(lambda k, d: right_filters(k, d) - 1, seed=seed)
    assert ps02.filters_needed(lambda k, d: str(right_filters(k, d))).status == "invalid"


def right_readout(W, start, table, d):
    q, k = W.shape
    u = np.zeros((d - k + 1, q))
    idx = tm.pattern_index(np.sign(W))
    for p in range(2 ** k):
        u[start, np.nonzero(idx == p)[0][0]] = k * table[p]
    return u


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_readout(seed):
    assert ps02.readout(right_readout, seed=seed)
    # forgetting that the hidden unit outputs 1/k, not 1
    assert not ps02.readout(lambda W, s, t, d: right_readout(W, s, t, d) / W.shape[1], seed=seed)


def test_readout_is_never_vacuous_and_validates():
    # every test network covers all patterns, so a readout on a missing pattern cannot slip by
    g = np.random.default_rng(0)
    W = ps02._covering_filters(g, 9, 3)
    assert len(set(tm.pattern_index(np.sign(W)).tolist())) == 8
    assert not ps02.readout(lambda W, s, t, d: right_readout(W, s, t, d) / W.shape[1] * 3)
    assert ps02.readout(lambda W, s, t, d: np.zeros((3, 3))).status == "invalid"
    assert ps02.readout(lambda W, s, t, d: None).status == "invalid"


def right_fit(W, b, x, y):
    k, q = W.shape[1], W.shape[0]
    feats = np.stack([np.maximum(x[:, j:j + k] @ W.T + b, 0)
                      for j in range(x.shape[1] - k + 1)], axis=1)        # (n, windows, q)
    u = np.linalg.lstsq(feats.reshape(len(x), -1).astype(float), y, rcond=None)[0]
    return u.reshape(-1, q)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fit_readout(seed):
    assert ps02.fit_readout(right_fit, seed=seed)
    assert not ps02.fit_readout(lambda W, b, x, y: right_fit(W, 0 * b, x, y), seed=seed)
    # one readout shared by all windows is not the least-squares fit of the model
    def shared(W, b, x, y):
        u = right_fit(W, b, x, y)
        return np.tile(u.mean(0), (u.shape[0], 1))

    assert not ps02.fit_readout(shared, seed=seed)


def test_window_features_compute_the_kpattern_network():
    import jax.numpy as jnp

    from ntk_course import nets

    k, q, d = 3, 10, 9
    net = nets.kpattern_cnn(filters=q, k=k)
    (W, b), _, _, (u, u_bias) = nets.kpattern_init(net, d=d, k=k, seed=2)
    u = np.random.default_rng(0).normal(size=(d - k + 1, q)).astype(np.float32)
    x = tm.kpattern_task(50, d, k, seed=1).x
    want = net.apply_fn([(W, b), (), (), (jnp.asarray(u.reshape(-1, 1)), u_bias)],
                        jnp.asarray(x[..., None]))[:, 0]
    got = np.einsum("njq,jq->n", ps02.window_features(np.asarray(W)[:, 0, :].T,
                                                      np.asarray(b).reshape(-1), x), u)
    np.testing.assert_allclose(got, np.asarray(want), rtol=1e-5, atol=1e-5)
