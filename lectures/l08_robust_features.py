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
# (lecture-robust-features)=
# # Robust and non-robust features through the NTK
#
# Ilyas et al. {cite}`ilyas2019features` proposed that adversarial examples are
# not bugs of a particular model but a property of the data: real datasets
# contain **non-robust features**, patterns that genuinely predict the label on
# clean data but that an imperceptible perturbation can flip. A classifier that
# uses them is accurate and fragile at once, exactly as the weak features of the
# Tsipras model in {ref}`lecture-robust-data`. On real images the idea remains
# vague until one says what a "feature" is. The NTK gives a concrete answer
# {cite}`tsilivis2022ntk`: the predictor of an infinitely wide network splits
# into a sum of functions, one per eigenvector of the kernel matrix, and each of
# them can be tested for usefulness and for robustness separately.
#
# This lecture follows §3.3 of the notes {cite}`cagnetta2023kernels` and the
# slides {cite}`kempe2022slides`:
#
# 1. we derive the eigen-feature decomposition of the kernel predictor and what it
#    means on the training set (§{ref}`rf-derivation`);
# 2. we measure the usefulness and robustness of every feature on two binary
#    tasks, digits 3 against 8 and MNIST-1D 0 against 1, look at the features, and
#    test the claim that robust, useful features sit at the top of the spectrum
#    (§{ref}`rf-experiments`);
# 3. we turn the kernel view into a defense: **adversarial KIP**
#    {cite}`tsilivis2022data` distills a small dataset on which *plain* training
#    yields robust networks, and we put the cost of adversarial training next to it
#    (§{ref}`rf-advkip`).

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
import functools
import time

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import optax

from ntk_course import (
    attacks,
    claims,
    config,
    data,
    features,
    kernels,
    kip,
    losses,
    nets,
    plotting,
    robust_training,
    stats,
)

plotting.use_style()
print(config.device_report())

# %% [markdown]
# Sizes come from one place. `feat_*` sizes belong to the feature analysis,
# `kip_*` and `net_*` to adversarial KIP. All inputs live in the box $[0, 1]$
# (pixel intensities), which the attacks respect.

# %%
P = config.scale(
    quick=dict(feat_train=150, mnist1d_samples=2000, feat_train_1d=200, feat_eps=0.05,
               feat_steps=10, kip_train=1000, kip_test=500, kip_steps=100, kip_batch=256,
               attack_steps=5, net_width=256, net_steps=300, net_seeds=2, at_seeds=1, pgd_eval=20,
               nr_eps=[0.1, 0.2], nr_steps=20, nr_seeds=1, rd_width=32, rd_steps=300,
               rd_match_steps=300, rd_seeds=3),
    full=dict(feat_train=250, mnist1d_samples=10000, feat_train_1d=1000, feat_eps=0.05,
              feat_steps=20, kip_train=1297, kip_test=500, kip_steps=1000, kip_batch=512,
              attack_steps=10, net_width=2048, net_steps=2000, net_seeds=5, at_seeds=3,
              pgd_eval=50, nr_eps=[0.1, 0.2], nr_steps=50, nr_seeds=3, rd_width=32,
              rd_steps=1000, rd_match_steps=1000, rd_seeds=3),
)
KERNEL = kernels.fc_ntk(depth=1)   # NTK of a one-hidden-layer ReLU network (W_std^2 = 2, b_std = 0.1)
P

# %% [markdown]
# (rf-derivation)=
# ## Features of a kernel predictor
#
# ### Useful and robust features
#
# Take a binary task with labels $y\in\{-1,+1\}$ drawn with inputs $x$ from a
# distribution $\mathcal D$. Following {cite}`ilyas2019features`, a *feature* is any
# real function $f$ of the input.
#
# ```{prf:definition} Useful and robust features
# :label: def-useful-robust
# A feature $f$, normalized so that $\E_{\mathcal D}[f(x)^2] = 1$, is **$\rho$-useful**
# if $\E_{\mathcal D}[y\,f(x)] \ge \rho > 0$. It is **$\gamma$-robustly useful** for a
# set of perturbations $\Delta$ if
#
# $$
# \E_{\mathcal D}\Big[\inf_{\delta\in\Delta} y\,f(x+\delta)\Big] \ge \gamma > 0 .
# $$ (eq-robust-usefulness)
#
# A **useful, non-robust** feature is useful but not $\gamma$-robustly useful for any
# $\gamma > 0$: an adversary can make it, on average, point to the wrong class.
# ```
#
# Here $\Delta$ is the $\ell_\infty$ ball of radius $\epsilon$ intersected with the
# pixel box. Because $\delta = 0$ is allowed, the robust usefulness
# {eq}`eq-robust-usefulness` never exceeds the usefulness.
#
# ### The eigen-feature decomposition
#
# An infinitely wide network trained to convergence on the square loss from a
# zero output is the ridgeless kernel predictor of its NTK $K$ (lecture
# {ref}`lecture-ntk`): $f(x) = K(x, X)\,K(X,X)^{-1} Y$, with $X$ the $n$ training inputs,
# $Y\in\R^n$ their labels and $K(x, X)$ the row of kernel values between $x$ and the
# training points.
#
# ```{prf:theorem} Eigen-features of the kernel predictor
# :label: thm-eigen-features
# Let $K(X,X) = \sum_{i=1}^n \lambda_i v_i v_i^\top$ with $\lambda_1\ge\dots\ge\lambda_n>0$ and
# orthonormal $v_i$. Then
#
# $$
# f(x) = \sum_{i=1}^n f_i(x),\qquad f_i(x) = \alpha_i\,K(x,X)\,v_i,\qquad
# \alpha_i = \frac{v_i^\top Y}{\lambda_i}.
# $$ (eq-eigen-features)
#
# On the training inputs, $f_i(X) = (v_i^\top Y)\,v_i$ is the orthogonal projection of
# the labels onto $v_i$. Each $f_i$ is unchanged when $v_i$ is replaced by $-v_i$.
# ```
#
# ```{prf:proof}
# Orthonormality gives $K(X,X)^{-1} = \sum_i \lambda_i^{-1} v_i v_i^\top$. Substituting,
# $f(x) = \sum_i \lambda_i^{-1}\,\big(K(x,X) v_i\big)\big(v_i^\top Y\big)$, which is
# {eq}`eq-eigen-features`. At the training inputs $K(X,X)v_i = \lambda_i v_i$, so
# $f_i(X) = \alpha_i\lambda_i v_i = (v_i^\top Y) v_i$. Finally $v_i$ enters $f_i$ twice
# (in $\alpha_i$ and in $K(x,X)v_i$), so its sign cancels.
# ```
#
# This is eq. (36) of the notes {cite}`cagnetta2023kernels`, which writes the row
# $K(x, X)$ as the transpose of a column; with features indexed by *descending*
# eigenvalue, index 1 is the top of the spectrum (in the code, index 0).
#
# Three consequences guide the experiments.
#
# * **On the training set every feature is useful.** The training usefulness of
#   $f_i$ is $\frac1n Y^\top f_i(X) = (v_i^\top Y)^2/n\ge 0$, and these numbers sum to
#   $\lVert Y\rVert^2/n = 1$: the label's energy spread over the eigenbasis. Only on new
#   points can a feature be useless or misleading.
# * **Top features are learned first.** Gradient flow on the linearized network
#   gives $f_t(X) = \sum_i (1-e^{-\eta\lambda_i t})(v_i^\top Y)v_i$ (lecture
#   {ref}`lecture-spectral-bias`), and the same factor multiplies $f_i(x)$ at any
#   input: feature $i$ switches on at time $\sim 1/(\eta\lambda_i)$. Early stopping keeps
#   the top of the spectrum.
# * **Robustness is a matter of slope.** To first order in $\delta$,
#   $\inf_{\lVert\delta\rVert_\infty\le\epsilon} y f_i(x+\delta) \approx y f_i(x) - \epsilon\lVert\nabla f_i(x)\rVert_1$ (Hölder,
#   as in {ref}`lecture-robust-data`). A feature is robust when its input gradient is
#   small compared with its typical size.
#
# ### Measuring usefulness and robustness
#
# The kernel features are not normalized, and their scales differ by orders of
# magnitude. We divide each feature by its root mean square on the clean test
# points, $s_i = \sqrt{\widehat\E[f_i(x)^2]}$, and report
#
# $$
# u_i = \frac{\widehat\E[y\,f_i(x)]}{s_i}\in[-1,1],\qquad
# r_i = \frac{\widehat\E\big[\min_{\delta} y\,f_i(x+\delta)\big]}{s_i}\le u_i ,
# $$ (eq-u-r)
#
# where $\widehat\E$ averages over test points. The usefulness $u_i$ is the cosine
# between the feature and the labels (Cauchy-Schwarz, since $y^2 = 1$). We do not
# centre the features as {cite}`ilyas2019features` does: with balanced classes a
# constant offset contributes $\widehat\E[y]\cdot\text{const}\approx 0$. The minimum in
# $r_i$ is the smallest margin over the clean point and all iterates of a PGD attack
# that targets $f_i$ *alone* (`features.worst_margins`, built on
# `attacks.pgd`): ascent on $-y f_i$, sign steps of size $\epsilon/4$, each iterate
# projected onto the ball around the clean input and onto the box. Both scores use
# the same clean scale $s_i$, so $r_i\le u_i$ holds exactly.

# %% [markdown]
# (rf-experiments)=
# ## Features on real data
#
# Two binary tasks: the digits 3 and 8 of scikit-learn's $8\times 8$ digits (pixel
# intensities scaled to $[0,1]$), and the classes 0 and 1 of MNIST-1D
# {cite}`greydanus2024mnist1d` (40-sample signals, rescaled to $[0,1]$ with the minimum
# and maximum of the data). For each we compute the NTK predictor on
# {glue:text}`rf-ntrain-dig` (digits) or {glue:text}`rf-ntrain-1d` (MNIST-1D) training
# points, decompose it, and attack every single feature on the test points with
# $\epsilon =$ {glue:text}`rf-eps`.

# %%
digit_split = data.digits(n_train=1000, n_test=797, standardize=False)
pair = data.select_classes(digit_split, [3, 8])
x_dig = np.concatenate([pair.x_train, pair.x_test])
y_dig = 2.0 * np.concatenate([pair.y_train, pair.y_test]) - 1.0       # 3 -> -1, 8 -> +1

signals = data.select_classes(data.mnist1d(n_samples=P["mnist1d_samples"]), [0, 1])
x_1d = np.concatenate([signals.x_train, signals.x_test])
x_1d = (x_1d - x_1d.min()) / (x_1d.max() - x_1d.min())
y_1d = 2.0 * np.concatenate([signals.y_train, signals.y_test]) - 1.0   # 0 -> -1, 1 -> +1


def analyse(x, y, n_train):
    """Decompose the NTK predictor trained on the first n_train points; score every feature."""
    x_tr, y_tr, x_te, y_te = x[:n_train], y[:n_train], x[n_train:], y[n_train:]
    feats = features.decompose(KERNEL(x_tr, x_tr), y_tr)
    k_te = KERNEL(x_te, x_tr)
    outputs = features.feature_outputs(k_te, feats)
    scale = features.feature_scale(outputs)
    worst = features.worst_margins(KERNEL, x_tr, feats, x_te, y_te, eps=P["feat_eps"],
                                   step=P["feat_eps"] / 4, steps=P["feat_steps"])
    direct = kernels.krr_predict(KERNEL, x_tr, y_tr[:, None], x_te, ridge=0.0)[:, 0]
    return dict(x_tr=x_tr, x_te=x_te, y_te=y_te, feats=feats, outputs=np.asarray(outputs),
                u=np.asarray(features.usefulness(outputs, y_te)),
                r=features.robustness(worst, scale=scale), direct=np.asarray(direct))


tasks = {"digits 3 vs 8": analyse(x_dig, y_dig, P["feat_train"]),
         "MNIST-1D 0 vs 1": analyse(x_1d, y_1d, P["feat_train_1d"])}
claims.glue("rf-ntrain-dig", P["feat_train"])
claims.glue("rf-ntrain-1d", P["feat_train_1d"])
claims.glue("rf-eps", P["feat_eps"])

# %% [markdown]
# First, the decomposition itself: the features must add up to the predictor
# computed directly with a linear solve, and the predictor must be accurate.

# %%
for tag, (name, t) in zip(("dig", "1d"), tasks.items()):
    summed = t["outputs"].sum(axis=1)
    rel = np.max(np.abs(summed - t["direct"])) / np.max(np.abs(t["direct"]))
    claims.less(f"{name}: |sum of features - direct predictor|, relative", rel, 1e-2,
                glue=f"rf-sum-{tag}", fmt=".1e")
    claims.greater(f"{name}: clean test accuracy of the NTK predictor",
                   np.mean(np.sign(t["direct"]) == t["y_te"]), 0.85, glue=f"rf-acc-{tag}",
                   fmt=".3f")
    claims.holds(f"{name}: robustness <= usefulness for every feature",
                 np.all(t["r"] <= t["u"] + 1e-6), f"max(r - u) = {np.max(t['r'] - t['u']):.2e}")

# %% [markdown]
# The sum of the features matches the direct predictor to within
# {glue:text}`rf-sum-dig` (digits) and {glue:text}`rf-sum-1d` (MNIST-1D) relative error, a
# float32 rounding effect, and the predictors reach test accuracies
# {glue:text}`rf-acc-dig` and {glue:text}`rf-acc-1d`. Now the scores of every feature
# against its eigen-index.

# %%
fig, axes = plt.subplots(1, 2, figsize=(7, 3.0))
for ax, (name, t) in zip(axes, tasks.items()):
    index = np.arange(1, len(t["u"]) + 1)
    ax.semilogx(index, t["u"], "o", ms=3, label=r"usefulness $u_i$")
    ax.semilogx(index, t["r"], "s", ms=3, label=rf"robustness $r_i$, $\epsilon={P['feat_eps']}$")
    ax.axhline(0, color="k", lw=0.8)
    ax.set(xlabel="eigen-index $i$ (1 = largest eigenvalue)", ylabel="normalized score",
           title=name)
    ax.legend()
fig.tight_layout()
plotting.glue_figure("fig-l08-usefulness", fig)

# %% [markdown]
# ```{glue:figure} fig-l08-usefulness
# :name: fig-l08-usefulness
# :alt: Two panels, digits 3 versus 8 and MNIST-1D 0 versus 1, of the usefulness and robustness scores of every eigen-feature against its eigen-index on a log axis.
#
# Usefulness $u_i$ (circles) and robustness $r_i$ (squares) of every eigen-feature of
# the NTK predictor against its eigen-index, on two binary tasks.
# ```
#
# Usefulness is scattered over the whole spectrum: many features deep in the
# spectrum still correlate with the label on test data, a few are
# anti-correlated. Robustness falls steadily with the index. We quantify the two
# patterns with two statistics: Spearman's rank correlation between the index and
# each score (negative if the score falls along the spectrum), and the share of
# the total *positive* score carried by the top 10 features
# (`features.top_share`).

# %%
rows = []
for tag, (name, t) in zip(("dig", "1d"), tasks.items()):
    index = np.arange(len(t["u"]))
    rho_u, rho_r = stats.spearman(index, t["u"]).rho, stats.spearman(index, t["r"]).rho
    share_u, share_r = features.top_share(t["u"], 10), features.top_share(t["r"], 10)
    n_robust = int(np.sum(t["r"] > 0))
    rows.append([name, len(index), f"{rho_u:.2f}", f"{rho_r:.2f}", f"{share_u:.2f}",
                 f"{share_r:.2f}", n_robust, int(np.sum(t["u"] > 0))])
    claims.less(f"{name}: Spearman(index, robustness)", rho_r, -0.2, glue=f"rf-rho-r-{tag}",
                fmt=".2f")
    claims.less(f"{name}: Spearman(index, robustness) below Spearman(index, usefulness)",
                rho_r - rho_u, 0.0)
    claims.glue(f"rf-rho-u-{tag}", rho_u, ".2f")
    claims.greater(f"{name}: share of positive robustness in the top 10 features", share_r, 0.8,
                   glue=f"rf-share-r-{tag}", fmt=".2f")
    claims.less(f"{name}: share of positive usefulness in the top 10 features", share_u, 0.5,
                glue=f"rf-share-u-{tag}", fmt=".2f")
    claims.less(f"{name}: features with positive robustness (bound: 5% of them)", n_robust,
                0.05 * len(index), glue=f"rf-nrob-{tag}")
    claims.greater(f"{name}: features with positive usefulness (bound: 40% of them)",
                   int(np.sum(t["u"] > 0)), 0.4 * len(index), glue=f"rf-nuse-{tag}")
t = tasks["digits 3 vs 8"]
claims.holds("digits: feature 2 is the most useful and the most robust",
             np.argmax(t["u"]) == 1 and np.argmax(t["r"]) == 1,
             f"argmax u = {np.argmax(t['u']) + 1}, argmax r = {np.argmax(t['r']) + 1}")
plotting.html_table(["task", "features", "Spearman(i, u)", "Spearman(i, r)", "top-10 share of u",
                     "top-10 share of r", "features with r > 0", "features with u > 0"], rows,
                    align_right_from=1)

# %% [markdown]
# On both tasks the measurements agree with the picture of Tsilivis and Kempe
# {cite}`tsilivis2022ntk`, "robustness lies at the top":
#
# * robustness decreases along the spectrum (Spearman correlation with the index
#   {glue:text}`rf-rho-r-dig` on digits, {glue:text}`rf-rho-r-1d` on MNIST-1D), more
#   steeply than usefulness ({glue:text}`rf-rho-u-dig` and {glue:text}`rf-rho-u-1d`): by far
#   on digits, by a small margin on MNIST-1D, where usefulness also decays along the
#   spectrum;
# * the few features that stay positive under attack are at the very top: the top
#   10 features carry {glue:text}`rf-share-r-dig` (digits) and {glue:text}`rf-share-r-1d`
#   (MNIST-1D) of the positive robust usefulness, but only {glue:text}`rf-share-u-dig`
#   and {glue:text}`rf-share-u-1d` of the positive clean usefulness.
#
# The finding is stark at this $\epsilon$: only {glue:text}`rf-nrob-dig` (digits) and
# {glue:text}`rf-nrob-1d` (MNIST-1D) features are robustly useful at all, while
# {glue:text}`rf-nuse-dig` and {glue:text}`rf-nuse-1d` are useful on clean test data. Most
# of what the kernel predictor knows is useful and non-robust. Note that each
# feature is attacked *on its own*; an attack on the whole predictor moves all
# features at once, and a predictor whose output is dominated by a few large,
# robust features can resist attacks better than most of its features do.
#
# ### What the features look like
#
# Following {cite}`tsilivis2022ntk` we picture a feature by its input gradient at a
# test image, $\nabla_x f_i(x)$ (`features.feature_gradients`): the direction in which
# a small change of the image changes the feature most, and the direction an
# attack on that feature follows. Red is positive, blue negative; each panel has
# its own colour scale.

# %%
t = tasks["digits 3 vs 8"]
n_dig = len(t["u"])
shown = np.array([0, 1, 4, 9, 19, 49, n_dig // 2, n_dig - 1])
x0 = t["x_te"][0]
grads = features.feature_gradients(KERNEL, t["x_tr"], t["feats"], x0, index=shown)
grads = grads / np.abs(grads).max(axis=1, keepdims=True)
fig = plt.figure(figsize=(6, 6.6))
axes = plotting.image_grid(fig, np.r_[x0[None], grads], rows=3, cols=3, shape=(8, 8),
                           titles=["test image"] + [f"i={i + 1}: u={t['u'][i]:.2f}, r={t['r'][i]:.2f}"
                                                    for i in shown], cmap="RdBu_r")
axes.flat[0].images[0].set_cmap("gray_r")
for ax in axes.flat[1:]:
    for im in ax.images:
        im.set_clim(-1, 1)
fig.colorbar(axes.flat[1].images[0], ax=axes, orientation="horizontal", fraction=0.04, pad=0.03,
             label="feature gradient (scaled to [-1, 1])")
plotting.glue_figure("fig-l08-feature-gradients", fig)

# %% [markdown]
# ```{glue:figure} fig-l08-feature-gradients
# :name: fig-l08-feature-gradients
# :alt: A three by three grid of 8 by 8 images: a test digit, then the input gradients of eight eigen-features in a red-blue color scale, smooth blobs for the top features and pixel noise for the deep ones.
#
# A test digit (top left) and the gradients, at that digit, of eight eigen-features
# of the NTK predictor, from the top of the spectrum ($i = 1$) to the bottom, with each
# feature's usefulness $u$ and robustness $r$. Each gradient is scaled to $[-1, 1]$.
# ```
#
# The top feature is a near-constant function of the input (for a ReLU NTK on
# non-negative pixels the top eigenvector has entries of one sign): its gradient is
# a smooth copy of the image (up to sign), it measures overall similarity to the data and
# carries almost no label information. The next few features have smooth
# gradients made of blobs the size of a stroke, and the second one is both the most
# useful and the most robust. Deep in the spectrum the gradients look like noise,
# with signs that change from pixel to pixel: the picture of useful, non-robust
# features that the slides show for CIFAR-10 {cite}`kempe2022slides`. On $8\times 8$
# images this is hard to quantify; MNIST-1D shows it clearly in one dimension, where
# we measure the roughness of a gradient $g$ as $\sum_t\lvert g_{t+1}-g_t\rvert / \sum_t\lvert g_t\rvert$:

# %%
t1 = tasks["MNIST-1D 0 vs 1"]
n_1d = len(t1["u"])
shown_1d = np.array([0, 1, 9, n_1d // 2, n_1d - 1])
g1 = features.feature_gradients(KERNEL, t1["x_tr"], t1["feats"], t1["x_te"][0], index=shown_1d)
fig, axes = plt.subplots(2, 3, figsize=(7, 3.8), sharex=True)
axes = axes.ravel()
axes[0].plot(t1["x_te"][0], color="k")
axes[0].set_title("test signal", fontsize=8)
for ax, i, g in zip(axes[1:], shown_1d, g1):
    ax.plot(g / np.abs(g).max())
    ax.set_title(f"i={i + 1}: u={t1['u'][i]:.2f}, r={t1['r'][i]:.2f}", fontsize=8)
    ax.set_ylim(-1.1, 1.1)
for ax in axes[3:]:
    ax.set_xlabel("sample")
fig.tight_layout()
plotting.glue_figure("fig-l08-feature-gradients-1d", fig)
rough = np.abs(np.diff(g1, axis=1)).sum(axis=1) / np.abs(g1).sum(axis=1)
plotting.html_table(["feature i", *[str(i + 1) for i in shown_1d]],
                    [["roughness", *[f"{r:.2f}" for r in rough]]], align_right_from=1)
claims.less("MNIST-1D: roughness of the gradients of features 1 and 2 (the larger)", rough[:2].max(),
            0.5, glue="rf-rough-top", fmt=".2f")
claims.greater("MNIST-1D: roughness of the gradients of the two last shown features (the smaller)",
               rough[-2:].min(), 1.0, glue="rf-rough-bottom", fmt=".2f")

# %% [markdown]
# ```{glue:figure} fig-l08-feature-gradients-1d
# :name: fig-l08-feature-gradients-1d
# :alt: Six small line plots: a MNIST-1D test signal and the input gradients of five eigen-features, smooth for the top features and rapidly oscillating for the deep ones.
#
# A MNIST-1D test signal and the gradients, at that signal, of five eigen-features
# of the NTK predictor (scaled to $[-1, 1]$), with usefulness $u$ and robustness $r$.
# ```
#
# The gradients of the first two features have roughness at most
# {glue:text}`rf-rough-top`: they vary on the scale of the signal's bumps. Those of the
# two deepest features shown have roughness at least {glue:text}`rf-rough-bottom`:
# consecutive samples typically change sign, a high-frequency pattern that no
# human would call a "1" or a "0", yet that correlates with the label on test data.

# %% [markdown]
# (rf-advkip)=
# ## Adversarial KIP: robustness from the data
#
# If robustness is carried by the top of the kernel's spectrum, one can try to
# build a training set whose kernel predictor uses robust features only, and
# hope that networks trained on it inherit the robustness without any
# adversarial training. Kernel inducing points (KIP, lecture {ref}`lecture-kip`)
# learn a small support set $(X_s, Y_s)$ whose predictor
# $f_s(x) = K(x, X_s)(K(X_s,X_s) + \mu I)^{-1}Y_s$ fits a target set. **Adversarial KIP**
# {cite}`tsilivis2022data` asks the support predictor to fit *attacked* targets:
#
# $$
# \min_{X_s}\;\frac{1}{2 n_t}\big\lVert Y_t - f_s(X_t+\tilde\delta)\big\rVert_2^2,
# \qquad
# \tilde\delta = \arg\max_{\delta\in\Delta}\ \ell_{\mathrm{CE}}\big(f_s(X_t+\delta), Y_t\big),
# $$ (eq-advkip)
#
# with $\Delta$ the $\ell_\infty$ ball of radius $\epsilon$ (per example, inside the box) and
# the cross-entropy $\ell_{\mathrm{CE}}$ computed with the outputs of $f_s$ as logits.
#
# ```{prf:algorithm} Adversarial KIP
# :label: alg-advkip
# **Inputs** training data, support size, radius $\epsilon$, PGD step $a$ and number of
# steps $A$, learning rate.
#
# 1. Draw the initial support $(X_s, Y_s)$ from the training data.
# 2. Repeat for each step: draw a target batch $(X_t, Y_t)$; starting from a random
#    point of the ball, take $A$ PGD steps $\delta \leftarrow \Pi_{\Delta}\big(\delta + a\,\mathrm{sign}\,\nabla_\delta
#    \ell_{\mathrm{CE}}(f_s(X_t + \delta), Y_t)\big)$, the projection $\Pi_\Delta$ being onto the ball around
#    the *clean* $X_t$ and the box; then take one Adam step on $X_s$ along the gradient
#    of {eq}`eq-advkip` with $\delta$ held fixed.
# 3. Return $(X_s, Y_s)$.
# ```
#
# Two choices deserve a word, and both depart from the seed texts.
#
# * **Squared norm.** The notes' $\mathcal L_{\mathrm{AdvKIP}}$ uses the norm itself,
#   not its square as the plain KIP loss (27) does (an inconsistency listed in the
#   course errata). We use the square. For a fixed attacked batch the two have the
#   same minimizers, and $\nabla\lVert r\rVert = \nabla\lVert r\rVert^2 / (2\lVert r\rVert)$, so the
#   unsquared loss only rescales each step by a batch-dependent factor, which Adam
#   largely normalizes away; the square is smooth at $r = 0$ and makes adversarial
#   KIP differ from plain KIP in the attack alone.
# * **Gradient through the attack.** The maximizer $\tilde\delta$ depends on $X_s$. By
#   Danskin's theorem (lecture {ref}`lecture-minimax`) the gradient of a maximum is
#   the gradient at a maximizer, so we hold $\tilde\delta$ fixed (`stop_gradient`).
#   Strictly the theorem applies to the *same* objective; here the attacker
#   maximizes cross-entropy and the learner minimizes square loss, as in
#   {cite}`tsilivis2022data` and as allowed by the notes, so this is the usual
#   heuristic of adversarial training rather than an exact gradient. In the slides'
#   pseudo-code the batch is overwritten by its attacked version, which leaves the
#   centre of the ball ambiguous; we project around the clean batch.
#
# `kip.adversarial_kip` implements {prf:ref}`alg-advkip` as `kip.kip` with the loss
# `kip.AdversarialKIPLoss`, reusing its compiled loop.
#
# ### The experiment
#
# Ten-class digits with pixels in $[0, 1]$, {glue:text}`rf-kip-train` training and
# {glue:text}`rf-kip-test` test images, $\ell_\infty$ radius $\epsilon = 0.1$ for
# distillation and evaluation. Labels are one-hot vectors minus $1/10$, learned
# neither by KIP nor by adversarial KIP. **This departs from the slides**, whose
# adversarial KIP also learns the support labels (as KIP can, lecture
# {ref}`lecture-kip`); we keep them fixed so that the robustness gained can only come
# from the support *images*, at the price of a possibly smaller effect. Four ways to get robust networks, all
# with the same network (one hidden ReLU layer of width {glue:text}`rf-net-width`, NTK
# parametrization, output at initialization subtracted so that it starts from
# zero like the kernel):
#
# 1. **real**: 10 random training images per class, plain training;
# 2. **KIP**: those 100 images after KIP, plain training;
# 3. **adversarial KIP**: the same 100 images after adversarial KIP, plain training;
# 4. **PGD-AT**: adversarial training (`robust_training.adversarial_training`,
#    `method="pgd"`) on the full training set.
#
# Plain training is {glue:text}`rf-net-steps` full-batch Adam steps on the square
# loss, the regime in which the network follows its kernel. **Cost.** Adversarial
# KIP and PGD-AT run the same number of steps ({glue:text}`rf-kip-steps`), on the same
# batch size, with the same PGD ({glue:text}`rf-attack-steps` steps of size
# $\epsilon/4$ from a random start): both evaluate $A + 1$ gradients per example per step,
# through the kernel predictor for one and through the network for the other. We
# also display the wall time of each (measured in this page, compilation included). Robust accuracy is measured with PGD-{glue:text}`rf-pgd-eval`
# (random start, step $\epsilon/4$) against the cross-entropy of the network's outputs;
# we also attack the support-set kernel predictors themselves.

# %%
EPS = 0.1
N_CLASSES = 10
kip_split = data.digits(n_train=P["kip_train"], n_test=P["kip_test"], standardize=False)
xtr, ytr = jnp.asarray(kip_split.x_train), jnp.asarray(kip_split.y_train)
xte, yte = jnp.asarray(kip_split.x_test), jnp.asarray(kip_split.y_test)
targets = jnp.asarray(data.one_hot(kip_split.y_train, N_CLASSES) - 1.0 / N_CLASSES)
x_real, lab_real, real_index = data.per_class_sample(kip_split.x_train, kip_split.y_train,
                                                     10, seed=config.SEED)
y_real = jnp.asarray(data.one_hot(lab_real, N_CLASSES) - 1.0 / N_CLASSES)
common = dict(steps=P["kip_steps"], learning_rate=0.01, batch_size=P["kip_batch"],
              seed=config.SEED)

wall = {}
start = time.perf_counter()
plain_kip = kip.kip(KERNEL, x_real, y_real, xtr, targets, **common)
wall["KIP"] = time.perf_counter() - start
start = time.perf_counter()
adv_kip = kip.adversarial_kip(KERNEL, x_real, y_real, xtr, targets, eps=EPS,
                              attack_step=EPS / 4, attack_steps=P["attack_steps"], **common)
wall["adversarial KIP"] = time.perf_counter() - start
supports = {"real": (x_real, y_real), "KIP": (plain_kip.x_support, plain_kip.y_support),
            "adversarial KIP": (adv_kip.x_support, adv_kip.y_support)}
claims.glue("rf-advkip-range", f"[{float(adv_kip.x_support.min()):.2f}, "
                                 f"{float(adv_kip.x_support.max()):.2f}]")


# %% [markdown]
# The learned supports leave the pixel box slightly (see the printed range): they
# are synthetic images, and nothing in the loss keeps them inside it. Now the
# networks. All support-set networks (three datasets, {glue:text}`rf-net-seeds` seeds each)
# are trained together in one compiled, vectorized run (`nets.fit_many`).

# %%
net = nets.mlp(depth=1, width=P["net_width"], out_dim=N_CLASSES, W_std=2 ** 0.5, b_std=0.1)


def zero_start(params0):
    """Parameters of a network whose output at initialization is zero."""
    return {"w": params0, "w0": params0}


def apply(p, x):
    # The frozen copy w0 gets a zero gradient, so optimizers never move it.
    return net.apply_fn(p["w"], x) - net.apply_fn(jax.lax.stop_gradient(p["w0"]), x)


def clean_and_robust(predict, x, labels):
    """Clean and PGD accuracy of a batched predictor (traceable)."""
    adv = attacks.pgd(lambda xa: losses.cross_entropy(predict(xa), labels), x, eps=EPS,
                          step=EPS / 4, steps=P["pgd_eval"], key=jax.random.PRNGKey(1))
    return (jnp.mean(jnp.argmax(predict(x), 1) == labels),
            jnp.mean(jnp.argmax(predict(adv), 1) == labels))


names = list(supports)
seeds = range(P["net_seeds"])
stack = lambda trees: jax.tree_util.tree_map(lambda *a: jnp.stack(a), *trees)
params0 = stack([zero_start(net.init(s, (64,))) for _ in names for s in seeds])
xs_all = jnp.stack([jnp.asarray(supports[k][0]) for k in names for _ in seeds])
ys_all = jnp.stack([jnp.asarray(supports[k][1]) for k in names for _ in seeds])
start = time.perf_counter()
trained = nets.fit_many(apply, params0, xs_all, ys_all, steps=P["net_steps"],
                        optimizer=optax.adam(1e-3), loss="mse")
acc_nets = np.array(jax.jit(jax.vmap(
    lambda p, x, labels: clean_and_robust(lambda xa: apply(p, xa), x, labels),
    in_axes=(0, None, None)))(trained, xte, yte)).T
wall["plain training of all support-set networks"] = time.perf_counter() - start
acc_nets = acc_nets.reshape(len(names), P["net_seeds"], 2)     # (dataset, seed, clean/robust)

kernel_eval = jax.jit(lambda xs, ys, x, labels: clean_and_robust(
    lambda xa: kernels.krr_from_support(KERNEL, xs, ys, xa, 1e-6), x, labels))
acc_kernel = {k: [float(a) for a in kernel_eval(jnp.asarray(supports[k][0]),
                                                jnp.asarray(supports[k][1]), xte, yte)]
              for k in names}

start = time.perf_counter()
at_runs = [robust_training.adversarial_training(
    apply, zero_start(net.init(s, (64,))), xtr, ytr, xte, yte, method="pgd", eps=EPS,
    attack_step=EPS / 4, attack_steps=P["attack_steps"], steps=P["kip_steps"],
    batch_size=P["kip_batch"], learning_rate=0.05, record_every=P["kip_steps"], seed=s)
    for s in range(P["at_seeds"])]
acc_at = np.array([[float(a) for a in jax.jit(lambda p, x, labels: clean_and_robust(
    lambda xa: apply(p, xa), x, labels))(run.params, xte, yte)] for run in at_runs])
wall["PGD-AT"] = (time.perf_counter() - start) / P["at_seeds"]

grad_evals = P["kip_steps"] * P["kip_batch"] * (P["attack_steps"] + 1)
table = []
for k, accs in zip(names, acc_nets):
    table.append([k, f"{len(supports[k][0])}", f"{accs[:, 0].mean():.3f} ± {accs[:, 0].std():.3f}",
                  f"{accs[:, 1].mean():.3f} ± {accs[:, 1].std():.3f}",
                  f"{acc_kernel[k][0]:.3f}", f"{acc_kernel[k][1]:.3f}",
                  f"{grad_evals:,}" if k == "adversarial KIP" else "—",
                  f"{wall[k]:.1f}" if k in wall else "—"])
table.append(["PGD-AT (full data)", f"{len(xtr)}",
              f"{acc_at[:, 0].mean():.3f} ± {acc_at[:, 0].std():.3f}",
              f"{acc_at[:, 1].mean():.3f} ± {acc_at[:, 1].std():.3f}", "—", "—",
              f"{grad_evals:,}", f"{wall['PGD-AT']:.1f}"])
plotting.html_table(["training data", "images", "net clean", f"net PGD-{P['pgd_eval']}",
                     "kernel clean", f"kernel PGD-{P['pgd_eval']}", "gradient evals",
                     "wall time (s)"], table, align_right_from=1)

# %%
mean = {k: acc_nets[i].mean(axis=0) for i, k in enumerate(names)}
mean["PGD-AT"] = acc_at.mean(axis=0)
claims.greater("nets on adversarial KIP data: PGD accuracy minus nets on real data",
               mean["adversarial KIP"][1] - mean["real"][1], 0.05, glue="rf-gain-real", fmt=".3f")
claims.greater("nets on adversarial KIP data: PGD accuracy minus nets on KIP data",
               mean["adversarial KIP"][1] - mean["KIP"][1], 0.03, glue="rf-gain-kip", fmt=".3f")
claims.greater("nets on adversarial KIP data: clean accuracy", mean["adversarial KIP"][0], 0.9,
               glue="rf-adv-clean", fmt=".3f")
claims.glue("rf-adv-rob", mean["adversarial KIP"][1], ".3f")
claims.glue("rf-real-rob", mean["real"][1], ".3f")
claims.glue("rf-kip-rob", mean["KIP"][1], ".3f")
# shown, not claimed: at this budget PGD-AT is not trained to convergence (see the text)
claims.glue("rf-at-clean", mean["PGD-AT"][0], ".3f")
claims.glue("rf-at-rob", mean["PGD-AT"][1], ".3f")
claims.greater("adversarial KIP kernel: PGD accuracy minus plain KIP kernel",
               acc_kernel["adversarial KIP"][1] - acc_kernel["KIP"][1], 0.0,
               glue="rf-kernel-gain", fmt=".3f")
for name, value in (("rf-kip-train", len(xtr)), ("rf-kip-test", len(xte)),
                    ("rf-net-width", P["net_width"]), ("rf-net-steps", P["net_steps"]),
                    ("rf-kip-steps", P["kip_steps"]), ("rf-attack-steps", P["attack_steps"]),
                    ("rf-pgd-eval", P["pgd_eval"]), ("rf-net-seeds", P["net_seeds"])):
    claims.glue(name, value)

# %% [markdown]
# What the table shows, for $\epsilon = 0.1$:
#
# * Networks trained plainly on the 100 adversarially distilled images keep a clean
#   accuracy of {glue:text}`rf-adv-clean` and a PGD accuracy of {glue:text}`rf-adv-rob`,
#   against {glue:text}`rf-real-rob` for 100 real images and {glue:text}`rf-kip-rob` for
#   100 plain-KIP images: a gain of {glue:text}`rf-gain-real` and {glue:text}`rf-gain-kip`.
#   The robustness was put into the *data*; the training is standard.
# * The attack step matters for the kernel too: the adversarial-KIP kernel predictor
#   is {glue:text}`rf-kernel-gain` more accurate under PGD than the plain-KIP one.
# * At the same number of gradient evaluations, PGD adversarial training on the
#   full training set reaches clean accuracy {glue:text}`rf-at-clean` and PGD accuracy
#   {glue:text}`rf-at-rob`. With so few steps it is still far from converged (lecture
#   {ref}`lecture-ddi` trains several times longer), so these numbers are a cost
#   reference, not a comparison of the two methods: an earlier version of this page
#   concluded from them that adversarial KIP gives higher clean accuracy than
#   adversarial training, and we withdraw that conclusion, because the baseline had
#   not converged at the matched budget. Which of the two is more accurate or more
#   robust once both have converged is not measured here. The distilled set is
#   reusable: once made, every further network costs only plain
#   training on 100 images, while adversarial training pays its price per network.
#
# The comparison has limits worth stating. Our networks are wide, shallow, and
# trained in the kernel regime, where transfer from the kernel is expected;
# {cite}`tsilivis2022data` report the same effect on CIFAR-10 for convolutional
# networks, with a larger gap {cite}`kempe2022slides`. PGD with
# {glue:text}`rf-pgd-eval` steps is not a certificate: stronger
# attacks (more restarts, other losses) can only lower the robust accuracies.
#
# ### Non-robust features alone: the experiment of Ilyas et al.
#
# Adversarial KIP put robust information into a dataset. Ilyas et al.
# {cite}`ilyas2019features` ran the opposite experiment to show that what a
# standard model learns from *non-robust* features is real, predictive signal.
# Take each training image $x$ with label $y$, choose the target
# $t = (y + 1) \bmod 10$, perturb $x$ within the $\ell_\infty$ ball of radius
# $\epsilon$ by targeted PGD so that a standard model predicts $t$, and relabel
# the result $t$. To a human the new dataset is mislabeled everywhere: every
# image still shows its old digit. A fresh standard model trained on it and
# evaluated on the *original*, clean test set can only beat chance (10%) if the
# small perturbations carry features that are correlated with the label
# $t$ on natural images too. Ilyas et al. found that they do, on CIFAR-10 with
# deep networks. The control is the same relabeling without the perturbation,
# which points every label one class away and should score near zero.
#
# Here the standard model is the NTK predictor of all
# {glue:text}`rf-kip-train` training digits (the kernel of the rest of the page,
# ridge $10^{-6}$ relative), the attack is targeted PGD with
# {glue:text}`rf-nr-steps` steps of size $\epsilon/4$ on the cross-entropy toward
# $t$, and the fresh model is the NTK predictor of the new dataset. We try the
# page's $\epsilon = 0.1$ and twice that.

# %%
@functools.partial(jax.jit, static_argnames="eps")
def non_robust_experiment(x, labels, x_test, labels_test, key, eps):
    """Ilyas et al.'s deterministic non-robust dataset against the NTK predictor of (x, labels):
    targeted-attack success rate, and clean test accuracy of a fresh NTK predictor trained on
    the relabeled perturbed images and on the relabeled clean images (the control)."""
    def one_hot(lab):
        return jax.nn.one_hot(lab, N_CLASSES) - 1.0 / N_CLASSES

    coef = kernels.support_coefficients(KERNEL, x, one_hot(labels), 1e-6)
    new_labels = (labels + 1) % N_CLASSES
    x_nr = attacks.pgd(
        lambda xa: -losses.cross_entropy(KERNEL(xa, x) @ coef, new_labels), x, eps=eps,
        step=eps / 4, steps=P["nr_steps"], key=key)

    def fresh(xs):
        out = kernels.krr_from_support(KERNEL, xs, one_hot(new_labels), x_test, 1e-6)
        return jnp.mean(jnp.argmax(out, 1) == labels_test)

    return jnp.mean(jnp.argmax(KERNEL(x_nr, x) @ coef, 1) == new_labels), fresh(x_nr), fresh(x)


nr = {eps: np.array([[float(v) for v in non_robust_experiment(
    xtr, ytr, xte, yte, jax.random.PRNGKey(config.SEED + s), eps)] for s in range(P["nr_seeds"])])
    for eps in P["nr_eps"]}
small, large = min(P["nr_eps"]), max(P["nr_eps"])
chance = 1 / N_CLASSES
claims.glue("rf-nr-steps", P["nr_steps"])
claims.glue("rf-nr-small", small)
claims.glue("rf-nr-large", large)
claims.less(f"eps = {small}: targeted attack success on the training images", nr[small][:, 0].mean(),
            0.05, glue="rf-nr-success-small", fmt=".3f")
claims.less(f"eps = {small}: fresh NTK predictor on the non-robust set, clean test accuracy "
            "(below chance)", nr[small][:, 1].mean(), chance, glue="rf-nr-acc-small", fmt=".3f")
claims.glue("rf-nr-success-large", nr[large][:, 0].mean(), ".3f")
claims.greater(f"eps = {large}: fresh NTK predictor on the non-robust set, clean test accuracy "
               "(more than twice chance)", nr[large][:, 1].min(), 2 * chance,
               glue="rf-nr-acc-large", fmt=".3f")
claims.less("control, relabeled clean images: clean test accuracy (below 5%, every eps and seed)",
            max(nr[eps][:, 2].max() for eps in P["nr_eps"]), 0.05, glue="rf-nr-control",
            fmt=".3f")
claims.glue("rf-nr-seeds", P["nr_seeds"])
plotting.html_table(["epsilon", "targeted attack success", "fresh model, clean test accuracy",
                     "control (no perturbation)"],
                    [[f"{eps}", *[f"{nr[eps][:, j].mean():.3f}" for j in range(3)]]
                     for eps in P["nr_eps"]], align_right_from=1)

# %% [markdown]
# The table gives means over the random starts of PGD
# ({glue:text}`rf-nr-seeds` of them):
#
# * At $\epsilon$ = {glue:text}`rf-nr-small` the effect **does not show** at this
#   scale. The targeted attack almost never succeeds against the kernel
#   predictor on its own training images ({glue:text}`rf-nr-success-small` of
#   them), which it interpolates and which pin it down, and the fresh predictor
#   reaches {glue:text}`rf-nr-acc-small` on the clean test set, below chance: the
#   perturbations are too weak to outweigh the images' true digits, which now
#   point away from their labels.
# * At $\epsilon$ = {glue:text}`rf-nr-large` the attack succeeds on
#   {glue:text}`rf-nr-success-large` of the images, and the fresh predictor,
#   trained only on "mislabeled" images, classifies the clean test digits with
#   accuracy {glue:text}`rf-nr-acc-large` (the lowest over seeds), more than twice
#   chance. The control, the same labels without the perturbations, stays
#   below 5% ({glue:text}`rf-nr-control` at most). The perturbations carry
#   features that generalize to natural images, as Ilyas et al. report.
#
# One caveat: a radius of 0.2 on $8\times 8$ images is a fifth of the pixel
# range, far larger than the imperceptible perturbations of Ilyas et al. on
# CIFAR-10, so "non-robust" here means "not robust at this radius" rather than
# invisible.
#
# ### Robust features alone: the robust dataset
#
# Ilyas et al. {cite}`ilyas2019features` also ran the converse experiment, which
# keeps in every image only what a *robust* model sees. Let $g$ be the
# representation of an adversarially trained network, its penultimate layer. For
# each training pair $(x, y)$ draw another training image $x_0$ at random, solve
#
# $$
# x_r \in \arg\min_{z\in[0,1]^d}\ \lVert g(z) - g(x)\rVert_2^2
# $$ (eq-robust-dataset)
#
# by gradient descent started at $z = x_0$, and keep the label $y$. The pairs
# $(x_r, y)$ form the **robust dataset** $\mathcal D_R$. Whatever $g$ responds to is
# copied from $x$; what it is blind to does not enter the objective, so nothing
# pulls it toward $x$ and much of $x_0$ survives, an image whose class has nothing
# to do with $y$. If adversarial training has removed the
# non-robust features from $g$, the label of $x_r$ is carried by robust features
# only, and a model trained on $\mathcal D_R$ with no attack at all should come out
# robust. That is what Ilyas et al. observed on CIFAR-10, where standard training
# on the original images left the networks with almost no robustness. The control
# applies the same construction to the representation of a *standard* network,
# which keeps the non-robust features too.
#
# The representation has to forget something for this to mean anything: a ReLU
# layer with at least $d$ active units whose weights span $\R^d$ determines its
# input, and {eq}`eq-robust-dataset` then returns $x_r = x$. Our $g$ is therefore
# the hidden layer $g(x) = \mathrm{relu}(W_1^\top x + b_1)$ of a small network with
# {glue:text}`rf-rd-width` hidden units, fewer than the 64 pixels, and a linear
# readout (standard parametrization, Gaussian weights of variance 2/fan-in). Two
# copies from the same initialization are trained on all {glue:text}`rf-kip-train`
# training digits for {glue:text}`rf-rd-steps` steps with the optimizer, learning
# rate and batch size of PGD-AT above: one with PGD-AT at $\epsilon = 0.1$
# (`robust_training.adversarial_training`), one without any attack (`nets.fit`).
# We build $\mathcal D_R$ and the control from the 100 real images of the
# adversarial-KIP table, each started from a random other training digit, with
# {glue:text}`rf-rd-match-steps` Adam steps clipped to the pixel box
# (`features.match_representation`, which also returns the final relative error
# $\lVert g(x_r) - g(x)\rVert / \lVert g(x)\rVert$; Ilyas et al. take normalized
# gradient steps instead). The fresh standard model is the NTK predictor of that
# table, so its "real" row is the baseline, standard training on the original
# images, attacked the same way. Everything is repeated for
# {glue:text}`rf-rd-seeds` seeds (initialization, minibatches, start images).

# %%
def small_init(rng, width=P["rd_width"]):
    """Initial parameters of a one-hidden-layer ReLU network on 64 pixels (Gaussian weights of
    variance 2 / fan-in), drawn with the NumPy generator rng: jax.random would compile once
    per shape, seconds on a small CPU."""
    draw = lambda std, *shape: (std * rng.standard_normal(shape)).astype(np.float32)
    return {"w1": draw(2 ** 0.5 / 8, 64, width), "b1": draw(0.1, 1, width),
            "w2": draw((2 / width) ** 0.5, width, N_CLASSES), "b2": draw(0.1, 1, N_CLASSES)}


def hidden(x, p):
    """The representation g(x) = relu(x W1 + b1), the network's penultimate layer."""
    return jax.nn.relu(x @ p["w1"] + p["b1"])


def small_apply(p, x):
    return hidden(x, p) @ p["w2"] + p["b2"]


momentum_sgd = optax.sgd(0.05, momentum=0.9)   # PGD-AT's optimizer; one object, one compilation
labels_train = data.one_hot(kip_split.y_train, N_CLASSES)
n_train = len(kip_split.x_train)
rd = {"robust": [], "standard": []}
# per seed: model clean and PGD accuracy, matching error, fresh predictor clean and PGD
# accuracy, distance |x_r - x| / |x|
for seed in range(P["rd_seeds"]):
    rng = np.random.default_rng((config.SEED, seed))
    init = small_init(rng)
    at = robust_training.adversarial_training(
        small_apply, init, xtr, ytr, xte, yte, method="pgd", eps=EPS, attack_step=EPS / 4,
        attack_steps=P["attack_steps"], steps=P["rd_steps"], batch_size=P["kip_batch"],
        learning_rate=0.05, record_every=P["rd_steps"], eval_steps=P["pgd_eval"], seed=seed)
    plain = nets.fit(small_apply, init, xtr, labels_train, steps=P["rd_steps"],
                     optimizer=momentum_sgd, loss="xent", batch_size=P["kip_batch"], seed=seed)
    models = {"robust": (at.params, at.clean_acc[-1], at.robust_acc[-1]),
              "standard": (plain, robust_training.accuracy(small_apply, plain, xte, yte),
                           robust_training.robust_accuracy(
                               small_apply, plain, xte, yte, eps=EPS, step=EPS / 4,
                               steps=P["pgd_eval"], key=jax.random.PRNGKey(seed)))}
    # each real image starts from a random *other* training image
    other = rng.integers(0, n_train - 1, len(x_real))
    start = kip_split.x_train[other + (other >= real_index)]
    for name, (params, clean, robust) in models.items():
        matched = features.match_representation(hidden, x_real, start,
                                                steps=P["rd_match_steps"], learning_rate=0.01,
                                                args=(params,))
        moved = np.linalg.norm(np.asarray(matched.x) - x_real, axis=1)
        rd[name].append([clean, robust, np.mean(np.asarray(matched.relative_error)),
                         *kernel_eval(matched.x, y_real, xte, yte),
                         np.mean(moved / np.linalg.norm(x_real, axis=1))])
rd = {name: np.array(rows, dtype=float) for name, rows in rd.items()}

# %%
rd_mean = {name: rows.mean(axis=0) for name, rows in rd.items()}
original = acc_kernel["real"]          # the NTK predictor of the 100 real images (table above)
gain = rd["robust"][:, 4] - rd["standard"][:, 4]   # fresh PGD accuracy, D_R minus control
claims.greater("g-nets: PGD accuracy of the adversarially trained net minus the standard one "
               "(means over seeds)", rd_mean["robust"][1] - rd_mean["standard"][1], 0.1,
               glue="rf-rd-net-gap", fmt=".3f")
claims.less("matching: mean relative representation error, largest over seeds and nets",
            max(rows[:, 2].max() for rows in rd.values()), 0.05, glue="rf-rd-error", fmt=".3f")
claims.greater("fresh NTK predictor: PGD accuracy on D_R minus on the control (mean over seeds)",
               gain.mean(), 0.0, glue="rf-rd-gain", fmt=".3f")
claims.greater("fresh NTK predictor: PGD accuracy on the original images minus on D_R (mean)",
               original[1] - rd_mean["robust"][4], 0.1, glue="rf-rd-loss", fmt=".3f")
claims.less("fresh NTK predictor: clean accuracy on D_R minus on the original images (mean)",
            rd_mean["robust"][3] - original[0], 0.0, glue="rf-rd-clean-cost", fmt=".3f")
for key, value in (("rf-rd-width", P["rd_width"]), ("rf-rd-steps", P["rd_steps"]),
                   ("rf-rd-match-steps", P["rd_match_steps"]), ("rf-rd-seeds", P["rd_seeds"])):
    claims.glue(key, value)
for key, value in (("net-rob", rd_mean["robust"][1]), ("std-rob", rd_mean["standard"][1]),
                   ("rob", rd_mean["robust"][4]), ("control-rob", rd_mean["standard"][4]),
                   ("clean", rd_mean["robust"][3]), ("control-clean", rd_mean["standard"][3]),
                   ("orig-rob", original[1]), ("orig-clean", original[0]),
                   ("gain-min", gain.min()), ("gain-max", gain.max()),
                   ("moved", rd_mean["robust"][5]), ("moved-control", rd_mean["standard"][5])):
    claims.glue(f"rf-rd-{key}", value, ".2f" if key.startswith("moved") else ".3f")
mean_sd = lambda v: f"{v.mean():.3f} ± {v.std():.3f}"
pgd = f"PGD-{P['pgd_eval']}"
plotting.html_table(
    ["training set (100 images)", "g from", "g-net clean", f"g-net {pgd}", "matching error",
     "|x_r - x| / |x|", "fresh NTK clean", f"fresh NTK {pgd}"],
    [["original images", "—", "—", "—", "—", "—", f"{original[0]:.3f}", f"{original[1]:.3f}"]]
    + [[label, f"{name} net", *[mean_sd(rd[name][:, j]) for j in (0, 1, 2, 5, 3, 4)]]
       for label, name in (("robust dataset D_R", "robust"), ("control", "standard"))],
    align_right_from=2)

# %% [markdown]
# Means ± standard deviations over the seeds; "g-net" is the small network whose
# hidden layer is $g$, "fresh NTK" the predictor trained on the 100 images of the
# row.
#
# * **The ingredients work.** The adversarially trained network is robust: its
#   PGD accuracy is {glue:text}`rf-rd-net-rob`, against {glue:text}`rf-rd-std-rob`
#   for the standard one, a gap of {glue:text}`rf-rd-net-gap` (more than 0.1).
#   The matching converges: the mean relative error of the representation is at
#   most {glue:text}`rf-rd-error` (the largest over networks and seeds; below
#   5%). Yet the matched images are far from the originals: on average $x_r$ lies
#   {glue:text}`rf-rd-moved` of the norm of $x$ away from $x$
#   ({glue:text}`rf-rd-moved-control` in the control), so much of every image
#   still comes from its random start.
# * **$\mathcal D_R$ beats the control.** Trained on $\mathcal D_R$, the fresh NTK
#   predictor keeps a PGD accuracy of {glue:text}`rf-rd-rob`, against
#   {glue:text}`rf-rd-control-rob` on the control: {glue:text}`rf-rd-gain` higher
#   on average (from {glue:text}`rf-rd-gain-min` to {glue:text}`rf-rd-gain-max`
#   over the seeds), with clean accuracies {glue:text}`rf-rd-clean` and
#   {glue:text}`rf-rd-control-clean`. The robust network's representation hands
#   more robust signal to the new images than the standard network's does, in the
#   direction Ilyas et al. report.
# * **$\mathcal D_R$ does not beat the original images.** The same predictor
#   trained on the 100 original images is more accurate (clean
#   {glue:text}`rf-rd-orig-clean`, against {glue:text}`rf-rd-clean` on
#   $\mathcal D_R$) *and* more robust (PGD {glue:text}`rf-rd-orig-rob`, a margin
#   of {glue:text}`rf-rd-loss`, more than 0.1). At this scale the robust dataset
#   costs clean accuracy and buys no robustness over the data it was made from:
#   the central finding of Ilyas et al., that standard training on
#   $\mathcal D_R$ gives a robustness that standard training on natural data
#   lacks, is **not** reproduced here.
#
# Two differences from their setting may explain this; we have not separated
# them. First, standard training on natural digits is not fragile here: the NTK
# predictor of the original images already keeps a PGD accuracy of
# {glue:text}`rf-rd-orig-rob`, so $\mathcal D_R$ has little robustness to add.
# Second, our $g$ is one narrow layer of a shallow network, not the penultimate
# layer of a deep robust network: its active units pin down at most
# {glue:text}`rf-rd-width` of the 64 directions of an image, and the rest of the
# random start survives in $x_r$, where its coarse strokes belong to an unrelated
# class and may act on the fresh predictor like label noise.

# %% [markdown]
# ## What it means
#
# * **A spectral definition of features.** The kernel predictor is a sum of
#   eigen-features, each an exact projection of the labels on the training set.
#   Useful features are spread across the spectrum, robust ones are concentrated at
#   the top, where functions vary slowly, and gradient descent learns the top first.
#   Per-feature scores do not add up to the robustness of the predictor, though:
#   the deep features have small amplitude, and on the digits task stopping early
#   did not make the predictor more robust (exercise {ref}`ex-rf-early`).
# * **Non-robust features are real signal.** Features deep in the spectrum are
#   useful on *test* data, not only on the training set, yet flip under a
#   perturbation of {glue:text}`rf-eps` per pixel: precisely the useful, non-robust features of
#   {cite}`ilyas2019features`.
# * **Robustness can be moved into the data.** Adversarial KIP writes a small
#   training set whose kernel predictor resists attacks, and networks trained on it
#   without any attack inherit part of that robustness. The robust dataset of Ilyas
#   et al., built here from a small robust network, moved less: more robust than its
#   control, but less robust than the natural images it came from.
#
# ## Exercises
#
# ```{exercise} Training usefulness is the label spectrum
# :label: ex-rf-train-usefulness
# Show that the training usefulness $\frac1n\sum_j y_j f_i(x_j)$ of the eigen-feature $f_i$
# equals $(v_i^\top Y)^2/n$, and that these numbers sum to one for labels $\pm1$. What
# do they become for kernel *ridge* regression with ridge $\mu$?
# ```
#
# ```{solution} ex-rf-train-usefulness
# :class: dropdown
# By {prf:ref}`thm-eigen-features`, $f_i(X) = (v_i^\top Y) v_i$, so $\frac1n Y^\top f_i(X) =
# (v_i^\top Y)^2/n$. Since the $v_i$ are an orthonormal basis, $\sum_i (v_i^\top Y)^2 =
# \lVert Y\rVert^2 = n$. With a ridge, $(K+\mu I)^{-1} = \sum_i (\lambda_i+\mu)^{-1}v_iv_i^\top$, so
# $\alpha_i = v_i^\top Y/(\lambda_i+\mu)$ and $f_i(X) = \frac{\lambda_i}{\lambda_i+\mu}(v_i^\top Y)v_i$: the
# usefulness becomes $\frac{\lambda_i}{\lambda_i+\mu}(v_i^\top Y)^2/n$. The ridge damps the features
# with $\lambda_i\ll\mu$, the bottom of the spectrum, which are the least robust ones.
# ```
#
# ```{exercise} The first-order robustness gap
# :label: ex-rf-first-order
# Use the linearization $f_i(x+\delta)\approx f_i(x) + \nabla f_i(x)^\top\delta$ to predict
# $u_i - r_i \approx \epsilon\,\widehat\E\lVert\nabla f_i(x)\rVert_1/s_i$ (ignoring the box). Compute
# this prediction on the digits task for all features and compare it with the gap
# measured by PGD. Where does the linear prediction fail, and in which direction?
# ```
#
# ```{solution-start} ex-rf-first-order
# :class: dropdown
# ```

# %%
t = tasks["digits 3 vs 8"]
g_all = np.stack([features.feature_gradients(KERNEL, t["x_tr"], t["feats"], xi)
                  for xi in t["x_te"][:40]])                    # (40 points, n features, 64)
s_i = np.sqrt((t["outputs"] ** 2).mean(axis=0))
predicted_gap = P["feat_eps"] * np.abs(g_all).sum(axis=2).mean(axis=0) / s_i
measured_gap = t["u"] - t["r"]
claims.greater("Spearman(predicted gap, measured gap)",
               stats.spearman(predicted_gap, measured_gap).rho, 0.8, glue="rf-ex-rho", fmt=".2f")
claims.less("median ratio measured / predicted gap", np.median(measured_gap / predicted_gap), 1.0,
            glue="rf-ex-ratio", fmt=".2f")
fig, ax = plt.subplots()
ax.loglog(predicted_gap, measured_gap, "o", ms=3)
lims = [min(predicted_gap.min(), measured_gap.min()), max(predicted_gap.max(), measured_gap.max())]
ax.loglog(lims, lims, "k--", lw=1, label="measured = predicted")
ax.set(xlabel=r"first-order prediction $\epsilon\,\mathbb{E}\|\nabla f_i\|_1/s_i$",
       ylabel="measured $u_i - r_i$")
ax.legend()
fig.tight_layout()
plotting.glue_figure("fig-l08-first-order", fig)

# %% [markdown]
# ```{glue:figure} fig-l08-first-order
# :name: fig-l08-first-order
# :alt: Log-log scatter plot of the measured drop from usefulness to robustness of each feature against its first-order prediction, around a dashed diagonal.
#
# The drop from usefulness to robustness of each feature against the first-order
# prediction (dashed: equality).
# ```
#
# The two gaps are strongly rank-correlated (Spearman {glue:text}`rf-ex-rho`): the
# gradient's $\ell_1$ norm explains which features are fragile. The measured gap is
# typically smaller than the prediction (median ratio {glue:text}`rf-ex-ratio`): the
# box clips the perturbation (blank or saturated pixels can move in one direction
# only), the gradient was averaged over 40 points only, and the feature is curved
# over the ball.
#
# ```{solution-end}
# ```
#
# ```{exercise} Early stopping keeps the robust features
# :label: ex-rf-early
# For the digits task, use the gradient-flow formula of the second consequence
# below {prf:ref}`thm-eigen-features` to compute the predictor
# $f_t = \sum_i (1-e^{-\lambda_i t}) f_i$ at times $t\in\{10^{-2},\dots,10^{3}\}$, and its clean
# accuracy and the accuracy of $\mathrm{sign}\,f_t$ under FGSM. Which features does
# an early-stopped network use?
# ```
#
# ```{solution-start} ex-rf-early
# :class: dropdown
# ```

# %%
t = tasks["digits 3 vs 8"]
lam = np.asarray(t["feats"].eigenvalues)
w = jnp.asarray(t["feats"].weights)
fgsm_acc = []
for time_t in (1e-2, 1e-1, 1, 10, 100, 1000):
    wt = w * jnp.asarray(1 - np.exp(-lam * time_t))[None, :]
    f_t = lambda xa, wt=wt: KERNEL(xa, jnp.asarray(t["x_tr"])) @ wt.sum(axis=1)
    x_adv = attacks.fgsm(lambda xa: -jnp.asarray(t["y_te"]) * f_t(xa), t["x_te"],
                             eps=P["feat_eps"])
    clean = np.mean(np.sign(f_t(t["x_te"])) == t["y_te"])
    robust = np.mean(np.sign(f_t(x_adv)) == t["y_te"])
    fgsm_acc.append(robust)
    print(f"t = {time_t:7.2f}: features switched on ~{int(np.sum(lam * time_t > 1)):3d}, "
          f"clean {clean:.3f}, FGSM {robust:.3f}")
claims.greater("FGSM accuracy at t = 1000 minus at t = 0.01", fgsm_acc[-1] - fgsm_acc[0], 0.0,
               glue="rf-ex-fgsm-gain", fmt=".3f")

# %% [markdown]
# At early times only the top features are switched on, and the predictor already
# classifies most test images. The answer to the second question is *not* the
# one the per-feature picture suggests: on this task the FGSM accuracy of the
# whole predictor does not fall as the bottom of the spectrum switches on; it
# rises by {glue:text}`rf-ex-fgsm-gain` between $t = 10^{-2}$ and $t = 10^3$. The deep
# features are fragile *relative to their own size*, but their size in the sum is
# small, and the extra margin that the later features add to clean points
# outweighs what an attacker gains through them. Per-feature robustness says where
# robust signal lives, not how robust a predictor that mixes all features is.
#
# ```{solution-end}
# ```
#
# ```{exercise} The unsquared loss
# :label: ex-rf-unsquared
# Write the gradient of $\lVert r(X_s)\rVert_2$ in terms of the gradient of
# $\frac12\lVert r(X_s)\rVert_2^2$. Show that with plain gradient descent the unsquared loss
# is the squared one with step size $\eta/\lVert r\rVert$, and explain why Adam nearly erases
# the difference. What happens to the unsquared loss as $r\to0$?
# ```
#
# ```{solution} ex-rf-unsquared
# :class: dropdown
# $\nabla\lVert r\rVert = J^\top r/\lVert r\rVert = \nabla(\tfrac12\lVert r\rVert^2)/\lVert r\rVert$ with $J$ the Jacobian of
# $r$. A gradient step of size $\eta$ on the norm is a step of size $\eta/\lVert r\rVert$ on half
# the square. Adam divides each coordinate of the gradient by a running estimate of
# its magnitude; a common factor $1/\lVert r\rVert$ that changes slowly from batch to batch
# cancels in that ratio, so the updates almost coincide. As $r\to0$ the norm is not
# differentiable (a cone), and its gradient keeps unit size, so plain gradient
# descent oscillates instead of converging.
# ```
#
# ```{exercise} Which features does adversarial KIP keep?
# :label: ex-rf-advkip-spectrum
# Decompose the kernel predictor of the adversarial-KIP support set and that of the
# plain-KIP support set into eigen-features (one class against the rest, say
# class 0 with labels $\pm1$), and compare how the label energy $(v_i^\top Y)^2$ of each
# support set is spread over its spectrum. Does adversarial KIP move the label
# energy towards the top?
# ```
#
# ```{solution-start} ex-rf-advkip-spectrum
# :class: dropdown
# ```

# %%
top5 = {}
for name in ("KIP", "adversarial KIP"):
    xs_k = jnp.asarray(supports[name][0])
    labels_pm = np.where(np.argmax(np.asarray(supports[name][1]), axis=1) == 0, 1.0, -1.0)
    dec = features.decompose(KERNEL(xs_k, xs_k), labels_pm)
    energy = np.asarray(dec.eigenvectors.T @ labels_pm) ** 2
    print(f"{name:16s}: share of label energy in the top 5 eigenvectors "
          f"{energy[:5].sum() / energy.sum():.3f}, top 20 {energy[:20].sum() / energy.sum():.3f}")
    top5[name] = energy[:5].sum() / energy.sum()
claims.less("|top-5 label-energy share, adversarial KIP - KIP|",
            abs(top5["adversarial KIP"] - top5["KIP"]), 0.1, glue="rf-ex-energy", fmt=".3f")

# %% [markdown]
# A larger share at the top would mean that the support predictor leans on the
# smooth, robust features. Here the two shares differ by only
# {glue:text}`rf-ex-energy`, and adversarial KIP does not concentrate the label energy
# more at the top: this one statistic of the support kernel does not explain its
# robustness. What changes is the support *images* themselves, and with them the
# kernel features $K(x, X_s)v_i$ that the test points see.
#
# ```{solution-end}
# ```
