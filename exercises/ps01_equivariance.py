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
# (ps-equivariance)=
# # Problem set 1: equivariance and sample complexity
#
# These problems accompany lecture {ref}`lecture-equivariance`. They are worth
# 20 points: 8 checked automatically and 12 graded by hand.
#
# - A problem you answer in code starts with a cell that defines the function
#   you write, with `raise NotImplementedError` in place of its body. Replace that
#   line by your code, run the cell, then run the check cell under it: it calls a
#   checker from `ntk_course.checks.ps01`, which tests your function on inputs
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

from ntk_course import toy_models as tm
from ntk_course.checks import ps01

# %% [markdown]
# ## Problem 1: which preconditioners keep the symmetry? (6 points)
#
# *Proof, graded by hand: (a) 2 points, (b) 2 points, (c) 2 points.*
#
# ```{exercise} Preconditioned gradient descent and reflections
# :label: ps01-precond-proof
# Let $P$ be a symmetric positive definite $d\times d$ matrix and consider
# preconditioned gradient descent on linear regression,
# $w_{t+1} = w_t - \eta P X^\top (X w_t - Y)$, started from $w_0$ drawn from a
# distribution $\mu$ on $\mathbb{R}^d$. The learner maps a training set $(X, Y)$
# to the predictor $x \mapsto \langle w_T, x\rangle$.
#
# (a) Show that if $U$ is orthogonal, $U P U^\top = P$ and $\mu$ is invariant
# under $U$, the learner is equivariant under $U$: training on $(XU^\top, Y)$ gives
# a predictor whose value at $Ux$ has the same law as the original predictor's
# value at $x$.
#
# (b) Let $P$ be diagonal (as in Adagrad or a fixed per-coordinate step size)
# and $\mu = \mathcal{N}(0, \sigma^2 I)$. Show that the learner is equivariant
# under every coordinate reflection $x_i \mapsto -x_i$, so the lower bound of
# {prf:ref}`thm-basis-bound` applies to it, although it is not orthogonally
# equivariant when the diagonal entries of $P$ differ (give an orthogonal $U$
# that breaks (a), with a one-line reason).
#
# (c) Now take $P = I$, a step $0 < \eta \le 1/n$ and the deterministic start
# $w_0 = c\,\mathbf 1$ with $c > 0$. Which hypothesis of the theorem fails?
# Compute the test error of this learner on the basis-vector task for every
# $T \ge 0$ and every training set, and conclude that it beats the bound for
# all $n$.
# ```
#
# ```{solution} ps01-precond-proof
# :class: dropdown
# **(a)** Write $w'_t$ for the iterates on the rotated data, started from
# $w'_0 = U w_0$ (which has law $\mu$ when $w_0$ does). If $w'_t = U w_t$, then
# $w'_{t+1} = U w_t - \eta P U X^\top (X U^\top U w_t - Y)
# = U w_t - \eta U P X^\top (X w_t - Y) = U w_{t+1}$, using $PU = UP$ (equivalent to
# $UPU^\top = P$). By induction $w'_T = U w_T$, so
# $\langle w'_T, Ux\rangle = \langle w_T, x\rangle$, and the two predictors have the
# same law because $U w_0$ and $w_0$ do.
#
# **(b)** A reflection $R_i = I - 2 e_i e_i^\top$ is diagonal, so it commutes with
# any diagonal $P$, and $\mathcal{N}(0, \sigma^2 I)$ is invariant under it; (a)
# applies. The proof of the theorem only uses reflections, so the bound holds.
# For $P = \operatorname{diag}(p_1, p_2, \dots)$ with $p_1 \ne p_2$, the rotation
# by $\pi/2$ in the $(e_1, e_2)$ plane swaps the first two diagonal entries of
# $UPU^\top$, so $UPU^\top \ne P$ and the induction step fails: the rotated run
# moves fastest along the rotated image of $e_2$, not of $e_1$.
#
# **(c)** The start is not reflection invariant ($R_i w_0 \ne w_0$), so
# equivariance fails. On the basis-vector task $X^\top X$ is diagonal and
# $X^\top Y = \sum_j y_j x_j$ has entry $i$ equal to $m_i$, the number of training
# inputs on coordinate $i$ (each contributes $y_j^2 = 1$). Coordinate $i$ follows
# $w_{t+1,i} = w_{t,i} - \eta m_i (w_{t,i} - 1)$: it stays at $c$ if $m_i = 0$ and
# moves monotonically from $c$ towards $1$ otherwise, since
# $0 < \eta m_i \le \eta n \le 1$ (a larger step could overshoot and flip the sign
# when $c > 1$). Either way $w_{T,i} > 0$. The prediction
# at $\pm e_i$ is $\pm w_{T,i}$, of the right sign: the test error is $0$ for every
# $n$ and $T$, below $\tfrac12(1-1/d)^n$.
#
# *Rubric.* (a) 1 point for the induction step with the commutation used
# explicitly, 1 for the statement about laws (the start must be rotated too).
# (b) 1 point for the reflection argument, 1 for a correct counterexample.
# (c) 1 point for naming the non-invariant start, 1 for the error computation.
# Deduct 1 point for an argument that uses orthogonal equivariance where only
# reflections are available.
# ```
#
# ## Problem 2: preconditioned gradient descent (4 points)
#
# *Implementation, checked automatically (4 points).*
#
# ```{exercise} The preconditioned GD map
# :label: ps01-precond-gd
# Write `preconditioned_gd(w0, X, Y, eta, steps, p)` returning $w_{\text{steps}}$ for
# $w_{t+1} = w_t - \eta\, \operatorname{diag}(p)\, X^\top(Xw_t - Y)$, with $X$ of
# shape $(n, d)$, $Y$ of shape $(n,)$ and $p$ of shape $(d,)$. The checker passes
# float32 arrays; do not modify `w0` in place.
# ```

# %% tags=["stub"]
def preconditioned_gd(w0, X, Y, eta, steps, p):
    """Iterate w <- w - eta * p * X^T (X w - Y) `steps` times from w0; return w."""
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps01-precond-gd
# :class: dropdown
# ```
#
# Multiplying by $\operatorname{diag}(p)$ is a coordinate-wise product; copying
# `w0` first leaves the caller's array intact.

# %% tags=["solution"]
def preconditioned_gd(w0, X, Y, eta, steps, p):
    w = np.array(w0, dtype=np.float64)
    for _ in range(steps):
        w = w - eta * p * (X.T @ (X @ w - Y))
    return w

# %% [markdown]
# ```{solution-end}
# ```

# %% tags=["check"]
ps01.preconditioned_gd(preconditioned_gd)

# %% [markdown]
# ## Problem 3: how many samples does the bound demand? (4 points)
#
# *Implementation, checked automatically (4 points).*
#
# ```{exercise} Samples for a target error
# :label: ps01-samples
# Write `samples_needed(d, eps)` returning the smallest integer $n \ge 0$ with
# $\tfrac12(1 - 1/d)^n \le \varepsilon$, for any integer $d \ge 1$ and
# $0 < \varepsilon < 1$. Return a Python or NumPy integer. Mind the cases
# $\varepsilon \ge \tfrac12$ and $d = 1$, and equality (the inequality is not strict).
# ```

# %% tags=["stub"]
def samples_needed(d, eps):
    """Smallest n >= 0 with (1 - 1/d)**n / 2 <= eps."""
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps01-samples
# :class: dropdown
# ```
#
# The logarithm gives a candidate $\lceil \log(2\varepsilon)/\log(1-1/d)\rceil$,
# which rounding can put one off at an exact boundary; counting upward from a
# safe start with the inequality itself is exact.

# %% tags=["solution"]
def samples_needed(d, eps):
    if eps >= 0.5:
        return 0
    if d == 1:
        return 1
    n = max(0, int(np.floor(np.log(2 * eps) / np.log1p(-1 / d))) - 2)
    while 0.5 * (1 - 1 / d) ** n > eps:
        n += 1
    return n

# %% [markdown]
# ```{solution-end}
# ```

# %% tags=["check"]
ps01.samples_needed(samples_needed)

# %% [markdown]
# ## Problem 4: when does breaking the symmetry help? (6 points)
#
# *Experiment, graded by hand (6 points).*
#
# ```{exercise} A biased learner on rotated data
# :label: ps01-experiment
# Problem 1(c) shows a learner that is not reflection equivariant and beats the
# bound. Design an experiment that tests whether its advantage survives a change
# of basis: compare, as a function of $n$ (at least five values up to $2d$, with
# $d \ge 30$), the exact test error of GD from $w_0 = c\mathbf 1$ and from
# $w_0 = 0$ on the basis-vector task (`tm.basis_vector_task`,
# `tm.basis_vector_test_set`) and on the same task after a fixed random rotation
# $x \mapsto Ux$ of every input. Average over at least five training sets, draw
# one figure, compare with `tm.basis_vector_unseen_error`, and explain in a short
# paragraph what the experiment shows about inductive bias.
# ```
#
# ```{solution} ps01-experiment
# :class: dropdown
# *What to measure.* For each $n$, seed and learner: the error over the $2d$ test
# points (rotated with the same $U$ in the rotated task), with enough GD steps to
# converge (or the closed-form limit), and the mean and spread over seeds.
#
# *What a good answer finds.* On the original task the biased start has zero
# error for every $n$ (Problem 1(c)), while the unbiased start follows the
# unseen-coordinate curve $\tfrac12(1-1/d)^n$ or lies above it. After the rotation
# the bias $c\mathbf 1$ points in a direction unrelated to the target
# $\mathbf 1$: the biased learner loses its advantage and its error on unseen
# directions depends on $c$ (it can be worse than the unbiased one for large
# $c$), while the unbiased learner's curve does not change at all (it is
# rotation equivariant: the two curves agree to rounding). The conclusion: a
# symmetry-breaking bias helps only when it is aligned with the target; no
# learner beats the bound on every rotated copy of the task.
#
# *Rubric (6 points).* Correct setup, both learners and both tasks, exact test
# error (2). At least five seeds with a spread, a readable figure with the bound
# (2). A conclusion that states what the figure shows, including the invariance of
# the unbiased learner's curve, and does not claim more than was measured (2).
# ```
