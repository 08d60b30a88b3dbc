"""Problem set 11 checkers accept right answers and reject wrong ones."""
import numpy as np
from scipy.stats import norm

from ntk_course.checks import ps11


def test_kernel_distance():
    right = lambda a, b: 1 - np.sum(a * b) / (np.linalg.norm(a) * np.linalg.norm(b))
    assert ps11.kernel_distance(right)
    # a matrix product instead of the Frobenius inner product
    wrong = lambda a, b: 1 - np.trace(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b)) + 0.1
    assert not ps11.kernel_distance(wrong)


def test_robust_accuracy():
    def right(w, mu, sigma, eps):
        nw = np.linalg.norm(w)
        return norm.cdf((w @ mu - eps * nw) / (sigma * nw))

    assert ps11.robust_accuracy(right)
    # the thesis' formula (3.15) adds the error rate
    wrong = lambda w, mu, sigma, eps: right(w, mu, sigma, eps) + norm.cdf(
        -(w @ mu) / (sigma * np.linalg.norm(w)))
    assert not ps11.robust_accuracy(wrong)


def test_rkhs_norm():
    assert ps11.rkhs_norm(lambda k, v: v @ np.linalg.solve(k, v))
    assert not ps11.rkhs_norm(lambda k, v: v @ k @ v)


def test_effective_rank():
    def right(lam):
        p = lam / lam.sum()
        p = p[p > 0]
        return np.exp(-np.sum(p * np.log(p)))

    assert ps11.effective_rank(right)
    assert not ps11.effective_rank(lambda lam: float(np.sum(lam > 0)))
    assert not ps11.effective_rank("not a function")
