"""A known partly wrong submission of problem set 6 for the grading test.

``my_pgd`` forgets the pixel box (wrong); ``my_robust_logistic_loss`` is right.
"""
import numpy as np


def my_pgd(grad_fn, x, eps, step, steps, rng):
    xa = x + rng.uniform(-eps, eps, size=x.shape)
    for _ in range(steps):
        xa = np.clip(xa + step * np.sign(grad_fn(xa)), x - eps, x + eps)
    return xa


def my_robust_logistic_loss(w, b, x, y, eps):
    margin = y * (x @ w + b) - eps * np.abs(w).sum()
    return float(np.mean(np.logaddexp(0.0, -margin)))
