# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# (ps-ntk-practice)=
# # Problem set 11: NTK tools for practitioners
#
# These problems accompany lecture {ref}`lecture-ntk-practice`. They are worth
# 40 points: 15 checked automatically and 25 graded by hand.
#
# - A problem you answer in code starts with a cell that defines the function
#   you write, with `raise NotImplementedError` in place of its body. Replace that
#   line by your code, run the cell, then run the check cell under it: it calls a
#   checker from `ntk_course.checks.ps11`, which tests your function on inputs
#   you have not seen and shows ✓ or ✗ with a hint. The autograder runs the same
#   checker on further hidden inputs.
# - A proof or an experiment is graded by hand: write it in a markdown cell
#   (proofs) or in code and markdown cells (experiments) under the problem.

# %% tags=["remove-cell"]
# Colab only: install the course package next to Colab's own JAX (never downgrading it).
import sys

if "google.colab" in sys.modules:
    import os
    import subprocess

    os.environ["NTK_COURSE_ALLOW_UNTESTED_JAX"] = "1"
    REPO = "https://github.com/kernels-data-physics/ntk-course"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", f"ntk_course @ git+{REPO}"],
                   check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "neural-tangents==0.6.5"], check=True)


# %%
import numpy as np

from ntk_course import claims
from ntk_course.checks import ps11

# %% [markdown]
# ## Problem 1: label-gradient alignment (5 points)
#
# *Implementation, checked automatically (5 points).*
#
# ```{exercise} The centered alignment score
# :label: ps11-lga
# Write `my_label_gradient_alignment(k, labels, n_classes)` returning the
# label-gradient alignment of the lecture: the alignment {eq}`eq-alignment`, i.e.
# $\langle A, B\rangle_F/(\lVert A\rVert_F\lVert B\rVert_F)$, between the centered kernel
# $A = HKH$ and the centered label Gram matrix $B = (HY)(HY)^\top$, where
# $H = I - \frac1n\mathbf 1\mathbf 1^\top$ and $Y$ is the $(n\times c)$ one-hot matrix of the integer
# `labels` with $c$ = `n_classes`. Why does centering matter for a kernel with a
# large constant component, as the NTK of a ReLU network has?
# ```

# %% tags=["stub"]
def my_label_gradient_alignment(k, labels, n_classes):
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps11-lga
# :class: dropdown
# ```

# %% tags=["solution"]
def my_label_gradient_alignment(k, labels, n_classes):
    k = np.asarray(k, dtype=float)
    n = k.shape[0]
    h = np.eye(n) - 1.0 / n
    hy = h @ np.eye(n_classes)[np.asarray(labels)]
    a, b = h @ k @ h, hy @ hy.T
    return float(np.sum(a * b) / (np.linalg.norm(a) * np.linalg.norm(b)))

# %% [markdown]
# A constant component $c\mathbf 1\mathbf 1^\top$ of the kernel has a large Frobenius
# norm and aligns with the uncentered Gram matrix of any balanced labels (every
# row of $Y$ sums to one), so without centering the score mostly measures the
# constant; $H$ removes it ($H\mathbf 1 = 0$).
#
# ```{solution-end}
# ```

# %% tags=["check"]
ps11.label_gradient_alignment(my_label_gradient_alignment)

# %% [markdown]
# ## Problem 2: the best step for linearized training (10 points)
#
# *Proof, graded by hand (10 points).*
#
# ```{exercise} Beyond $\eta = 1/\lambda_{\max}$
# :label: ps11-step-proof
# {prf:ref}`thm-condition` fixes the step $\eta = 1/\lambda_{\max}$. Let the residual evolve
# as $r_{t+1} = (I - \eta\Theta_0)r_t$ with $\Theta_0$ symmetric positive definite.
#
# (a) Show that $r_t\to0$ for every $r_0$ if and only if $0 < \eta < 2/\lambda_{\max}$.
#
# (b) Show that the worst-case contraction factor
# $q(\eta) = \max_i\lvert1 - \eta\lambda_i\rvert$ is minimized at
# $\eta^\star = 2/(\lambda_{\max} + \lambda_{\min})$, with $q(\eta^\star) = (\kappa - 1)/(\kappa + 1)$.
#
# (c) How many steps does the slowest component need to shrink by a factor $e$ at
# $\eta^\star$, for large $\kappa$, compared with $\eta = 1/\lambda_{\max}$? Does the better step
# change the ranking of architectures by $\kappa$?
# ```
#
# ```{solution} ps11-step-proof
# :class: dropdown
# (a) In the eigenbasis each coordinate is multiplied by $1 - \eta\lambda_i$ per step, so
# $r_t\to0$ for every $r_0$ iff $\lvert1 - \eta\lambda_i\rvert < 1$ for all $i$, i.e.
# $0 < \eta\lambda_i < 2$; the binding constraint is $\lambda_{\max}$.
#
# (b) $\lvert1 - \eta\lambda\rvert$ is convex in $\lambda$, so the maximum over the spectrum is
# attained at $\lambda_{\min}$ or $\lambda_{\max}$: $q(\eta) = \max(1 - \eta\lambda_{\min}, \eta\lambda_{\max} - 1)$ for
# $\eta$ in the convergent range. The first term decreases and the second
# increases in $\eta$, so the minimum is where they are equal:
# $\eta^\star(\lambda_{\max} + \lambda_{\min}) = 2$, giving $q = 1 - 2\lambda_{\min}/(\lambda_{\max}+\lambda_{\min}) = (\kappa-1)/(\kappa+1)$.
#
# (c) $\ln\frac{\kappa+1}{\kappa-1}\approx 2/\kappa$, so about $\kappa/2$ steps instead of about
# $\kappa$: a factor of two, the same for every architecture. The ranking by $\kappa$ is
# unchanged, since $(\kappa-1)/(\kappa+1)$ is increasing in $\kappa$.
#
# **Rubric (10).** (a) 3: per-eigendirection factor (1), both directions of the iff
# (2). (b) 5: reduction to the two extreme eigenvalues with a reason (2), the
# equalization argument (2), the value (1). (c) 2.
# ```
#
# ## Problem 3: how many steps to fit? (10 points)
#
# *Implementation, checked automatically (10 points).*
#
# ```{exercise} Steps to fit, without running the training
# :label: ps11-steps
# In the linearized regime, gradient descent on $\tfrac12\lVert f(X) - Y\rVert^2$ from a zero
# output updates the training predictions by $f_{t+1}(X) = f_t(X) - \eta\,K(f_t(X) - Y)$.
# Write `my_steps_to_fit(k_train, y_train, eta, tol)` returning the smallest integer
# $t\ge0$ with $\lVert f_t(X) - Y\rVert\le\text{tol}\cdot\lVert Y\rVert$, for a positive definite `k_train`
# and $0 < \eta < 2/\lambda_{\max}$. Use the eigen-decomposition of $K$ so that the cost does not
# grow with $t$ (the checker uses condition numbers up to $10^5$). Then, ungraded, use
# it to compare $\eta = 1/\lambda_{\max}$ with the step of Problem 2 on a kernel of your
# choice: Problem 4 builds on it.
# ```

# %% tags=["stub"]
def my_steps_to_fit(k_train, y_train, eta, tol):
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps11-steps
# :class: dropdown
# ```
#
# With $r_t = f_t(X) - Y$, $r_0 = -Y$ and $r_{t+1} = (I - \eta K)r_t$, so
# $\lVert r_t\rVert^2 = \sum_i(1 - \eta\lambda_i)^{2t}(v_i^\top Y)^2$, a non-increasing function of $t$
# for steps in the convergent range. Double $t$ until the residual is small
# enough, then bisect.

# %% tags=["solution"]
def my_steps_to_fit(k_train, y_train, eta, tol):
    vals, vecs = np.linalg.eigh(np.asarray(k_train, dtype=float))
    y = np.asarray(y_train, dtype=float)
    coef2, factor = (vecs.T @ y) ** 2, np.abs(1.0 - eta * vals)
    target = tol ** 2 * (y @ y)

    def residual2(t):
        return np.sum(coef2 * factor ** (2 * t))

    if residual2(0) <= target:
        return 0
    low, high = 0, 1
    while residual2(high) > target:
        low, high = high, 2 * high
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if residual2(mid) > target else (low, mid)
    return high


k_demo = np.diag(np.geomspace(1.0, 1e-3, 6))
y_demo = np.ones(6)
lam_max, lam_min = 1.0, 1e-3
t_plain = my_steps_to_fit(k_demo, y_demo, 1 / lam_max, 1e-6)
t_best = my_steps_to_fit(k_demo, y_demo, 2 / (lam_max + lam_min), 1e-6)
claims.close("steps to fit: ratio eta = 1/lambda_max over the optimal step", t_plain / t_best, 2.0,
             rtol=0.05, glue="ps11-step-ratio", fmt=".2f")

# %% [markdown]
# On a diagonal kernel with $\kappa = 10^3$ and a tolerance of $10^{-6}$, the step of
# Problem 2 needs {glue:text}`ps11-step-ratio` times fewer steps than $\eta = 1/\lambda_{\max}$,
# the factor
# of two of Problem 2 (c).
#
# ```{solution-end}
# ```

# %% tags=["check"]
ps11.steps_to_fit(my_steps_to_fit)

# %% [markdown]
# ## Problem 4: does the kernel at initialization predict training? (15 points)
#
# *Experiment, graded by hand (15 points).*
#
# ```{exercise} The condition number as a predictor of training speed
# :label: ps11-experiment
# Problem 3 predicts, from the NTK at initialization alone, how many steps
# linearized training needs. Test that prediction on real networks: for
# multilayer perceptrons of several depths, widths and weight scales on a few
# hundred digits, compute the empirical NTK at initialization, predict the
# number of full-batch gradient-descent steps to reach a training residual of 1%
# with your `my_steps_to_fit`, train the network with that step and count the steps
# it actually takes. When does the prediction hold, and when does it fail?
#
# **Rubric (15).** The same loss, step rule and stopping criterion for the
# prediction and the training (3). At least two widths per architecture, so that
# the lazy regime can be told apart from finite-width effects, and several
# initialization seeds (4). A scatter of predicted against measured steps with the
# rank correlation and its uncertainty (3). An analysis of the failures in terms of
# how far the kernel moves during training (for instance the kernel distance of
# the lecture between $\Theta_0$ and the final kernel) (3). Conclusions limited to
# the measurements (2).
# ```
