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
# (ps-ddi)=
# # Problem set 10: Danskin's descent direction
#
# These problems accompany lecture {ref}`lecture-ddi`. They are worth
# 45 points: 20 checked automatically and 25 graded by hand.
#
# - A problem you answer in code starts with a cell that defines the function
#   you write, with `raise NotImplementedError` in place of its body. Replace that
#   line by your code, run the cell, then run the check cell under it: it calls a
#   checker from `ntk_course.checks.ps10`, which tests your function on inputs
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
from ntk_course.checks import ps10

# %% [markdown]
# ## Problem 1: projecting onto the simplex (10 points)
#
# *Implementation, checked automatically (10 points).*
#
# ```{exercise} Simplex projection by sorting
# :label: ps10-simplex
# Write `my_project_simplex(v)` returning the Euclidean projection of
# $v\in\mathbb R^k$ onto $\Delta_k = \{\lambda\ge0,\ \sum_i\lambda_i = 1\}$, with numpy only and
# in $O(k\log k)$ operations. Derive the algorithm from the optimality (KKT)
# conditions of $\min_{\lambda\in\Delta_k}\tfrac12\lVert\lambda - v\rVert^2$.
# ```

# %% tags=["stub"]
def my_project_simplex(v):
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps10-simplex
# :class: dropdown
# ```
#
# With a multiplier $\theta$ for the sum and $\mu_i\ge0$ for the signs, stationarity
# reads $\lambda_i = v_i - \theta + \mu_i$ with $\mu_i\lambda_i = 0$, so
# $\lambda_i = \max(v_i - \theta, 0)$ for one scalar $\theta$. The sum
# $\sum_i\max(v_i - \theta, 0)$ decreases in $\theta$, so exactly one $\theta$ makes it one.
# Sort $v$ decreasingly as $u$; if the support is the top $r$ entries then
# $\theta = (\sum_{i\le r}u_i - 1)/r$, and $r$ is the largest index with $u_r > \theta_r$.

# %% tags=["solution"]
def my_project_simplex(v):
    v = np.asarray(v, dtype=float)
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - 1.0
    r = np.nonzero(u - css / np.arange(1, len(v) + 1) > 0)[0][-1] + 1
    return np.maximum(v - css[r - 1] / r, 0.0)

# %% [markdown]
# ```{solution-end}
# ```

# %% tags=["check"]
ps10.project_simplex(my_project_simplex)

# %% [markdown]
# ## Problem 2: DDi is the steepest descent direction (10 points)
#
# *Proof, graded by hand (10 points).*
#
# ```{exercise} Steepest descent for a finite max
# :label: ps10-steepest
# Let $f(x) = \max_{j\le k}\phi_j(x)$ with differentiable $\phi_j$, and suppose all $k$
# pieces are active at $x$ with gradients $g_1,\dots,g_k$. By Danskin,
# $D_\gamma f(x) = \max_j\langle\gamma, g_j\rangle$. Let $d$ be the minimum-norm element of
# $C = \mathrm{conv}\{g_1,\dots,g_k\}$.
#
# (a) Prove that $\min_{\lVert\gamma\rVert\le1} D_\gamma f(x) = -\lVert d\rVert$, and that for $d\ne0$ the
# minimizer is $\gamma = -d/\lVert d\rVert$. (Hint: $\max_j\langle\gamma, g_j\rangle = \max_{g\in C}\langle\gamma, g\rangle$, and
# a min-max theorem for a bilinear function on two compact convex sets.)
#
# (b) Conclude that among unit directions, the DDi direction gives the fastest
# first-order decrease of $f$, and that the direction of any single gradient $-g_j$
# can be an ascent direction. Give an example in $\mathbb R^2$ with $k = 2$.
# ```
#
# ```{solution} ps10-steepest
# :class: dropdown
# (a) A linear function on a polytope attains its maximum at a vertex, so
# $\max_j\langle\gamma, g_j\rangle = \max_{g\in C}\langle\gamma, g\rangle$. The function $\langle\gamma, g\rangle$ is bilinear
# and both the unit ball and $C$ are compact and convex, so von Neumann's min-max
# theorem gives
# $\min_{\lVert\gamma\rVert\le1}\max_{g\in C}\langle\gamma, g\rangle = \max_{g\in C}\min_{\lVert\gamma\rVert\le1}\langle\gamma, g\rangle = \max_{g\in C}(-\lVert g\rVert) = -\lVert d\rVert$.
# For $d\ne0$ and $\gamma = -d/\lVert d\rVert$, the projection inequality
# $\langle g, d\rangle\ge\lVert d\rVert^2$ for all $g\in C$ ({prf:ref}`thm-ddi`) gives
# $\max_{g\in C}\langle\gamma, g\rangle\le-\lVert d\rVert$, so this $\gamma$ attains the minimum; it is the
# unique minimizer because any minimizer $\gamma$ must satisfy $\langle\gamma, d\rangle\le-\lVert d\rVert$,
# which on the unit ball forces $\gamma = -d/\lVert d\rVert$ (equality in Cauchy-Schwarz).
#
# (b) By (a), $-d/\lVert d\rVert$ minimizes the directional derivative over unit directions:
# the steepest first-order decrease, of rate $\lVert d\rVert$. Example: $g_1 = (1, 1)$,
# $g_2 = (-1, 1)$ (for instance $f = \max(x_1, -x_1) + x_2$ at the origin). Then
# $D_{-g_1}f = \max(\langle-g_1, g_1\rangle, \langle-g_1, g_2\rangle) = \max(-2, 0) = 0$: no decrease, and a
# small tilt, $g_2 = (-1, 0.5)$, makes it $+0.5 > 0$, an ascent. The min-norm point
# of the first pair is $d = (0, 1)$ and $D_{-d}f = -1$.
#
# **Rubric (10).** (a) 7: vertex reduction (1), the min-max exchange with its
# hypotheses named (3), inner minimum $-\lVert g\rVert$ (1), the minimizer and its
# uniqueness (2). (b) 3: the conclusion (1), a correct example with numbers (2).
# ```
#
# ## Problem 3: the DDi weights (10 points)
#
# *Implementation, checked automatically (10 points).*
#
# ```{exercise} Minimum-norm point of a convex hull
# :label: ps10-min-norm
# Write `my_min_norm_weights(G)` returning weights $\lambda\in\Delta_k$ such that
# $G^\top\lambda$ is the minimum-norm element of the convex hull of the rows of
# $G\in\mathbb R^{k\times p}$ (the quadratic program {eq}`eq-ddi-qp`), with numpy and your
# projection of Problem 1 (projected gradient with step $1/\lambda_{\max}(GG^\top)$, or
# Frank-Wolfe, run to convergence). The minimizer $\lambda$ need not be unique; the
# checker compares $\lVert G^\top\lambda\rVert$ with the optimum and checks $\lambda\in\Delta_k$.
# ```

# %% tags=["stub"]
def my_min_norm_weights(G):
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps10-min-norm
# :class: dropdown
# ```

# %% tags=["solution"]
def my_min_norm_weights(G, iters=100_000):
    G = np.asarray(G, dtype=float)
    M = G @ G.T
    step = 1.0 / max(np.linalg.eigvalsh(M)[-1], 1e-12)
    lam = np.full(len(G), 1.0 / len(G))
    for _ in range(iters):                              # projected gradient, step 1/L
        new = my_project_simplex(lam - step * (M @ lam))
        if np.max(np.abs(new - lam)) < 1e-15:
            return new
        lam = new
    return lam


rng = np.random.default_rng(1)
G3 = rng.normal(size=(4, 12)) + 2.0 * rng.normal(size=12)   # a common offset
lam3 = my_min_norm_weights(G3)
d3 = lam3 @ G3
claims.less("KKT: most negative (G d)_j - |d|^2 over the gradients, relative to |d|^2",
            -np.min(G3 @ d3 - d3 @ d3) / (d3 @ d3), 1e-6)

# %% [markdown]
# The last check is the descent inequality $\langle g_j, d\rangle\ge\lVert d\rVert^2$ of
# {prf:ref}`thm-ddi`, which holds only at the optimum.
#
# ```{solution-end}
# ```

# %% tags=["check"]
ps10.min_norm_weights(my_min_norm_weights)

# %% [markdown]
# ## Problem 4: how many attacks does DDi need? (15 points)
#
# *Experiment, graded by hand (15 points).*
#
# ```{exercise} DDi against the PGD direction, with a budget
# :label: ps10-experiment
# In the lecture, DDi used $k$ attacks per step and the PGD direction one. Design
# an experiment on the two-quadratics toy problem of the lecture, or on the
# synthetic problem of its adversarial-training section, that answers: at equal
# **compute** (total number of gradient evaluations, inner and outer), does DDi
# with $k$ attacks reach a lower value of the robust objective $f$ than the PGD
# direction, and how does the answer depend on $k$ and on the number of inner
# steps? Report how often the attacks return distinct maximizers.
#
# **Rubric (15).** The compute budget defined and equalized across methods (3).
# The robust objective $f$ evaluated exactly (toy problem) or with a strong attack
# (several restarts, more steps than in training) (3). At least three values of
# $k$ and two inner-step budgets, with several seeds and error bars (4). The
# distinct-maximizer count reported and connected to the result: DDi can only
# help where several maximizers with different gradients are found (3).
# Conclusions limited to the settings measured (2).
# ```
