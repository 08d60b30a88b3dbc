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
# These problems accompany lecture {ref}`lecture-adversarial`. Write each function,
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
import jax.numpy as jnp
import numpy as np

from ntk_course import adversarial
from ntk_course.checks import ps06

# %% [markdown]
# ## Problem 1: the adversary's gain on a linear score
#
# ```{exercise} Dual norms
# :label: ps6-linear-gain
# Write `my_linear_gain(w, eps, norm)` returning the largest value of $w^\top\delta$ over
# $\lVert\delta\rVert_\infty\le\epsilon$ (`norm="linf"`) or $\lVert\delta\rVert_2\le\epsilon$
# (`norm="l2"`). Check it with `ps06.linear_gain(my_linear_gain)`, then compare your
# formula with `adversarial.pgd` on the score $w^\top x$ for one random $w$.
# ```
#
# ```{solution-start} ps6-linear-gain
# :class: dropdown
# ```

# %%
def my_linear_gain(w, eps, norm):
    w = np.asarray(w, dtype=float)
    if norm == "linf":
        return eps * np.sum(np.abs(w))        # attained at eps * sign(w)
    return eps * np.sqrt(np.sum(w ** 2))      # attained at eps * w / |w|


assert ps06.linear_gain(my_linear_gain)
w_check = np.random.default_rng(0).normal(size=100).astype(np.float32)
for norm in ("linf", "l2"):
    xa = adversarial.pgd(lambda xa: xa @ w_check, jnp.zeros((1, 100)), eps=0.1, step=0.05,
                         steps=4, norm=norm, random_start=False, box=None)
    print(norm, float((xa @ w_check)[0]), my_linear_gain(w_check, 0.1, norm))
    assert abs(float((xa @ w_check)[0]) - my_linear_gain(w_check, 0.1, norm)) < 1e-3

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 2: the box
#
# ```{exercise} The worst case inside the pixel box
# :label: ps6-box
# Pixels must stay in $[0, 1]$. Write `my_box_gain(w, x, eps)` returning the largest
# $w^\top\delta$ over $\lVert\delta\rVert_\infty\le\epsilon$ with $x + \delta\in[0,1]^d$. Check it
# with `ps06.box_gain(my_box_gain)`. Why is the answer never larger than
# $\epsilon\lVert w\rVert_1$, and when are the two equal?
# ```
#
# ```{solution-start} ps6-box
# :class: dropdown
# ```

# %%
def my_box_gain(w, x, eps):
    low = np.maximum(-eps, -x)            # delta_i >= -eps and x_i + delta_i >= 0
    high = np.minimum(eps, 1.0 - x)       # delta_i <= eps and x_i + delta_i <= 1
    # a sum of one-dimensional problems: each term is linear, so an end point wins
    return float(np.sum(np.maximum(w * low, w * high)))


assert ps06.box_gain(my_box_gain)

# %% [markdown]
# The feasible interval of each coordinate is contained in $[-\epsilon, \epsilon]$, so every
# term is at most $\epsilon|w_i|$. Equality holds when each pixel can move by $\epsilon$ in
# the direction of $\mathrm{sign}(w_i)$, i.e. $x_i\le 1-\epsilon$ where $w_i > 0$ and
# $x_i\ge\epsilon$ where $w_i < 0$.
#
# ```{solution-end}
# ```
#
# ## Problem 3: FGSM by hand
#
# ```{exercise} FGSM for logistic regression
# :label: ps6-fgsm
# For the binary logistic loss $\ell(x) = \log\big(1 + e^{-y(w^\top x + b)}\big)$ with
# $y\in\{-1, +1\}$, compute the gradient in $x$ by hand and write
# `my_fgsm(w, b, x, y, eps)` returning the FGSM point, clipped to $[0, 1]$. Check it with
# `ps06.fgsm_logistic(my_fgsm)` and compare with `adversarial.fgsm` on one example.
# ```
#
# ```{solution-start} ps6-fgsm
# :class: dropdown
# ```

# %%
def my_fgsm(w, b, x, y, eps):
    # grad_x l = -y * sigmoid(-y (w.x + b)) * w, and the sigmoid is positive,
    # so sign(grad) = -y * sign(w) whatever x and b are.
    return np.clip(x - eps * y * np.sign(w), 0.0, 1.0)


assert ps06.fgsm_logistic(my_fgsm)
rng = np.random.default_rng(1)
w3, b3, x3 = rng.normal(size=8), 0.3, rng.uniform(size=8)
loss3 = lambda xa: jnp.log1p(jnp.exp(-1.0 * (xa @ w3 + b3)))
assert np.allclose(adversarial.fgsm(loss3, x3[None], eps=0.1)[0], my_fgsm(w3, b3, x3, 1, 0.1),
                   atol=1e-6)

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 4: the TRADES regularizer
#
# ```{exercise} KL divergence between predictions
# :label: ps6-kl
# Write `my_kl(logits_p, logits_q)` returning, for each row, the divergence
# $\mathrm{KL}(\mathrm{softmax}(p)\,\Vert\,\mathrm{softmax}(q))$, numerically stable for large
# logits. Check it with `ps06.kl_divergence(my_kl)`. Verify on random logits that it is
# non-negative, zero when $q = p$, and unchanged when a constant is added to a row of $q$.
# ```
#
# ```{solution-start} ps6-kl
# :class: dropdown
# ```

# %%
def my_kl(logits_p, logits_q):
    def log_softmax(z):
        z = z - z.max(axis=1, keepdims=True)            # no overflow in exp
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    lp, lq = log_softmax(np.asarray(logits_p, float)), log_softmax(np.asarray(logits_q, float))
    return np.sum(np.exp(lp) * (lp - lq), axis=1)


assert ps06.kl_divergence(my_kl)
a4, b4 = rng.normal(size=(100, 5)), rng.normal(size=(100, 5))
assert my_kl(a4, b4).min() >= 0
assert np.allclose(my_kl(a4, a4), 0.0)
assert np.allclose(my_kl(a4, b4 + 7.0), my_kl(a4, b4))

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 5: measuring transfer
#
# ```{exercise} Transfer rate
# :label: ps6-transfer
# Write `my_transfer_rate(pred_clean, pred_adv, labels)` implementing the transfer rate of
# the lecture: among the points whose clean prediction is correct, the fraction whose
# prediction on the perturbed input is wrong. Check it with
# `ps06.transfer_rate(my_transfer_rate)`. Why divide by the number of correct points and
# not by all points?
# ```
#
# ```{solution-start} ps6-transfer
# :class: dropdown
# ```

# %%
def my_transfer_rate(pred_clean, pred_adv, labels):
    ok = np.asarray(pred_clean) == np.asarray(labels)
    flipped = ok & (np.asarray(pred_adv) != np.asarray(labels))
    return float(flipped.sum() / ok.sum())


assert ps06.transfer_rate(my_transfer_rate)

# %% [markdown]
# A point that is already misclassified needs no attack; counting it would credit the
# perturbation with the model's clean errors and make weak attacks on weak models look
# strong. Dividing by the correct points measures what the perturbation itself does.
#
# ```{solution-end}
# ```
