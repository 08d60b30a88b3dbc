"""Problem set 1 checkers accept right answers and reject wrong ones."""
import math

import numpy as np

from ntk_course.checks import ps01


def right_gd(w0, X, Y, eta, steps):
    w = np.array(w0, dtype=float)
    for _ in range(steps):
        w = w - eta * X.T @ (X @ w - Y)
    return w


def test_gd_linear():
    assert ps01.gd_linear(right_gd)
    assert not ps01.gd_linear(lambda w0, X, Y, eta, steps: right_gd(w0, X, -Y, eta, steps))
    assert not ps01.gd_linear(lambda *a: 1 / 0)


def test_rotate_first_layer():
    def right(params, U):
        (W1, b1), *rest = params
        return [(U @ W1, b1), *rest]

    def transposed(params, U):
        (W1, b1), *rest = params
        return [(U.T @ W1, b1), *rest]

    assert ps01.rotate_first_layer(right)
    assert not ps01.rotate_first_layer(transposed)
    assert not ps01.rotate_first_layer(lambda params, U: params)
    assert not ps01.rotate_first_layer(None)


def test_unseen_error():
    assert ps01.unseen_error(lambda n, d: 0.5 * (1 - 1 / d) ** n)
    assert not ps01.unseen_error(lambda n, d: max(0.0, 0.5 * (1 - n / d)))


def test_samples_needed():
    right = math.ceil(math.log(0.1) / math.log(1 - 1 / 100))
    assert ps01.samples_needed(right)
    assert not ps01.samples_needed(right - 1)
    assert not ps01.samples_needed("many")
