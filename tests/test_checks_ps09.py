"""Problem set 9 checkers accept right answers and reject wrong ones."""
import numpy as np

from ntk_course import minimax
from ntk_course.checks import ps09

A = np.array([[0.0, 1.0], [-1.0, 0.0]])


def test_eg_matrix():
    assert ps09.eg_matrix(lambda a: np.eye(2) - a * A + a * a * A @ A)
    assert not ps09.eg_matrix(lambda a: np.eye(2) - a * A)          # that is GDA
    assert not ps09.eg_matrix(lambda a: 1 / 0)


def test_ogda_threshold():
    assert ps09.ogda_threshold(1 / np.sqrt(3))
    assert not ps09.ogda_threshold(0.5)


def right_field(z, eps):
    x, y = z
    return np.array([y, -x - eps * (y - y ** 3)])


def test_field():
    assert ps09.almost_bilinear_field(right_field)
    assert not ps09.almost_bilinear_field(lambda z, e: np.array([z[1], -z[0]]) + e * 0)
    assert not ps09.almost_bilinear_field(lambda z, e: -right_field(z, e))


def test_amplitude():
    assert ps09.rayleigh_amplitude(2 / np.sqrt(3))
    assert not ps09.rayleigh_amplitude(1.0)


def right_rho(V, zs, pts):
    r = [np.asarray(V(z)) @ (z - zs) / (np.asarray(V(z)) @ np.asarray(V(z))) for z in pts]
    return min(r)


def test_weak_minty():
    assert ps09.weak_minty(right_rho)
    # the slides' misprint rho |z|^2 gives a different number
    wrong = lambda V, zs, pts: min(np.asarray(V(z)) @ (z - zs) / (z @ z) for z in pts)
    assert not ps09.weak_minty(wrong)
