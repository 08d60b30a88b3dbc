"""Problem set 4: the residual with the wrong sign (r_0 = +y), and right heavy ball."""
import numpy as np


def mode_components(k, y, eta, t):
    vals, vecs = np.linalg.eigh(k)
    vals, vecs = vals[::-1], vecs[:, ::-1]
    return vecs * ((1 - eta * vals) ** t * (vecs.T @ y))


def heavy_ball(k, y, eta, beta, steps):
    f = f_prev = np.zeros(len(y))
    for _ in range(steps):
        f, f_prev = f - eta * k @ (f - y) + beta * (f - f_prev), f
    return f
