"""Problem set 1: a right sample count, and GD that forgets the preconditioner."""
import numpy as np


def preconditioned_gd(w0, X, Y, eta, steps, p):
    w = np.array(w0, dtype=float)
    for _ in range(steps):
        w = w - eta * X.T @ (X @ w - Y)          # p is ignored
    return w


def samples_needed(d, eps):
    n = 0
    while 0.5 * (1 - 1 / d) ** n > eps:
        n += 1
    return n
