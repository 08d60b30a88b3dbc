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
# (ps-adversarial)=
# # Problem set 6: adversarial examples and adversarial training
#
# These problems accompany lecture {ref}`lecture-adversarial`. They are worth
# 45 points: 20 checked automatically and 25 graded by hand.
#
# - A problem you answer in code starts with a cell that defines the function
#   you write, with `raise NotImplementedError` in place of its body. Replace that
#   line by your code, run the cell, then run the check cell under it: it calls a
#   checker from `ntk_course.checks.ps06`, which tests your function on inputs
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

from ntk_course import claims, data
from ntk_course.checks import ps06

# %% [markdown]
# ## Problem 1: adversarial training of a linear model is a convex problem (10 points)
#
# *Proof, graded by hand (10 points).*
#
# ```{exercise} The exact robust loss of a linear classifier
# :label: ps06-robust-loss-proof
# Let $f(x) = w^\top x + b$ with $w\in\mathbb R^d$, labels $y\in\{-1,+1\}$, and let
# $\ell:\mathbb R\to\mathbb R$ be a non-increasing function of the margin $m = y f(x)$
# (the logistic loss $\ell(m) = \log(1+e^{-m})$, the hinge loss $\max(0, 1-m)$, ...).
#
# (a) Prove that, without the pixel box,
# $\max_{\lVert\delta\rVert_\infty\le\epsilon}\ \ell\big(y f(x+\delta)\big) = \ell\big(y f(x) - \epsilon\lVert w\rVert_1\big)$,
# and give a maximizer.
#
# (b) Prove that if $\ell$ is moreover convex, the robust training objective
# $R(w, b) = \frac1n\sum_{j=1}^n \ell\big(y_j(w^\top x_j + b) - \epsilon\lVert w\rVert_1\big)$ is
# convex in $(w, b)$. What does this say about adversarial training of linear
# models compared with adversarial training of networks?
#
# (c) With the box constraint $x+\delta\in[0,1]^d$, is the formula of (a) still an
# equality? Give the exact robust margin in that case.
# ```
#
# ```{solution} ps06-robust-loss-proof
# :class: dropdown
# (a) $y f(x+\delta) = y f(x) + y\,w^\top\delta$ and, by Hölder's inequality,
# $y\,w^\top\delta\ge-\lVert w\rVert_1\lVert\delta\rVert_\infty\ge-\epsilon\lVert w\rVert_1$, with equality at
# $\delta^\star = -\epsilon\,y\,\mathrm{sign}(w)$. So the smallest margin over the ball is
# $y f(x) - \epsilon\lVert w\rVert_1$, and since $\ell$ is non-increasing the largest loss is
# $\ell$ of the smallest margin, attained at $\delta^\star$.
#
# (b) For each $j$, $m_j(w, b) = y_j(w^\top x_j + b) - \epsilon\lVert w\rVert_1$ is a linear
# function minus a norm, hence concave. If $\ell$ is convex and non-increasing and
# $m$ concave, then for $\theta\in[0,1]$:
# $\ell(m(\theta u + (1-\theta)v)) \le \ell(\theta m(u) + (1-\theta)m(v)) \le \theta\ell(m(u)) + (1-\theta)\ell(m(v))$,
# the first inequality because $m(\theta u + (1-\theta) v)\ge\theta m(u) + (1-\theta)m(v)$ and
# $\ell$ is non-increasing, the second by convexity of $\ell$. An average of convex
# functions is convex. So adversarial training of a linear model is a convex
# problem with a closed-form inner maximization: gradient descent finds the global
# robust optimum, and no attack is needed. For networks the inner maximum has no
# closed form, PGD only finds a local maximizer, and the outer problem is not convex.
#
# (c) No: the box can forbid the move $-\epsilon\,y\,\mathrm{sign}(w_i)$ of a pixel at $0$ or
# $1$, so (a) becomes an upper bound on the loss. The problem still separates over
# coordinates: $\delta_i\in[\max(-\epsilon, -x_i), \min(\epsilon, 1-x_i)] =: [a_i, b_i]$ and the
# exact worst margin is $y f(x) + \sum_i \min(y w_i a_i,\ y w_i b_i)$.
#
# **Rubric (10).** (a) 4: Hölder with the equality case (2), the monotonicity
# argument for $\ell$ (1), a maximizer (1). (b) 4: concavity of the margin (1), the
# composition argument written out, not only quoted (2), the comparison with
# networks (1). (c) 2: "no, an upper bound" (1), the per-coordinate formula (1).
# ```
#
# ## Problem 2: the exact robust logistic loss (10 points)
#
# *Implementation, checked automatically (10 points).*
#
# ```{exercise} Robust loss without an attack
# :label: ps06-robust-loss
# Using Problem 1, write `my_robust_logistic_loss(w, b, x, y, eps)` returning the mean
# over the rows of `x` $(n\times d)$ of the worst-case logistic loss
# $\max_{\lVert\delta\rVert_\infty\le\epsilon}\log\big(1 + e^{-y_j(w^\top(x_j+\delta)+b)}\big)$ (no box),
# with `y` in $\{-1,+1\}^n$. It must stay finite for margins of size $10^3$
# (hint: `np.logaddexp`).
# ```

# %% tags=["stub"]
def my_robust_logistic_loss(w, b, x, y, eps):
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps06-robust-loss
# :class: dropdown
# ```

# %% tags=["solution"]
def my_robust_logistic_loss(w, b, x, y, eps):
    w, x, y = np.asarray(w, float), np.asarray(x, float), np.asarray(y, float)
    margin = y * (x @ w + b) - eps * np.abs(w).sum()      # Problem 1 (a)
    return float(np.mean(np.logaddexp(0.0, -margin)))     # log(1 + e^-m) without overflow

# %% [markdown]
# ```{solution-end}
# ```

# %% tags=["check"]
ps06.robust_logistic_loss(my_robust_logistic_loss)

# %% [markdown]
# ## Problem 3: PGD with projection and random start (10 points)
#
# *Implementation, checked automatically (10 points): the checker compares your final
# point with a reference on linear and non-linear losses, and checks the random start.*
#
# ```{exercise} Projected gradient ascent in the $\ell_\infty$ ball
# :label: ps06-pgd
# Write `my_pgd(grad_fn, x, eps, step, steps, rng)` for a batch `x` of shape $(n, d)$
# with entries in $[0, 1]$, using numpy only:
#
# 1. random start: draw $\delta_0$ with **one** call `rng.uniform(-eps, eps, size=x.shape)`
#    (`rng` is a `numpy.random.Generator`) and start from $x^0 = \mathrm{clip}(x + \delta_0, 0, 1)$;
# 2. `steps` times: $x^{k+1} = \Pi\big(x^k + \text{step}\cdot\mathrm{sign}(\texttt{grad\_fn}(x^k))\big)$,
#    where `grad_fn` returns the gradient of the loss in $x$ (same shape as $x$) and
#    $\Pi$ projects each row onto the intersection of the $\ell_\infty$ ball of radius
#    `eps` around the clean row and the box $[0,1]^d$;
# 3. return $x^{\text{steps}}$ (with `steps = 0`, the random start).
#
# Explain in one sentence why clipping first to $[x-\epsilon, x+\epsilon]$ and then to
# $[0, 1]$ is the Euclidean projection onto the intersection, and why the random
# start matters for losses whose gradient vanishes at the clean point.
# ```

# %% tags=["stub"]
def my_pgd(grad_fn, x, eps, step, steps, rng):
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps06-pgd
# :class: dropdown
# ```

# %% tags=["solution"]
def my_pgd(grad_fn, x, eps, step, steps, rng):
    x = np.asarray(x, dtype=float)
    low, high = np.maximum(x - eps, 0.0), np.minimum(x + eps, 1.0)   # the feasible box
    xa = np.clip(x + rng.uniform(-eps, eps, size=x.shape), 0.0, 1.0)
    for _ in range(steps):
        xa = np.clip(xa + step * np.sign(grad_fn(xa)), low, high)
    return xa

# %% [markdown]
# Both sets are products of intervals, so the projection acts coordinate by
# coordinate; the two intervals $[x_i-\epsilon, x_i+\epsilon]$ and $[0,1]$ both contain
# $x_i$, so clipping to one and then the other lands in their intersection at the
# nearest point. At the clean point the gradient of a loss such as TRADES's KL
# term is zero and $\mathrm{sign}(0) = 0$: without a random start PGD never moves.
#
# ```{solution-end}
# ```

# %% tags=["check"]
ps06.pgd(my_pgd)

# %% [markdown]
# ## Problem 4: exact adversarial training on the digits (15 points)
#
# *Experiment, graded by hand (15 points).*
#
# ```{exercise} The price of exact robustness
# :label: ps06-experiment
# Take the digits 3 and 8 of `data.digits(standardize=False)` (pixels in $[0,1]$) and
# train logistic regressions by gradient descent on your robust loss of Problem 2
# for several training radii $\epsilon_{\text{train}}$ (including $0$). For each
# model, report the clean test accuracy and the robust test accuracy against the
# $\ell_\infty$ adversary of radius $\epsilon_{\text{test}}$ for a few radii.
# Decide, with evidence, (i) how much clean accuracy robustness costs here,
# (ii) whether the robust accuracy of the linear model computed from Problem 1
# agrees with what your PGD of Problem 3 finds (with and without the box), and
# (iii) what the robust weights look like as $8\times8$ images compared with the
# standard ones.
#
# **Rubric (15).** Setup stated (data, split, optimizer, steps, radii) and a tuned
# baseline: the $\epsilon_{\text{train}} = 0$ model is trained to convergence (3).
# A table or figure of clean and robust accuracy against both radii, with the
# spread over at least three seeds or train/test splits (4). The closed form and
# PGD compared: they agree without the box, and PGD is weaker than the box-free
# formula (never stronger) when pixels sit at $0$ or $1$; a discrepancy in the other
# direction is a bug (3). Weight images shown and interpreted, e.g. robust weights
# sparser and concentrated on the strokes that separate 3 from 8 (3). Conclusions
# that follow from the measurements, with the resolution of the test set stated
# (2). An answer that reports a single run, or claims a trade-off smaller than its
# own error bars, loses the corresponding points.
# ```
#
# ```{solution-start} ps06-experiment
# :class: dropdown
# ```
#
# A reference run, smaller than the rubric asks (three splits, two training radii,
# no weight images): exact robust training with the loss of Problem 2, then the
# closed form of Problem 1 against a PGD attack inside the box.

# %% tags=["solution"]
def train_linear(x, y, eps, steps=1000, lr=2.0):
    """Full-batch (sub)gradient descent on the exact robust logistic loss, from zero."""
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        margin = y * (x @ w + b) - eps * np.abs(w).sum()
        slope = -0.5 * (1.0 - np.tanh(margin / 2))          # d loss / d margin = -sigmoid(-m)
        w = w - lr * np.mean(slope[:, None] * (y[:, None] * x - eps * np.sign(w)), axis=0)
        b = b - lr * np.mean(slope * y)
    return w, b


eps_test, runs = 0.1, []
for split in range(3):
    pair = data.select_classes(data.digits(n_train=1000, n_test=797, seed=split,
                                           standardize=False), [3, 8])
    x_tr, x_te = pair.x_train.astype(float), pair.x_test.astype(float)
    y_tr, y_te = 2.0 * pair.y_train - 1.0, 2.0 * pair.y_test - 1.0
    for eps_train in (0.0, eps_test):
        w, b = train_linear(x_tr, y_tr, eps_train)
        margin = y_te * (x_te @ w + b)
        exact = np.mean(margin - eps_test * np.abs(w).sum() > 0)
        # PGD of Problem 3 on the loss -margin, inside the box
        attack = my_pgd(lambda xa, w=w: -y_te[:, None] * w[None, :], x_te, eps_test,
                        eps_test / 4, 10, np.random.default_rng(split))
        in_box = np.mean(y_te * (attack @ w + b) > 0)
        runs.append(dict(split=split, eps_train=eps_train, clean=np.mean(margin > 0),
                         exact=exact, pgd=in_box))

table = {e: {k: np.array([r[k] for r in runs if r["eps_train"] == e])
             for k in ("clean", "exact", "pgd")} for e in (0.0, eps_test)}
for e, row in table.items():
    print(f"eps_train = {e:.2f}: clean {row['clean'].mean():.3f} ± {row['clean'].std():.3f}, "
          f"robust (formula, no box) {row['exact'].mean():.3f}, robust (PGD in the box) "
          f"{row['pgd'].mean():.3f}")
claims.holds("PGD inside the box never beats the box-free closed form",
             all(r["pgd"] >= r["exact"] for r in runs))
claims.greater("robust accuracy (formula) at eps = 0.1, robust minus standard training, worst split",
               np.min(table[eps_test]["exact"] - table[0.0]["exact"]), 0.0, glue="ps06-gain",
               fmt=".3f")
claims.glue("ps06-clean-change", np.mean(table[eps_test]["clean"] - table[0.0]["clean"]), "+.3f")

# %% [markdown]
# On every split, robust training raises the robust accuracy at $\epsilon = 0.1$ (by at
# least {glue:text}`ps06-gain`), while the clean accuracy changes on average by
# {glue:text}`ps06-clean-change`. The attack inside the box never finds more errors
# than the box-free formula predicts, as Problem 1 (c) requires. A full answer adds
# more radii, the weight images and the binomial error of the test accuracies.
#
# ```{solution-end}
# ```
