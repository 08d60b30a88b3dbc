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
# These problems accompany lecture {ref}`lecture-robust-features`. They are worth
# 45 points: 15 checked automatically and 30 graded by hand.
#
# - A problem you answer in code starts with a cell that defines the function
#   you write, with `raise NotImplementedError` in place of its body. Replace that
#   line by your code, run the cell, then run the check cell under it: it calls a
#   checker from `ntk_course.checks.ps08`, which tests your function on inputs
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
import matplotlib.pyplot as plt
import numpy as np

from ntk_course import claims, data, kernels, plotting
from ntk_course.checks import ps08

# %% [markdown]
# ## Problem 1: centered usefulness (5 points)
#
# *Implementation, checked automatically (5 points).*
#
# ```{exercise} Centering the features
# :label: ps08-centered
# The lecture divides each feature by its root mean square and does not centre it,
# unlike {cite}`ilyas2019features`. Write `my_centered_usefulness(outputs, y)` returning,
# for each column $f_i$ of `outputs` $(m\times n)$, the usefulness of the centered and
# standardized feature $\tilde f_i = (f_i - \widehat\E f_i)/\widehat\sigma(f_i)$, i.e. $\widehat\E[y\tilde f_i]$, with
# the population standard deviation ($\widehat\sigma^2 = \widehat\E[(f_i - \widehat\E f_i)^2]$) and labels
# $y\in\{-1,+1\}^m$. By how much do the numerators of the centered and the uncentered
# score differ, and on which test sets can centering change which features look
# useful?
# ```

# %% tags=["stub"]
def my_centered_usefulness(outputs, y):
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps08-centered
# :class: dropdown
# ```

# %% tags=["solution"]
def my_centered_usefulness(outputs, y):
    outputs, y = np.asarray(outputs, dtype=float), np.asarray(y, dtype=float)
    centered = outputs - outputs.mean(axis=0)
    return (y[:, None] * centered).mean(axis=0) / centered.std(axis=0)

# %% [markdown]
# $\widehat\E[y(f - \widehat\E f)] = \widehat\E[yf] - \widehat\E[y]\,\widehat\E f$: the numerators differ by the
# product of the label imbalance and the feature's mean. On a test set with
# unequal classes, a feature with a large constant part (the top eigen-feature of
# an NTK often is one) gets credit or blame for the imbalance alone in the
# uncentered score; centering removes it. The denominators differ as well: the
# standard deviation against the root mean square.
#
# ```{solution-end}
# ```

# %% tags=["check"]
ps08.centered_usefulness(my_centered_usefulness)

# %% [markdown]
# ## Problem 2: the eigen-features of the linear kernel (10 points)
#
# *Derivation, graded by hand (10 points).*
#
# ```{exercise} Linear features, exact robustness
# :label: ps08-linear-proof
# Take the linear kernel $K(x, x') = x^\top x'$ and $n\le d$ training inputs, the rows
# of $X\in\mathbb R^{n\times d}$, with $XX^\top$ invertible. Write the singular value
# decomposition $X = \sum_{i=1}^n \sqrt{\lambda_i}\,v_i u_i^\top$ ($v_i\in\mathbb R^n$,
# $u_i\in\mathbb R^d$ orthonormal).
#
# (a) Show that the eigen-feature $f_i$ of {prf:ref}`thm-eigen-features` is the linear
# function $f_i(x) = c_i\,u_i^\top x$ and give $c_i$ in terms of $\lambda_i$, $v_i$ and $Y$.
#
# (b) Ignoring the pixel box, compute the worst margin
# $\min_{\lVert\delta\rVert_\infty\le\epsilon} y\,f_i(x+\delta)$ exactly, and show that the normalized
# robustness gap of {eq}`eq-u-r` is
# $u_i - r_i = \epsilon\,\lVert u_i\rVert_1\big/\sqrt{\widehat\E[(u_i^\top x)^2]}$: it does not depend on
# the labels at all.
#
# (c) Use (b) to explain which eigen-features of the linear kernel are fragile when
# the data varies little in most directions of $\mathbb R^d$ (as images do).
# ```
#
# ```{solution} ps08-linear-proof
# :class: dropdown
# (a) $XX^\top = \sum_i\lambda_i v_iv_i^\top$, so the $(\lambda_i, v_i)$ are the eigenpairs of $K(X,X)$.
# For a new input, $K(x, X)v_i = x^\top X^\top v_i = \sqrt{\lambda_i}\,u_i^\top x$ (since
# $X^\top v_i = \sqrt{\lambda_i}u_i$ by orthonormality of the $v_j$). Hence
# $f_i(x) = \frac{v_i^\top Y}{\lambda_i}\sqrt{\lambda_i}\,u_i^\top x$: $c_i = v_i^\top Y/\sqrt{\lambda_i}$.
#
# (b) $f_i$ is linear with weight $c_iu_i$, so by Hölder
# $\min_\delta y f_i(x+\delta) = y f_i(x) - \epsilon\lvert c_i\rvert\lVert u_i\rVert_1$. The scale of {eq}`eq-u-r` is
# $s_i = \lvert c_i\rvert\sqrt{\widehat\E[(u_i^\top x)^2]}$, so
# $u_i - r_i = \widehat\E[\epsilon\lvert c_i\rvert\lVert u_i\rVert_1]/s_i = \epsilon\lVert u_i\rVert_1/\sqrt{\widehat\E[(u_i^\top x)^2]}$: the
# labels enter only through $c_i$, which cancels.
#
# (c) $\lVert u_i\rVert_1\in[1,\sqrt d]$ is of the same order for all dense directions, while
# $\widehat\E[(u_i^\top x)^2]$ is, for test data resembling the training data, of the order
# of $\lambda_i/n$: the variance of the data along $u_i$. The bottom features point in
# directions where the data barely varies, so a perturbation of size $\epsilon$ per
# pixel is large compared with the feature's typical value: they are the
# non-robust ones, and the top features the robust ones. (This is the linear
# analogue of the picture measured for the NTK in the lecture.)
#
# **Rubric (10).** (a) 3: eigenpairs of $K(X,X)$ from the SVD (1), $K(x,X)v_i$ (1), $c_i$ (1).
# (b) 4: Hölder with the absolute value of $c_i$ (2), the cancellation of $c_i$ (2).
# (c) 3: relating the denominator to $\lambda_i$ (2), the conclusion (1).
# ```
#
# ## Problem 3: usefulness and robustness of linear features (15 points)
#
# *Implementation, checked automatically (10 points); application, graded by hand (5 points).*
#
# ```{exercise} The scores without an attack
# :label: ps08-linear-scores
# Write `my_linear_feature_scores(x_train, y_train, x_test, y_test, eps)` returning a
# pair `(u, r)` of arrays of shape $(n,)$: the usefulness $u_i$ and robust usefulness
# $r_i$ of {eq}`eq-u-r` for the eigen-features of the linear kernel, ordered by
# descending eigenvalue, with the exact box-free worst margins of Problem 2
# (no PGD). Labels are $\pm1$, $n\le d$.
#
# Then, by hand, apply it to 60 training images of the digits 3 and 8
# (`data.digits(standardize=False)`, $\epsilon = 0.05$) and plot $u_i$ and $r_i$ against
# $i$. Which features are useful, which are robust, and how does the picture
# compare with the lecture's NTK features?
# ```

# %% tags=["stub"]
def my_linear_feature_scores(x_train, y_train, x_test, y_test, eps):
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps08-linear-scores
# :class: dropdown
# ```

# %% tags=["solution"]
def my_linear_feature_scores(x_train, y_train, x_test, y_test, eps):
    x_train, x_test = np.asarray(x_train, float), np.asarray(x_test, float)
    y_train, y_test = np.asarray(y_train, float), np.asarray(y_test, float)
    vals, vecs = np.linalg.eigh(x_train @ x_train.T)
    vals, vecs = vals[::-1], vecs[:, ::-1]                 # largest eigenvalue first
    weights = x_train.T @ vecs * ((vecs.T @ y_train) / vals)   # column i: weight of f_i
    outputs = x_test @ weights                               # f_i(x_j), (m, n)
    scale = np.sqrt(np.mean(outputs ** 2, axis=0))
    u = np.mean(y_test[:, None] * outputs, axis=0) / scale
    worst = y_test[:, None] * outputs - eps * np.abs(weights).sum(axis=0)
    return u, np.mean(worst, axis=0) / scale

# %% [markdown]
# The hand-graded part, on the digits:

# %% tags=["solution"]
pair = data.select_classes(data.digits(n_train=1000, n_test=797, standardize=False), [3, 8])
x_tr, y_tr = pair.x_train[:60], 2.0 * pair.y_train[:60] - 1.0
x_te, y_te = pair.x_test, 2.0 * pair.y_test - 1.0
u_dig, r_dig = my_linear_feature_scores(x_tr, y_tr, x_te, y_te, 0.05)
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.plot(u_dig, "o", ms=3, label="usefulness $u_i$")
ax.plot(r_dig, "s", ms=3, mfc="none", label="robust usefulness $r_i$")
ax.axhline(0, color="k", lw=0.5)
ax.set(xlabel="feature index $i$ (descending eigenvalue)", ylabel="score")
ax.legend()
plotting.glue_figure("fig-ps08-linear-scores", fig)
half = len(u_dig) // 2
claims.greater("mean gap u - r, bottom half minus top half of the spectrum",
               np.mean((u_dig - r_dig)[half:]) - np.mean((u_dig - r_dig)[:half]), 0.0)
claims.greater("fraction of bottom-half features with negative robust usefulness",
               np.mean(r_dig[half:] < 0), 0.5, glue="ps08-neg-bottom", fmt=".2f")
claims.greater("mean usefulness, top ten minus bottom half",
               np.mean(u_dig[:10]) - np.mean(u_dig[half:]), 0.0)

# %% [markdown]
# ```{glue:figure} fig-ps08-linear-scores
# :name: fig-ps08-linear-scores
# :alt: Usefulness and robust usefulness of the sixty linear-kernel eigen-features on the digits 3 and 8, against the feature index.
#
# Usefulness (dots) and robust usefulness (squares) of the eigen-features of the
# linear kernel on the digits 3 and 8.
# ```
#
# The useful features sit at the top of the spectrum and so do the robust ones:
# the gap $u_i - r_i$ grows quickly down the spectrum, as Problem 2 (c) predicts,
# and a share {glue:text}`ps08-neg-bottom` of the bottom half of the features has
# negative robust usefulness. As for the NTK in the
# lecture, robustness lives at the top of the spectrum; for the linear kernel this
# is exact, with no attack involved.
#
# **Rubric (5).** Correct application and a readable figure (2), the answer
# "useful and robust features are at the top, the gap grows down the spectrum"
# supported by the figure (2), the comparison with the lecture (1).
#
# ```{solution-end}
# ```

# %% tags=["check"]
ps08.linear_feature_scores(my_linear_feature_scores)

# %% [markdown]
# ## Problem 4: does keeping only the top features buy robustness? (15 points)
#
# *Experiment, graded by hand (15 points).*
#
# ```{exercise} Spectral truncation as a defence
# :label: ps08-experiment
# The lecture found robust features at the top of the NTK spectrum. Test whether a
# predictor built from them is robust: on the digits 3 vs 8 with the NTK of
# `kernels.fc_ntk(depth=1)`, form $f^{(k)} = \sum_{i\le k} f_i$ for several $k$ and measure its
# clean accuracy and its robust accuracy under an $\ell_\infty$ PGD attack on the whole
# predictor $f^{(k)}$ (not on single features). Compare with a control that smooths
# the predictor differently at matched clean accuracy: kernel ridge regression with
# a ridge $\mu$, or early stopping (the gradient-flow formula of the lecture).
#
# **Rubric (15).** The truncated predictor and the attack implemented correctly,
# with a check that the attack is not weak (more steps or restarts change nothing;
# robust accuracy goes to zero for a large radius) (4). Clean and robust accuracy
# against $k$ with error bars from several training sets (3). The control compared
# at matched clean accuracy, not at matched $k$ (3). A conclusion that follows from
# the numbers, including the possibility that truncation does *not* help, as the
# lecture's early-stopping exercise found for the full predictor (3). An
# explanation of the mechanism in terms of feature sizes and gradients (2).
# ```
