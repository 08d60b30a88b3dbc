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
# These problems accompany lecture {ref}`lecture-robust-data`. Write each function,
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

from ntk_course.checks import ps07

# %% [markdown]
# ## Problem 1: the robust error of a linear classifier
#
# ```{exercise} Robust error in the Gaussian model
# :label: ps7-robust-error
# In the model $x\sim\mathcal N(y\theta, \sigma^2 I)$ with uniform labels, write
# `my_robust_error(w, theta, sigma, eps)` returning the test error of $\mathrm{sign}(w^\top x)$
# against the strongest $\ell_\infty$ perturbation of size `eps`. Check it with
# `ps07.robust_error(my_robust_error)`.
# ```
#
# ```{solution-start} ps7-robust-error
# :class: dropdown
# ```

# %%
def my_robust_error(w, theta, sigma, eps):
    margin = w @ theta                       # mean of y w.x
    spread = sigma * np.linalg.norm(w)       # its standard deviation
    gain = eps * np.abs(w).sum()             # what the adversary removes (Hoelder)
    return norm.cdf((gain - margin) / spread)


assert ps07.robust_error(my_robust_error)

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 2: the folded normal
#
# ```{exercise} Mean of a folded normal
# :label: ps7-folded
# Write `my_folded_mean(s)` returning $\E\lvert 1 + s g\rvert$ for a standard normal $g$ in closed
# form (no sampling). Check it with `ps07.folded_mean(my_folded_mean)`, then compare with a
# Monte Carlo estimate for $s=2$.
# ```
#
# ```{solution-start} ps7-folded
# :class: dropdown
# ```

# %%
def my_folded_mean(s):
    # E|Z| = E Z + 2 E[max(-Z, 0)] for Z = 1 + s g.
    return 1 - 2 * norm.cdf(-1 / s) + 2 * s * norm.pdf(1 / s)


assert ps07.folded_mean(my_folded_mean)
samples = np.abs(1 + 2 * np.random.default_rng(0).normal(size=1_000_000))
print(f"closed form {my_folded_mean(2.0):.4f}, Monte Carlo {samples.mean():.4f}")
assert abs(my_folded_mean(2.0) - samples.mean()) < 5e-3

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 3: the price of robustness
#
# ```{exercise} Capping robust accuracy
# :label: ps7-cap
# In the Tsipras model with $p = 0.8$ and an adversary with $\epsilon = 2\eta$, a classifier
# has 5% standard error. What is the largest robust accuracy it can have? Store it in
# `cap` and check it with `ps07.tradeoff_cap(cap)`.
# ```
#
# ```{solution-start} ps7-cap
# :class: dropdown
# ```

# %%
cap = 0.8 / (1 - 0.8) * 0.05
assert ps07.tradeoff_cap(cap)

# %% [markdown]
# By the trade-off theorem, robust accuracy is at most $\frac{p}{1-p}$ times the
# standard error: $4\times 0.05 = 0.2$. An accurate classifier must be fragile.
#
# ```{solution-end}
# ```
