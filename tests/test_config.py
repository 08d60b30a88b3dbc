"""config: profiles, the smoke rule, build mode."""
import pytest

from ntk_course import config


def test_profiles(monkeypatch):
    monkeypatch.setenv("NTK_COURSE_SCALE", "full")
    assert config.scale(quick=1, full=2) == 2
    monkeypatch.setenv("NTK_COURSE_SCALE", "quick")
    assert config.scale(quick=1, full=2) == 1
    monkeypatch.setenv("NTK_COURSE_SCALE", "smoke")
    assert config.profile() == "smoke" and "profile=smoke" in config.device_report()
    monkeypatch.setenv("NTK_COURSE_SCALE", "huge")
    with pytest.raises(ValueError, match="NTK_COURSE_SCALE"):
        config.profile()


def test_smoke_takes_full_switches_and_quick_sizes(monkeypatch):
    monkeypatch.setenv("NTK_COURSE_SCALE", "smoke")
    quick = dict(n=64, steps=10, widths=[8, 16], lr=0.1, mnist=False, impl="jacobian",
                 data="mnist1d", extra=None, nested=dict(k=2, on=False), pair=(1, 2))
    full = dict(n=4096, steps=1000, widths=[8, 16, 32], lr=0.01, mnist=True, impl="ntvp",
                data="mnist", extra="cifar10", nested=dict(k=5, on=True), pair=(3, 4))
    assert config.scale(quick=quick, full=full) == dict(
        n=64, steps=10, widths=[8, 16], lr=0.1, mnist=True, impl="ntvp", data="mnist",
        extra="cifar10", nested=dict(k=2, on=True), pair=(1, 2))
    assert config.scale(quick=3, full=7) == 3 and config.scale(quick=False, full=True) is True


@pytest.mark.parametrize("profile", ["quick", "smoke", "full"])
def test_quick_and_full_must_have_the_same_keys(monkeypatch, profile):
    monkeypatch.setenv("NTK_COURSE_SCALE", profile)
    with pytest.raises(ValueError, match="only in full: \\['big'\\]"):
        config.scale(quick=dict(n=1), full=dict(n=2, big=True))


def test_build_mode(monkeypatch):
    monkeypatch.setenv("NTK_COURSE_BUILD", "1")
    assert config.build_mode()
    monkeypatch.setenv("NTK_COURSE_BUILD", "0")
    assert not config.build_mode()
    monkeypatch.delenv("NTK_COURSE_BUILD")
    assert not config.build_mode()


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
