"""A known partly wrong submission of problem set 11 for the grading test.

``my_label_gradient_alignment`` forgets to center (wrong); ``my_steps_to_fit`` is
right (it simply runs the training).
"""
import numpy as np


def my_label_gradient_alignment(k, labels, n_classes):
    y = np.eye(n_classes)[labels]
    b = y @ y.T
    return float(np.sum(k * b) / (np.linalg.norm(k) * np.linalg.norm(b)))


def my_steps_to_fit(k_train, y_train, eta, tol):
    vals, vecs = np.linalg.eigh(k_train)
    coef = vecs.T @ y_train
    t = 0
    while np.linalg.norm(coef * np.abs(1 - eta * vals) ** t) > tol * np.linalg.norm(y_train):
        t += 1
    return t
