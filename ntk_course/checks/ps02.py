"""Checkers for problem set 2 (k-patterns).

Each checker tests the student's answer on inputs drawn here, against
``ntk_course.toy_models`` and ``ntk_course.nets``; it prints a verdict and
returns a truthy :class:`~ntk_course.checks.Verdict` when the answer is right.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import nets
from .. import toy_models as tm
from . import Verdict, _report, check_function, check_value

__all__ = ["preactivation", "coverage_probability", "expected_filters", "readout"]


def preactivation(student) -> Verdict:
    """``student(h, k)`` -> pre-activation of a special filter on a pattern at Hamming distance h."""
    cases = [(h, k) for k in (1, 3, 6) for h in range(k + 1)]
    return check_function("pre-activation of the special filters", student,
                          lambda h, k: float(tm.preactivation_values(k)[h]), cases, rtol=1e-9,
                          atol=1e-12, hint="Count +1/k for each agreeing bit, -1/k for each "
                                           "disagreeing bit, then add the bias 1/k - 1.")


def coverage_probability(student) -> Verdict:
    """``student(q, k)`` -> probability that ``q`` uniform filters cover all ``2^k`` patterns."""
    cases = [(q, k) for k, q in [(1, 1), (1, 2), (2, 4), (2, 10), (3, 20), (4, 60), (5, 150)]]
    return check_function("coverage probability", student,
                          lambda q, k: float(tm.coverage_probability(q, k)), cases, rtol=1e-6,
                          atol=1e-9, hint="Inclusion-exclusion over the set of missed patterns: "
                                          "sum_j (-1)^j C(N, j) (1 - j/N)^q.")


def expected_filters(student) -> Verdict:
    """``student(k)`` -> expected number of filters until all ``2^k`` patterns are seen."""
    cases = [(k,) for k in (1, 2, 3, 5, 8)]
    return check_function("expected number of filters", student, tm.expected_filters_to_cover,
                          cases, rtol=1e-9, atol=1e-9,
                          hint="With m patterns seen, a new one arrives after N/(N - m) "
                               "draws on average.")


def readout(student) -> Verdict:
    """``student(W, start, table, d)`` -> readout ``u`` of shape ``(d - k + 1, q)`` such that
    the network of eq. (5) with filters ``W`` (``(q, k)``), bias ``1/k - 1`` computes the
    k-pattern ``table[pattern at start]`` exactly."""
    if not callable(student):
        return _report(False, f"readout: expected a function, got {type(student).__name__}.")
    k, q, d = 3, 40, 12
    net = nets.kpattern_cnn(filters=q, k=k)
    checked = 0
    for seed in range(10):
        if checked == 2:
            break
        params = nets.kpattern_init(net, d=d, k=k, seed=seed)
        (W, b), _, _, (_, u_bias) = params
        W_qk = np.asarray(W)[:, 0, :].T                     # (q, k)
        if len(set(tm.pattern_index(np.sign(W_qk)).tolist())) < 2 ** k:
            continue                                        # the filters must cover all patterns
        checked += 1
        task = tm.kpattern_task(500, d, k, seed=seed + 3)
        try:
            u = np.asarray(student(W_qk, task.start, task.table, d), dtype=np.float32)
        except Exception as err:
            return _report(False, f"readout: your function raised {type(err).__name__}: {err}")
        if u.shape != (d - k + 1, q):
            return _report(False, f"readout: expected shape {(d - k + 1, q)}, got {u.shape}.")
        out = net.apply_fn([(W, b), (), (), (jnp.asarray(u.reshape(-1, 1)), u_bias)],
                           task.x[..., None])
        err = float(np.abs(np.asarray(out)[:, 0] - task.y).max())
        if err > 1e-4:
            return _report(False, f"readout: the network misses the target by up to {err:.3g}. "
                                  "Each hidden unit outputs 1/k on its pattern.")
    return _report(True, "readout: correct, the network computes the k-pattern exactly.")
