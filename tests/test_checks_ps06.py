"""Problem set 6 checkers accept right answers and reject typical wrong ones."""
import numpy as np
from scipy.special import log_softmax

from ntk_course.checks import ps06


def test_linear_gain():
    right = lambda w, eps, norm: eps * (np.abs(w).sum() if norm == "linf" else np.linalg.norm(w))
    assert ps06.linear_gain(right)
    swapped = lambda w, eps, norm: eps * (np.linalg.norm(w) if norm == "linf" else np.abs(w).sum())
    assert not ps06.linear_gain(swapped)


def test_box_gain():
    def right(w, x, eps):
        lo, hi = np.maximum(-eps, -x), np.minimum(eps, 1 - x)
        return np.sum(np.where(w > 0, w * hi, w * lo))

    assert ps06.box_gain(right)
    assert not ps06.box_gain(lambda w, x, eps: eps * np.abs(w).sum())   # ignores the box


def test_fgsm_logistic():
    right = lambda w, b, x, y, eps: np.clip(x - eps * y * np.sign(w), 0, 1)
    assert ps06.fgsm_logistic(right)
    descends = lambda w, b, x, y, eps: np.clip(x + eps * y * np.sign(w), 0, 1)
    assert not ps06.fgsm_logistic(descends)
    assert not ps06.fgsm_logistic(lambda w, b, x, y, eps: x - eps * y * np.sign(w))  # no clip


def test_kl_divergence():
    def right(a, b):
        lp, lq = log_softmax(a, axis=1), log_softmax(b, axis=1)
        return np.sum(np.exp(lp) * (lp - lq), axis=1)

    assert ps06.kl_divergence(right)
    assert not ps06.kl_divergence(lambda a, b: right(b, a))           # wrong direction


def test_transfer_rate():
    def right(clean, adv, labels):
        ok = clean == labels
        return np.mean(adv[ok] != labels[ok])

    assert ps06.transfer_rate(right)
    assert not ps06.transfer_rate(lambda c, a, l: np.mean(a != l))   # plain error rate
    assert not ps06.transfer_rate(lambda c, a, l: 1 / 0)
