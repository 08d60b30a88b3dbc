"""Problem set 2: a readout that forgets the factor k, and a right least-squares fit."""
import numpy as np

from ntk_course import toy_models as tm


def readout(W, start, table, d):
    q, k = W.shape
    u = np.zeros((d - k + 1, q))
    index = tm.pattern_index(np.sign(W))
    for p in range(2 ** k):
        u[start, np.flatnonzero(index == p)[0]] = table[p]      # should be k * table[p]
    return u


def fit_readout(W, b, x, y):
    k = W.shape[1]
    windows = np.stack([x[:, j:j + k] for j in range(x.shape[1] - k + 1)], axis=1)
    features = np.maximum(windows @ W.T + b, 0.0).astype(np.float64)
    u, *_ = np.linalg.lstsq(features.reshape(len(x), -1), y.astype(np.float64), rcond=None)
    return u.reshape(-1, W.shape[0])
