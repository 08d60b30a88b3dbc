"""Adversarial robustness in one namespace: attacks, losses, robust training.

The code lives in three modules, re-exported here under the names the
lectures use:

- :mod:`ntk_course.attacks`: :func:`project`, :func:`fgsm`, :func:`pgd`,
  :func:`margin_attack`, :func:`kernel_predictor`, :func:`kernel_adversary`;
- :mod:`ntk_course.robust_training`: :func:`adversarial_training`,
  :class:`TrainingCurves`, :func:`accuracy`, :func:`robust_accuracy`,
  :func:`robust_accuracy_curve`;
- :mod:`ntk_course.losses`: :func:`cross_entropy`, :func:`kl_divergence`, :func:`margin`;
- :mod:`ntk_course.minimax`: :func:`project_simplex`, :func:`min_norm_simplex`,
  :func:`ddi_direction` (Danskin's descent direction).

>>> import jax.numpy as jnp
>>> fgsm(lambda xa: jnp.sum(xa, axis=1), jnp.full((1, 2), 0.5), eps=0.1).tolist()
[[0.6000000238418579, 0.6000000238418579]]
"""
from __future__ import annotations

from .attacks import NORMS, fgsm, kernel_adversary, kernel_predictor, margin_attack, pgd, project
from .losses import cross_entropy, kl_divergence, margin
from .minimax import ddi_direction, min_norm_simplex, project_simplex
from .robust_training import (
                      TrainingCurves,
                      accuracy,
                      adversarial_training,
                      robust_accuracy,
                      robust_accuracy_curve,
)

__all__ = ["fgsm", "pgd", "project", "cross_entropy", "kl_divergence", "margin", "margin_attack",
           "project_simplex", "min_norm_simplex", "ddi_direction", "accuracy",
           "robust_accuracy", "adversarial_training", "TrainingCurves", "robust_accuracy_curve",
           "kernel_predictor", "kernel_adversary", "NORMS"]
