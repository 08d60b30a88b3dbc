"""Tests of ntk_course.attacks: attacks stay feasible, FGSM = one PGD step, closed forms,
the NTK adversary, and data outside the box."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ntk_course import attacks, kernels, losses, minimax, robust_training


def _linear_model(seed=0, d=12, c=3):
    k = jax.random.PRNGKey(seed)
    W = jax.random.normal(k, (d, c))
    return lambda p, x: jnp.tanh(x @ p) @ jnp.ones((c, c)) * 0.1 + x @ p, W


# ----------------------------------------------------------------------------- added for L6
def _tanh_net(seed=0, d=6, h=5, c=3):
    k1, k2 = jax.random.split(jax.random.PRNGKey(seed))
    p = (2.0 * jax.random.normal(k1, (d, h)), 2.0 * jax.random.normal(k2, (h, c)))
    return lambda p, x: jnp.sin(3.0 * x @ p[0]) @ p[1], p


# ----------------------------------------------------------------------------- no silent wrong results
def _standardized(n=6, d=12, seed=0):
    x = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return jnp.asarray(x), jnp.arange(n) % 3


@pytest.mark.parametrize("norm", ["linf", "l2"])
@pytest.mark.parametrize("random_start", [True, False])
def test_pgd_iterates_stay_in_ball_and_box(norm, random_start):
    f, W = _linear_model()
    x = jax.random.uniform(jax.random.PRNGKey(1), (8, 12))
    y = jnp.arange(8) % 3
    loss = lambda xa: losses.cross_entropy(f(W, xa), y)
    eps = 0.3
    xa, path = attacks.pgd(loss, x, eps=eps, step=0.1, steps=15, norm=norm,
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
    loss = lambda xa: losses.cross_entropy(f(W, xa), y)
    a = attacks.fgsm(loss, x, eps=0.1)
    b = attacks.pgd(loss, x, eps=0.1, step=0.1, steps=1, random_start=False)
    np.testing.assert_allclose(a, b, atol=1e-7)


def test_pgd_linear_closed_form():
    # maximizing <w, x> over the l2 ball gives x + eps w / |w|
    w = jnp.array([3.0, 4.0])
    loss = lambda xa: xa @ w
    xa = attacks.pgd(loss, jnp.zeros((1, 2)), eps=0.5, step=0.2, steps=10, norm="l2",
                 random_start=False, box=None)
    np.testing.assert_allclose(xa[0], [0.3, 0.4], atol=1e-6)


def test_bad_inputs():
    loss = lambda xa: xa.sum(1)
    with pytest.raises(ValueError, match="norm"):
        attacks.pgd(loss, jnp.zeros((1, 2)), eps=0.1, step=0.1, steps=1, norm="l1",
                random_start=False)
    with pytest.raises(ValueError, match="eps"):
        attacks.pgd(loss, jnp.zeros((1, 2)), eps=-0.1, step=0.1, steps=1, random_start=False)
    with pytest.raises(ValueError, match="key"):
        attacks.pgd(loss, jnp.zeros((1, 2)), eps=0.1, step=0.1, steps=1)
    with pytest.raises(ValueError, match="x"):
        attacks.fgsm(loss, np.array([[np.nan, 0.0]]), eps=0.1)
    with pytest.raises(TypeError, match="loss_fn"):
        attacks.fgsm(3, jnp.zeros((1, 2)), eps=0.1)
    with pytest.raises(ValueError, match="G"):
        minimax.min_norm_simplex(jnp.zeros(3))
    with pytest.raises(ValueError, match="box"):
        attacks.fgsm(loss, jnp.zeros((1, 2)), eps=0.1, box=(1.0, 0.0))


@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_pgd_best_iterate_never_below_the_clean_loss(norm):
    # A nonconvex (oscillating) model and steps as large as the ball: the plain
    # last iterate can end below the clean loss, the best iterate cannot.
    f, p = _tanh_net()
    x = jax.random.uniform(jax.random.PRNGKey(4), (64, 6))
    y = jnp.arange(64) % 3
    loss = lambda xa: losses.cross_entropy(f(p, xa), y)
    eps = 0.4 if norm == "linf" else 0.8
    kw = dict(eps=eps, step=eps, steps=6, norm=norm, key=jax.random.PRNGKey(5))
    last = attacks.pgd(loss, x, **kw)
    best, path = attacks.pgd(loss, x, return_best=True, return_path=True, **kw)
    clean_l, last_l, best_l = loss(x), loss(last), loss(best)
    path_l = jax.vmap(loss)(path)                              # (steps, n)
    assert bool(jnp.all(best_l >= clean_l - 1e-5))
    assert bool(jnp.all(best_l >= path_l.max(0) - 1e-5))
    assert bool(jnp.any(last_l < clean_l - 1e-3))            # the option matters here
    d = (best - x).reshape(64, -1)
    size = jnp.abs(d).max(1) if norm == "linf" else jnp.sqrt((d ** 2).sum(1))
    assert float(size.max()) <= eps + 1e-5
    assert float(best.min()) >= 0.0 and float(best.max()) <= 1.0


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
    got = attacks.kernel_adversary(lin, xtr, ytr, x, y, eps=0.2, step=0.1, steps=4, n_classes=2,
                               ridge=1e-3, box=None)
    np.testing.assert_allclose(got, x + 0.2 * direction, atol=1e-5)


def test_kernel_adversary_raises_the_kernel_loss_and_stays_feasible():
    rng = np.random.default_rng(3)
    xtr = rng.uniform(0, 1, (30, 8)).astype(np.float32)
    ytr = rng.integers(0, 3, 30)
    x, y = xtr[:10], ytr[:10]
    x = np.clip(x + 0.05 * rng.normal(size=x.shape), 0, 1).astype(np.float32)
    kernel = kernels.fc_ntk(depth=1)
    f = attacks.kernel_predictor(kernel, xtr, ytr, n_classes=3, ridge=1e-3)
    xa = attacks.kernel_adversary(kernel, xtr, ytr, x, y, eps=0.1, step=0.03, steps=5, n_classes=3,
                              ridge=1e-3)
    before = losses.cross_entropy(f(jnp.asarray(x)), jnp.asarray(y))
    after = losses.cross_entropy(f(xa), jnp.asarray(y))
    assert bool(jnp.all(after >= before - 1e-6)) and float(jnp.sum(after - before)) > 0
    assert float(jnp.abs(xa - x).max()) <= 0.1 + 1e-6
    assert float(xa.min()) >= 0 and float(xa.max()) <= 1
    # on its training points a nearly ridgeless kernel machine interpolates the one-hot labels
    f0 = attacks.kernel_predictor(kernel, xtr, ytr, n_classes=3, ridge=1e-7)
    np.testing.assert_allclose(f0(jnp.asarray(xtr)), np.eye(3)[ytr], atol=2e-2)


def test_kernel_adversary_bad_inputs():
    lin = lambda a, b: a @ b.T
    xtr, ytr = np.zeros((4, 3)), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="x_train"):
        attacks.kernel_adversary(lin, xtr, ytr, np.zeros((2, 5)), np.array([0, 1]), eps=0.1,
                             step=0.1, steps=1, n_classes=2)
    with pytest.raises(ValueError, match="y_train"):
        attacks.kernel_predictor(lin, xtr, np.array([0, 1, 2, 1]), n_classes=2)
    with pytest.raises(TypeError, match="kernel"):
        attacks.kernel_predictor(None, xtr, ytr, n_classes=2)
    with pytest.raises(ValueError, match="x"):
        attacks.kernel_adversary(lin, xtr, ytr, np.full((2, 3), np.nan), np.array([0, 1]), eps=0.1,
                             step=0.1, steps=1, n_classes=2)


def test_pgd_accepts_a_concrete_input_inside_jit():
    # validation of a closed-over (concrete) input must not be staged into the trace
    x = jnp.full((3, 2), 0.5)
    w = jnp.array([1.0, -2.0])

    @jax.jit
    def attacked(scale):
        return attacks.pgd(lambda xa: scale * (xa @ w), x, eps=0.1, step=0.05, steps=3,
                       random_start=False)

    expected = attacks.pgd(lambda xa: xa @ w, x, eps=0.1, step=0.05, steps=3, random_start=False)
    np.testing.assert_allclose(attacked(1.0), expected, atol=1e-6)


def test_attacks_refuse_data_outside_the_box():
    f, W = _linear_model()
    x, y = _standardized()
    loss = lambda xa: losses.cross_entropy(f(W, xa), y)
    key = jax.random.PRNGKey(0)
    with pytest.raises(ValueError, match="box"):
        attacks.pgd(loss, x, eps=0.1, step=0.05, steps=2, key=key)
    with pytest.raises(ValueError, match="box"):
        attacks.fgsm(loss, x, eps=0.1)
    with pytest.raises(ValueError, match="box"):
        robust_training.robust_accuracy(f, W, x, y, eps=0.1, step=0.05, steps=2, key=key)
    with pytest.raises(ValueError, match="box"):
        robust_training.robust_accuracy_curve(f, W, x, y, eps=[0.1], key=jax.random.PRNGKey(0))
    lin = lambda a, b: a @ b.T
    with pytest.raises(ValueError, match="box"):
        attacks.kernel_adversary(lin, x, y, x, y, eps=0.1, step=0.05, steps=2, n_classes=3)
    # with box=None the perturbation stays within eps
    xa = attacks.pgd(loss, x, eps=0.1, step=0.05, steps=3, key=key, box=None)
    assert float(jnp.abs(xa - x).max()) <= 0.1 + 1e-6
