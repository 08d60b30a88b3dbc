"""Problem set 7 checkers accept right answers and reject wrong ones."""
import numpy as np
from scipy.stats import norm

from ntk_course.checks import ps07


def right_robust(w, theta, sigma, eps):
    return norm.cdf((eps * np.abs(w).sum() - w @ theta) / (sigma * np.linalg.norm(w)))


def test_robust_error():
    assert ps07.robust_error(right_robust)
    # Using the l2 norm for the adversary's gain is the typical mistake.
    wrong = lambda w, theta, sigma, eps: norm.cdf((eps * np.linalg.norm(w) - w @ theta)
                                                  / (sigma * np.linalg.norm(w)))
    assert not ps07.robust_error(wrong)


def test_folded_mean():
    right = lambda s: s * np.sqrt(2 / np.pi) * np.exp(-1 / (2 * s * s)) + 1 - 2 * norm.cdf(-1 / s)
    assert ps07.folded_mean(right)
    assert not ps07.folded_mean(lambda s: 1 + s * np.sqrt(2 / np.pi))


def test_tradeoff_cap():
    assert ps07.tradeoff_cap(0.2)
    assert not ps07.tradeoff_cap(0.05)
