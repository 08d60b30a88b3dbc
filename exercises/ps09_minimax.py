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
# (ps-minimax)=
# # Problem set 9: min-max optimization and its pathologies
#
# These problems accompany lecture {ref}`lecture-minimax`. They are worth
# 45 points: 17 checked automatically and 28 graded by hand.
#
# - A problem you answer in code starts with a cell that defines the function
#   you write, with `raise NotImplementedError` in place of its body. Replace that
#   line by your code, run the cell, then run the check cell under it: it calls a
#   checker from `ntk_course.checks.ps09`, which tests your function on inputs
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

from ntk_course import claims, minimax
from ntk_course.checks import ps09

# %% [markdown]
# ## Problem 1: optimistic gradient descent-ascent (10 points)
#
# *Implementation, checked automatically (10 points).*
#
# ```{exercise} OGDA for any game field
# :label: ps09-ogda
# Write `my_ogda(field, z0, step, steps)` returning the array of shape
# `(steps + 1, m)` of OGDA iterates $z^0, z^1, \dots$ of
# $z^{k+1} = z^k - \alpha\,[2V(z^k) - V(z^{k-1})]$ with $\alpha$ = `step`, where
# `field(z)` returns $V(z)$ for a point of shape `(m,)` and the first step uses
# $z^{-1} = z^0$ (so it is a plain GDA step). One call of `field` per iteration is
# enough if you remember the previous value. Run it on the bilinear game with the step
# $\alpha = 0.3$ and confirm that $\lVert z^k\rVert$ decreases, unlike GDA's.
# ```

# %% tags=["stub"]
def my_ogda(field, z0, step, steps):
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps09-ogda
# :class: dropdown
# ```

# %% tags=["solution"]
def my_ogda(field, z0, step, steps):
    z = np.array(z0, dtype=float)
    out, v_prev = [z], None
    for _ in range(steps):
        v = np.asarray(field(z), dtype=float)
        if v_prev is None:                                # z^{-1} = z^0
            v_prev = v
        z = z - step * (2.0 * v - v_prev)
        v_prev = v
        out.append(z)
    return np.stack(out)


bilinear = minimax.bilinear()
ogda_path = my_ogda(lambda z: np.asarray(bilinear.field(z), dtype=float), [1.0, 0.5], 0.3, 60)
gda_path = minimax.run(bilinear, "gda", np.array([1.0, 0.5]), step=0.3, steps=60)
claims.less("OGDA: |z^60| / |z^0| on the bilinear game",
            np.linalg.norm(ogda_path[-1]) / np.linalg.norm(ogda_path[0]), 1.0)
claims.greater("GDA: |z^60| / |z^0| on the bilinear game",
               np.linalg.norm(gda_path[-1]) / np.linalg.norm(gda_path[0]), 1.0)

# %% [markdown]
# ```{solution-end}
# ```

# %% tags=["check"]
ps09.ogda(my_ogda)

# %% [markdown]
# ## Problem 2: extragradient on a general bilinear game (10 points)
#
# *Proof, graded by hand (10 points).*
#
# ```{exercise} Singular values set the speed of extragradient
# :label: ps09-eg-proof
# Consider $\min_{x\in\mathbb R^m}\max_{y\in\mathbb R^n} x^\top B y$ with $B\in\mathbb R^{m\times n}$ of
# singular values $\sigma_1\ge\dots\ge\sigma_r > 0$ ($r = \mathrm{rank}\,B$). The lecture treated
# $m = n = 1$, $B = 1$.
#
# (a) Write the field as $V(z) = Jz$ and show that the eigenvalues of $J$ are
# $\pm i\sigma_k$, plus $0$ with multiplicity $m + n - 2r$.
#
# (b) Show that the spectral radius of the extragradient map $z\mapsto z - \alpha V(z - \alpha V(z))$
# restricted to the orthogonal complement of $\ker J$ is
# $\max_k\sqrt{1 - \alpha^2\sigma_k^2 + \alpha^4\sigma_k^4}$, and that extragradient converges
# (on that complement) if and only if $\alpha\,\sigma_1 < 1$. What happens on $\ker J$?
#
# (c) Find the step that minimizes this spectral radius and show that the optimal
# contraction factor is $\sqrt{1 - \kappa^2/(1+\kappa^2)^2}$ with $\kappa = \sigma_1/\sigma_r$.
# What does this say about ill-conditioned games?
# ```
#
# ```{solution} ps09-eg-proof
# :class: dropdown
# (a) $V(x, y) = (\partial_x\Phi, -\partial_y\Phi) = (By, -B^\top x)$, so
# $J = \left(\begin{smallmatrix}0 & B\\ -B^\top & 0\end{smallmatrix}\right)$, which is real and
# antisymmetric, hence normal with purely imaginary eigenvalues. With the SVD pairs
# $Bq_k = \sigma_kp_k$, $B^\top p_k = \sigma_kq_k$, the vectors $(p_k, \pm i q_k)$ satisfy
# $J(p_k, \pm iq_k) = (\pm i\sigma_k p_k, -\sigma_k q_k) = \pm i\sigma_k(p_k, \pm iq_k)$. These $2r$
# vectors are orthogonal; $\ker J = \ker B^\top\times\ker B$ has dimension $(m-r) + (n-r)$.
#
# (b) The map is $M = I - \alpha J + \alpha^2J^2$, a polynomial in the normal matrix $J$,
# so it has the same eigenvectors, with eigenvalues $1 - \alpha\mu + \alpha^2\mu^2$. For
# $\mu = \pm i\sigma_k$ this is $1 - \alpha^2\sigma_k^2 \mp i\alpha\sigma_k$, of squared modulus
# $(1 - \alpha^2\sigma_k^2)^2 + \alpha^2\sigma_k^2 = 1 - \alpha^2\sigma_k^2 + \alpha^4\sigma_k^4$. With $u = \alpha^2\sigma_k^2 > 0$,
# $1 - u + u^2 < 1$ iff $u < 1$; all $k$ satisfy it iff $\alpha\sigma_1 < 1$. Since $M$ is normal,
# the norm of the iterates, not only an asymptotic rate, shrinks by the spectral
# radius. On $\ker J$ the field vanishes and $M$ is the identity: those components
# never move, and every point of $\ker J$ is an equilibrium.
#
# (c) $h(u) = 1 - u + u^2$ is convex, so the maximum over
# $u\in[\alpha^2\sigma_r^2, \alpha^2\sigma_1^2]$ is attained at an end point. Decreasing the larger
# end and increasing the smaller one trade off; the optimum equalizes them:
# $h(a) = h(b)$ with $a\ne b$ means $a + b = 1$, i.e. $\alpha^2 = 1/(\sigma_1^2 + \sigma_r^2)$. Then
# $a = 1/(1+\kappa^2)$, $b = \kappa^2/(1+\kappa^2)$ and $h = 1 - ab = 1 - \kappa^2/(1+\kappa^2)^2$.
# For $\kappa = 1$ this is the lecture's $\sqrt3/2$; for large $\kappa$ it is
# $\approx 1 - 1/(2\kappa^2)$: the number of iterations grows like $\kappa^2$, as for
# gradient descent on the normal equations, not like $\kappa$.
#
# **Rubric (10).** (a) 3: $J$ (1), eigenvectors from the SVD (1), kernel dimension (1).
# (b) 4: eigenvalues of $M$ (2), the iff with the quadratic in $u$ (1), $\ker J$ (1).
# (c) 3: the equalization argument with convexity (2), the factor and its reading (1).
# ```
#
# ## Problem 3: the spectral radius, numerically (10 points)
#
# *Implementation, checked automatically (7 points); comparison with the proof, graded by hand (3 points).*
#
# ```{exercise} Checking Problem 2 by computation
# :label: ps09-eg-radius
# Write `my_eg_radius(B, alpha)` returning the spectral radius of the extragradient
# iteration matrix (on the whole space, $\ker J$ included) of the game
# $x^\top By$ for any real matrix `B` of shape $(m, n)$. Then, by hand: for a random
# $5\times5$ matrix $B$, compare your numerical radius at the optimal step of
# Problem 2 (c) with the formula, and check on a grid of steps that no other step
# does better.
# ```

# %% tags=["stub"]
def my_eg_radius(B, alpha):
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps09-eg-radius
# :class: dropdown
# ```

# %% tags=["solution"]
def my_eg_radius(B, alpha):
    B = np.asarray(B, dtype=float)
    m, n = B.shape
    J = np.block([[np.zeros((m, m)), B], [-B.T, np.zeros((n, n))]])
    M = np.eye(m + n) - alpha * J + alpha ** 2 * J @ J
    return float(np.max(np.abs(np.linalg.eigvals(M))))


B5 = np.random.default_rng(0).normal(size=(5, 5))
sv = np.linalg.svd(B5, compute_uv=False)
kappa = sv[0] / sv[-1]
best_step = 1 / np.sqrt(sv[0] ** 2 + sv[-1] ** 2)
claims.close("EG radius at the optimal step: numerical vs formula", my_eg_radius(B5, best_step),
             np.sqrt(1 - kappa ** 2 / (1 + kappa ** 2) ** 2), rtol=1e-9)
grid = np.linspace(0.01, 1.2 / sv[0], 400)
claims.less("best radius on a grid of steps minus the radius at the optimal step",
            my_eg_radius(B5, best_step) - min(my_eg_radius(B5, a) for a in grid), 1e-12)

# %% [markdown]
# **Rubric (3).** Both comparisons done (2) and the reading: the optimum of
# Problem 2 (c) is the best step on the grid (1).
#
# ```{solution-end}
# ```

# %% tags=["check"]
ps09.eg_radius(my_eg_radius)

# %% [markdown]
# ## Problem 4: where do the methods end? (15 points)
#
# *Experiment, graded by hand (15 points).*
#
# ```{exercise} A map of spurious attractors
# :label: ps09-experiment
# On the almost-bilinear game $\Phi(x, y) = xy + \epsilon(y^2/2 - y^4/4)$
# (`minimax.almost_bilinear(eps)`) the origin is a local Nash equilibrium that the
# flow does not reach: a limit cycle attracts it. Map, for GDA, EG, OGDA and EG+
# (`minimax.run`, method `"eg_plus"`), and for steps $\alpha$ on a grid, where the
# iterates end from many starting points: at the origin, on a cycle, or diverging.
# Use at least two values of $\epsilon$. Relate what you see to the weak Minty
# parameter $\rho$ of the game (`minimax.weak_minty_rho`) and to the condition on
# $\rho$ and $\alpha$ under which EG+ is known to converge {cite}`diakonikolas2021efficient`.
#
# **Rubric (15).** A clear classification rule for "origin / cycle / divergence"
# with its thresholds stated and tested on a few trajectories (3). A phase diagram
# (method by step) for each $\epsilon$, from enough starts that each cell is
# resolved (4). Reported $\rho$ with the points where it was estimated (2). A
# comparison with the theory: where EG+ converges and whether that is predicted by
# the sufficient condition, and where the condition is silent (4). Conclusions
# limited to what was measured (2).
# ```
