"""claims, config, stats, plotting and the shared checker tools."""
import numpy as np
import pytest

from ntk_course import checks, claims, config, plotting, stats


def test_claims_pass_and_fail(capsys):
    assert claims.close("pi", 3.14159, np.pi, atol=1e-4) is None  # nothing for Jupyter to echo
    assert "✓ pi: 3.142" in capsys.readouterr().out
    with pytest.raises(claims.ClaimError, match="✗ too big"):
        claims.less("too big", 2.0, 1.0)
    with pytest.raises(claims.ClaimError):
        claims.between("outside", 5, 0, 1)
    with pytest.raises(claims.ClaimError):
        claims.greater("not greater", 1, 1)
    with pytest.raises(claims.ClaimError):
        claims.holds("false", False)
    with pytest.raises(claims.ClaimError, match="nan"):
        claims.less("nan never passes", float("nan"), 1.0)
    with pytest.raises(TypeError, match="scalar"):
        claims.close("array", np.ones(2), 1.0)
    assert claims.history()[-1] == ("nan never passes", False)


def test_claims_rtol():
    claims.close("rel", 101.0, 100.0, rtol=0.02)
    with pytest.raises(claims.ClaimError):
        claims.close("rel", 103.0, 100.0, rtol=0.02)


def test_config_profiles(monkeypatch):
    monkeypatch.setenv("NTK_COURSE_SCALE", "full")
    assert config.scale(quick=1, full=2) == 2
    monkeypatch.setenv("NTK_COURSE_SCALE", "quick")
    assert config.scale(quick=1, full=2) == 1
    assert "profile=quick" in config.device_report()
    monkeypatch.setenv("NTK_COURSE_SCALE", "huge")
    with pytest.raises(ValueError, match="NTK_COURSE_SCALE"):
        config.profile()
    monkeypatch.delenv("NTK_COURSE_SCALE")
    assert config.profile() == "quick"  # the CPU has no accelerator


def test_power_law_fit_recovers_exponent():
    rng = np.random.default_rng(0)
    x = np.array([16, 32, 64, 128, 256])
    y = 3.0 * x[:, None] ** -0.5 * np.exp(rng.normal(scale=0.05, size=(5, 8)))
    fit = stats.power_law_fit(x, y)
    assert fit.exponent == pytest.approx(-0.5, abs=0.05)
    assert fit.low < -0.5 < fit.high
    assert fit.prefactor == pytest.approx(3.0, rel=0.2)
    with pytest.raises(ValueError, match="positive"):
        stats.power_law_fit([1, 2], [1, -1])
    with pytest.raises(ValueError, match="length"):
        stats.power_law_fit([1, 2, 3], [1, 2])


def test_plotting_helpers_draw():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plotting.use_style()
    fig, ax = plt.subplots()
    fit = stats.power_law_fit([1, 2, 4], [1, 0.5, 0.25])
    plotting.loglog_with_fit(ax, [1, 2, 4], [1, 0.5, 0.25], fit, label="y")
    assert len(ax.lines) == 2
    fig2 = plt.figure()
    axes = plotting.image_grid(fig2, np.zeros((3, 4)), rows=1, cols=3, shape=(2, 2))
    assert axes.shape == (1, 3)
    plt.close("all")


def test_checkers_accept_right_and_reject_wrong():
    assert checks.check_value("v", [1.0, 2.0], [1.0, 2.0])
    assert not checks.check_value("v", [1.0, 2.5], [1.0, 2.0])
    assert not checks.check_value("v", [1.0], [1.0, 2.0])
    assert not checks.check_value("v", "abc", 1.0)
    square = lambda x: x ** 2
    assert checks.check_function("f", square, square, [(1.0,), (np.arange(3.0),)])
    assert not checks.check_function("f", lambda x: x ** 3, square, [(2.0,)])

    def broken(x):
        raise RuntimeError("oops")

    verdict = checks.check_function("f", broken, square, [(2.0,)])
    assert not verdict and "oops" in verdict.message

    def todo(x):
        raise NotImplementedError

    assert "not implemented" in checks.check_function("f", todo, square, [(2.0,)]).message


def test_every_submodule_is_reachable_as_an_attribute():
    import ntk_course

    assert {"kernels", "nets", "checks", "minimax"} <= set(ntk_course._SUBMODULES)
    for name in ntk_course._SUBMODULES:
        assert getattr(ntk_course, name).__name__ == f"ntk_course.{name}"
