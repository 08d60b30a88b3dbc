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
# These problems accompany lecture {ref}`lecture-equivariance`. Each asks you to
# write a short function or compute a number; the cell after your answer calls a
# checker from `ntk_course.checks.ps01`, which tests it on inputs you have not
# seen and prints ✓ or ✗ with a hint. Solutions are folded below each problem
# (hidden in the student edition).

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

from ntk_course import nets
from ntk_course.checks import ps01

# %% [markdown]
# ## Problem 1: gradient descent for linear regression
#
# ```{exercise} The GD map
# :label: ps1-gd
# Write `gd_linear(w0, X, Y, eta, steps)` returning the iterate $w_{\text{steps}}$
# of gradient descent $w_{t+1} = w_t - \eta X^\top(Xw_t - Y)$ on
# $\tfrac12\lVert Xw - Y\rVert^2$, with $X$ of shape $(n, d)$. Then check, for a
# random orthogonal $U$, that `gd_linear(U @ w0, X @ U.T, Y, ...)` equals
# `U @ gd_linear(w0, X, Y, ...)`.
# ```
#
# ```{solution-start} ps1-gd
# :class: dropdown
# ```

# %%
def gd_linear(w0, X, Y, eta, steps):
    w = np.array(w0, dtype=float)
    for _ in range(steps):
        w = w - eta * X.T @ (X @ w - Y)
    return w


assert ps01.gd_linear(gd_linear)
rng = np.random.default_rng(0)
X, Y, w0 = rng.normal(size=(8, 5)), rng.normal(size=8), rng.normal(size=5)
U = np.linalg.qr(rng.normal(size=(5, 5)))[0]
gap = np.abs(gd_linear(U @ w0, X @ U.T, Y, 0.02, 50) - U @ gd_linear(w0, X, Y, 0.02, 50)).max()
print(f"largest |w'_t - U w_t| after 50 steps: {gap:.1e}")
assert gap < 1e-10

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 2: rotating an MLP
#
# ```{exercise} The rotated initialization
# :label: ps1-rotate
# The first layer of `nets.mlp` computes `x @ W1 + b1` with `W1` of shape
# `(d, width)`; its parameters are a list whose first entry is `(W1, b1)`. Write
# `rotate_first_layer(params, U)` returning the parameters with which gradient
# descent on the rotated data $XU^\top$ reproduces, on rotated test points, every
# prediction of the original run.
# ```
#
# ```{solution-start} ps1-rotate
# :class: dropdown
# ```
#
# Since $(xU^\top)(UW_1) = xW_1$, replacing $W_1$ by $UW_1$ makes every activation
# equal; the induction of the lecture does the rest.

# %%
def rotate_first_layer(params, U):
    (W1, b1), *rest = params
    return [(U @ W1, b1), *rest]


assert ps01.rotate_first_layer(rotate_first_layer)

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 3: the error on unseen coordinates
#
# ```{exercise} Probability of an unseen coordinate
# :label: ps1-unseen
# On the basis-vector task with $n$ samples in dimension $d$, write
# `unseen_error(n, d)`: the probability that the test coordinate is absent from
# the training set, times $\tfrac12$ (the lower bound of the lecture's theorem).
# ```
#
# ```{solution-start} ps1-unseen
# :class: dropdown
# ```

# %%
def unseen_error(n, d):
    return 0.5 * (1.0 - 1.0 / d) ** n


assert ps01.unseen_error(unseen_error)

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 4: how many samples?
#
# ```{exercise} Samples for a target error
# :label: ps1-samples
# For $d = 100$, find the smallest $n$ for which the bound
# $\tfrac12(1 - 1/d)^n$ falls to $\varepsilon = 0.05$, and compare with $d$.
# ```
#
# ```{solution-start} ps1-samples
# :class: dropdown
# ```
#
# $(1 - 1/d)^n \le 2\varepsilon$ gives $n \ge \log(2\varepsilon)/\log(1 - 1/d)
# \approx d\log\frac{1}{2\varepsilon}$, about $2.3\,d$ here: the FC learner needs
# a few times $d$ samples before the bound allows 5% error.

# %%
n_needed = int(np.ceil(np.log(2 * 0.05) / np.log(1 - 1 / 100)))
print(n_needed)
assert ps01.samples_needed(n_needed)

# %% [markdown]
# ```{solution-end}
# ```
