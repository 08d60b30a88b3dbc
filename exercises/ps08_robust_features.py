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
# (ps-robust-features)=
# # Problem set 8: robust and non-robust features through the NTK
#
# These problems accompany lecture {ref}`lecture-robust-features`. Write each
# function, then run the checker named in the problem: it tests your answer on
# inputs you have not seen and prints ✓ or ✗ with a hint.

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

from ntk_course import kip
from ntk_course.checks import ps08

# %% [markdown]
# ## Problem 1: eigen-features
#
# ```{exercise} The eigen-feature values
# :label: ps8-features
# Given a training kernel `k_train` $(n\times n)$, labels `y_train` $(n)$ and the
# kernel `k_test_train` $(m\times n)$ between $m$ new points and the training points,
# write `my_feature_outputs(k_train, y_train, k_test_train)` returning the $(m\times n)$
# matrix of $f_i(x_j) = \frac{v_i^\top Y}{\lambda_i}K(x_j, X)v_i$, with the eigenvalues sorted
# from the largest. Check it with `ps08.feature_outputs(my_feature_outputs)`; then
# check on a small example that the rows sum to the kernel predictor.
# ```
#
# ```{solution-start} ps8-features
# :class: dropdown
# ```

# %%
def my_feature_outputs(k_train, y_train, k_test_train):
    vals, vecs = np.linalg.eigh(k_train)          # ascending order
    vals, vecs = vals[::-1], vecs[:, ::-1]        # largest first
    alpha = (vecs.T @ y_train) / vals
    return (k_test_train @ vecs) * alpha[None, :]


assert ps08.feature_outputs(my_feature_outputs)
rng = np.random.default_rng(0)
a = rng.normal(size=(6, 6))
k_small, y_small, kq_small = a @ a.T + np.eye(6), rng.choice([-1.0, 1.0], 6), rng.normal(size=(3, 6))
assert np.allclose(my_feature_outputs(k_small, y_small, kq_small).sum(axis=1),
                   kq_small @ np.linalg.solve(k_small, y_small))

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 2: usefulness
#
# ```{exercise} Normalized usefulness
# :label: ps8-usefulness
# Write `my_usefulness(outputs, y)` returning, for each column $f_i$ of `outputs`
# $(m\times n)$, the usefulness $\widehat\E[y f_i]$ divided by the root mean square
# $\sqrt{\widehat\E[f_i^2]}$ of that column, as in the lecture. Check it with
# `ps08.usefulness(my_usefulness)`. Why is the result always in $[-1, 1]$?
# ```
#
# ```{solution-start} ps8-usefulness
# :class: dropdown
# ```

# %%
def my_usefulness(outputs, y):
    return (y[:, None] * outputs).mean(axis=0) / np.sqrt((outputs ** 2).mean(axis=0))


assert ps08.usefulness(my_usefulness)

# %% [markdown]
# By Cauchy-Schwarz, $\lvert\widehat\E[y f]\rvert\le\sqrt{\widehat\E[y^2]}\sqrt{\widehat\E[f^2]}$ and $y^2 = 1$:
# the score is the cosine between the vectors $(y_j)$ and $(f_i(x_j))$.
#
# ```{solution-end}
# ```
#
# ## Problem 3: attacking a linear feature
#
# ```{exercise} The worst margin of a linear feature
# :label: ps8-linear
# For the linear feature $f(x) = w^\top x$, write `my_worst_linear_margin(w, x, y, eps)`
# returning, for each row $x_j$ of `x`, the smallest value of $y_j\,w^\top(x_j+\delta)$ over
# $\lVert\delta\rVert_\infty\le\epsilon$ (ignore the pixel box). Check it with
# `ps08.worst_linear_margin(my_worst_linear_margin)`.
# ```
#
# ```{solution-start} ps8-linear
# :class: dropdown
# ```

# %%
def my_worst_linear_margin(w, x, y, eps):
    # Hoelder: y w.delta >= -eps |w|_1, with equality at delta = -eps y sign(w).
    return y * (x @ w) - eps * np.abs(w).sum()


assert ps08.worst_linear_margin(my_worst_linear_margin)

# %% [markdown]
# The robustness gap of a linear feature is $\epsilon\lVert w\rVert_1$. For the
# eigen-features of the lecture, $w$ is replaced by the input gradient
# $\nabla f_i(x)$, which is why rough, high-frequency gradients mean fragile features.
#
# ```{solution-end}
# ```
#
# ## Problem 4: where the label energy sits
#
# ```{exercise} Label energy at the top of the spectrum
# :label: ps8-energy
# `ps08.digits_pair()` returns 100 training images of the digits 3 and 8 (pixels in
# $[0,1]$) and labels $\pm1$. With the NTK `kip.fc_ntk(depth=1)`, compute the share of the
# total training usefulness $\sum_i (v_i^\top Y)^2/n$ carried by the ten features with the
# largest eigenvalues. Store it in `share` and check it with
# `ps08.top_energy_share(share)`. Is the label energy concentrated at the top?
# ```
#
# ```{solution-start} ps8-energy
# :class: dropdown
# ```

# %%
x_pair, y_pair = ps08.digits_pair()
k_pair = np.asarray(kip.fc_ntk(depth=1)(x_pair, x_pair), dtype=np.float64)
vals_pair, vecs_pair = np.linalg.eigh(k_pair)
energy = (vecs_pair[:, ::-1].T @ y_pair) ** 2      # largest eigenvalue first
share = energy[:10].sum() / energy.sum()
print(f"top-10 share of the label energy: {share:.3f} (10 of {len(y_pair)} features)")
assert ps08.top_energy_share(share)
assert share > 0.5  # far above the 10% of an even spread

# %% [markdown]
# Ten features out of a hundred carry the printed share of the label energy, far
# more than the 10% an even spread would give: the labels are aligned with the top
# of the NTK spectrum. That is why the top features are the most useful ones on the
# training set, and why gradient descent, which fits them first, learns the task fast.
#
# ```{solution-end}
# ```
