"""Problem set 2 checkers accept right answers and reject wrong ones."""
import math

import numpy as np

from ntk_course import toy_models as tm
from ntk_course.checks import ps02


def test_preactivation():
    assert ps02.preactivation(lambda h, k: (1 - 2 * h) / k)
    assert not ps02.preactivation(lambda h, k: (k - 2 * h) / k)      # forgot the bias


def test_coverage_probability():
    def right(q, k):
        N = 2 ** k
        return sum((-1) ** j * math.comb(N, j) * (1 - j / N) ** q for j in range(N + 1))

    assert ps02.coverage_probability(right)
    assert not ps02.coverage_probability(lambda q, k: 1 - 2 ** k * (1 - 2 ** -k) ** q)


def test_expected_filters():
    assert ps02.expected_filters(lambda k: 2 ** k * sum(1 / i for i in range(1, 2 ** k + 1)))
    assert not ps02.expected_filters(lambda k: 2 ** k * math.log(2 ** k))


def right_readout(W, start, table, d):
    q, k = W.shape
    u = np.zeros((d - k + 1, q))
    idx = tm.pattern_index(np.sign(W))
    for p in range(2 ** k):
        u[start, np.nonzero(idx == p)[0][0]] = k * table[p]
    return u


def test_readout():
    assert ps02.readout(right_readout)
    assert not ps02.readout(lambda W, start, table, d: right_readout(W, start, table, d) / W.shape[1])
    assert not ps02.readout(lambda W, start, table, d: np.zeros((3, 3)))
