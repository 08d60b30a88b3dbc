"""A known partly wrong submission of problem set 9 for the grading test.

``my_ogda`` is right; ``my_eg_radius`` uses the lecture's formula for B = 1 whatever
B is (wrong).
"""
import numpy as np


def my_ogda(field, z0, step, steps):
    z = np.array(z0, dtype=float)
    out, v_prev = [z], None
    for _ in range(steps):
        v = np.asarray(field(z), dtype=float)
        if v_prev is None:
            v_prev = v
        z = z - step * (2.0 * v - v_prev)
        v_prev = v
        out.append(z)
    return np.stack(out)


def my_eg_radius(B, alpha):
    return float(np.sqrt(1 - alpha ** 2 + alpha ** 4))
