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
# # Problem set 2: k-patterns
#
# These problems accompany lecture {ref}`lecture-kpatterns`. Each asks you to
# write a short function; the cell after your answer calls a checker from
# `ntk_course.checks.ps02`, which tests it on inputs you have not seen and prints
# ✓ or ✗ with a hint. Solutions are folded below each problem (hidden in the
# student edition).

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
import math

import numpy as np

from ntk_course import toy_models as tm
from ntk_course.checks import ps02

# %% [markdown]
# ## Problem 1: pre-activations
#
# ```{exercise} One filter, all patterns
# :label: ps2-pre
# A filter $w \in \{-1/k, 1/k\}^k$ with bias $1/k - 1$ meets a pattern
# $z \in \{-1,1\}^k$ at Hamming distance $h$ from $\operatorname{sign}(w)$. Write
# `preactivation(h, k)` returning $\langle w, z\rangle + b$.
# ```
#
# ```{solution-start} ps2-pre
# :class: dropdown
# ```

# %%
def preactivation(h, k):
    return ((k - h) - h) / k + 1 / k - 1


assert ps02.preactivation(preactivation)

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 2: covering all patterns
#
# ```{exercise} Inclusion-exclusion
# :label: ps2-cover
# Write `coverage(q, k)`: the probability that $q$ filters with independent,
# uniformly random sign patterns cover all $N = 2^k$ patterns. Use
# inclusion-exclusion over the set of patterns that are missed.
# ```
#
# ```{solution-start} ps2-cover
# :class: dropdown
# ```
#
# A fixed set of $j$ patterns is missed by all $q$ filters with probability
# $(1 - j/N)^q$, so
# $\Pr[\text{all covered}] = \sum_{j=0}^{N} (-1)^j \binom{N}{j} (1 - j/N)^q$.
# The alternating sum loses precision for large $N$, which is why the course
# package propagates the distribution of the number of patterns seen instead.

# %%
def coverage(q, k):
    N = 2 ** k
    return sum((-1) ** j * math.comb(N, j) * (1 - j / N) ** q for j in range(N + 1))


assert ps02.coverage_probability(coverage)

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 3: the coupon collector's mean
#
# ```{exercise} Expected number of filters
# :label: ps2-mean
# Write `expected_filters(k)`, the expected number of random filters drawn until
# every one of the $2^k$ patterns has appeared.
# ```
#
# ```{solution-start} ps2-mean
# :class: dropdown
# ```

# %%
def expected_filters(k):
    N = 2 ** k
    return sum(N / (N - m) for m in range(N))


assert ps02.expected_filters(expected_filters)

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 4: a readout by hand
#
# ```{exercise} Programming the CNN
# :label: ps2-readout
# Given filters `W` of shape `(q, k)` with entries $\pm 1/k$ whose signs cover all
# $2^k$ patterns, the position `start` of the hidden window, the truth table
# `table` (indexed like `tm.all_patterns(k)`) and the input length `d`, write
# `readout(W, start, table, d)` returning readout weights `u` of shape
# `(d - k + 1, q)` with which the network of eq. (5) in the lecture computes the
# k-pattern exactly. (`tm.pattern_index` maps sign patterns to table rows.)
# ```
#
# ```{solution-start} ps2-readout
# :class: dropdown
# ```
#
# One filter per pattern suffices: its hidden unit at window `start` outputs
# $1/k$ exactly when the window shows its pattern, so a weight $k\,g(p)$ there
# and zeros everywhere else give $g$.

# %%
def readout(W, start, table, d):
    q, k = W.shape
    u = np.zeros((d - k + 1, q))
    detects = tm.pattern_index(np.sign(W))
    for p in range(2 ** k):
        u[start, np.nonzero(detects == p)[0][0]] = k * table[p]
    return u


assert ps02.readout(readout)

# %% [markdown]
# ```{solution-end}
# ```
