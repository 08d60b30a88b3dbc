"""A known partly wrong submission of problem set 10 for the grading test.

``my_project_simplex`` is right; ``my_min_norm_weights`` returns uniform weights
(the average gradient, wrong).
"""
import numpy as np


def my_project_simplex(v):
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - 1.0
    r = np.nonzero(u - css / np.arange(1, len(v) + 1) > 0)[0][-1] + 1
    return np.maximum(v - css[r - 1] / r, 0.0)


def my_min_norm_weights(G):
    return np.full(len(G), 1.0 / len(G))
