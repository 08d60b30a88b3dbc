"""Checkers for problem set 9 (min-max optimization and its pathologies).

Each checker tests the student's answer on inputs drawn here, against
``ntk_course.minimax``; it prints a verdict and returns a truthy
:class:`~ntk_course.checks.Verdict` when the answer is right.
"""
from __future__ import annotations

import numpy as np

from .. import minimax
from . import Verdict, check_function, check_value

__all__ = ["eg_matrix", "ogda_threshold", "almost_bilinear_field", "rayleigh_amplitude",
           "weak_minty"]


def eg_matrix(student) -> Verdict:
    """``student(alpha)`` -> the 2x2 extragradient iteration matrix on ``min_x max_y xy``."""
    cases = [(a,) for a in (0.1, 0.5, 0.9, 1.3)]
    return check_function("extragradient iteration matrix", student,
                          lambda a: minimax.bilinear_matrix("eg", a), cases, rtol=1e-6,
                          atol=1e-9, hint="Compose z -> z - a A z twice, evaluating the second "
                                          "field at the extrapolated point; A^2 = -I.")


def ogda_threshold(answer) -> Verdict:
    """The largest step for which OGDA converges on the bilinear game."""
    return check_value("OGDA step-size threshold", answer, 1 / np.sqrt(3), rtol=1e-4, atol=1e-6,
                       hint="Set the modulus of the larger root of "
                            "lam^2 - (1 - 2 a i) lam - a i to one.")


def almost_bilinear_field(student) -> Verdict:
    """``student(z, eps)`` -> ``V(z)`` of ``Phi = x y + eps (y^2/2 - y^4/4)`` (``x`` minimizes)."""
    rng = np.random.default_rng(9)
    cases = [(rng.normal(size=2), e) for e in (0.0, 0.1, 0.5, 1.5)]
    return check_function("almost-bilinear game field", student,
                          lambda z, e: minimax.almost_bilinear(e).field(z), cases, rtol=1e-4,
                          atol=1e-5, hint="V = (d Phi/dx, -d Phi/dy): mind the minus sign of "
                                          "the maximizing player.")


def rayleigh_amplitude(answer) -> Verdict:
    """The small-eps amplitude of the limit cycle of the almost-bilinear flow."""
    return check_value("amplitude of the Rayleigh cycle", answer, 2 / np.sqrt(3), rtol=1e-3,
                       hint="Average xdot^2 (1 - xdot^2) over x = a cos t and set it to zero.")


def weak_minty(student) -> Verdict:
    """``student(V, z_star, points)`` -> largest rho with <V(z), z - z*> >= rho |V(z)|^2."""
    rng = np.random.default_rng(4)
    pts = rng.uniform(-2, 2, size=(400, 2))
    games = [(minimax.almost_bilinear(0.3), np.zeros(2)),
             (minimax.forsaken(0.45), minimax.critical_points(minimax.forsaken(0.45),
                                                              [[0.1, 0.4]])[0])]
    cases = [(g.field, zs, pts) for g, zs in games]

    def reference(V, zs, p):
        g = next(g for g, _ in games if g.field == V)
        return minimax.weak_minty_rho(g, zs, p)

    return check_function("weak Minty parameter", student, reference, cases, rtol=1e-3,
                          atol=1e-5, hint="Minimize <V(z), z - z*> / |V(z)|^2 over the points.")
