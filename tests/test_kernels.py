"""The from-scratch kernels against neural-tangents, closed forms and predictors."""
import os
import subprocess
import sys
import textwrap

import jax.numpy as jnp
import numpy as np
import pytest

from ntk_course import config, data, kernels, nets
from ntk_course._compat import nt, stax


def rel_err(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@pytest.fixture
def x64():
    """Compare in float64, where both implementations agree to round-off (1e-10);
    float32 accuracy has its own tests below."""
    with config.double_precision():
        yield


@pytest.fixture
def inputs(x64):
    rng = np.random.default_rng(0)
    return jnp.asarray(rng.normal(size=(13, 6))), jnp.asarray(rng.normal(size=(9, 6)) * 1.5)


@pytest.mark.parametrize("activation", ["relu", "erf"])
@pytest.mark.parametrize("depth", [0, 1, 2, 4])
@pytest.mark.parametrize("W_std,b_std", [(1.0, 0.0), (1.5, 0.2), (0.8, 1.0)])
def test_fc_kernels_match_neural_tangents(inputs, activation, depth, W_std, b_std):
    x1, x2 = inputs
    net = nets.mlp(depth=depth, width=3, activation=activation, W_std=W_std, b_std=b_std)
    want = net.kernel_fn(x1, x2, ("nngp", "ntk"))
    nngp, ntk = kernels.fc_kernels(x1, x2, depth=depth, activation=activation, W_std=W_std,
                                   b_std=b_std, block_size=4)
    assert nngp.dtype == jnp.float64
    assert rel_err(nngp, want.nngp) < 1e-10
    assert rel_err(ntk, want.ntk) < 1e-10


def test_per_layer_weight_scales(inputs):
    x1, _ = inputs
    layers = [stax.Dense(4, W_std=1.3), stax.Relu(), stax.Dense(4, W_std=0.7), stax.Relu(),
              stax.Dense(1, W_std=2.0)]
    want = stax.serial(*layers)[2](x1, None, "ntk")
    _, ntk = kernels.fc_kernels(x1, depth=2, W_std=(1.3, 0.7, 2.0))
    assert rel_err(ntk, want) < 1e-5


def test_relu_sphere_closed_form_matches_recursion():
    x = jnp.asarray(data.sphere(20, 5, seed=3), dtype=jnp.float32)
    _, ntk = kernels.fc_kernels(x, depth=1, W_std=(1.0, np.sqrt(2.0)))
    cos = x @ x.T / 5
    off = ~np.eye(20, dtype=bool)  # arccos is ill-conditioned at cos = 1 in float32
    assert rel_err(ntk[off], kernels.relu_ntk_sphere(cos)[off]) < 1e-5
    assert float(kernels.relu_ntk_sphere(1.0)) == pytest.approx(2.0)
    assert float(kernels.relu_ntk_sphere(-1.0)) == pytest.approx(0.0, abs=1e-7)


# ----------------------------------------------------------------- kernels on the sphere
def test_harmonic_multiplicity_closed_form():
    """N(d, k) = (2k + d - 2) / k * C(k + d - 3, d - 2); 2 on the circle, 2k + 1 on S^2."""
    from math import comb
    for d in range(2, 12):
        for k in range(1, 30):
            assert kernels.harmonic_multiplicity(d, k) * k == (2 * k + d - 2) * comb(k + d - 3, d - 2)
    assert [kernels.harmonic_multiplicity(3, k) for k in range(5)] == [1, 3, 5, 7, 9]
    assert {kernels.harmonic_multiplicity(2, k) for k in range(1, 9)} == {2}


@pytest.mark.parametrize("d", [2, 3, 5, 10])
def test_funk_hecke_monomials(d):
    """t = P_1 and t^2 = 1/d + (d - 1)/d P_2: mu_1 = 1/d, mu_0 = 1/d, mu_2 = 2/(d (d + 2))."""
    mu1 = kernels.funk_hecke_eigenvalues(lambda t: t, d, 4)
    np.testing.assert_allclose(mu1, [0, 1 / d, 0, 0, 0], atol=1e-12)
    mu2 = kernels.funk_hecke_eigenvalues(lambda t: t ** 2, d, 4)
    np.testing.assert_allclose(mu2, [1 / d, 0, 2 / (d * (d + 2)), 0, 0], atol=1e-12)


@pytest.mark.parametrize("d", [3, 6])
def test_funk_hecke_addition_theorem(d):
    """kappa(t) = sum_k N(d, k) mu_k P_k(t) (Mercer + addition theorem), here for exp(t)."""
    kmax = 25
    mu = kernels.funk_hecke_eigenvalues(np.exp, d, kmax)
    n_k = np.array([kernels.harmonic_multiplicity(d, k) for k in range(kmax + 1)])
    t = np.linspace(-1, 1, 9)
    np.testing.assert_allclose((n_k * mu) @ kernels.sphere_legendre(kmax, d, t), np.exp(t),
                               rtol=1e-12)
    assert np.all(mu[:8] > 0)      # exp is positive definite (later mu_k are below round-off)


def test_funk_hecke_on_the_circle_is_fourier():
    """d = 2: mu_k = (1/2 pi) int kappa(cos theta) cos(k theta) d theta, a Fourier coefficient
    of the ReLU NTK, which the FFT of its samples on a fine grid gives to aliasing error."""
    m = 16384                                      # aliasing error ~ mu_m ~ 1/m^2
    theta = 2 * np.pi * np.arange(m) / m
    with config.double_precision():
        samples = np.asarray(kernels.relu_ntk_sphere(jnp.asarray(np.cos(theta))), np.float64)
    fft = np.real(np.fft.fft(samples)) / m
    with config.double_precision():
        mu = kernels.funk_hecke_eigenvalues(
            lambda t: np.asarray(kernels.relu_ntk_sphere(jnp.asarray(t)), np.float64), 2, 40)
    np.testing.assert_allclose(mu, fft[:41], atol=1e-8)
    assert np.max(np.abs(mu[3::2])) < 1e-12        # odd frequencies >= 3 vanish without bias


def test_funk_hecke_matches_gram_matrix_on_s2():
    """The eigenvalues of K / n on n uniform points of S^2 cluster at mu_k, N(3, k) = 2k + 1 each."""
    n = 1500
    x = data.sphere(n, 3, seed=0).astype(np.float64) / np.sqrt(3)
    kappa = lambda t: np.exp(2 * t)                 # noqa: E731
    evals = np.sort(np.linalg.eigvalsh(kappa(np.clip(x @ x.T, -1, 1)) / n))[::-1]
    mu = kernels.funk_hecke_eigenvalues(kappa, 3, 3)
    start = 0
    for k in range(4):
        block = evals[start:start + 2 * k + 1]
        assert abs(block.mean() / mu[k] - 1) < 0.1, (k, block, mu[k])
        start += 2 * k + 1


def test_kernels_are_symmetric_psd():
    x = jnp.asarray(data.sphere(30, 4, seed=1))
    nngp, ntk = kernels.fc_kernels(x, depth=3, b_std=0.1)
    for k in (nngp, ntk):
        assert float(jnp.max(jnp.abs(k - k.T))) < 1e-5
        assert float(jnp.linalg.eigvalsh(k).min()) > -1e-4


def test_get_selects_one_kernel(inputs):
    x1, x2 = inputs
    nngp, ntk = kernels.fc_kernels(x1, x2, depth=2)
    assert rel_err(kernels.fc_kernels(x1, x2, depth=2, get="ntk"), ntk) < 1e-12
    assert rel_err(kernels.fc_kernels(x1, x2, depth=2, get="nngp"), nngp) < 1e-12
    with pytest.raises(ValueError, match="get"):
        kernels.fc_kernels(x1, depth=1, get="both_please")


def test_blocking_does_not_change_values(inputs):
    x1, x2 = inputs
    a = kernels.fc_kernels(x1, x2, depth=2, block_size=1)[1]
    b = kernels.fc_kernels(x1, x2, depth=2, block_size=100)[1]
    assert rel_err(a, b) < 1e-6


def test_two_devices_give_identical_results():
    script = textwrap.dedent("""
        import jax, numpy as np, jax.numpy as jnp
        from ntk_course import kernels, nets
        assert len(jax.devices()) == 2, jax.devices()
        x = jnp.asarray(np.random.default_rng(0).normal(size=(37, 5)))
        one = kernels.blockwise(kernels.FCKernel(3, "relu", (1.2,), 0.1), x, x, block_size=8, n_devices=1)
        two = kernels.blockwise(kernels.FCKernel(3, "relu", (1.2,), 0.1), x, x, block_size=8, n_devices=2)
        assert np.array_equal(np.asarray(one[1]), np.asarray(two[1])), "analytic NTK differs"
        net = nets.mlp(depth=2, width=16)
        p = net.init(0, (5,))
        e1 = kernels.blockwise(kernels._empirical_block_fn(net.apply_fn, 1), x, (x, p), block_size=8, n_devices=1)
        e2 = kernels.blockwise(kernels._empirical_block_fn(net.apply_fn, 1), x, (x, p), block_size=8, n_devices=2)
        assert np.array_equal(np.asarray(e1), np.asarray(e2)), "empirical NTK differs"
        print("identical")
    """)
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2",
               JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "identical" in out.stdout


@pytest.mark.parametrize("implementation", ["jacobian", "ntvp"])
def test_empirical_ntk_matches_neural_tangents(implementation, x64):
    net = nets.mlp(depth=2, width=64, b_std=0.1)
    params = net.init(1, (6,))
    x1 = jnp.asarray(np.random.default_rng(0).normal(size=(7, 6)))
    x2 = jnp.asarray(np.random.default_rng(1).normal(size=(5, 6)))
    want = nt.empirical_ntk_fn(net.apply_fn, vmap_axes=0)(x1, x2, params)
    got = kernels.empirical_ntk(net.apply_fn, params, x1, x2, implementation=implementation,
                                block_size=3)
    assert rel_err(got, want) < 1e-5


def test_empirical_ntk_is_jacobian_gram():
    import jax

    net = nets.mlp(depth=1, width=5)
    params = net.init(0, (3,))
    x = jnp.asarray(np.random.default_rng(0).normal(size=(4, 3)))
    jac = jax.jacobian(lambda p: net.apply_fn(p, x)[:, 0])(params)
    flat = jnp.concatenate([j.reshape(4, -1) for j in jax.tree_util.tree_leaves(jac)], axis=1)
    assert rel_err(kernels.empirical_ntk(net.apply_fn, params, x), flat @ flat.T) < 1e-5


def test_empirical_ntk_approaches_analytic_with_width():
    x = jnp.asarray(data.sphere(10, 4, seed=0))
    _, ntk = kernels.fc_kernels(x, depth=1)
    errs = []
    for width in (32, 2048):
        net = nets.mlp(depth=1, width=width)
        emp = np.mean([kernels.empirical_ntk(net.apply_fn, net.init(s, (4,)), x) for s in range(4)],
                      axis=0)
        errs.append(float(jnp.linalg.norm(emp - ntk) / jnp.linalg.norm(ntk)))
    assert errs[1] < errs[0] / 3


def test_float32_kernels_stay_close_to_float64():
    x = np.random.default_rng(0).normal(size=(13, 6))
    with config.double_precision():
        exact = kernels.fc_kernels(jnp.asarray(x), depth=3)[1]
    single = kernels.fc_kernels(jnp.asarray(x, dtype=jnp.float32), depth=3)[1]
    assert single.dtype == jnp.float32
    assert rel_err(single, exact) < 1e-3


def test_kernel_regression_interpolates_and_matches_predict():
    x = jnp.asarray(data.sphere(12, 3, seed=2))
    xt = jnp.asarray(data.sphere(5, 3, seed=3))
    y = jnp.sin(x[:, :1])
    _, k = kernels.fc_kernels(x, depth=2)
    _, kt = kernels.fc_kernels(xt, x, depth=2)
    fit = kernels.kernel_regression(k, y)
    assert float(jnp.max(jnp.abs(fit - y))) < 1e-3
    predict = nt.predict.gradient_descent_mse(k, y)
    want = predict(None, None, 0.0, kt)
    assert rel_err(kernels.kernel_regression(k, y, kt), want) < 1e-3


def test_ridge_shrinks_towards_zero():
    k = jnp.eye(3) * 2.0
    y = jnp.ones(3)
    assert float(kernels.kernel_regression(k, y, ridge=2.0)[0]) == pytest.approx(0.5)


def test_gd_dynamics_flow_matches_neural_tangents_and_limits():
    x = jnp.asarray(data.sphere(10, 3, seed=5))
    xt = jnp.asarray(data.sphere(4, 3, seed=6))
    y = jnp.cos(x[:, :1])
    _, k = kernels.fc_kernels(x, depth=1)
    _, kt = kernels.fc_kernels(xt, x, depth=1)
    times = jnp.array([0.0, 0.3, 2.0])
    ours = kernels.gd_dynamics(k, y, times, learning_rate=0.5, k_test_train=kt)
    # neural-tangents uses the loss mean((f - y)^2) / 2, whose flow runs n times slower.
    predict = nt.predict.gradient_descent_mse(k, y, learning_rate=0.5 * y.size)
    for i, t in enumerate(times):
        want = predict(float(t), None, jnp.zeros((4, 1)), kt)
        assert float(jnp.max(jnp.abs(ours[i] - want))) < 1e-4
    late = kernels.gd_dynamics(k, y, jnp.array([1e7]), k_test_train=kt)[0]
    assert rel_err(late, kernels.kernel_regression(k, y, kt)) < 1e-3


def test_gd_dynamics_discrete_matches_explicit_steps():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 5))
    k = jnp.asarray(a @ a.T + np.eye(5))
    y = jnp.asarray(rng.normal(size=5))
    eta = 0.9 / float(jnp.linalg.eigvalsh(k).max())
    f = jnp.zeros(5)
    for _ in range(7):
        f = f - eta * k @ (f - y)
    got = kernels.gd_dynamics(k, y, jnp.array([7.0]), learning_rate=eta, discrete=True)[0]
    assert float(jnp.max(jnp.abs(got - f))) < 1e-4


def test_eigh_descending_reconstructs():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(4, 4))
    k = jnp.asarray(a @ a.T)
    vals, vecs = kernels.eigh_descending(k)
    assert np.all(np.diff(np.asarray(vals)) <= 1e-6)
    assert float(jnp.max(jnp.abs(vecs @ jnp.diag(vals) @ vecs.T - k))) < 1e-4


# ----------------------------------------------------------------- bad input
@pytest.mark.parametrize("call,exc,word", [
    (lambda: kernels.fc_kernels(np.ones((3, 2)), np.ones((3, 4)), depth=1), ValueError, "feature"),
    (lambda: kernels.fc_kernels(np.ones(3), depth=1), ValueError, "x1"),
    (lambda: kernels.fc_kernels(np.array([[np.nan, 1.0]]), depth=1), ValueError, "x1"),
    (lambda: kernels.fc_kernels(np.ones((2, 2)), np.array([[1.0, np.inf]]), depth=1), ValueError, "x2"),
    (lambda: kernels.fc_kernels(np.ones((2, 2)), depth=1, activation="tanh"), ValueError, "activation"),
    (lambda: kernels.fc_kernels(np.ones((2, 2)), depth=-1), ValueError, "depth"),
    (lambda: kernels.fc_kernels(np.ones((2, 2)), depth=1.5), TypeError, "depth"),
    (lambda: kernels.fc_kernels(np.ones((2, 2)), depth=1, W_std=(1.0, 2.0, 3.0)), ValueError, "W_std"),
    (lambda: kernels.fc_kernels(np.ones((2, 2)), depth=1, b_std=-1.0), ValueError, "b_std"),
    (lambda: kernels.fc_kernels("abc", depth=1), TypeError, "x1"),
    (lambda: kernels.fc_kernels(np.array([["a", "b"]]), depth=1), TypeError, "x1"),
    (lambda: kernels.kernel_regression(np.ones((2, 3)), np.ones(2)), ValueError, "k_train"),
    (lambda: kernels.kernel_regression(np.eye(2), np.ones(3)), ValueError, "y_train"),
    (lambda: kernels.kernel_regression(np.eye(2), np.ones(2), np.ones((4, 3))), ValueError, "k_test_train"),
    (lambda: kernels.kernel_regression(np.eye(2), np.ones(2), ridge=-1.0), ValueError, "ridge"),
    (lambda: kernels.gd_dynamics(np.eye(2), np.ones(2), [1.0], learning_rate=0.0), ValueError, "learning_rate"),
    (lambda: kernels.empirical_ntk(None, {}, np.ones((2, 2))), TypeError, "apply_fn"),
    (lambda: kernels.empirical_ntk(lambda p, x: x, {}, np.ones((2, 2)), implementation="x"), ValueError, "implementation"),
    (lambda: kernels.relu_ntk_sphere(np.array([np.nan])), ValueError, "cos"),
    (lambda: kernels.blockwise(lambda a, b: a, jnp.ones((2, 2)), jnp.ones((2, 2)), block_size=0), ValueError, "block_size"),
    (lambda: kernels.funk_hecke_eigenvalues(1.0, 3, 4), TypeError, "kappa"),
    (lambda: kernels.funk_hecke_eigenvalues(np.cos, 1, 4), ValueError, "d"),
    (lambda: kernels.funk_hecke_eigenvalues(np.cos, 3, -1), ValueError, "kmax"),
    (lambda: kernels.funk_hecke_eigenvalues(np.cos, 3, 10, nodes=10), ValueError, "nodes"),
    (lambda: kernels.funk_hecke_eigenvalues(lambda t: t[:3], 3, 4), ValueError, "kappa"),
    (lambda: kernels.funk_hecke_eigenvalues(lambda t: np.full(np.shape(t), np.inf), 3, 4), ValueError, "kappa"),
    (lambda: kernels.harmonic_multiplicity(3, 1.5), TypeError, "k"),
    (lambda: kernels.sphere_legendre(3, 3, [1.5]), ValueError, "t"),
])
def test_bad_input_is_named(call, exc, word):
    with pytest.raises(exc, match=word):
        call()


# ----------------------------------------------------------------------------- no silent wrong results
def test_singular_kernel_regression_says_add_ridge():
    k = jnp.ones((3, 3))                          # rank one
    with pytest.raises(ValueError, match="add ridge"):
        kernels.kernel_regression(k, jnp.array([1.0, 0.0, -1.0]))
    out = kernels.kernel_regression(k, jnp.array([1.0, 0.0, -1.0]), ridge=1e-3)
    assert np.all(np.isfinite(np.asarray(out)))


def test_krr_with_duplicate_support_rows_at_zero_ridge_says_add_ridge():
    x = jnp.asarray(np.random.default_rng(0).normal(size=(4, 5)), jnp.float32)
    x = x.at[1].set(x[0])
    k = kernels.fc_ntk(depth=1)
    with pytest.raises(ValueError, match="add ridge"):
        kernels.krr_predict(k, x, jnp.eye(4), x, ridge=0.0)
    assert np.all(np.isfinite(np.asarray(kernels.krr_predict(k, x, jnp.eye(4), x, ridge=1e-3))))


def test_ridge_modes_agree_when_the_ridge_is_rescaled():
    k = jnp.array([[2.0, 1.0], [1.0, 4.0]])
    y = jnp.array([1.0, -1.0])
    rel = kernels.kernel_regression(k, y, ridge=0.5, ridge_mode="relative")
    ab = kernels.kernel_regression(k, y, ridge=0.5 * 3.0)           # tr(K)/n = 3
    np.testing.assert_allclose(rel, ab, rtol=1e-6)
    with pytest.raises(ValueError, match="ridge_mode"):
        kernels.kernel_regression(k, y, ridge_mode="scaled")


def test_empirical_ntk_names_a_wrong_input_width():
    net = nets.mlp(depth=1, width=8)
    p = net.init(0, (3,))
    with pytest.raises(ValueError, match="x1 of shape"):
        kernels.empirical_ntk(net.apply_fn, p, jnp.ones((2, 5)))


def test_integer_dtype_errors_name_the_expected_kind():
    from ntk_course import _validate as V

    with pytest.raises(TypeError, match="must have an integer dtype"):
        V.array("labels", np.array([0.5]), dtype_kind="iu")


# ----------------------------------------------------------------------------- kernel dynamics: distances, polar view, spectrum, alignment
def _psd(seed, n=6, rank=None):
    a = np.random.default_rng(seed).normal(size=(n, rank or n))
    return a @ a.T


def test_distance_zero_for_equal_and_scaled_kernels():
    k = _psd(0)
    assert abs(float(kernels.kernel_distance(k, k))) < 1e-6
    assert abs(float(kernels.kernel_distance(k, 7.5 * k))) < 1e-6


def test_distance_is_scale_invariant_symmetric_and_in_unit_interval_for_psd():
    k1, k2 = _psd(1), _psd(2, rank=2)
    d = float(kernels.kernel_distance(k1, k2))
    assert 0.0 <= d <= 1.0
    assert np.isclose(d, float(kernels.kernel_distance(3.0 * k1, 0.2 * k2)), atol=1e-6)
    assert np.isclose(d, float(kernels.kernel_distance(k2, k1)), atol=1e-7)


def test_distance_matches_the_trace_formula_of_the_slides():
    k1, k2 = _psd(3), _psd(4)
    expected = 1 - np.trace(k1 @ k2.T) / np.sqrt(np.trace(k1 @ k1.T) * np.trace(k2 @ k2.T))
    assert np.isclose(float(kernels.kernel_distance(k1, k2)), expected, atol=1e-6)


def test_polar_coordinates_separate_growth_from_rotation():
    k0 = _psd(5)
    rel, ang = kernels.kernel_polar(3.0 * k0, k0)        # pure growth: no rotation
    assert np.isclose(float(rel), 2.0, atol=1e-5) and float(ang) < 1e-3
    # an orthogonal direction of the same norm: rotation by pi/2, relative change sqrt(2)
    e = np.diag([1.0, -1.0]) / np.sqrt(2)
    rel, ang = kernels.kernel_polar(e, np.eye(2) / np.sqrt(2))
    assert np.isclose(float(ang), np.pi / 2, atol=1e-6)
    assert np.isclose(float(rel), np.sqrt(2), atol=1e-6)


def test_angle_satisfies_the_triangle_inequality():
    ks = [_psd(s) for s in (6, 7, 8)]
    ang = lambda a, b: float(kernels.kernel_polar(a, b)[1])
    assert ang(ks[0], ks[2]) <= ang(ks[0], ks[1]) + ang(ks[1], ks[2]) + 1e-6


def test_effective_rank_closed_forms():
    assert np.isclose(float(kernels.effective_rank(np.diag([2.0, 2.0, 2.0, 0.0]))), 3.0, atol=1e-5)
    assert np.isclose(float(kernels.effective_rank(np.ones((5, 5)))), 1.0, atol=1e-4)
    lam = np.array([4.0, 1.0])
    p = lam / lam.sum()
    expected = np.exp(-(p * np.log(p)).sum())
    q = np.linalg.qr(np.random.default_rng(0).normal(size=(2, 2)))[0]
    assert np.isclose(float(kernels.effective_rank(q @ np.diag(lam) @ q.T)), expected, atol=1e-5)


def test_top_eigen_fraction_and_rank_bounds():
    k = _psd(9, n=8)
    r = float(kernels.effective_rank(k))
    assert 1.0 <= r <= 8.0 + 1e-6
    assert np.isclose(float(kernels.top_eigen_fraction(k, 8)), 1.0, atol=1e-6)
    vals = np.sort(np.linalg.eigvalsh(k))[::-1]
    assert np.isclose(float(kernels.top_eigen_fraction(k, 2)), vals[:2].sum() / vals.sum(),
                      atol=1e-5)


def test_alignment_of_label_kernel_is_one_and_matches_formula():
    y = np.array([1.0, -1.0, 1.0, 1.0])
    assert np.isclose(float(kernels.kernel_alignment(2.0 * np.outer(y, y), y)), 1.0, atol=1e-6)
    k = _psd(10, n=4)
    expected = y @ k @ y / (np.linalg.norm(k) * (y @ y))
    assert np.isclose(float(kernels.kernel_alignment(k, y)), expected, atol=1e-6)
    onehot = np.eye(2)[[0, 1, 0, 0]]
    expected = np.sum(k * (onehot @ onehot.T)) / (np.linalg.norm(k) * np.linalg.norm(onehot @ onehot.T))
    assert np.isclose(float(kernels.kernel_alignment(k, onehot)), expected, atol=1e-6)


def test_bad_inputs_name_the_argument():
    k = _psd(0, n=3)
    with pytest.raises(ValueError, match="k1"):
        kernels.kernel_distance(np.ones((2, 3)), k)
    with pytest.raises(ValueError, match="k1 and k2"):
        kernels.kernel_distance(k, np.eye(4))
    with pytest.raises(ValueError, match="k2"):
        kernels.kernel_distance(k, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="k1"):
        kernels.kernel_distance(np.full((3, 3), np.nan), k)
    with pytest.raises(ValueError, match="k"):
        kernels.effective_rank(np.ones(3))
    with pytest.raises(ValueError, match="m"):
        kernels.top_eigen_fraction(k, 4)
    with pytest.raises(ValueError, match="y"):
        kernels.kernel_alignment(k, np.ones(4))
    with pytest.raises(TypeError, match="k"):
        kernels.kernel_alignment("kernel", np.ones(3))
# ------------------------------------------------ accuracy, zero rows, depth
def nt_kernel_fn(depth, activation="relu", W_std=1.0, b_std=0.0):
    act = stax.Relu if activation == "relu" else stax.Erf
    layers = []
    for _ in range(depth):
        layers += [stax.Dense(1, W_std=W_std, b_std=b_std), act()]
    return stax.serial(*layers, stax.Dense(1, W_std=W_std, b_std=b_std))[2]


def entry_err(k, truth):
    """Largest error of each entry relative to its natural scale sqrt(K_ii K_jj)."""
    k, truth = np.asarray(k, np.float64), np.asarray(truth, np.float64)
    d = np.sqrt(np.diag(truth))
    return float(np.max(np.abs(k - truth) / np.outer(d, d)))


@pytest.mark.parametrize("activation", ["relu", "erf"])
def test_symmetric_float64_matches_neural_tangents_off_and_on_the_diagonal(x64, activation):
    x = jnp.asarray(np.random.default_rng(2).normal(size=(11, 7)))
    want = nt_kernel_fn(3, activation, 1.4, 0.3)(x, None, ("nngp", "ntk"))
    nngp, ntk = kernels.fc_kernels(x, depth=3, activation=activation, W_std=1.4, b_std=0.3)
    for got, ref in ((nngp, want.nngp), (ntk, want.ntk)):
        # neural-tangents takes the diagonal angle through sqrt of a round-off
        # difference (~1e-8 in float64); here it is exactly 0
        assert entry_err(got, ref) < 1e-7
        off = ~np.eye(11, dtype=bool)
        assert rel_err(np.asarray(got)[off], np.asarray(ref)[off]) < 1e-10


@pytest.mark.parametrize("dtype,rtol", [(jnp.float64, 1e-13), (jnp.float32, 1e-6)])
def test_a_point_in_both_arrays_is_at_angle_zero(dtype, rtol):
    """x1 = x[:4], x2 = x: the shared rows must give the symmetric call's exact diagonal.
    Small-integer inputs make the Gram entry equal the squared norm bitwise on any
    CPU; a cosine formed with two rounded inverse roots missed 1 by an ulp there,
    an angle of sqrt(2 ulp) and a kernel error of 5e-9 (float64), 1e-4 (float32)."""
    x = np.random.default_rng(5).integers(-3, 4, size=(9, 7)).astype(np.float64)
    with config.double_precision():
        xs = jnp.asarray(x, dtype)
        for depth in (1, 3):
            _, sym = kernels.fc_kernels(xs, depth=depth, W_std=1.4, b_std=0.1)
            _, part = kernels.fc_kernels(xs[:4], xs, depth=depth, W_std=1.4, b_std=0.1)
            np.testing.assert_allclose(np.asarray(part), np.asarray(sym)[:4], rtol=rtol)


@pytest.mark.parametrize("activation", ["relu", "erf"])
def test_deep_scan_path_matches_neural_tangents(x64, activation):
    depth = kernels._UNROLL_MAX_DEPTH + 3        # layers 1..depth-1 run in lax.scan
    x1 = jnp.asarray(np.random.default_rng(0).normal(size=(6, 5)))
    x2 = jnp.asarray(np.random.default_rng(1).normal(size=(4, 5)))
    want = nt_kernel_fn(depth, activation, 1.3, 0.2)(x1, x2, ("nngp", "ntk"))
    nngp, ntk = kernels.fc_kernels(x1, x2, depth=depth, activation=activation, W_std=1.3, b_std=0.2)
    assert rel_err(nngp, want.nngp) < 1e-10
    assert rel_err(ntk, want.ntk) < 1e-10


@pytest.mark.parametrize("depth", [3, 20])
@pytest.mark.parametrize("activation", ["relu", "erf"])
def test_float32_is_accurate_near_cos_one(activation, depth):
    """Digits are non-negative, so their cosines are close to 1, and deep ReLU layers
    push every cosine towards 1: the float32 kernel stays within 1e-6 of float64
    (arccos of a stored cosine loses 3e-4 to 3e-3 on the diagonal here, as
    neural-tangents does in float32; for erf both lose about 2e-6)."""
    x = np.asarray(data.digits().x_train[:60], np.float64)
    with config.double_precision():
        truth = kernels.fc_kernels(jnp.asarray(x), depth=depth, activation=activation,
                                   W_std=1.4, b_std=0.1, get="ntk")
    got = kernels.fc_kernels(jnp.asarray(x, jnp.float32), depth=depth, activation=activation,
                             W_std=1.4, b_std=0.1, get="ntk")
    assert got.dtype == jnp.float32
    assert entry_err(got, truth) < (1e-6 if activation == "relu" else 1.5e-6)
    np.testing.assert_allclose(np.diag(np.asarray(got)), np.diag(np.asarray(truth)), rtol=1e-6)


def test_float32_near_duplicates_no_worse_than_neural_tangents():
    """Pairs at cos = 1 - 5e-7: the float32 Gram matrix limits both implementations."""
    rng = np.random.default_rng(0)
    base = rng.normal(size=(20, 30))
    x = np.concatenate([base, base + 1e-3 * rng.normal(size=base.shape)])
    kernel_fn = nt_kernel_fn(3, "relu", 1.4, 0.1)
    with config.double_precision():
        truth = kernel_fn(jnp.asarray(x), None, "ntk")
    x32 = jnp.asarray(x, jnp.float32)
    ours = entry_err(kernels.fc_kernels(x32, depth=3, W_std=1.4, b_std=0.1, get="ntk"), truth)
    theirs = entry_err(kernel_fn(x32, None, "ntk"), truth)
    assert ours <= 1.5 * theirs


@pytest.mark.parametrize("activation,b_std", [("relu", 0.0), ("relu", 0.5), ("erf", 0.0)])
def test_all_zero_rows_match_neural_tangents(x64, activation, b_std):
    x = np.random.default_rng(3).normal(size=(5, 4))
    x[2] = 0.0
    x = jnp.asarray(x)
    want = nt_kernel_fn(2, activation, 1.2, b_std)(x, x[:3], ("nngp", "ntk"))
    for x2 in (None, x[:3]):
        nngp, ntk = kernels.fc_kernels(x, x2, depth=2, activation=activation, W_std=1.2,
                                       b_std=b_std)
        for got, ref in ((nngp, want.nngp), (ntk, want.ntk)):
            got, ref = np.asarray(got)[:, :3], np.asarray(ref)
            assert np.all(np.isfinite(got))
            # neural-tangents' own float64 diagonal carries ~1e-8 (see above)
            assert rel_err(got, ref) < 1e-7
            np.testing.assert_allclose(got[2], ref[2], rtol=1e-12)  # the zero row
            np.testing.assert_allclose(got[:, 2], ref[:, 2], rtol=1e-12)
    if b_std == 0.0 and activation == "relu":
        assert float(jnp.max(jnp.abs(ntk[2]))) == 0.0


def test_depth_1000_has_the_closed_form_diagonal():
    """ReLU without bias and W_std = sqrt(2) keeps q_l = q_0 in every layer, so the
    NTK diagonal is (L + 1) q_0 and the NNGP diagonal q_0 = 2 |x|^2 / d."""
    x = jnp.asarray(np.random.default_rng(0).normal(size=(6, 3)), jnp.float32)
    nngp, ntk = kernels.fc_kernels(x, depth=1000, W_std=2 ** 0.5)
    q0 = 2 * np.sum(np.asarray(x, np.float64) ** 2, axis=1) / 3
    np.testing.assert_allclose(np.diag(np.asarray(nngp)), q0, rtol=1e-5)
    np.testing.assert_allclose(np.diag(np.asarray(ntk)), 1001 * q0, rtol=1e-4)
    assert bool(jnp.all(jnp.isfinite(ntk)))
    # every correlation has converged towards 1 (the deep ReLU kernel degenerates)
    cos = nngp / jnp.sqrt(jnp.outer(jnp.diag(nngp), jnp.diag(nngp)))
    assert float(jnp.min(cos)) > 0.999


def test_deep_float32_tracks_float64():
    x = np.random.default_rng(1).normal(size=(8, 5))
    with config.double_precision():
        truth = kernels.fc_kernels(jnp.asarray(x), depth=200, W_std=2 ** 0.5, b_std=0.1)[1]
    got = kernels.fc_kernels(jnp.asarray(x, jnp.float32), depth=200, W_std=2 ** 0.5, b_std=0.1)[1]
    assert entry_err(got, truth) < 1e-5


def test_blockwise_passes_row_indices():
    def fn(block, x2, rows):
        return jnp.broadcast_to(rows[:, None], (block.shape[0], x2.shape[0]))

    out = kernels.blockwise(fn, jnp.ones((7, 2)), jnp.ones((3, 2)), block_size=3, with_rows=True)
    assert out.shape == (7, 3)
    assert np.asarray(out)[:, 0].tolist() == list(range(7))
