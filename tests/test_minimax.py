"""Tests of ntk_course.minimax: iteration matrices, closed forms, examples, checks."""
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
