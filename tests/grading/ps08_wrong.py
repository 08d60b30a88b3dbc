"""A known partly wrong submission of problem set 8 for the grading test.

``my_centered_usefulness`` is right; ``my_linear_feature_scores`` orders the features
by ascending eigenvalue (wrong).
"""
import numpy as np


def my_centered_usefulness(outputs, y):
    centered = outputs - outputs.mean(axis=0)
    return (y[:, None] * centered).mean(axis=0) / centered.std(axis=0)


def my_linear_feature_scores(x_train, y_train, x_test, y_test, eps):
    vals, vecs = np.linalg.eigh(x_train @ x_train.T)          # ascending: the mistake
    weights = x_train.T @ vecs * ((vecs.T @ y_train) / vals)
    outputs = x_test @ weights
    scale = np.sqrt(np.mean(outputs ** 2, axis=0))
    u = np.mean(y_test[:, None] * outputs, axis=0) / scale
    worst = y_test[:, None] * outputs - eps * np.abs(weights).sum(axis=0)
    return u, np.mean(worst, axis=0) / scale
