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
# (ps-ntk-practice)=
# # Problem set 11: NTK tools for practitioners
#
# These problems accompany lecture {ref}`lecture-ntk-practice`. Write each function,
# then run the checker named in the problem: it tests your answer on inputs you
# have not seen and prints ✓ or ✗ with a hint.


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
from scipy.stats import norm

from ntk_course.checks import ps11

# %% [markdown]
# ## Problem 1: the kernel distance
#
# ```{exercise} Kernel distance
# :label: ps11-distance
# Write `my_kernel_distance(k1, k2)` returning
# $1 - \langle K_1, K_2\rangle_F / (\|K_1\|_F\|K_2\|_F)$ for two square matrices
# (numpy arrays). Check it with `ps11.kernel_distance(my_kernel_distance)`. Then
# verify on an example that it does not change when one kernel is multiplied by 5.
# ```
#
# ```{solution-start} ps11-distance
# :class: dropdown
# ```

# %%
def my_kernel_distance(k1, k2):
    inner = np.sum(k1 * k2)                  # Frobenius inner product tr(K1 K2^T)
    return 1.0 - inner / (np.linalg.norm(k1) * np.linalg.norm(k2))


assert ps11.kernel_distance(my_kernel_distance)
a = np.random.default_rng(0).normal(size=(4, 4))
ka, kb = a @ a.T, np.eye(4) + 0.5
print(my_kernel_distance(ka, kb), my_kernel_distance(5 * ka, kb))

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 2: robust accuracy in the two-Gaussian model
#
# ```{exercise} Robust accuracy of a linear classifier
# :label: ps11-robust
# Labels are $\pm 1$ with equal probability and $x \sim \mathcal N(y\mu, \sigma^2 I)$.
# Write `my_robust_accuracy(w, mu, sigma, eps)`: the probability that
# $\operatorname{sign}(w\cdot(x + \delta)) = y$ for *every* $\|\delta\|_2 \le \epsilon$.
# Check it with `ps11.robust_accuracy(my_robust_accuracy)`. Then explain in one
# sentence why adding the error rate, as formula (3.15) of Shi's thesis does, does
# not give a robust accuracy.
# ```
#
# ```{solution-start} ps11-robust
# :class: dropdown
# ```

# %%
def my_robust_accuracy(w, mu, sigma, eps):
    nw = np.linalg.norm(w)
    # the margin y w.x is N(w.mu, sigma^2 ||w||^2); the worst l2 attack removes eps ||w||
    return norm.cdf((w @ mu - eps * nw) / (sigma * nw))


assert ps11.robust_accuracy(my_robust_accuracy)

# %% [markdown]
# ```{solution-end}
# ```
#
# ```{solution} ps11-robust
# :class: dropdown
# A misclassified point has no adversarial example only because it is already
# wrong; counting it (adding the error rate) measures "points without an adversarial
# example", which includes errors, not points classified correctly under attack.
# ```
#
# ## Problem 3: the RKHS norm from function values
#
# ```{exercise} The NTK-norm penalty
# :label: ps11-rkhs
# Write `my_rkhs_norm(k, v)` returning the smallest squared RKHS norm of a function
# that takes the values `v` on points with (invertible) kernel matrix `k`, without
# forming the inverse of `k`. Check it with `ps11.rkhs_norm(my_rkhs_norm)`. Then, for
# the linear kernel $K = XX^\top$ of 3 points in $\mathbb R^5$ and values $v = Xw$,
# compare the result with $\|w\|^2$ and explain the inequality.
# ```
#
# ```{solution-start} ps11-rkhs
# :class: dropdown
# ```

# %%
def my_rkhs_norm(k, v):
    return float(v @ np.linalg.solve(k, v))


assert ps11.rkhs_norm(my_rkhs_norm)
rng = np.random.default_rng(1)
X, w = rng.normal(size=(3, 5)), rng.normal(size=5)
print("RKHS norm:", my_rkhs_norm(X @ X.T, X @ w), " ||w||^2:", w @ w)
assert my_rkhs_norm(X @ X.T, X @ w) <= w @ w + 1e-9

# %% [markdown]
# ```{solution-end}
# ```
#
# ```{solution} ps11-rkhs
# :class: dropdown
# For the linear kernel, $v^\top (XX^\top)^{-1} v = \|P w\|^2$ with $P$ the orthogonal
# projection onto the row space of $X$: the smallest-norm weight vector with the same
# values on the three points. Any other $w$ with $Xw = v$ adds a component in the null
# space of $X$, which changes nothing on the data and only increases $\|w\|^2$.
# ```
#
# ## Problem 4: the effective rank
#
# ```{exercise} Effective rank
# :label: ps11-erank
# Write `my_effective_rank(lam)` returning $\exp(-\sum_i p_i \log p_i)$ with
# $p_i = \lambda_i / \sum_j\lambda_j$ for non-negative eigenvalues `lam` (zero
# eigenvalues contribute nothing). Check it with
# `ps11.effective_rank(my_effective_rank)`, and compute the effective rank of the
# spectrum $\lambda_k = k^{-2}$, $k = 1, \dots, 1000$.
# ```
#
# ```{solution-start} ps11-erank
# :class: dropdown
# ```

# %%
def my_effective_rank(lam):
    lam = np.asarray(lam, dtype=float)
    p = lam / lam.sum()
    p = p[p > 0]
    return float(np.exp(-np.sum(p * np.log(p))))


assert ps11.effective_rank(my_effective_rank)
print("effective rank of k^-2:", my_effective_rank(np.arange(1, 1001) ** -2.0))

# %% [markdown]
# ```{solution-end}
# ```
