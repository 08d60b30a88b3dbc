"""Checkers for problem set 6 (adversarial examples and adversarial training).

Each checker calls the student's function on cases the student has not seen and
compares it with a reference written from the lecture's closed forms.

>>> import numpy as np
>>> bool(linear_gain(lambda w, eps, norm: eps * (np.abs(w).sum() if norm == "linf"
...                                              else np.linalg.norm(w))))
✓ worst-case change of a linear score: correct on all 6 test cases.
True
"""
from __future__ import annotations

import numpy as np

from .. import adversarial
from . import Verdict, check_function

__all__ = ["linear_gain", "box_gain", "fgsm_logistic", "kl_divergence", "transfer_rate"]


def _vectors(seed, sizes):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=d) for d in sizes]


def linear_gain(student) -> Verdict:
    """``student(w, eps, norm)`` -> ``max_{|delta| <= eps} w . delta`` for ``norm`` in
    ``{"linf", "l2"}`` (no box)."""
    cases = [(w, eps, norm) for w, eps in zip(_vectors(1, (3, 50, 400)), (0.1, 0.03, 0.5))
             for norm in ("linf", "l2")]

    def reference(w, eps, norm):
        return eps * (np.abs(w).sum() if norm == "linf" else np.sqrt(np.sum(w ** 2)))

    return check_function("worst-case change of a linear score", student, reference, cases,
                          rtol=1e-6, atol=1e-9,
                          hint="The answer is eps times the dual norm of w: which norm is dual "
                               "to l_inf, and which to l_2?")


def box_gain(student) -> Verdict:
    """``student(w, x, eps)`` -> ``max w . delta`` over ``|delta|_inf <= eps`` and
    ``x + delta`` in ``[0, 1]^d``."""
    rng = np.random.default_rng(2)
    cases = []
    for d, eps in ((4, 0.2), (30, 0.05), (200, 0.3)):
        x = rng.uniform(size=d)
        x[: d // 4] = 0.0                       # some pixels sit on the faces of the box
        x[d // 4: d // 2] = 1.0
        cases.append((rng.normal(size=d), x, eps))

    def reference(w, x, eps):
        lo, hi = np.maximum(-eps, -x), np.minimum(eps, 1.0 - x)
        return float(np.sum(np.maximum(w * lo, w * hi)))

    return check_function("worst-case change inside the box", student, reference, cases,
                          rtol=1e-6, atol=1e-9,
                          hint="Each coordinate moves in [max(-eps, -x_i), min(eps, 1 - x_i)]; "
                               "pick the end that makes w_i delta_i largest.")


def fgsm_logistic(student) -> Verdict:
    """``student(w, b, x, y, eps)`` -> the FGSM point for the logistic loss
    ``log(1 + exp(-y (w . x + b)))``, ``y`` in ``{-1, +1}``, clipped to ``[0, 1]``."""
    rng = np.random.default_rng(3)
    cases = []
    for d, y in ((5, 1), (20, -1), (64, 1)):
        w = rng.normal(size=d)
        w[0] = 0.0                               # a coordinate the loss does not see
        cases.append((w, float(rng.normal()), rng.uniform(size=d), y, 0.1))

    def reference(w, b, x, y, eps):
        return np.clip(x - eps * y * np.sign(w), 0.0, 1.0)

    return check_function("FGSM on logistic regression", student, reference, cases,
                          rtol=1e-6, atol=1e-9,
                          hint="The gradient of the loss in x is a negative multiple of y w: "
                               "step along its sign, then clip to the box.")


def kl_divergence(student) -> Verdict:
    """``student(logits_p, logits_q)`` -> per-example ``KL(softmax p || softmax q)``, ``(n,)``."""
    rng = np.random.default_rng(4)
    cases = [(rng.normal(size=(n, c)) * s, rng.normal(size=(n, c)) * s)
             for n, c, s in ((3, 2, 1.0), (10, 10, 3.0), (5, 4, 20.0))]
    reference = lambda a, b: np.asarray(adversarial.kl_divergence(a, b), dtype=float)
    return check_function("KL divergence between softmax outputs", student, reference, cases,
                          rtol=1e-4, atol=1e-5,
                          hint="Use log-softmax (subtract the max before exponentiating) and "
                               "sum p * (log p - log q) over the classes.")


def transfer_rate(student) -> Verdict:
    """``student(pred_clean, pred_adv, labels)`` -> fraction of the correctly classified
    points whose prediction becomes wrong under the perturbation."""
    rng = np.random.default_rng(5)
    cases = []
    for n in (20, 200, 1000):
        labels = rng.integers(0, 10, n)
        clean = np.where(rng.uniform(size=n) < 0.8, labels, rng.integers(0, 10, n))
        adv = np.where(rng.uniform(size=n) < 0.5, clean, rng.integers(0, 10, n))
        cases.append((clean, adv, labels))

    def reference(clean, adv, labels):
        ok = clean == labels
        return float(np.sum(ok & (adv != labels)) / np.sum(ok))

    return check_function("transfer rate", student, reference, cases, rtol=1e-9, atol=1e-12,
                          hint="Divide by the number of points classified correctly *before* "
                               "the perturbation, not by all points.")
