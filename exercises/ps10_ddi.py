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
# (ps-ddi)=
# # Problem set 10: Danskin's descent direction
#
# These problems accompany lecture {ref}`lecture-ddi`. Each asks for a short
# function or a number; the cell after your answer calls a checker from
# `ntk_course.checks.ps10`, which tests it on inputs you have not seen and prints
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
import jax
import jax.numpy as jnp
import numpy as np

from ntk_course import adversarial
from ntk_course.checks import ps10

# %% [markdown]
# ## Problem 1: projecting onto the simplex
#
# ```{exercise} Simplex projection
# :label: ps10-simplex
# Write `proj(v)` returning the Euclidean projection of a vector $v \in \mathbb{R}^k$
# onto $\Delta_k = \{\lambda \ge 0, \sum_i\lambda_i = 1\}$ (numpy only). Check it with
# `ps10.project_simplex(proj)`.
# ```
#
# ```{solution-start} ps10-simplex
# :class: dropdown
# ```

# %% [markdown]
# The KKT conditions of $\min_\lambda \tfrac12\|\lambda - v\|^2$ on the simplex give
# $\lambda_i = \max(v_i - \theta, 0)$ for one scalar $\theta$. Sorting $v$ decreasingly
# as $u$, the support has size $r$, the largest index with
# $u_r - (\sum_{i\le r} u_i - 1)/r > 0$, and $\theta = (\sum_{i\le r}u_i - 1)/r$.

# %%
def proj(v):
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - 1.0
    r = np.nonzero(u - css / np.arange(1, len(v) + 1) > 0)[0][-1] + 1
    return np.maximum(v - css[r - 1] / r, 0.0)


assert ps10.project_simplex(proj)

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 2: DDi with two attacks
#
# ```{exercise} The min-norm point of a segment
# :label: ps10-segment
# Write `min_norm(g1, g2)` returning the point of the segment between two
# gradients that is closest to the origin (the DDi direction for two attacks).
# Check it with `ps10.min_norm_segment(min_norm)`.
# ```
#
# ```{solution-start} ps10-segment
# :class: dropdown
# ```

# %%
def min_norm(g1, g2):
    diff = g1 - g2
    denom = diff @ diff
    t = 0.5 if denom == 0 else np.clip(-(g2 @ diff) / denom, 0.0, 1.0)
    return t * g1 + (1 - t) * g2


assert ps10.min_norm_segment(min_norm)

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 3: PGD from the clean point
#
# ```{exercise} l-infinity PGD
# :label: ps10-pgd
# Write `my_pgd(grad_fn, x, eps, step, steps)`: starting from the clean batch `x`
# (no random start), take `steps` signed-gradient ascent steps of size `step`,
# after each one projecting onto the $\ell_\infty$ ball of radius `eps` around the
# clean `x` and onto the box $[0, 1]$. `grad_fn(x_adv)` returns the gradient of the
# loss. Check it with `ps10.pgd_linf(my_pgd)`.
# ```
#
# ```{solution-start} ps10-pgd
# :class: dropdown
# ```

# %%
def my_pgd(grad_fn, x, eps, step, steps):
    xa = x
    for _ in range(steps):
        xa = xa + step * jnp.sign(grad_fn(xa))
        xa = jnp.clip(jnp.clip(xa, x - eps, x + eps), 0.0, 1.0)
    return xa


assert ps10.pgd_linf(my_pgd)

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 4: the attacker's loss
#
# ```{exercise} Cross-entropy of the slides' example
# :label: ps10-ce
# Compute the cross-entropies (true class: the first) of the outputs
# $(0.26, 0.24, 0.25, 0.25)$ and $(0.49, 0.51, 0, 0)$ read as logits, as a pair
# `ce = (ce_A, ce_B)`, and check it with `ps10.slides_cross_entropy(ce)`. Which
# perturbation would a cross-entropy attacker choose, and which one misclassifies?
# ```
#
# ```{solution-start} ps10-ce
# :class: dropdown
# ```

# %%
def cross_entropy(logits, label):
    logits = np.asarray(logits)
    return float(np.log(np.exp(logits).sum()) - logits[label])


ce = (cross_entropy([0.26, 0.24, 0.25, 0.25], 0), cross_entropy([0.49, 0.51, 0.0, 0.0], 0))
print(ce)
assert ps10.slides_cross_entropy(ce)

# %% [markdown]
# The attacker maximizing cross-entropy picks A ($1.38 > 1.18$), which is still
# classified correctly (its largest logit is the first); B is misclassified.
#
# ```{solution-end}
# ```
