"""Tests of ntk_course.adversarial: attacks stay feasible, FGSM = one PGD step,
the min-norm QP satisfies its KKT conditions, DDi reduces to the gradient."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ntk_course import adversarial as adv


def _linear_model(seed=0, d=12, c=3):
    k = jax.random.PRNGKey(seed)
    W = jax.random.normal(k, (d, c))
    return lambda p, x: jnp.tanh(x @ p) @ jnp.ones((c, c)) * 0.1 + x @ p, W


@pytest.mark.parametrize("norm", ["linf", "l2"])
@pytest.mark.parametrize("random_start", [True, False])
def test_pgd_iterates_stay_in_ball_and_box(norm, random_start):
    f, W = _linear_model()
    x = jax.random.uniform(jax.random.PRNGKey(1), (8, 12))
    y = jnp.arange(8) % 3
    loss = lambda xa: adv.cross_entropy(f(W, xa), y)
    eps = 0.3
    xa, path = adv.pgd(loss, x, eps=eps, step=0.1, steps=15, norm=norm,
                       random_start=random_start, key=jax.random.PRNGKey(2), return_path=True)
    d = (path - x[None]).reshape(15, 8, -1)
    if norm == "linf":
        assert float(jnp.abs(d).max()) <= eps + 1e-6
    else:
        assert float(jnp.sqrt((d ** 2).sum(-1)).max()) <= eps + 1e-5
    assert float(path.min()) >= 0.0 and float(path.max()) <= 1.0
    np.testing.assert_allclose(xa, path[-1])
    assert float(loss(xa).sum()) > float(loss(x).sum())


def test_fgsm_is_one_pgd_step():
    f, W = _linear_model()
    x = jax.random.uniform(jax.random.PRNGKey(3), (5, 12))
    y = jnp.arange(5) % 3
    loss = lambda xa: adv.cross_entropy(f(W, xa), y)
    a = adv.fgsm(loss, x, eps=0.1)
    b = adv.pgd(loss, x, eps=0.1, step=0.1, steps=1, random_start=False)
    np.testing.assert_allclose(a, b, atol=1e-7)


def test_pgd_linear_closed_form():
    # maximizing <w, x> over the l2 ball gives x + eps w / |w|
    w = jnp.array([3.0, 4.0])
    loss = lambda xa: xa @ w
    xa = adv.pgd(loss, jnp.zeros((1, 2)), eps=0.5, step=0.2, steps=10, norm="l2",
                 random_start=False, box=None)
    np.testing.assert_allclose(xa[0], [0.3, 0.4], atol=1e-6)


def _kkt(G, lam, tol):
    M = G @ G.T
    g = M @ lam
    c = lam @ M @ lam
    return (abs(lam.sum() - 1) < 1e-5 and lam.min() >= -1e-7 and np.all(g >= c - tol)
            and np.all(np.abs(g - c)[lam > 1e-4] < tol))


@pytest.mark.parametrize("seed", range(5))
def test_min_norm_kkt(seed):
    rng = np.random.default_rng(seed)
    G = rng.normal(size=(6, 4)) + rng.normal(size=4)
    lam = np.asarray(adv.min_norm_simplex(G, iters=3000), dtype=float)
    assert _kkt(G, lam, 1e-3 * np.trace(G @ G.T))


def test_min_norm_two_points_closed_form():
    # the min-norm point of a segment [a, b]: t = <b, b - a> / |b - a|^2
    a, b = np.array([2.0, 1.0]), np.array([-1.0, 2.0])
    t = b @ (b - a) / ((b - a) @ (b - a))
    lam = np.asarray(adv.min_norm_simplex(np.stack([a, b])))
    np.testing.assert_allclose(lam, [t, 1 - t], atol=1e-4)


def test_project_simplex():
    v = jnp.array([0.3, 1.2, -0.5, 0.4])
    p = np.asarray(adv.project_simplex(v))
    assert abs(p.sum() - 1) < 1e-6 and p.min() >= 0
    # optimality: p = max(v - theta, 0) with one theta on the support
    theta = (np.asarray(v) - p)[p > 0]
    np.testing.assert_allclose(theta, theta[0], atol=1e-6)


def test_ddi_equals_gradient_when_maximizers_coincide():
    g = {"w": jnp.arange(6.0).reshape(2, 3), "b": jnp.array([1.0, -2.0])}
    stacked = jax.tree_util.tree_map(lambda l: jnp.stack([l] * 4), g)
    d, lam = adv.ddi_direction(stacked)
    np.testing.assert_allclose(d["w"], g["w"], rtol=1e-5)
    np.testing.assert_allclose(d["b"], g["b"], rtol=1e-5)
    assert abs(float(lam.sum()) - 1) < 1e-5


def test_ddi_is_descent_for_every_gradient():
    G = jnp.array([[-1.0, 1.0], [1.0, 1.0], [0.2, 2.0]])
    d, _ = adv.ddi_direction(G)
    np.testing.assert_allclose(d, [0.0, 1.0], atol=1e-4)
    assert float((G @ d).min()) >= float(d @ d) - 1e-4


def test_margin_and_cross_entropy_slides_example():
    A = jnp.array([[0.26, 0.24, 0.25, 0.25]])
    B = jnp.array([[0.49, 0.51, 0.0, 0.0]])
    y = jnp.array([0])
    assert float(adv.cross_entropy(A, y)[0]) == pytest.approx(1.38, abs=0.005)
    assert float(adv.cross_entropy(B, y)[0]) == pytest.approx(1.18, abs=0.005)
    assert float(adv.margin(A, y)[0]) < 0 < float(adv.margin(B, y)[0])


def test_bad_inputs():
    loss = lambda xa: xa.sum(1)
    with pytest.raises(ValueError, match="norm"):
        adv.pgd(loss, jnp.zeros((1, 2)), eps=0.1, step=0.1, steps=1, norm="l1",
                random_start=False)
    with pytest.raises(ValueError, match="eps"):
        adv.pgd(loss, jnp.zeros((1, 2)), eps=-0.1, step=0.1, steps=1, random_start=False)
    with pytest.raises(ValueError, match="key"):
        adv.pgd(loss, jnp.zeros((1, 2)), eps=0.1, step=0.1, steps=1)
    with pytest.raises(ValueError, match="x"):
        adv.fgsm(loss, np.array([[np.nan, 0.0]]), eps=0.1)
    with pytest.raises(TypeError, match="loss_fn"):
        adv.fgsm(3, jnp.zeros((1, 2)), eps=0.1)
    with pytest.raises(ValueError, match="G"):
        adv.min_norm_simplex(jnp.zeros(3))
    with pytest.raises(ValueError, match="box"):
        adv.fgsm(loss, jnp.zeros((1, 2)), eps=0.1, box=(1.0, 0.0))


def test_adversarial_training_snapshots_match_the_recorded_steps():
    from ntk_course import nets
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (40, 4)).astype(np.float32)
    y = (x[:, 0] > 0.5).astype(np.int32)
    net = nets.mlp(depth=1, width=16, out_dim=2)
    p0 = net.init(0, (4,))
    run = adv.adversarial_training(net.apply_fn, p0, x, y, x, y, method="pgd", eps=0.05,
                                   attack_step=0.02, attack_steps=3, steps=6, batch_size=8,
                                   learning_rate=0.1, record_every=3, keep_snapshots=True)
    assert len(run.snapshots) == len(run.steps) == 3
    same = jax.tree_util.tree_map(lambda a, b: bool(jnp.array_equal(a, b)), run.snapshots[0], p0)
    assert all(jax.tree_util.tree_leaves(same))
    last = jax.tree_util.tree_map(lambda a, b: bool(jnp.array_equal(a, b)), run.snapshots[-1],
                                  run.params)
    assert all(jax.tree_util.tree_leaves(last))
    assert adv.adversarial_training(net.apply_fn, p0, x, y, x, y, method="pgd", eps=0.05,
                                    attack_step=0.02, attack_steps=3, steps=3, batch_size=8,
                                    learning_rate=0.1, record_every=3).snapshots is None
