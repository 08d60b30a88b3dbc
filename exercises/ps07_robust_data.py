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
# (ps-robust-data)=
# # Problem set 7: robustness needs more data, and costs accuracy
#
# These problems accompany lecture {ref}`lecture-robust-data`. They are worth
# 50 points: 17 checked automatically and 33 graded by hand.
#
# - A problem you answer in code starts with a cell that defines the function
#   you write, with `raise NotImplementedError` in place of its body. Replace that
#   line by your code, run the cell, then run the check cell under it: it calls a
#   checker from `ntk_course.checks.ps07`, which tests your function on inputs
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

from ntk_course import claims, toy_models
from ntk_course.checks import ps07

# %% [markdown]
# ## Problem 1: the accuracy of the mixed classifiers (10 points)
#
# *Derivation, graded by hand (10 points).*
#
# ```{exercise} Deriving the robust accuracy in the Tsipras model
# :label: ps07-tsipras-accuracy
# In the model of {prf:ref}`def-tsipras-model` the lecture states, without proof, the
# robust accuracy {eq}`eq-tsipras-accuracy` of $\mathrm{sign}(\alpha x_0 + \bar x)$,
# $\alpha\ge0$, $\bar x = \frac1d\sum_{i=1}^d x_i$, against an $\ell_\infty$ adversary of radius
# $\epsilon$ that may move **every** coordinate, $x_0$ included.
#
# (a) Find the adversary's best perturbation and the smallest margin
# $\min_{\delta} y\,(\alpha(x_0+\delta_0) + \overline{x+\delta})$ it produces.
#
# (b) Condition on the event $x_0 = y$ and on its complement, compute the law of
# $y\bar x$, and derive {eq}`eq-tsipras-accuracy`.
#
# (c) Give the limits of the clean and robust accuracies as $\alpha\to0$ and
# $\alpha\to\infty$ for $\epsilon = 2\eta < 1$, and say which end of the family is
# the accurate one and which the robust one.
# ```
#
# ```{solution} ps07-tsipras-accuracy
# :class: dropdown
# (a) The score is linear, $s(x) = v^\top x$ with $v = (\alpha, 1/d, \dots, 1/d)$, so by
# Hölder the smallest margin is $y\,s(x) - \epsilon\lVert v\rVert_1 = y\,s(x) - \epsilon(\alpha + 1)$,
# attained at $\delta = -\epsilon\,y\,(1, 1, \dots, 1)$ (every coordinate against the label;
# $\alpha\ge0$ fixes the sign on $x_0$).
#
# (b) Given $y$, the weak features are independent $\mathcal N(\eta y, 1)$, so
# $y\bar x\sim\mathcal N(\eta, 1/d)$ whatever $y$ is, independent of $x_0$. On $\{y x_0 = 1\}$
# (probability $p$) the attacked prediction is right iff
# $\alpha + y\bar x - \epsilon(\alpha+1) > 0$, i.e. $y\bar x > \epsilon - \alpha(1-\epsilon)$, which has
# probability $\Phi\big(\sqrt d\,[\eta - \epsilon + \alpha(1-\epsilon)]\big)$. On $\{y x_0 = -1\}$
# (probability $1-p$) it is right iff $y\bar x > \alpha + \epsilon(\alpha + 1)$, probability
# $\Phi\big(\sqrt d\,[\eta - \epsilon - \alpha(1+\epsilon)]\big)$. Summing with the weights $p$, $1-p$
# gives {eq}`eq-tsipras-accuracy` ($\epsilon = 0$ gives the clean accuracy).
#
# (c) $\alpha\to0$: clean $\Phi(\eta\sqrt d)$, robust $\Phi((\eta-\epsilon)\sqrt d) = \Phi(-\eta\sqrt d)$
# for $\epsilon = 2\eta$: the accurate, fragile end. $\alpha\to\infty$ with $\epsilon<1$: the
# first term tends to $p$ and the second to $0$, for both accuracies: clean and
# robust accuracy $p$, the robust end.
#
# **Rubric (10).** (a) 3: the optimal $\delta$ including its $x_0$ component (1), the
# margin with $\lVert v\rVert_1 = \alpha+1$ (2). (b) 5: law of $y\bar x$ and its
# independence from $x_0$ (2), the two conditional probabilities (2), the
# combination (1). (c) 2. A "derivation" that starts from the formula it should
# produce gets at most 3.
# ```
#
# ## Problem 2: the most robust linear classifier (15 points)
#
# *Proof, graded by hand (5 points); implementation, checked automatically (10 points).*
#
# ```{exercise} Soft thresholding is robust
# :label: ps07-robust-direction
# In the Gaussian model $x\sim\mathcal N(y\theta, \sigma^2 I_d)$ of the lecture, but
# now with an **arbitrary** mean $\theta\in\mathbb R^d$, the robust error of
# $\mathrm{sign}(w^\top x)$ is $\Phi\big(-J(w)/\sigma\big)$ with
# $J(w) = (w^\top\theta - \epsilon\lVert w\rVert_1)/\lVert w\rVert_2$ ({eq}`eq-gaussian-errors`).
#
# (a) Show that $w^\top\theta - \epsilon\lVert w\rVert_1 = \min_{\lVert\delta\rVert_\infty\le\epsilon} w^\top(\theta-\delta)$,
# deduce $J(w)\le\min_{\lVert\delta\rVert_\infty\le\epsilon}\lVert\theta-\delta\rVert_2$, and find a $w$ that
# attains the bound (assume some $\lvert\theta_i\rvert > \epsilon$).
#
# (b) Write `my_robust_direction(theta, eps)` returning such a $w$ (any positive
# multiple is accepted). The checker compares $J$ of your $w$ with the optimum.
# Is the standard Bayes direction $w = \theta$ optimal for the adversary of radius
# $\epsilon > 0$?
# ```

# %% tags=["stub"]
def my_robust_direction(theta, eps):
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps07-robust-direction
# :class: dropdown
# ```
#
# (a) Hölder gives $\min_{\lVert\delta\rVert_\infty\le\epsilon}(-w^\top\delta) = -\epsilon\lVert w\rVert_1$. For every
# feasible $\delta$, $J(w)\le w^\top(\theta-\delta)/\lVert w\rVert_2\le\lVert\theta-\delta\rVert_2$ by
# Cauchy-Schwarz, so $J(w)\le\min_\delta\lVert\theta-\delta\rVert_2$. The minimizing $\delta$ is the
# projection of $\theta$ onto the cube, $\delta^\star_i = \mathrm{clip}(\theta_i, -\epsilon, \epsilon)$, and
# $s := \theta - \delta^\star$ is the soft thresholding
# $s_i = \mathrm{sign}(\theta_i)\max(\lvert\theta_i\rvert-\epsilon, 0)$. With $w = s$:
# $s^\top\theta - \epsilon\lVert s\rVert_1 = \sum_{\lvert\theta_i\rvert>\epsilon}(\lvert\theta_i\rvert-\epsilon)\lvert\theta_i\rvert - \epsilon(\lvert\theta_i\rvert-\epsilon) = \lVert s\rVert_2^2$,
# so $J(s) = \lVert s\rVert_2$ and the bound is attained. The robust classifier ignores
# the coordinates whose signal is below the adversary's budget and shrinks the
# others; $w = \theta$ is optimal only when all $\lvert\theta_i\rvert$ are equal (then $s\propto\theta$).
#
# **Rubric (5).** Hölder identity (1), the bound through Cauchy-Schwarz for every
# $\delta$ (2), the soft-threshold maximizer with the verification $J(s) = \lVert s\rVert$ (2).

# %% tags=["solution"]
def my_robust_direction(theta, eps):
    theta = np.asarray(theta, dtype=float)
    return np.sign(theta) * np.maximum(np.abs(theta) - eps, 0.0)

# %% [markdown]
# ```{solution-end}
# ```

# %% tags=["check"]
ps07.robust_direction(my_robust_direction)

# %% [markdown]
# ## Problem 3: the Bayes classifier of the Tsipras model (10 points)
#
# *Derivation and implementation, checked automatically (7 points); evaluation, graded by hand (3 points).*
#
# ```{exercise} The most accurate classifier is in the family
# :label: ps07-bayes
# In the model of {prf:ref}`def-tsipras-model` with a general $\eta > 0$, write the
# log-likelihood ratio $\log\frac{P(x\mid y=+1)}{P(x\mid y=-1)}$ and show that the Bayes
# (most accurate) classifier is $\mathrm{sign}(\alpha^\star x_0 + \bar x)$ for one
# $\alpha^\star > 0$. Write `my_bayes_alpha(p, eta, d)` returning $\alpha^\star$ (checked
# automatically). Then, by hand, evaluate its clean and robust accuracy for
# $d = 1000$, $p = 0.9$, $\eta = 2/\sqrt d$, $\epsilon = 2\eta$ with
# `toy_models.FeatureModel(...).accuracy`, and place it relative to the trade-off
# bound of {prf:ref}`thm-tsipras`.
# ```

# %% tags=["stub"]
def my_bayes_alpha(p, eta, d):
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps07-bayes
# :class: dropdown
# ```
#
# Given $y$, $x_0$ and the weak features are independent, so the log-likelihood
# ratio is the sum of $x_0\log\frac{p}{1-p}$ (it is $\pm\log\frac p{1-p}$ for $x_0 = \pm1$)
# and $\sum_i\big[(x_i+\eta)^2 - (x_i-\eta)^2\big]/2 = 2\eta\sum_i x_i = 2\eta d\,\bar x$. With
# uniform labels the Bayes rule is the sign of this ratio, i.e.
# $\mathrm{sign}(\alpha^\star x_0 + \bar x)$ with $\alpha^\star = \log\frac p{1-p}\big/(2\eta d)$.

# %% tags=["solution"]
def my_bayes_alpha(p, eta, d):
    return float(np.log(p / (1 - p)) / (2 * eta * d))

# %% [markdown]
# The hand-graded part: the Bayes classifier against the bound.

# %% tags=["solution"]
d_b, p_b = 1000, 0.9
model_b = toy_models.FeatureModel(d=d_b, p=p_b, eta=2 / np.sqrt(d_b))
alpha_b = my_bayes_alpha(p_b, model_b.eta, d_b)
clean_b = float(model_b.accuracy(alpha_b))
robust_b = float(model_b.accuracy(alpha_b, 2 * model_b.eta))
bound_b = float(model_b.tradeoff_bound(1 - clean_b))
claims.glue("ps07-alpha", alpha_b, ".4f")
claims.greater("clean accuracy: Bayes classifier minus weak-feature average",
               clean_b - float(model_b.accuracy(0.0)), 0.0, glue="ps07-gain", fmt=".4f")
claims.glue("ps07-clean", clean_b, ".3f")
claims.less("robust accuracy of the Bayes classifier (at most the bound)", robust_b, bound_b,
            glue="ps07-robust", fmt=".3f")
claims.glue("ps07-bound", bound_b, ".3f")

# %% [markdown]
# The Bayes classifier puts the small weight $\alpha^\star =$ {glue:text}`ps07-alpha` on the
# robust feature. Its clean accuracy {glue:text}`ps07-clean` exceeds that of the
# weak-feature average by {glue:text}`ps07-gain`, and under attack it keeps only
# {glue:text}`ps07-robust`, below the bound {glue:text}`ps07-bound` of
# {prf:ref}`thm-tsipras`; the bound itself is small because the clean error is small.
#
# **Rubric (3).** Correct accuracies from the formula (1), the comparison with the
# bound and with $\alpha = 0$ (1), the conclusion that the most accurate classifier
# is not robust (1).
#
# ```{solution-end}
# ```

# %% tags=["check"]
ps07.bayes_alpha(my_bayes_alpha)

# %% [markdown]
# ## Problem 4: can a better estimator beat the $\sqrt d$ law? (15 points)
#
# *Experiment, graded by hand (15 points).*
#
# ```{exercise} Sample complexity of a soft-thresholding learner
# :label: ps07-experiment
# In the Gaussian model of the lecture ($\theta^\star = \mathbf 1$, $\sigma = c\,d^{1/4}$,
# $c = 1/2$, $\ell_\infty$ radius $\epsilon$), Problem 2 suggests a learner: soft-threshold
# the averaging estimate $\hat w$ at a level $\tau$. Measure, for several $d$ and at
# least two radii $\epsilon$, the number of samples $n^\star(d)$ at which the robust
# error falls below 10%, for the averaging classifier and for the soft-thresholded
# one (with $\tau$ chosen on data that is not the test data, or with a justified rule).
# Fit the exponent of $n^\star$ against $d$ for both, and state whether soft
# thresholding changes the exponent, the constant, or neither.
#
# **Rubric (15).** Exact robust errors from {eq}`eq-gaussian-errors` (or a simulation
# with enough test points, with its error bar) averaged over several training draws
# (3). A fair choice of $\tau$, not tuned on the quantity reported (3). $n^\star(d)$ for
# at least four dimensions spanning two decades, for both learners, in a figure with
# fits and uncertainties (4). A conclusion consistent with the lower bound of
# {cite}`schmidt2018adversarially`, which holds for every learner: an apparent
# exponent below $1/2$ must be discussed as a pre-asymptotic effect (the lecture's
# own fit is below $1/2$) rather than claimed as beating the law (3). A short
# explanation of *why* thresholding helps or not (e.g. what it does to
# $\lVert\hat w\rVert_1$) (2).
# ```
