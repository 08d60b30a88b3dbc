"""Tests of ntk_course.robust_training: PGD/DDi/TRADES training and robust accuracy."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ntk_course import attacks, losses, minimax, nets, robust_training


def _linear_model(seed=0, d=12, c=3):
    k = jax.random.PRNGKey(seed)
    W = jax.random.normal(k, (d, c))
    return lambda p, x: jnp.tanh(x @ p) @ jnp.ones((c, c)) * 0.1 + x @ p, W


def _tiny_problem():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (32, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 1).astype(np.int32)
    net = nets.mlp(depth=1, width=16, out_dim=2, parameterization="standard", W_std=1.5,
                   b_std=0.1)
    return net.apply_fn, net.init(0, (4,)), x, y


def test_adversarial_training_snapshots_match_the_recorded_steps():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (40, 4)).astype(np.float32)
    y = (x[:, 0] > 0.5).astype(np.int32)
    net = nets.mlp(depth=1, width=16, out_dim=2)
    p0 = net.init(0, (4,))
    run = robust_training.adversarial_training(net.apply_fn, p0, x, y, x, y, method="pgd", eps=0.05,
                                   attack_step=0.02, attack_steps=3, steps=6, batch_size=8,
                                   learning_rate=0.1, record_every=3, keep_snapshots=True)
    assert len(run.snapshots) == len(run.steps) == 3
    same = jax.tree_util.tree_map(lambda a, b: bool(jnp.array_equal(a, b)), run.snapshots[0], p0)
    assert all(jax.tree_util.tree_leaves(same))
    last = jax.tree_util.tree_map(lambda a, b: bool(jnp.array_equal(a, b)), run.snapshots[-1],
                                  run.params)
    assert all(jax.tree_util.tree_leaves(last))
    assert robust_training.adversarial_training(net.apply_fn, p0, x, y, x, y, method="pgd", eps=0.05,
                                    attack_step=0.02, attack_steps=3, steps=3, batch_size=8,
                                    learning_rate=0.1, record_every=3).snapshots is None


@pytest.mark.parametrize("beta", [0.0, 6.0])
def test_trades_with_zero_radius_is_a_clean_gradient_step(beta):
    # eps = 0 pins x' = x, where the KL term and its gradient vanish: one full-batch
    # step of TRADES (momentum starts at zero) is p - lr * grad CE, whatever beta.
    f, p0, x, y = _tiny_problem()
    run = robust_training.adversarial_training(f, p0, x, y, x, y, method="trades", eps=0.0, beta=beta,
                                   attack_step=0.01, attack_steps=3, steps=1, batch_size=32,
                                   learning_rate=0.1, record_every=1, eval_steps=1)
    g = jax.grad(lambda p: jnp.mean(losses.cross_entropy(f(p, x), y)))(p0)
    want = jax.tree_util.tree_map(lambda a, b: a - 0.1 * b, p0, g)
    for a, b in zip(jax.tree_util.tree_leaves(run.params), jax.tree_util.tree_leaves(want)):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_trades_trains_and_validates_its_arguments():
    f, p0, x, y = _tiny_problem()
    kw = dict(eps=0.1, attack_step=0.03, attack_steps=3, steps=60, batch_size=16,
              learning_rate=0.1, record_every=30, eval_steps=2)
    run = robust_training.adversarial_training(f, p0, x, y, x, y, method="trades", beta=1.0, **kw)
    assert np.all(np.isfinite(run.train_loss[1:])) and len(run.steps) == 3
    assert run.clean_acc[-1] > 0.7
    with pytest.raises(ValueError, match="beta"):
        robust_training.adversarial_training(f, p0, x, y, x, y, method="trades", beta=-1.0, **kw)
    with pytest.raises(ValueError, match="method"):
        robust_training.adversarial_training(f, p0, x, y, x, y, method="mart", **kw)


def test_robust_accuracy_curve_matches_the_linear_closed_form():
    # two classes, linear logits, no box: PGD reaches the vertex eps * sign, and the
    # example survives exactly when its margin exceeds eps * ||w_1 - w_0||_1.
    rng = np.random.default_rng(1)
    W = jnp.asarray(rng.normal(size=(10, 2)), jnp.float32)
    x = jnp.asarray(rng.normal(size=(200, 10)), jnp.float32)
    y = jnp.asarray(rng.integers(0, 2, 200))
    f = lambda p, xa: xa @ p
    s = np.asarray(x @ W)
    margin = np.where(np.asarray(y) == 0, s[:, 0] - s[:, 1], s[:, 1] - s[:, 0])
    l1 = float(jnp.abs(W[:, 1] - W[:, 0]).sum())
    grid = [0.0, 0.05, 0.1, 0.2, 0.4]
    got = robust_training.robust_accuracy_curve(f, W, x, y, eps=grid, box=None, key=jax.random.PRNGKey(0))
    want = [np.mean(margin > e * l1) for e in grid]
    np.testing.assert_allclose(got, want, atol=1e-9)
    with pytest.raises(ValueError, match="eps"):
        robust_training.robust_accuracy_curve(f, W, x, y, eps=[-0.1])
    with pytest.raises(ValueError, match="y"):
        robust_training.robust_accuracy_curve(f, W, x, y[:5], eps=[0.1])


def test_robust_accuracy_at_zero_radius_is_the_clean_accuracy():
    f, W = _linear_model()
    x = jax.random.uniform(jax.random.PRNGKey(1), (30, 12))
    y = jnp.arange(30) % 3
    clean = robust_training.accuracy(f, W, x, y)
    assert robust_training.robust_accuracy(f, W, x, y, eps=0.0, step=0.1, steps=3) == clean
    assert robust_training.robust_accuracy_curve(f, W, x, y, eps=[0.0])[0] == clean


def test_a_random_start_needs_a_key():
    # Sampling functions take the caller's key; a hidden fixed default would make
    # every "independent" evaluation reuse the same random start.
    f, W = _linear_model()
    x = jax.random.uniform(jax.random.PRNGKey(1), (6, 12))
    y = jnp.arange(6) % 3
    with pytest.raises(ValueError, match="key must be a jax PRNG key"):
        robust_training.robust_accuracy(f, W, x, y, eps=0.1, step=0.05, steps=2)
    with pytest.raises(ValueError, match="key must be a jax PRNG key"):
        robust_training.robust_accuracy_curve(f, W, x, y, eps=[0.0, 0.1])
    with pytest.raises(TypeError, match="key"):
        robust_training.robust_accuracy(f, W, x, y, eps=0.1, step=0.05, steps=2, key=3)

def test_inverted_box_and_bad_labels_raise():
    f, W = _linear_model()
    x = jax.random.uniform(jax.random.PRNGKey(1), (6, 12))
    y = jnp.arange(6) % 3
    with pytest.raises(ValueError, match="box"):
        robust_training.robust_accuracy_curve(f, W, x, y, eps=[0.1], box=(1, 0))
    with pytest.raises(ValueError, match="y must hold class labels in \\[0, 3\\)"):
        robust_training.robust_accuracy(f, W, x, y.at[0].set(12), eps=0.1, step=0.05, steps=2)
    with pytest.raises(ValueError, match="y must hold class labels"):
        robust_training.accuracy(f, W, x, y.at[0].set(-1))
    with pytest.raises(ValueError, match="x of shape"):
        robust_training.accuracy(f, W, jnp.ones((6, 5)), y)
    with pytest.raises(TypeError, match="key must be a JAX PRNG key"):
        attacks.pgd(lambda xa: f(W, xa)[:, 0], x, eps=0.1, step=0.05, steps=2, key=0)
    with pytest.raises(ValueError, match="iters"):
        minimax.ddi_direction(jnp.ones((2, 3)), iters=0)


def test_adversarial_training_validates_and_detects_divergence():
    f, W = _linear_model()
    x = jax.random.uniform(jax.random.PRNGKey(1), (16, 12))
    y = jnp.arange(16) % 3
    common = dict(method="pgd", eps=0.05, attack_step=0.02, attack_steps=1, steps=4,
                  record_every=2)
    with pytest.raises(ValueError, match="eval_steps"):
        robust_training.adversarial_training(f, W, x, y, x, y, batch_size=4, learning_rate=0.1,
                                 eval_steps=0, **common)
    with pytest.raises(ValueError, match="batch_size"):
        robust_training.adversarial_training(f, W, x, y, x, y, batch_size=17, learning_rate=0.1, **common)
    with pytest.raises(ValueError, match="y must hold class labels"):
        robust_training.adversarial_training(f, W, x, y.at[0].set(5), x, y, batch_size=4,
                                 learning_rate=0.1, **common)
    with pytest.raises(FloatingPointError, match="step"):
        robust_training.adversarial_training(f, W, x, y, x, y, batch_size=4, learning_rate=1e38, **common)


def test_fgsm_training_without_random_start_steps_at_the_fgsm_point():
    # attack_steps=1, attack_step=eps, random_start=False is FGSM training: one
    # full-batch step (momentum starts at zero) is p - lr * grad CE at the FGSM point
    f, p0, x, y = _tiny_problem()
    kw = dict(method="pgd", eps=0.1, attack_step=0.1, attack_steps=1, steps=1, batch_size=32,
              learning_rate=0.1, record_every=1, eval_steps=1)
    run = robust_training.adversarial_training(f, p0, x, y, x, y, random_start=False, **kw)
    # batches are drawn without replacement, so the full batch is a permutation of x
    xa = attacks.fgsm(lambda xa: losses.cross_entropy(f(p0, xa), y), x, eps=0.1)
    g = jax.grad(lambda p: jnp.mean(losses.cross_entropy(f(p, xa), y)))(p0)
    want = jax.tree_util.tree_map(lambda a, b: a - 0.1 * b, p0, g)
    for a, b in zip(jax.tree_util.tree_leaves(run.params), jax.tree_util.tree_leaves(want)):
        np.testing.assert_allclose(a, b, atol=1e-5)
    rs = robust_training.adversarial_training(f, p0, x, y, x, y, **kw)   # random start
    diff = max(float(jnp.max(jnp.abs(a - b))) for a, b in
               zip(jax.tree_util.tree_leaves(rs.params), jax.tree_util.tree_leaves(want)))
    assert diff > 1e-4
    with pytest.raises(ValueError, match="random_start"):
        robust_training.adversarial_training(f, p0, x, y, x, y, random_start=False,
                                             **{**kw, "method": "trades"})
    with pytest.raises(TypeError, match="random_start"):
        robust_training.adversarial_training(f, p0, x, y, x, y, random_start=1, **kw)


def test_robust_accuracy_without_random_start_is_fgsm_accuracy():
    # CE of a linear model is convex in x, so the FGSM point has a higher loss than the
    # clean one and the best iterate is the FGSM point itself
    rng = np.random.default_rng(1)
    W = jnp.asarray(rng.normal(size=(8, 3)), jnp.float32)
    f = lambda p, x: x @ p
    x = jnp.asarray(rng.uniform(0, 1, (64, 8)), jnp.float32)
    y = jnp.argmax(f(W, x), axis=1)                      # clean accuracy 1
    xa = attacks.fgsm(lambda xa: losses.cross_entropy(f(W, xa), y), x, eps=0.3)
    want = robust_training.accuracy(f, W, xa, y)
    got = robust_training.robust_accuracy(f, W, x, y, eps=0.3, step=0.3, steps=1,
                                          random_start=False)
    assert got == want and got < robust_training.accuracy(f, W, x, y)
    with pytest.raises(TypeError, match="random_start"):
        robust_training.robust_accuracy(f, W, x, y, eps=0.1, step=0.1, steps=1, random_start=0)
    with pytest.raises(TypeError, match="best_iterate"):
        robust_training.robust_accuracy(f, W, x, y, eps=0.1, step=0.1, steps=1, best_iterate=1)


def test_robust_accuracy_of_the_last_iterate_is_plain_fgsm_accuracy():
    f, p0, x, y = _tiny_problem()
    for eps in (0.1, 0.4):
        xa = attacks.fgsm(lambda xa: losses.cross_entropy(f(p0, xa), y), x, eps=eps)
        got = robust_training.robust_accuracy(f, p0, x, y, eps=eps, step=eps, steps=1,
                                              random_start=False, best_iterate=False)
        assert got == robust_training.accuracy(f, p0, xa, y)
