"""KIP and one-step distillation: closed forms, gradients, and input checks."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ntk_course import config, data, kernels, kip, losses, nets


@pytest.fixture
def x64():
    with config.double_precision():
        yield


def _data(n=30, d=6, k=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    labels = np.arange(n) % k
    return x, np.eye(k)[labels] - 1 / k, labels


def test_fc_ntk_matches_from_scratch_recursion(x64):
    x, _, _ = _data()
    ours = kernels.fc_ntk(depth=2, W_std=1.3, b_std=0.2)(jnp.asarray(x), jnp.asarray(x[:7]))
    _, ref = kernels.fc_kernels(x, x[:7], depth=2, W_std=1.3, b_std=0.2)
    np.testing.assert_allclose(ours, ref, rtol=1e-8)


def test_conv_ntk_is_symmetric_psd_and_translation_aware(x64):
    x = np.random.default_rng(1).normal(size=(5, 12))
    kernel = kernels.conv_ntk((12, 1), depth=1)
    k = np.asarray(kernel(jnp.asarray(x), jnp.asarray(x)))
    np.testing.assert_allclose(k, k.T, rtol=1e-10)
    assert np.linalg.eigvalsh(k).min() > -1e-8
    # Without biases a ReLU network is positively homogeneous of degree one in its input,
    # so its NTK is homogeneous of degree two: doubling the input multiplies it by 4.
    k0 = kernels.conv_ntk((12, 1), depth=1, b_std=0.0)
    a = float(k0(jnp.asarray(x[:1]), jnp.asarray(x[:1]))[0, 0])
    b = float(k0(jnp.asarray(2 * x[:1]), jnp.asarray(2 * x[:1]))[0, 0])
    assert np.isclose(b, 4 * a, rtol=1e-8)


def test_support_equal_to_target_gives_zero_loss(x64):
    x, y, _ = _data()
    loss = kip.kip_loss(kernels.fc_ntk(depth=1), jnp.asarray(x), jnp.asarray(y), jnp.asarray(x),
                        jnp.asarray(y), ridge=0.0)
    assert float(loss) < 1e-18


def test_krr_predict_matches_kernels_module(x64):
    x, y, _ = _data()
    kernel = kernels.fc_ntk(depth=1, W_std=1.0, b_std=0.0)
    xs, xq = x[:10], x[10:]
    ours = kernels.krr_predict(kernel, xs, y[:10], xq, ridge=0.0)
    _, k_ss = kernels.fc_kernels(xs, depth=1)
    _, k_qs = kernels.fc_kernels(xq, xs, depth=1)
    np.testing.assert_allclose(ours, kernels.kernel_regression(k_ss, y[:10], k_qs), rtol=1e-6,
                               atol=1e-8)


def test_gradient_matches_finite_differences(x64):
    x, y, _ = _data()
    kernel = kernels.fc_ntk(depth=1)
    xs, ys = jnp.asarray(x[:5]), jnp.asarray(y[:5])
    xt, yt = jnp.asarray(x[5:]), jnp.asarray(y[5:])
    f = lambda s, l: kip.kip_loss(kernel, s, l, xt, yt, ridge=1e-3)
    gx, gy = jax.grad(f, argnums=(0, 1))(xs, ys)
    rng = np.random.default_rng(0)
    for grad, arg in ((gx, 0), (gy, 1)):
        direction = jnp.asarray(rng.normal(size=grad.shape))
        # The support kernel's diagonal sits at cos = 1, where the arc-cosine of
        # the NTK carries about 1e-9 of float64 round-off (more or less,
        # depending on how XLA fuses the kernel); a central step of 1e-4 keeps
        # both that noise and the O(eps^2) truncation near 1e-6 of the slope.
        eps = 1e-4
        args_p = [xs, ys]
        args_m = [xs, ys]
        args_p[arg] = args_p[arg] + eps * direction
        args_m[arg] = args_m[arg] - eps * direction
        fd = (f(*args_p) - f(*args_m)) / (2 * eps)
        assert np.isclose(float(jnp.sum(grad * direction)), float(fd), rtol=1e-5)


def test_kip_decreases_loss_and_keeps_labels_fixed():
    x, y, labels = _data(n=60)
    r = kip.kip(kernels.fc_ntk(depth=1), x[:6], y[:6], x, y, steps=40, learning_rate=0.02,
                batch_size=30, record_every=10, x_test=x, labels_test=labels)
    assert r.history["loss"][-1] < r.history["loss"][0]
    np.testing.assert_array_equal(r.y_support, y[:6].astype(np.float32))
    assert not np.allclose(r.x_support, x[:6])
    assert set(r.history) == {"step", "loss", "train_acc", "test_acc"}
    assert r.history["step"].tolist() == [0, 10, 20, 30, 40]
    assert np.all((r.history["test_acc"] >= 0) & (r.history["test_acc"] <= 1))


def test_label_learning_changes_labels_and_fits_better():
    x, y, _ = _data(n=60)
    kw = dict(steps=60, learning_rate=0.02, batch_size=60, record_every=20)
    fixed = kip.kip(kernels.fc_ntk(depth=1), x[:6], y[:6], x, y, **kw)
    learned = kip.kip(kernels.fc_ntk(depth=1), x[:6], y[:6], x, y, learn_labels=True, **kw)
    assert not np.allclose(learned.y_support, y[:6])
    assert learned.history["loss"][-1] < fixed.history["loss"][-1]


def test_kip_is_reproducible_and_uses_custom_loss():
    x, y, _ = _data(n=40)
    kernel = kernels.fc_ntk(depth=1)
    a = kip.kip(kernel, x[:4], y[:4], x, y, steps=10, batch_size=8, seed=3)
    b = kip.kip(kernel, x[:4], y[:4], x, y, steps=10, batch_size=8, seed=3)
    np.testing.assert_array_equal(a.x_support, b.x_support)
    calls = []

    def zero_loss(support, xb, yb, key):
        calls.append(xb.shape)
        return 0.0 * jnp.sum(support["x"]), jnp.zeros_like(yb)

    c = kip.kip(kernel, x[:4], y[:4], x, y, steps=5, batch_size=8, loss_fn=zero_loss)
    np.testing.assert_allclose(c.x_support, x[:4].astype(np.float32))
    assert calls and calls[0] == (8, 6)


def test_per_class_sample_is_balanced():
    x, _, labels = _data(n=30)
    xs, ls, idx = data.per_class_sample(x, labels, 4, seed=1)
    assert np.bincount(ls).tolist() == [4, 4, 4]
    np.testing.assert_array_equal(xs, x[idx])
    with pytest.raises(ValueError, match="per_class"):
        data.per_class_sample(x, labels, 11)


def test_one_step_distillation_with_fixed_init_beats_its_start():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 5)).astype(np.float32)
    labels = (x[:, 0] > 0).astype(np.int64)
    net = nets.mlp(depth=1, width=32, out_dim=2)
    start = x[:2] * 0.0 + rng.normal(size=(2, 5)).astype(np.float32)
    res = kip.one_step_distill(net, start, np.array([0, 1]), x, labels, steps=100,
                               learning_rate=0.05, fixed_init=7, batch_size=100)
    before = kip.one_step_eval(net, start, np.array([0, 1]), 0.1, x, labels, [7])
    after = kip.one_step_eval(net, res.x_support, np.array([0, 1]), res.learning_rate, x,
                              labels, [7])
    assert res.history["loss"][-10:].mean() < res.history["loss"][:10].mean()
    assert after[0] > before[0]


def test_bad_inputs_raise():
    x, y, labels = _data()
    kernel = kernels.fc_ntk(depth=1)
    with pytest.raises(ValueError, match="x_support"):
        kip.kip(kernel, x[:3].ravel(), y[:3], x, y, steps=2)
    with pytest.raises(ValueError, match="y_support"):
        kip.kip(kernel, x[:3], y[:4], x, y, steps=2)
    with pytest.raises(ValueError, match="x_target"):
        kip.kip(kernel, x[:3], y[:3], x[:, :2], y, steps=2)
    with pytest.raises(ValueError, match="columns"):
        kip.kip(kernel, x[:3], y[:3], x, y[:, :2], steps=2)
    with pytest.raises(ValueError, match="NaN"):
        kip.kip(kernel, np.full((3, 6), np.nan), y[:3], x, y, steps=2)
    with pytest.raises(TypeError, match="steps"):
        kip.kip(kernel, x[:3], y[:3], x, y, steps=2.0)
    with pytest.raises(TypeError, match="kernel"):
        kip.kip("fc", x[:3], y[:3], x, y, steps=2)
    with pytest.raises(ValueError, match="learning_rate"):
        kip.kip(kernel, x[:3], y[:3], x, y, steps=2, learning_rate=-1.0)
    with pytest.raises(ValueError, match="shape"):
        kernels.conv_ntk((8,))
    with pytest.raises(ValueError, match="ridge"):
        kernels.krr_predict(kernel, x[:3], y[:3], x, ridge=-1.0)


# ---------------------------------------------------------------------------
# Adversarial KIP
# ---------------------------------------------------------------------------
def _box_data(n=24, d=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(n, d)).astype(np.float32)
    labels = (x[:, 0] > 0.5).astype(int)
    return jnp.asarray(x), jnp.asarray(np.eye(2, dtype=np.float32)[labels] - 0.5), labels


def test_adversarial_kip_loss_with_zero_radius_is_the_kip_loss():
    x, y, _ = _box_data()
    kernel = kernels.fc_ntk(depth=1)
    support = {"x": x[:4], "y": y[:4]}
    loss_fn = kip.AdversarialKIPLoss(kernel, 1e-6, 0.0, 0.1, 3)
    loss, _ = loss_fn(support, x, y, jax.random.PRNGKey(0))
    assert float(loss) == pytest.approx(float(kip.kip_loss(kernel, x[:4], y[:4], x, y, ridge=1e-6)),
                                        rel=1e-5)


def test_adversarial_kip_attack_stays_in_ball_and_box_and_raises_the_attack_loss():

    x, y, labels = _box_data()
    kernel = kernels.fc_ntk(depth=1)
    support = {"x": x[:6], "y": y[:6]}
    eps = 0.1
    loss_fn = kip.AdversarialKIPLoss(kernel, 1e-6, eps, 0.03, 5)
    xa = jax.jit(loss_fn.attack)(support, x, y, jax.random.PRNGKey(1))
    assert float(jnp.max(jnp.abs(xa - x))) <= eps + 1e-6
    assert float(xa.min()) >= 0.0 and float(xa.max()) <= 1.0
    ce = jax.jit(lambda z: jnp.mean(losses.cross_entropy(
        kernels.krr_from_support(kernel, support["x"], support["y"], z, 1e-6), jnp.asarray(labels))))
    assert float(ce(xa)) > float(ce(x))


def test_adversarial_kip_gradient_is_the_kip_gradient_at_the_attacked_batch():
    # Danskin: the attacked batch is held fixed, so the support gradient equals the plain
    # KIP gradient evaluated at that batch. An l2 attack, because linf's sign steps have
    # zero derivative: with them a missing stop_gradient would go unseen (here it
    # changes the gradient by 5% of its largest entry). Float64, because in float32 two
    # separately compiled programs differ by 1e-4 relative after the ridge-1e-6 solve
    # (in float64 by 5e-8 here).
    with config.double_precision():
        x, y, _ = _box_data()
        x, y = x.astype(jnp.float64), y.astype(jnp.float64)
        kernel = kernels.fc_ntk(depth=1)
        support = {"x": x[:4], "y": y[:4]}
        loss_fn = kip.AdversarialKIPLoss(kernel, 1e-6, 0.3, 0.1, 3, norm="l2")
        key = jax.random.PRNGKey(2)
        g_adv = jax.jit(jax.grad(lambda s: loss_fn(s, x, y, key)[0]))(support)
        xa = jax.jit(loss_fn.attack)(support, x, y, key)
        assert float(jnp.max(jnp.abs(xa - x))) > 0.05          # the attack moved the batch
        g_fixed = jax.jit(jax.grad(lambda s: kip.kip_loss(kernel, s["x"], s["y"], xa, y,
                                                           ridge=1e-6)))(support)
    np.testing.assert_allclose(g_adv["x"], g_fixed["x"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(g_adv["y"], g_fixed["y"], rtol=1e-6, atol=1e-9)


def test_adversarial_kip_runs_and_improves_its_robust_batch_loss():
    x, y, _ = _box_data(n=60)
    r = kip.adversarial_kip(kernels.fc_ntk(depth=1), x[:4], y[:4], x, y, eps=0.05, attack_step=0.02,
                            attack_steps=2, steps=30, learning_rate=0.02, record_every=10)
    assert r.history["loss"][-1] < r.history["loss"][0]
    np.testing.assert_array_equal(r.y_support, np.asarray(y[:4]))


def test_adversarial_kip_bad_inputs():
    x, y, _ = _box_data()
    kernel = kernels.fc_ntk(depth=1)
    common = dict(attack_step=0.02, attack_steps=2, steps=2)
    with pytest.raises(ValueError, match="eps"):
        kip.adversarial_kip(kernel, x[:4], y[:4], x, y, eps=-0.1, **common)
    with pytest.raises(ValueError, match="norm"):
        kip.adversarial_kip(kernel, x[:4], y[:4], x, y, eps=0.1, norm="l1", **common)
    with pytest.raises(ValueError, match="box"):
        kip.adversarial_kip(kernel, x[:4], y[:4], x, y, eps=0.1, box=(1.0, 0.0), **common)
    with pytest.raises(TypeError, match="kernel"):
        kip.adversarial_kip("ntk", x[:4], y[:4], x, y, eps=0.1, **common)
    with pytest.raises(ValueError, match="attack_steps"):
        kip.adversarial_kip(kernel, x[:4], y[:4], x, y, eps=0.1, attack_step=0.02,
                            attack_steps=0, steps=2)
    with pytest.raises(ValueError, match="x_target"):
        kip.adversarial_kip(kernel, x[:4], y[:4], x[:, :3], y, eps=0.1, **common)
