"""Tests of ntk_course.danskin: the min-norm element of a Minkowski sum, and the training diagnostics."""
import itertools

import jax.numpy as jnp
import numpy as np
import pytest

from ntk_course import danskin, minimax, nets


def test_one_example_is_the_plain_min_norm_problem():
    rng = np.random.default_rng(0)
    G = rng.normal(size=(4, 6)) + 0.5
    lam = np.asarray(danskin.min_norm_product_simplex(G[None], iters=3000))[0]
    ref = np.asarray(minimax.min_norm_simplex(G, iters=3000))
    assert np.linalg.norm(lam @ G) == pytest.approx(np.linalg.norm(ref @ G), rel=1e-3)
    assert lam.sum() == pytest.approx(1.0, abs=1e-5) and lam.min() >= -1e-7


def test_minkowski_sum_min_norm_matches_brute_force_and_beats_shared_weights():
    rng = np.random.default_rng(1)
    G = rng.normal(size=(2, 2, 2))                     # 2 examples, 2 gradients each, in R^2
    lam = np.asarray(danskin.min_norm_product_simplex(G, iters=5000))
    got = np.linalg.norm(np.einsum("bk,bkp->p", lam, G))
    grid = np.linspace(0, 1, 401)
    brute = min(np.linalg.norm(a * G[0, 0] + (1 - a) * G[0, 1] + b * G[1, 0] + (1 - b) * G[1, 1])
                for a, b in itertools.product(grid, grid))
    assert got == pytest.approx(brute, abs=5e-3)
    shared = min(np.linalg.norm(a * G[:, 0].sum(0) + (1 - a) * G[:, 1].sum(0)) for a in grid)
    assert got <= shared + 1e-6
    with pytest.raises(ValueError, match="G"):
        danskin.min_norm_product_simplex(np.ones((2, 3)))


@pytest.fixture(scope="module")
def tiny():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(64, 4)).astype(np.float32)
    y = (x[:, 0] > x[:, 1]).astype(np.int64)
    net = nets.mlp(depth=1, width=8, out_dim=2, parameterization="standard", W_std=np.sqrt(2.0))
    return net.apply_fn, net.init(0, (4,)), x, y


def test_identical_attacks_give_parallel_gradients(tiny):
    """With eps = 0 every attack is the clean point: cosine 1, length ratio 1, and DDi = PGD."""
    f, p0, x, y = tiny
    runs = {d: danskin.train(f, p0, x, y, x, y, direction=d, eps=0.0, attack_step=0.01,
                             attack_steps=1, n_starts=3, steps=20, batch_size=16,
                             learning_rate=0.1, record_every=10) for d in ("pgd", "ddi")}
    r = runs["ddi"]
    np.testing.assert_allclose(r.cosine[1:], 1.0, atol=1e-4)
    np.testing.assert_allclose(r.length_ratio[1:], 1.0, atol=1e-3)
    np.testing.assert_allclose(r.clean_acc, runs["pgd"].clean_acc, atol=1e-6)


def test_train_records_and_validates(tiny):
    f, p0, x, y = tiny
    r = danskin.train(f, p0, x, y, x, y, direction="ddi_per_example", eps=0.1, attack_step=0.05,
                      attack_steps=2, n_starts=2, steps=10, batch_size=8, learning_rate=0.1,
                      record_every=5)
    assert r.steps.tolist() == [0, 5, 10]
    assert np.all(np.abs(r.cosine[1:]) <= 1 + 1e-5)
    assert np.all((r.max_weight[1:] >= 0.5 - 1e-5) & (r.max_weight[1:] <= 1 + 1e-5))
    assert np.all(r.length_ratio[1:] <= 1 + 1e-4)
    with pytest.raises(ValueError, match="direction"):
        danskin.train(f, p0, x, y, x, y, direction="fast", eps=0.1, attack_step=0.05,
                      attack_steps=1, n_starts=2, steps=1, batch_size=8, learning_rate=0.1,
                      record_every=1)
    with pytest.raises(ValueError, match="n_starts"):
        danskin.train(f, p0, x, y, x, y, direction="ddi", eps=0.1, attack_step=0.05,
                      attack_steps=1, n_starts=1, steps=1, batch_size=8, learning_rate=0.1,
                      record_every=1)
    with pytest.raises(ValueError, match="y"):
        danskin.train(f, p0, x, y[:10], x, y, direction="pgd", eps=0.1, attack_step=0.05,
                      attack_steps=1, n_starts=1, steps=1, batch_size=8, learning_rate=0.1,
                      record_every=1)
    assert jnp.isfinite(r.robust_acc).all()
    with pytest.raises(ValueError, match="batch_size must be <="):
        danskin.train(f, p0, x, y, x, y, direction="pgd", eps=0.1, attack_step=0.05,
                      attack_steps=1, n_starts=1, steps=1, batch_size=65, learning_rate=0.1,
                      record_every=1)
