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
# (ps-ntk)=
# # Problem set 3: the neural tangent kernel
#
# These problems accompany lecture {ref}`lecture-ntk`. They are worth
# 20 points: 10 checked automatically and 10 graded by hand.
#
# - A problem you answer in code starts with a cell that defines the function
#   you write, with `raise NotImplementedError` in place of its body. Replace that
#   line by your code, run the cell, then run the check cell under it: it calls a
#   checker from `ntk_course.checks.ps03`, which tests your function on inputs
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

from ntk_course.checks import ps03

# %% [markdown]
# ## Problem 1: the NTK of a two-layer network (6 points)
#
# *Derivation, graded by hand: (a) 2 points, (b) 2 points, (c) 2 points.*
#
# ```{exercise} Both layers trained
# :label: ps03-two-layer
# Let $f(x) = \frac{1}{\sqrt m}\sum_{i=1}^m a_i\, \phi(\langle w_i, x\rangle/\sqrt d)$
# with $x \in \mathbb{R}^d$, all $a_i$ and all entries of $w_i$ independent standard
# normal, and a smooth activation $\phi$ with $\phi'$ bounded.
#
# (a) Compute the empirical NTK $\Theta_m(x, x') = \langle \nabla_\theta f(x),
# \nabla_\theta f(x')\rangle$ with $\theta = (a, w_1, \dots, w_m)$, as a sum of a
# second-layer term and a first-layer term.
#
# (b) Show that $\Theta_m(x, x') \to \Theta(x, x')$ almost surely as
# $m \to \infty$, give $\Theta$ as expectations over one Gaussian pair
# $(u, v)$ (state its covariance), and show
# $\operatorname{Var}\Theta_m(x, x') = C(x, x')/m$ for a constant $C$ you identify
# (assume the moments you need are finite).
#
# (c) Prove that the matrix $[\Theta(x_i, x_j)]_{ij}$ is positive semi-definite
# for any inputs, and that for $\phi = \mathrm{erf}$ and $x \ne 0$ its diagonal
# satisfies $\Theta(x, x) < \frac{2}{\pi}\arcsin(1) + \frac{\lVert x\rVert^2}{d}\cdot\frac{4}{\pi}$.
# ```
#
# ```{solution} ps03-two-layer
# :class: dropdown
# **(a)** Write $u_i = \langle w_i, x\rangle/\sqrt d$, $v_i = \langle w_i, x'\rangle/\sqrt d$.
# Then $\partial f/\partial a_i = \phi(u_i)/\sqrt m$ and
# $\nabla_{w_i} f = a_i\phi'(u_i)\,x/\sqrt{md}$, so
# $\Theta_m(x, x') = \frac1m\sum_i \phi(u_i)\phi(v_i) +
# \frac{\langle x, x'\rangle}{d}\cdot\frac1m\sum_i a_i^2\phi'(u_i)\phi'(v_i)$.
#
# **(b)** The summands are i.i.d. over $i$ with finite mean, so the strong law of
# large numbers gives $\Theta(x, x') = \mathbb{E}[\phi(u)\phi(v)] +
# \frac{\langle x, x'\rangle}{d}\mathbb{E}[\phi'(u)\phi'(v)]$ (using
# $\mathbb{E}a^2 = 1$ and the independence of $a$ and $w$), where $(u, v)$ is
# centred Gaussian with $\mathbb{E}u^2 = \lVert x\rVert^2/d$,
# $\mathbb{E}v^2 = \lVert x'\rVert^2/d$, $\mathbb{E}uv = \langle x, x'\rangle/d$. The
# variance of a mean of $m$ i.i.d. terms is the variance of one term over $m$:
# $C = \operatorname{Var}\big[\phi(u)\phi(v) + \frac{\langle x,x'\rangle}{d} a^2
# \phi'(u)\phi'(v)\big]$.
#
# **(c)** For any vector $c$, $\sum_{ij}c_ic_j\Theta_m(x_i, x_j) =
# \lVert\sum_i c_i\nabla_\theta f(x_i)\rVert^2 \ge 0$; the limit of positive
# semi-definite matrices is positive semi-definite. For erf, with
# $s = \lVert x\rVert^2/d > 0$, the lecture's identity gives
# $\mathbb{E}\,\mathrm{erf}(u)^2 = \frac2\pi\arcsin\frac{2s}{1+2s} < \frac2\pi\arcsin 1$, and
# $\mathbb{E}\,\mathrm{erf}'(u)^2 = \frac4\pi (1+4s)^{-1/2} < \frac4\pi$, so
# $\Theta(x,x) = \frac2\pi\arcsin\frac{2s}{1+2s} + s\,\frac{4}{\pi\sqrt{1+4s}}$ is
# below the bound.
#
# *Rubric.* (a) 1 point per term with the right $1/m$ and $1/d$ factors. (b) 1
# point for the limit with the covariance, 1 for the variance. (c) 1 point for
# positive semi-definiteness through the Gram form, 1 for the erf diagonal.
# ```
#
# ## Problem 2: the NTK of a deep erf network (6 points)
#
# *Implementation, checked automatically (6 points).*
#
# ```{exercise} The erf kernel recursion
# :label: ps03-erf-ntk
# A depth-$L$ network in the NTK parametrization has layers
# $h^{(l)} = \frac{\sigma_w}{\sqrt{n_{l-1}}}W^{(l)} \phi(h^{(l-1)}) + \sigma_b\, b^{(l)}$
# (with $\phi(h^{(0)})$ replaced by the input $x \in \mathbb{R}^d$ in the first layer),
# $L$ hidden layers of activation $\phi = \mathrm{erf}$ and a linear readout layer
# $L + 1$. Derive the recursion for its NNGP $\Sigma^{(l)}$ and NTK
# $\Theta^{(l)}$ in the infinite-width limit, and write
# `erf_ntk(x1, x2, depth, w_std, b_std)` returning the $(n_1, n_2)$ matrix
# $\Theta(x1_i, x2_j)$ of the network's output, for `depth` $= L \ge 0$ (depth 0
# is the linear model $\frac{\sigma_w}{\sqrt d}\langle W, x\rangle + \sigma_b b$).
# You need the expectations of $\mathrm{erf}(u)\mathrm{erf}(v)$ and of
# $\mathrm{erf}'(u)\mathrm{erf}'(v)$ for a Gaussian pair (the lecture's exercise
# on erf networks derives both); the recursion is yours. Do not call
# `ntk_course.kernels` or `neural_tangents`.
# ```

# %% tags=["stub"]
def erf_ntk(x1, x2, depth, w_std, b_std):
    """(n1, n2) infinite-width NTK of a depth-`depth` erf network (NTK parametrization)."""
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps03-erf-ntk
# :class: dropdown
# ```
#
# For a centred Gaussian pair with covariance entries $s_{11}, s_{22}, s_{12}$,
# $\mathbb{E}[\mathrm{erf}(u)\mathrm{erf}(v)] = \frac2\pi\arcsin\frac{2s_{12}}{\sqrt{(1+2s_{11})(1+2s_{22})}}$.
# Since $\mathrm{erf}'(z) = \frac{2}{\sqrt\pi}e^{-z^2}$,
# $\mathbb{E}[\mathrm{erf}'(u)\mathrm{erf}'(v)] = \frac4\pi\,\mathbb{E}[e^{-u^2-v^2}] =
# \frac4\pi \det(I + 2S)^{-1/2} = \frac{4}{\pi}\big[(1+2s_{11})(1+2s_{22}) - 4s_{12}^2\big]^{-1/2}$,
# a Gaussian integral. The recursion starts at
# $\Sigma^{(0)} = \Theta^{(0)} = \sigma_w^2\langle x, x'\rangle/d + \sigma_b^2$ and,
# for $l = 1, \dots, L$, sets $\Sigma^{(l)} = \sigma_w^2\,\mathbb{E}[\phi(u)\phi(v)] +
# \sigma_b^2$ and $\Theta^{(l)} = \Sigma^{(l)} + \sigma_w^2\,\mathbb{E}[\phi'(u)\phi'(v)]\,
# \Theta^{(l-1)}$, with $(u, v)$ of covariance $\Sigma^{(l-1)}$ (the diagonal
# entries $\Sigma^{(l-1)}(x, x)$ carried along).

# %% tags=["solution"]
def erf_ntk(x1, x2, depth, w_std, b_std):
    x1, x2 = np.asarray(x1, np.float64), np.asarray(x2, np.float64)
    d = x1.shape[1]
    w2, b2 = w_std ** 2, b_std ** 2
    s12 = w2 * x1 @ x2.T / d + b2
    s11 = w2 * np.sum(x1 ** 2, axis=1)[:, None] / d + b2
    s22 = w2 * np.sum(x2 ** 2, axis=1)[None, :] / d + b2
    theta = s12
    for _ in range(depth):
        a, b = 1 + 2 * s11, 1 + 2 * s22
        deriv = 4 / np.pi / np.sqrt(a * b - 4 * s12 ** 2)
        s12 = w2 * 2 / np.pi * np.arcsin(2 * s12 / np.sqrt(a * b)) + b2
        s11 = w2 * 2 / np.pi * np.arcsin(2 * s11 / a) + b2
        s22 = w2 * 2 / np.pi * np.arcsin(2 * s22 / b) + b2
        theta = s12 + w2 * deriv * theta
    return theta

# %% [markdown]
# ```{solution-end}
# ```

# %% tags=["check"]
ps03.erf_ntk(erf_ntk)

# %% [markdown]
# ## Problem 3: test predictions of kernel gradient descent (4 points)
#
# *Implementation, checked automatically (4 points).*
#
# ```{exercise} Discrete steps on test points
# :label: ps03-gd-test
# A linearized network trained by gradient descent with step $\eta$ on
# $\frac12\sum_i (f(x_i) - y_i)^2$, from zero output, changes its output at any
# point $x$ by $-\eta\sum_i \Theta(x, x_i)\, r_t(x_i)$ per step, where $r_t$ is the
# training residual. Write `gd_test_predictions(k_train, k_test_train, y, eta, steps)`
# returning the $(m,)$ outputs on the test points after `steps` steps, with
# $0 < \eta\lambda_{\max} < 2$. Prefer a method that does not invert $K$, which
# may be badly conditioned.
# ```

# %% tags=["stub"]
def gd_test_predictions(k_train, k_test_train, y, eta, steps):
    """Test outputs of the linearized network after `steps` GD steps from zero output."""
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps03-gd-test
# :class: dropdown
# ```
#
# The residual obeys $r_{t+1} = (I - \eta K) r_t$ from $r_0 = -y$, and a test
# output accumulates $-\eta K(x, X) r_t$. In the eigenbasis of $K$,
# $\sum_{s<t}(I - \eta K)^s\eta = K^{-1}(I - (I - \eta K)^t)$ per mode; the per-mode
# factor $\eta\sum_{s<t}(1-\eta\lambda)^s$ stays finite as $\lambda \to 0$ (it tends to
# $\eta t$), so computing it by the geometric sum avoids dividing by tiny eigenvalues.

# %% tags=["solution"]
def gd_test_predictions(k_train, k_test_train, y, eta, steps):
    vals, vecs = np.linalg.eigh(np.asarray(k_train, np.float64))
    ratio = 1 - eta * vals
    near_one = np.isclose(ratio, 1.0, rtol=0, atol=1e-12)
    safe = np.where(near_one, 0.5, ratio)
    factor = np.where(near_one, eta * steps, eta * (1 - safe ** steps) / (1 - safe))
    coef = factor * (vecs.T @ np.asarray(y, np.float64))
    return np.asarray(k_test_train, np.float64) @ (vecs @ coef)

# %% [markdown]
# ```{solution-end}
# ```

# %% tags=["check"]
ps03.gd_test_predictions(gd_test_predictions)

# %% [markdown]
# ## Problem 4: how fast does the erf NTK concentrate? (4 points)
#
# *Experiment, graded by hand (4 points).*
#
# ```{exercise} Width, depth and the empirical erf NTK
# :label: ps03-experiment
# Compare the empirical NTK of erf networks (`nets.mlp(..., activation="erf")`,
# `kernels.empirical_ntk`) with your `erf_ntk` on a fixed set of 10 to 20 inputs,
# for depths 1 and 3 and at least five widths spanning a factor 16. Report the
# relative Frobenius error against the width over at least five initializations,
# estimate the exponent of its decay with a confidence interval, and say how the
# depth changes it.
# ```
#
# ```{solution} ps03-experiment
# :class: dropdown
# *What to measure.* The relative error $\lVert\hat\Theta_m - \Theta\rVert_F /
# \lVert\Theta\rVert_F$ per width and seed, its mean (or median) and spread, and
# the slope of a log-log fit with an interval (bootstrap over seeds or the fit's
# standard error).
#
# *What a good answer finds.* A slope near $-1/2$ for both depths (the
# fluctuations of a mean of $m$ terms, Problem 1(b)) with an interval that
# includes it, and a larger constant for depth 3 (fluctuations of every layer
# add up). Matching the network's parametrization to `erf_ntk` (same
# $\sigma_w, \sigma_b$) is essential: a systematic offset that does not shrink
# with width signals a mismatch, and a good answer checks the infinite-width
# value before fitting.
#
# *Rubric (4 points).* Correct comparison with matched parametrization (1).
# Several seeds, a fitted exponent with an uncertainty (2). A conclusion about
# depth that the data support (1).
# ```
