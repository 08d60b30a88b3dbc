"""A known partly wrong submission of problem set 7 for the grading test.

``my_robust_direction`` returns the accurate direction theta, not the robust one
(wrong); ``my_bayes_alpha`` is right.
"""
import numpy as np


def my_robust_direction(theta, eps):
    return np.asarray(theta, dtype=float)


def my_bayes_alpha(p, eta, d):
    return float(np.log(p / (1 - p)) / (2 * eta * d))
