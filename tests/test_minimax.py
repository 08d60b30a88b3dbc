"""Tests of ntk_course.minimax: iteration matrices, closed forms, examples, checks."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ntk_course import minimax as mm

ONE_STEP = ("gda", "ppm", "eg", "eg_plus")
TWO_STEP = ("eg_seed", "ogda", "rfbs")


@pytest.mark.parametrize("method", ONE_STEP + TWO_STEP)
def test_iterates_match_iteration_matrix(method):
    g = mm.bilinear()
    a = 0.3
    z0 = np.array([0.7, -0.4])
    traj = mm.run(g, method, z0, step=a, steps=6)
    M = mm.bilinear_matrix(method, a)
    if method in ONE_STEP:
        want = [z0]
        for _ in range(6):
            want.append(M @ want[-1])
        want = np.array(want)
    else:
        s = np.concatenate([z0, z0])
        want = [z0]
        for _ in range(6):
            s = M @ s
            want.append(s[:2])
        want = np.array(want)
    np.testing.assert_allclose(traj, want, atol=2e-5)


@pytest.mark.parametrize("method", mm.METHODS)
def test_spectral_radius_closed_form(method):
    for a in (0.05, 0.3, 0.49, 0.55, 0.9, 1.4):
        assert mm.spectral_radius_closed_form(method, a) == pytest.approx(
            mm.bilinear_spectral_radius(method, a), rel=1e-9)


def test_thresholds():
    rad = lambda m: (lambda a: mm.bilinear_spectral_radius(m, a))
    assert np.isnan(mm.stability_threshold(rad("gda")))
    assert mm.stability_threshold(rad("ppm")) == 3.0
    assert mm.stability_threshold(rad("eg")) == pytest.approx(1.0, abs=1e-7)
    assert mm.stability_threshold(rad("ogda")) == pytest.approx(1 / np.sqrt(3), abs=1e-7)


def test_ogda_rfbs_agree_on_linear_field_only():
    z0 = np.array([0.3, 0.2])
    a = mm.run(mm.bilinear(), "ogda", z0, step=0.2, steps=5)
    b = mm.run(mm.bilinear(), "rfbs", z0, step=0.2, steps=5)
    np.testing.assert_allclose(a, b, atol=1e-6)
    g = mm.almost_bilinear(1.0)
    a = mm.run(g, "ogda", np.array([1.0, 1.0]), step=0.2, steps=5)
    b = mm.run(g, "rfbs", np.array([1.0, 1.0]), step=0.2, steps=5)
    assert np.abs(a - b).max() > 1e-3


def test_ppm_solves_implicit_equation():
    g = mm.almost_bilinear(0.5)
    z = np.array([0.8, -0.3])
    w = mm.run(g, "ppm", z, step=0.4, steps=1)[-1]
    np.testing.assert_allclose(w + 0.4 * g.field(w), z, atol=1e-5)


def test_field_finite_differences():
    g = mm.forsaken(0.45)
    z = np.array([0.3, -0.2])
    h = 1e-3
    num = [(g.value(z + h * e) - g.value(z - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(g.field(z), [num[0], -num[1]], atol=2e-3)


def test_flow_conserves_norm_on_bilinear():
    traj = mm.flow(mm.bilinear(), [1.0, 0.0], time=10.0, dt=0.01)
    np.testing.assert_allclose(np.linalg.norm(traj, axis=1), 1.0, atol=1e-4)


def test_almost_bilinear_cycle_small_eps():
    # Rayleigh's equation: amplitude 2/sqrt(3) and period 2 pi as eps -> 0
    traj = mm.flow(mm.almost_bilinear(0.05), [0.5, 0.0], time=400.0, dt=0.02)
    fit = mm.limit_cycle(traj, dt=0.02, tail=0.2)
    assert fit.amplitude[0] == pytest.approx(2 / np.sqrt(3), rel=0.02)
    assert fit.period == pytest.approx(2 * np.pi, rel=0.01)


def test_slide_version_attracts_origin():
    traj = mm.flow(mm.almost_bilinear(0.5, player="x"), [0.3, 0.0], time=40.0)
    assert np.linalg.norm(traj[-1]) < 1e-3


def test_critical_points_and_nash():
    g = mm.weird_saddle()
    cps = mm.critical_points(g, [[0.1, 0.1], [1.0, 0.6]])
    assert len(cps) == 2
    assert mm.is_local_nash(g, [0.0, 0.0])
    hyp = cps[np.argmax(np.abs(cps).sum(1))]
    assert hyp[0] * hyp[1] == pytest.approx(0.5, abs=1e-4)
    assert not mm.is_local_nash(g, hyp)
    assert mm.second_order_conditions(g, hyp) == (False, True)
    m = mm.monkey_saddle()
    assert mm.second_order_conditions(m, [0.0, 0.0]) == (True, True)
    assert not mm.is_local_nash(m, [0.0, 0.0])


def test_limit_cycle_of_circle():
    t = np.linspace(0, 20 * np.pi, 20001)
    traj = np.stack([2 + 3 * np.cos(t), 3 * np.sin(t)], 1)
    fit = mm.limit_cycle(traj, dt=t[1] - t[0])
    assert fit.period == pytest.approx(2 * np.pi, rel=1e-3)
    np.testing.assert_allclose(fit.center, [2, 0], atol=1e-3)
    np.testing.assert_allclose(fit.amplitude, [3, 3], atol=1e-3)


def test_weak_minty():
    pts = np.random.default_rng(0).uniform(-1, 1, size=(500, 2))
    assert mm.weak_minty_rho(mm.bilinear(), [0, 0], pts) == 0.0
    # near the origin V(z) = B z with B = [[0, 1], [-1, -eps]]: <Bz, z> = -eps y^2 and
    # |Bz|^2 = y^2 + (x + eps y)^2, so the worst ratio is -eps (on the line x = -eps y)
    eps = 0.5
    line = np.stack([-eps * np.linspace(-1e-3, 1e-3, 11), np.linspace(-1e-3, 1e-3, 11)], 1)
    rho = mm.weak_minty_rho(mm.almost_bilinear(eps), [0, 0], np.concatenate([1e-3 * pts, line]))
    assert rho == pytest.approx(-eps, rel=0.01)


def test_danskin_abs():
    assert mm.danskin_directional_derivative([[-1.0], [1.0]], [1.0]) == 1.0
    assert mm.danskin_directional_derivative([[-1.0], [1.0]], [-1.0]) == 1.0


def test_bad_inputs():
    with pytest.raises(ValueError, match="method"):
        mm.run(mm.bilinear(), "adam", [1.0, 0.0], step=0.1, steps=2)
    with pytest.raises(ValueError, match="step"):
        mm.run(mm.bilinear(), "gda", [1.0, 0.0], step=-0.1, steps=2)
    with pytest.raises(ValueError, match="z0"):
        mm.run(mm.bilinear(), "gda", [[1.0, 0.0]], step=0.1, steps=2)
    with pytest.raises(ValueError, match="z0"):
        mm.run(mm.bilinear(), "gda", [np.nan, 0.0], step=0.1, steps=2)
    with pytest.raises(TypeError, match="g"):
        mm.run("bilinear", "gda", [1.0, 0.0], step=0.1, steps=2)
    with pytest.raises(TypeError, match="phi"):
        mm.game(3, 1)
    with pytest.raises(ValueError, match="direction"):
        mm.danskin_directional_derivative([[1.0, 2.0]], [1.0])
    with pytest.raises(ValueError, match="points"):
        mm.weak_minty_rho(mm.bilinear(), [0, 0], np.ones((3, 3)))


# ----------------------------------------------------------------------------- precision and bad inputs
def test_ppm_does_not_freeze_near_the_origin():
    # the contraction of PPM on x*y is 1/sqrt(1 + a^2) per step
    traj = mm.run(mm.bilinear(), "ppm", np.array([1e-7, 0.0]), step=0.5, steps=50)
    want = 1e-7 * (1 + 0.25) ** -25
    assert np.linalg.norm(traj[-1]) == pytest.approx(want, rel=1e-3)


def test_float64_games_find_critical_points_to_1e_9():
    from ntk_course import config

    g = mm.forsaken(0.5)

    def newton_reference(z):            # float64 Newton with the analytic Jacobian
        d1 = lambda u: u / 2 - 2 * u ** 3 + u ** 5
        d2 = lambda u: 0.5 - 6 * u ** 2 + 5 * u ** 4
        for _ in range(100):
            x, y = z
            v = np.array([y - 0.5 + d1(x), -x + d1(y)])
            J = np.array([[d2(x), 1.0], [-1.0, d2(y)]])
            z = z - np.linalg.solve(J, v)
        return z

    starts = np.array([[0.0, 0.3], [0.5, 0.5]])
    with config.double_precision():
        found = mm.critical_points(g, starts)
        assert found.dtype == np.float64
        field = np.linalg.norm(g.field(found[0]))
    for z in found:
        ref = newton_reference(z.copy())
        assert np.abs(z - ref).max() < 1e-9
    assert field < 1e-12
    # PPM's fixed point (the origin of x*y) is reached to 1e-9 in float64 too
    with config.double_precision():
        end = mm.run(mm.bilinear(), "ppm", np.array([1.0, 0.0]), step=2.0, steps=40)[-1]
    assert np.abs(end).max() < 1e-9


def test_minimax_bad_inputs_raise():
    g = mm.bilinear()
    with pytest.raises(ValueError, match="tol"):
        mm.stability_threshold(lambda a: mm.bilinear_spectral_radius("eg", a), tol=0)
    with pytest.raises(ValueError, match="z must have m \\+ n = 2 coordinates"):
        g.field(np.ones(3))
    with pytest.raises(ValueError, match="z must have at least m \\+ 1"):
        g.field(np.ones(1))
    custom = mm.game(lambda z: z[0] * z[2], 1)          # reads a third coordinate
    with pytest.raises(ValueError, match="reads beyond"):
        custom.field(np.ones(2))
    with pytest.raises(ValueError, match="multiple of every \\* dt"):
        mm.flow(g, [1.0, 0.0], time=0.01, dt=1.0)
    with pytest.raises(ValueError, match="multiple"):
        mm.flow(g, [1.0, 0.0], time=1.5, dt=1.0)


def test_run_documents_divergence_with_nan_rows():
    traj = mm.run(mm.bilinear(), "gda", np.array([1.0, 0.0]), step=10.0, steps=20)
    first = int(np.isnan(traj[:, 0]).argmax())
    assert 0 < first < 20 and np.all(np.isnan(traj[first:]))
    assert np.all(np.isfinite(traj[:first]))


# ----------------------------------------------------------------------------- min-norm and DDi
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
    lam = np.asarray(mm.min_norm_simplex(G, iters=3000), dtype=float)
    assert _kkt(G, lam, 1e-3 * np.trace(G @ G.T))


def test_min_norm_two_points_closed_form():
    # the min-norm point of a segment [a, b]: t = <b, b - a> / |b - a|^2
    a, b = np.array([2.0, 1.0]), np.array([-1.0, 2.0])
    t = b @ (b - a) / ((b - a) @ (b - a))
    lam = np.asarray(mm.min_norm_simplex(np.stack([a, b])))
    np.testing.assert_allclose(lam, [t, 1 - t], atol=1e-4)


def test_project_simplex():
    v = jnp.array([0.3, 1.2, -0.5, 0.4])
    p = np.asarray(mm.project_simplex(v))
    assert abs(p.sum() - 1) < 1e-6 and p.min() >= 0
    # optimality: p = max(v - theta, 0) with one theta on the support
    theta = (np.asarray(v) - p)[p > 0]
    np.testing.assert_allclose(theta, theta[0], atol=1e-6)


def test_ddi_equals_gradient_when_maximizers_coincide():
    g = {"w": jnp.arange(6.0).reshape(2, 3), "b": jnp.array([1.0, -2.0])}
    stacked = jax.tree_util.tree_map(lambda l: jnp.stack([l] * 4), g)
    d, lam = mm.ddi_direction(stacked)
    np.testing.assert_allclose(d["w"], g["w"], rtol=1e-5)
    np.testing.assert_allclose(d["b"], g["b"], rtol=1e-5)
    assert abs(float(lam.sum()) - 1) < 1e-5


def test_ddi_is_descent_for_every_gradient():
    G = jnp.array([[-1.0, 1.0], [1.0, 1.0], [0.2, 2.0]])
    d, _ = mm.ddi_direction(G)
    np.testing.assert_allclose(d, [0.0, 1.0], atol=1e-4)
    assert float((G @ d).min()) >= float(d @ d) - 1e-4


def test_batched_value_and_field_equal_the_pointwise_ones():
    g = mm.weird_saddle()
    pts = np.random.default_rng(0).uniform(-1.5, 1.5, size=(7, 2))
    np.testing.assert_allclose(g.value(pts), [g.value(p) for p in pts], rtol=1e-6)
    np.testing.assert_allclose(g.field(pts), [g.field(p) for p in pts], rtol=1e-6)
    assert g.value(pts).shape == (7,) and g.field(pts).shape == (7, 2)
    with pytest.raises(ValueError, match="z"):
        g.value(np.zeros((3, 5)))                 # wrong number of coordinates
    with pytest.raises(ValueError, match="z"):
        g.field(np.full((2, 2), np.nan))


@pytest.mark.parametrize("method", mm.METHODS)
def test_run_gives_the_numbers_of_step_map(method):
    # run skips step_map's checks on its inner points: the iterates must not change
    g = mm.forsaken(0.45)
    z0 = np.array([0.6, -0.3])
    traj = mm.run(g, method, z0, step=0.05, steps=20)
    z, prev = z0, z0
    for k in range(20):
        z, prev = mm.step_map(g, method, z, prev, 0.05), z
        np.testing.assert_array_equal(traj[k + 1], z)
