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


# ----------------------------------------------------------------------------- added for L6
def _tanh_net(seed=0, d=6, h=5, c=3):
    k1, k2 = jax.random.split(jax.random.PRNGKey(seed))
    p = (2.0 * jax.random.normal(k1, (d, h)), 2.0 * jax.random.normal(k2, (h, c)))
    return lambda p, x: jnp.sin(3.0 * x @ p[0]) @ p[1], p


@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_pgd_best_iterate_never_below_the_clean_loss(norm):
    # A nonconvex (oscillating) model and steps as large as the ball: the plain
    # last iterate can end below the clean loss, the best iterate cannot.
    f, p = _tanh_net()
    x = jax.random.uniform(jax.random.PRNGKey(4), (64, 6))
    y = jnp.arange(64) % 3
    loss = lambda xa: adv.cross_entropy(f(p, xa), y)
    eps = 0.4 if norm == "linf" else 0.8
    kw = dict(eps=eps, step=eps, steps=6, norm=norm, key=jax.random.PRNGKey(5))
    last = adv.pgd(loss, x, **kw)
    best, path = adv.pgd(loss, x, return_best=True, return_path=True, **kw)
    clean_l, last_l, best_l = loss(x), loss(last), loss(best)
    path_l = jax.vmap(loss)(path)                              # (steps, n)
    assert bool(jnp.all(best_l >= clean_l - 1e-5))
    assert bool(jnp.all(best_l >= path_l.max(0) - 1e-5))
    assert bool(jnp.any(last_l < clean_l - 1e-3))            # the option matters here
    d = (best - x).reshape(64, -1)
    size = jnp.abs(d).max(1) if norm == "linf" else jnp.sqrt((d ** 2).sum(1))
    assert float(size.max()) <= eps + 1e-5
    assert float(best.min()) >= 0.0 and float(best.max()) <= 1.0


def test_kl_divergence_properties():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(50, 4)), rng.normal(size=(50, 4))
    kl = np.asarray(adv.kl_divergence(a, b))
    assert kl.shape == (50,) and kl.min() >= 0
    np.testing.assert_allclose(adv.kl_divergence(a, a), 0.0, atol=1e-6)
    np.testing.assert_allclose(adv.kl_divergence(a, a + 3.0), 0.0, atol=1e-5)  # shift-invariant
    # two classes: KL between Bernoulli(p) and Bernoulli(q)
    p, q = 1 / (1 + np.exp(-1.0)), 1 / (1 + np.exp(0.5))
    want = p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))
    got = float(adv.kl_divergence(jnp.array([[0.0, 1.0]]), jnp.array([[0.0, -0.5]]))[0])
    assert got == pytest.approx(want, rel=1e-5)


def _tiny_problem():
    from ntk_course import nets
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (32, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 1).astype(np.int32)
    net = nets.mlp(depth=1, width=16, out_dim=2, parameterization="standard", W_std=1.5,
                   b_std=0.1)
    return net.apply_fn, net.init(0, (4,)), x, y


@pytest.mark.parametrize("beta", [0.0, 6.0])
def test_trades_with_zero_radius_is_a_clean_gradient_step(beta):
    # eps = 0 pins x' = x, where the KL term and its gradient vanish: one full-batch
    # step of TRADES (momentum starts at zero) is p - lr * grad CE, whatever beta.
    f, p0, x, y = _tiny_problem()
    run = adv.adversarial_training(f, p0, x, y, x, y, method="trades", eps=0.0, beta=beta,
                                   attack_step=0.01, attack_steps=3, steps=1, batch_size=32,
                                   learning_rate=0.1, record_every=1, eval_steps=1)
    g = jax.grad(lambda p: jnp.mean(adv.cross_entropy(f(p, x), y)))(p0)
    want = jax.tree_util.tree_map(lambda a, b: a - 0.1 * b, p0, g)
    for a, b in zip(jax.tree_util.tree_leaves(run.params), jax.tree_util.tree_leaves(want)):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_trades_trains_and_validates_its_arguments():
    f, p0, x, y = _tiny_problem()
    kw = dict(eps=0.1, attack_step=0.03, attack_steps=3, steps=60, batch_size=16,
              learning_rate=0.1, record_every=30, eval_steps=2)
    run = adv.adversarial_training(f, p0, x, y, x, y, method="trades", beta=1.0, **kw)
    assert np.all(np.isfinite(run.train_loss[1:])) and len(run.steps) == 3
    assert run.clean_acc[-1] > 0.7
    with pytest.raises(ValueError, match="beta"):
        adv.adversarial_training(f, p0, x, y, x, y, method="trades", beta=-1.0, **kw)
    with pytest.raises(ValueError, match="method"):
        adv.adversarial_training(f, p0, x, y, x, y, method="mart", **kw)


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
    got = adv.robust_accuracy_curve(f, W, x, y, eps=grid, box=None)
    want = [np.mean(margin > e * l1) for e in grid]
    np.testing.assert_allclose(got, want, atol=1e-9)
    with pytest.raises(ValueError, match="eps"):
        adv.robust_accuracy_curve(f, W, x, y, eps=[-0.1])
    with pytest.raises(ValueError, match="y"):
        adv.robust_accuracy_curve(f, W, x, y[:5], eps=[0.1])


def test_kernel_adversary_linear_kernel_is_the_closed_form_attack():
    rng = np.random.default_rng(2)
    xtr = rng.uniform(0, 1, (20, 6)).astype(np.float32)
    ytr = rng.integers(0, 2, 20)
    x = rng.uniform(0.3, 0.7, (15, 6)).astype(np.float32)
    y = rng.integers(0, 2, 15)
    lin = lambda a, b: a @ b.T
    alpha = np.linalg.solve(xtr @ xtr.T + 1e-3 * np.trace(xtr @ xtr.T) / 20 * np.eye(20),
                            np.eye(2)[ytr])
    W = xtr.T @ alpha                                             # (d, 2)
    direction = np.sign(W[:, 1] - W[:, 0])[None] * np.where(y == 0, 1.0, -1.0)[:, None]
    got = adv.kernel_adversary(lin, xtr, ytr, x, y, eps=0.2, step=0.1, steps=4, n_classes=2,
                               ridge=1e-3, box=None)
    np.testing.assert_allclose(got, x + 0.2 * direction, atol=1e-5)


def test_kernel_adversary_raises_the_kernel_loss_and_stays_feasible():
    from ntk_course import kip
    rng = np.random.default_rng(3)
    xtr = rng.uniform(0, 1, (30, 8)).astype(np.float32)
    ytr = rng.integers(0, 3, 30)
    x, y = xtr[:10], ytr[:10]
    x = np.clip(x + 0.05 * rng.normal(size=x.shape), 0, 1).astype(np.float32)
    kernel = kip.fc_ntk(depth=1)
    f = adv.kernel_predictor(kernel, xtr, ytr, n_classes=3, ridge=1e-3)
    xa = adv.kernel_adversary(kernel, xtr, ytr, x, y, eps=0.1, step=0.03, steps=5, n_classes=3,
                              ridge=1e-3)
    before = adv.cross_entropy(f(jnp.asarray(x)), jnp.asarray(y))
    after = adv.cross_entropy(f(xa), jnp.asarray(y))
    assert bool(jnp.all(after >= before - 1e-6)) and float(jnp.sum(after - before)) > 0
    assert float(jnp.abs(xa - x).max()) <= 0.1 + 1e-6
    assert float(xa.min()) >= 0 and float(xa.max()) <= 1
    # on its training points a nearly ridgeless kernel machine interpolates the one-hot labels
    f0 = adv.kernel_predictor(kernel, xtr, ytr, n_classes=3, ridge=1e-7)
    np.testing.assert_allclose(f0(jnp.asarray(xtr)), np.eye(3)[ytr], atol=2e-2)


def test_kernel_adversary_bad_inputs():
    lin = lambda a, b: a @ b.T
    xtr, ytr = np.zeros((4, 3)), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="x_train"):
        adv.kernel_adversary(lin, xtr, ytr, np.zeros((2, 5)), np.array([0, 1]), eps=0.1,
                             step=0.1, steps=1, n_classes=2)
    with pytest.raises(ValueError, match="y_train"):
        adv.kernel_predictor(lin, xtr, np.array([0, 1, 2, 1]), n_classes=2)
    with pytest.raises(TypeError, match="kernel"):
        adv.kernel_predictor(None, xtr, ytr, n_classes=2)
    with pytest.raises(ValueError, match="x"):
        adv.kernel_adversary(lin, xtr, ytr, np.full((2, 3), np.nan), np.array([0, 1]), eps=0.1,
                             step=0.1, steps=1, n_classes=2)


def test_pgd_accepts_a_concrete_input_inside_jit():
    # validation of a closed-over (concrete) input must not be staged into the trace
    x = jnp.full((3, 2), 0.5)
    w = jnp.array([1.0, -2.0])

    @jax.jit
    def attacked(scale):
        return adv.pgd(lambda xa: scale * (xa @ w), x, eps=0.1, step=0.05, steps=3,
                       random_start=False)

    expected = adv.pgd(lambda xa: xa @ w, x, eps=0.1, step=0.05, steps=3, random_start=False)
    np.testing.assert_allclose(attacked(1.0), expected, atol=1e-6)
