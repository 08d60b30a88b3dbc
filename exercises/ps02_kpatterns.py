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
# (ps-kpatterns)=
# # Problem set 2: k-patterns and the coupon collector
#
# These problems accompany lecture {ref}`lecture-kpatterns`. They are worth
# 20 points: 9 checked automatically and 11 graded by hand.
#
# - A problem you answer in code starts with a cell that defines the function
#   you write, with `raise NotImplementedError` in place of its body. Replace that
#   line by your code, run the cell, then run the check cell under it: it calls a
#   checker from `ntk_course.checks.ps02`, which tests your function on inputs
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
from ntk_course.checks import ps02

# %% [markdown]
# ## Problem 1: the spread of the coupon collector (6 points)
#
# *Proof, graded by hand: (a) 3 points, (b) 2 points, (c) 1 point.*
#
# ```{exercise} A second-moment bound on the number of filters
# :label: ps02-variance
# Let $T$ be the number of filters, drawn uniformly and independently from the
# $N = 2^k$ sign patterns, needed until every pattern has been drawn.
#
# (a) Show that $\operatorname{Var}(T) = \sum_{j=1}^{N} N(N-j)/j^2$ and deduce
# $\operatorname{Var}(T) < \pi^2 N^2 / 6$.
#
# (b) With Chebyshev's inequality, show that $q = N H_N + N\pi/\sqrt{6\delta}$
# filters cover all patterns with probability at least $1 - \delta$
# ($H_N = \sum_{j\le N} 1/j$).
#
# (c) Compare this guarantee with the union bound $q = N\log(N/\delta)$ of the
# lecture: which is smaller for $N = 64$ and $\delta = 0.1$, and which for $\delta
# \to 0$ at fixed $N$? Explain the difference in one sentence.
# ```
#
# ```{solution} ps02-variance
# :class: dropdown
# **(a)** Write $T = \sum_{m=0}^{N-1} T_m$, where $T_m$ counts the draws made while
# exactly $m$ patterns are known. Given the past, each draw is new with
# probability $p_m = (N - m)/N$, so $T_m$ is geometric with parameter $p_m$ and the
# $T_m$ are independent (the draws are). A geometric variable has variance
# $(1 - p)/p^2$, hence, with $j = N - m$,
# $\operatorname{Var}(T) = \sum_{m}(1 - p_m)/p_m^2 = \sum_{j=1}^N \frac{(N - j)/N}{j^2/N^2}
# = \sum_{j=1}^N \frac{N(N - j)}{j^2}$. Each term is below $N^2/j^2$, and the $j = N$
# term vanishes, so $\operatorname{Var}(T) < N^2 \sum_{j\ge1} j^{-2} = \pi^2 N^2/6$.
#
# **(b)** $\mathbb{E}[T] = N H_N$. Chebyshev gives
# $\Pr[T \ge \mathbb{E}T + \lambda] \le \Pr[|T - \mathbb{E}T| \ge \lambda] \le
# \operatorname{Var}(T)/\lambda^2 < \pi^2N^2/(6\lambda^2)$, which equals $\delta$ for
# $\lambda = N\pi/\sqrt{6\delta}$. With $q \ge N H_N + \lambda$ filters the event
# "not covered", $T > q$, has probability below $\delta$.
#
# **(c)** For $N = 64$, $\delta = 0.1$: $N H_N \approx 64 \times 4.74 \approx 303$ and
# $N\pi/\sqrt{0.6} \approx 260$, about $563$ filters, against
# $64 \log 640 \approx 414$ for the union bound. As $\delta \to 0$ the Chebyshev
# term grows like $\delta^{-1/2}$ and the union bound like $\log(1/\delta)$, so
# the union bound wins: it uses the exponential tail of each missed pattern,
# while Chebyshev only uses two moments.
#
# *Rubric.* (a) 1 point for the decomposition into independent geometric
# variables, 1 for the variance of a geometric variable and the sum, 1 for the
# bound. (b) 2 points (1 for Chebyshev with the correct one-sided event, 1 for
# solving for $\lambda$). (c) 1 point for both comparisons with the reason.
# ```
#
# ## Problem 2: a readout that computes any k-pattern (5 points)
#
# *Implementation, checked automatically (5 points).*
#
# ```{exercise} An exact readout
# :label: ps02-readout
# The network of the lecture is
# $h(x) = \sum_j \langle u^j, \sigma(W x_{j:j+k-1} + b)\rangle$ with $q$ filters
# $W \in \{-1/k, 1/k\}^{q\times k}$ and biases $b_i = 1/k - 1$. Suppose the sign
# patterns of the rows of $W$ include all $2^k$ patterns (some may repeat). Write
# `readout(W, start, table, d)` returning $u$ of shape $(d - k + 1, q)$ such that
# $h(x) = $ `table[tm.pattern_index(x[start:start + k])]` for **every**
# $x \in \{-1, 1\}^d$; `table` has $2^k$ real entries, `tm.pattern_index` maps a
# $\pm1$ pattern to its index.
# ```

# %% tags=["stub"]
def readout(W, start, table, d):
    """Readout u, shape (d - k + 1, q), of a network computing the k-pattern `table` at `start`."""
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps02-readout
# :class: dropdown
# ```
#
# On a window with pattern $z$, a filter outputs $1/k$ if its sign pattern is $z$
# and $0$ otherwise (the lecture's proposition). Only the window at `start` may
# contribute, and for each pattern exactly one filter carrying it must have
# readout weight $k\,$`table[p]`; duplicates get $0$.

# %% tags=["solution"]
def readout(W, start, table, d):
    q, k = W.shape
    u = np.zeros((d - k + 1, q))
    index = tm.pattern_index(np.sign(W))
    for p in range(2 ** k):
        first = np.flatnonzero(index == p)[0]
        u[start, first] = k * table[p]
    return u

# %% [markdown]
# ```{solution-end}
# ```

# %% tags=["check"]
ps02.readout(readout)

# %% [markdown]
# ## Problem 3: the least-squares readout (4 points)
#
# *Implementation, checked automatically (4 points).*
#
# ```{exercise} Fitting the readout from data
# :label: ps02-fit-readout
# With the filters $W$ (shape $(q, k)$) and biases $b$ (shape $(q,)$) fixed, the
# network is linear in $u$. Write `fit_readout(W, b, x, y)` returning a readout of
# shape $(d - k + 1, q)$ that minimizes $\sum_i (h(x_i) - y_i)^2$ over the training
# set `x` (shape $(n, d)$, entries $\pm1$), `y` (shape $(n,)$). When several
# minimizers exist any one is accepted (the checker compares training
# predictions).
# ```

# %% tags=["stub"]
def fit_readout(W, b, x, y):
    """Least-squares readout u, shape (d - k + 1, q), for fixed filters W and biases b."""
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps02-fit-readout
# :class: dropdown
# ```
#
# Each (window, filter) pair is one feature; least squares on the $(n, (d-k+1)q)$
# feature matrix gives the readout, reshaped to one row per window.

# %% tags=["solution"]
def fit_readout(W, b, x, y):
    k = W.shape[1]
    windows = np.stack([x[:, j:j + k] for j in range(x.shape[1] - k + 1)], axis=1)
    features = np.maximum(windows @ W.T + b, 0.0).astype(np.float64)    # (n, d - k + 1, q)
    u, *_ = np.linalg.lstsq(features.reshape(len(x), -1), y.astype(np.float64), rcond=None)
    return u.reshape(-1, W.shape[0])

# %% [markdown]
# ```{solution-end}
# ```

# %% tags=["check"]
ps02.fit_readout(fit_readout)

# %% [markdown]
# ## Problem 4: how many filters does learning need? (5 points)
#
# *Experiment, graded by hand (5 points).*
#
# ```{exercise} Coverage and test error
# :label: ps02-experiment
# With your `fit_readout`, measure how the test error of the least-squares
# readout on a k-pattern task (`tm.kpattern_task`, $k = 4$, $d = 16$, a few hundred
# training samples and a separate test set with the same `table_seed`) depends on
# the number $q$ of random filters (`tm.kpattern_filters`). Use at least eight
# values of $q$ between $2$ and $8 \cdot 2^k$ and at least ten filter draws per $q$.
# Plot the fraction of draws with zero test error together with the exact
# probability that the filters cover all patterns (`tm.coverage_probability`),
# and explain agreement or disagreement.
# ```
#
# ```{solution} ps02-experiment
# :class: dropdown
# *What to measure.* For each $q$ and filter draw: the sign-classification test
# error (or the squared error) of the fitted readout, and whether the filters
# cover all $2^k$ patterns; the fraction of draws with zero error next to
# `tm.coverage_probability(q, k)`.
#
# *What a good answer finds.* Zero test error essentially whenever the filters
# cover all patterns, so the two curves track each other (the fraction of
# perfect draws follows the coverage probability within sampling error), with a
# transition around $q \approx N H_N \approx 54$ for $N = 16$. Below coverage the
# error is not always large: a missed pattern costs only the test points that
# show it in the window, and filters at Hamming distance one can still separate
# some labels, so the answer should report the error itself, not only
# perfect/imperfect. A careful answer also notes that the training set must
# contain every pattern in the relevant window for exact recovery.
#
# *Rubric (5 points).* Correct protocol with separate test set and several draws
# (2). A figure with both curves, labelled, with sampling error shown or
# discussed (2). An explanation tied to the readout construction of Problem 2 (1).
# ```
