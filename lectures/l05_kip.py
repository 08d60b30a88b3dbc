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
# (lecture-kip)=
# # Dataset distillation and kernel inducing points
#
# How few training examples does a learner really need, if we are allowed to
# *write* those examples ourselves instead of picking them from the data? This
# question is called dataset distillation {cite}`wang2018dataset`. For a neural
# network it is a nested optimization problem that is hard to solve; for the
# infinitely wide network of {ref}`lecture-ntk` the inner problem has a closed
# form, and distillation becomes an ordinary differentiable loss. This is the
# kernel-inducing-points method (KIP) of {cite}`nguyen2021kip,nguyen2021kipconv`,
# and it is the course's clearest example of the NTK approach
# {cite}`cagnetta2023kernels,kempe2022slides`: pose the problem for networks, solve
# it for their kernel, and carry the answer back to finite networks.
#
# Plan: support vectors as a distilled set (§{ref}`kip-svm`); one-step
# distillation of a finite network and its dependence on the initialization
# (§{ref}`kip-onestep`); the KIP loss and its gradient (§{ref}`kip-derivation`);
# a results table on two offline datasets (§{ref}`kip-table`); transfer to finite
# networks (§{ref}`kip-transfer`); what the distilled images look like and how
# their statistics differ from real images (§{ref}`kip-images`).

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
import time

import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
from sklearn.svm import SVC

from ntk_course import claims, config, data, dataset_stats, kernels, kip, nets, plotting

plotting.use_style()
print(config.device_report())
T_START = time.perf_counter()

# %% [markdown]
# All sizes come from one place. The `quick` profile runs on a laptop CPU in
# about a minute; the `full` profile (default on a GPU) runs every KIP
# optimization for longer, uses the convolutional kernel on the whole MNIST-1D
# training set, and adds the MNIST rows of the KIP table of
# {cite}`kempe2022slides` (§{ref}`kip-mnist`).

# %%
P = config.scale(
    quick=dict(kip_steps=200, kip_batch=256, conv_steps=40, conv_batch=100, conv_depth=1,
               conv_train_per_class=20, dd_steps=150, dd_width=128, net_width=512,
               net_steps=600, net_seeds=2, mnist=False),
    full=dict(kip_steps=3000, kip_batch=1000, conv_steps=1000, conv_batch=500, conv_depth=2,
              conv_train_per_class=400, dd_steps=2000, dd_width=256, net_width=2048,
              net_steps=4000, net_seeds=5, mnist=True),
)
RIDGE = 1e-3  # relative ridge: 1e-3 times the mean eigenvalue of K(X_s, X_s)
N_CLASSES = 10
P


# %% [markdown]
# (kip-svm)=
# ## Support vectors: a distilled set that already exists
#
# The oldest example of a tiny training set that teaches as much as the full one
# is the hard-margin support vector machine {cite}`cortes1995svm`. For linearly
# separable data $(x_i, y_i)$, $y_i \in \{\pm 1\}$, it solves
#
# $$
# \min_{w, b} \tfrac12 \|w\|^2 \quad \text{subject to} \quad y_i (w^\top x_i + b) \ge 1
# \ \text{for all } i.
# $$ (eq-svm)
#
# ```{prf:theorem} Support vectors suffice
# :label: thm-support-vectors
# Let $(w^*, b^*)$ solve {eq}`eq-svm` and let $S$ be the indices of the
# constraints active at the optimum, $y_i(w^{*\top} x_i + b^*) = 1$. Then
# $(w^*, b^*)$ also solves {eq}`eq-svm` with only the constraints $i \in S$.
# ```
#
# ```{prf:proof}
# The problem is convex with linear constraints, so the KKT conditions are
# necessary and sufficient: $w^* = \sum_i \alpha_i y_i x_i$, $\sum_i \alpha_i y_i = 0$,
# $\alpha_i \ge 0$, and $\alpha_i = 0$ whenever constraint $i$ is inactive. Keep only
# the constraints in $S$ and the same multipliers $(\alpha_i)_{i \in S}$: stationarity,
# complementary slackness and feasibility still hold, because the dropped
# multipliers were zero. So $(w^*, b^*)$ satisfies the KKT conditions of the
# reduced problem, which (being strictly convex in $w$) has it as its solution.
# ```
#
# Here is the theorem at work on two Gaussian clouds: we fit a (numerically
# hard-margin) linear SVM, keep its support vectors, and fit again.

# %%
rng = np.random.default_rng(config.SEED)
n_svm = 200
x_svm = np.concatenate([rng.normal(size=(n_svm // 2, 2)) + 2.5,
                        rng.normal(size=(n_svm // 2, 2)) - 2.5])
y_svm = np.repeat([1, -1], n_svm // 2)
svm_full = SVC(kernel="linear", C=1e6).fit(x_svm, y_svm)
support = svm_full.support_
svm_sv = SVC(kernel="linear", C=1e6).fit(x_svm[support], y_svm[support])
gap = np.abs(np.r_[svm_full.coef_.ravel() - svm_sv.coef_.ravel(),
                   svm_full.intercept_ - svm_sv.intercept_]).max()
claims.between("support vectors kept out of 200 points", len(support), 2, 10, glue="kip-n-sv")
claims.less("largest change of (w, b) after refitting on the support vectors", gap, 1e-4,
            glue="kip-svm-gap", fmt=".1e")

fig, ax = plt.subplots(figsize=(4.5, 4))
ax.scatter(*x_svm.T, c=y_svm, cmap="coolwarm", s=12, alpha=0.6)
ax.scatter(*x_svm[support].T, s=120, facecolors="none", edgecolors="k", label="support vectors")
grid = np.linspace(-6, 6, 2)
w, b = svm_sv.coef_.ravel(), svm_sv.intercept_[0]
ax.plot(grid, -(w[0] * grid + b) / w[1], "k--", label="boundary refit on support vectors")
ax.set(xlim=(-6, 6), ylim=(-6, 6), title="A distilled set inside the data")
ax.legend(loc="lower right")
plt.show()

# %% [markdown]
# Only {glue:text}`kip-n-sv` of the 200 points are support vectors, and refitting
# on them alone moves the separating hyperplane by at most
# {glue:text}`kip-svm-gap` (the solver's tolerance). Two things make this example
# special: the distilled points are *real* data points, and the learner is a
# convex problem whose solution we can characterize. Dataset distillation asks for
# the same effect with synthetic points and with learners, such as neural
# networks, for which no such characterization exists.
#
# (kip-onestep)=
# ## One-step dataset distillation
#
# Write $\ell(X, \theta)$ for the training loss of a network with parameters
# $\theta$ on the labelled set $X$. Distillation seeks a small support set $X_s$
# such that training on $X_s$ gives parameters that do well on the real (target)
# set $X_t$:
#
# $$
# \min_{X_s} \ \ell\big(X_t, \theta^*(X_s)\big), \qquad \theta^*(X_s) \in
# \arg\min_\theta \ell(X_s, \theta).
# $$ (eq-dd-bilevel)
#
# The inner problem is a whole training run. {cite}`wang2018dataset` replace it by
# a single gradient step from an initialization $\theta_0$,
# $\theta_1 = \theta_0 - \tilde\eta\, \nabla_\theta \ell(X_s, \theta_0)$, and learn
# $X_s$ and the step $\tilde\eta$ together by descending
# $\ell(X_t, \theta_1)$, which requires differentiating through the inner
# gradient (a Hessian-vector product, done for us by JAX). Their Algorithm 1
# (reproduced in {cite}`kempe2022slides`) draws fresh initializations at every
# outer step; the simplest variant keeps one fixed $\theta_0$.
#
# We distill the 1000 training digits of scikit-learn into **ten** images, one per
# class, for a one-hidden-layer ReLU network trained with cross-entropy, starting
# from Gaussian noise. We do it twice: with a fixed initialization, and with four
# fresh initializations per step. Then we test both on initializations never seen
# during distillation.

# %%
digits = data.digits()
dd_net = nets.mlp(depth=1, width=P["dd_width"], out_dim=N_CLASSES, W_std=2 ** 0.5, b_std=0.1)
x_noise = rng.normal(size=(N_CLASSES, 64)).astype(np.float32)
dd_labels = np.arange(N_CLASSES)
dd_fixed = kip.one_step_distill(dd_net, x_noise, dd_labels, digits.x_train, digits.y_train,
                                steps=P["dd_steps"], learning_rate=0.05, fixed_init=0)
dd_random = kip.one_step_distill(dd_net, x_noise, dd_labels, digits.x_train, digits.y_train,
                                 steps=P["dd_steps"], learning_rate=0.05, n_inits=4)
fresh_inits = np.arange(100, 120)
acc_fixed_own = kip.one_step_eval(dd_net, dd_fixed.x_support, dd_labels, dd_fixed.learning_rate,
                                  digits.x_test, digits.y_test, [0])[0]
acc_fixed_new = kip.one_step_eval(dd_net, dd_fixed.x_support, dd_labels, dd_fixed.learning_rate,
                                  digits.x_test, digits.y_test, fresh_inits)
acc_random_new = kip.one_step_eval(dd_net, dd_random.x_support, dd_labels,
                                   dd_random.learning_rate, digits.x_test, digits.y_test,
                                   fresh_inits)
x_real1, lab_real1, _ = kip.per_class_sample(digits.x_train, digits.y_train, 1, seed=0)
acc_real_new = kip.one_step_eval(dd_net, x_real1, lab_real1, dd_random.learning_rate,
                                 digits.x_test, digits.y_test, fresh_inits)
claims.greater("fixed init: test accuracy at its own initialization", acc_fixed_own, 0.8,
               glue="kip-dd-own", fmt=".1%")
claims.less("fixed init: mean test accuracy at 20 new initializations", acc_fixed_new.mean(),
            acc_fixed_own - 0.3, glue="kip-dd-fixed-new", fmt=".1%")
claims.greater("resampled inits: mean test accuracy at 20 new initializations",
               acc_random_new.mean(), acc_fixed_new.mean() + 0.1, glue="kip-dd-random-new",
               fmt=".1%")
claims.less("one real image per class, one step, 20 new initializations", acc_real_new.mean(),
            acc_random_new.mean(), glue="kip-dd-real", fmt=".1%")

fig = plt.figure(figsize=(8, 2.6))
plotting.image_grid(fig, np.r_[dd_fixed.x_support, dd_random.x_support], rows=2, cols=10,
                    shape=(8, 8), titles=[str(c) for c in dd_labels] * 2)
fig.suptitle("one-step distillation: fixed initialization (top), resampled (bottom)")
plt.show()

# %% [markdown]
# One gradient step on the ten images distilled for a fixed initialization gives
# {glue:text}`kip-dd-own` test accuracy *from that initialization*, but only
# {glue:text}`kip-dd-fixed-new` on average from fresh ones: the images have
# memorized a correction to one particular random network, and look like noise.
# Distilling against fresh initializations at each step generalizes across
# initializations ({glue:text}`kip-dd-random-new`), better than one step on ten
# real digits ({glue:text}`kip-dd-real`). The dependence on $\theta_0$ is the
# price of replacing the inner training run by something we can differentiate;
# the infinite-width limit removes it.
#
# (kip-derivation)=
# ## Kernel inducing points
#
# In the NTK limit, a network trained to convergence on the square loss from a
# zero-output initialization is kernel regression with the NTK $K$ (lecture
# {ref}`lecture-ntk`). Trained on a support set $(X_s, Y_s)$ with $n_s$ points and
# evaluated on targets $X_t$, its predictions are therefore
# $\hat Y_t = K_{ts}(K_{ss} + \lambda I)^{-1} Y_s$, with $K_{ts} = K(X_t, X_s)$,
# $K_{ss} = K(X_s, X_s)$ and a small ridge $\lambda \ge 0$ (zero for the network
# itself; we keep $\lambda = 10^{-3}\operatorname{tr}(K_{ss})/n_s$ for numerical
# stability). The inner problem of {eq}`eq-dd-bilevel` has disappeared:
#
# ```{prf:definition} KIP loss
# :label: def-kip-loss
# For a kernel $K$, a support set $(X_s, Y_s)$ and a target batch $(X_t, Y_t)$ of
# $n_t$ points,
#
# $$
# \mathcal L(X_s, Y_s) = \frac{1}{2 n_t}\big\|Y_t - K_{ts}(K_{ss} + \lambda I)^{-1} Y_s\big\|_F^2 .
# $$ (eq-kip)
#
# KIP {cite}`nguyen2021kip` minimizes $\mathcal L$ over $X_s$ (and optionally over
# $Y_s$, "label learning") by gradient descent, drawing a new target batch at each
# step.
# ```
#
# This is eq. (27) of {cite}`cagnetta2023kernels`, up to the normalization and the
# ridge. Two properties guide the implementation and its tests.
#
# ```{prf:theorem} Structure of the KIP loss
# :label: thm-kip-structure
# 1. If $\lambda = 0$ and $X_s = X_t$, $Y_s = Y_t$ with $K_{tt}$ invertible, then
#    $\mathcal L = 0$.
# 2. For fixed $X_s$, $\mathcal L$ is a convex quadratic in $Y_s$ with gradient
#
#    $$
#    \nabla_{Y_s}\mathcal L = -\frac{1}{n_t}(K_{ss} + \lambda I)^{-1} K_{st}\,
#    \big(Y_t - \hat Y_t\big),
#    $$ (eq-kip-label-grad)
#
#    so label learning alone is a linear least-squares problem.
# ```
#
# ```{prf:proof}
# (1) $K_{tt} K_{tt}^{-1} Y_t = Y_t$. (2) Write $A = K_{ts}(K_{ss} + \lambda I)^{-1}$,
# which does not depend on $Y_s$. Then $\mathcal L = \|Y_t - A Y_s\|_F^2/(2n_t)$ is a
# least-squares objective, convex in $Y_s$, with gradient $-A^\top(Y_t - AY_s)/n_t$;
# since $K_{ss}$ is symmetric, $A^\top = (K_{ss} + \lambda I)^{-1} K_{st}$.
# ```
#
# The gradient with respect to the images $X_s$ goes through the kernel and has no
# such simple form, but JAX differentiates the neural-tangents kernel for us; the
# unit tests check it against finite differences. `ntk_course.kip.kip` jit-compiles
# one step (sample a target batch, evaluate {eq}`eq-kip`, differentiate, take an
# Adam step), runs chunks of steps inside `lax.scan`, and records the loss, the
# accuracy on the sampled batch and, optionally, the test accuracy.
#
# (kip-table)=
# ## Results on two offline datasets
#
# We distill the 1000 training digits of scikit-learn and the 4000 training
# signals of MNIST-1D {cite}`greydanus2024mnist1d` (standardized), using the NTK
# of a one-hidden-layer ReLU network (`kip.fc_ntk`). Labels are one-hot vectors
# minus their mean $1/10$. For one and for ten images per class, the support set
# starts from real images drawn at random (seed 0), and we compare:
# kernel regression on these random real images (the KIP starting point), KIP on
# the images only, KIP on images and labels, and kernel regression on the **whole**
# training set.

# %%
def centred_one_hot(labels):
    return data.one_hot(labels, N_CLASSES) - 1.0 / N_CLASSES


raw = data.mnist1d()
mu, sd = raw.x_train.mean(), raw.x_train.std()
mnist1d = data.Split((raw.x_train - mu) / sd, raw.y_train, (raw.x_test - mu) / sd, raw.y_test)
fc = kip.fc_ntk(depth=1)


def test_accuracy(kernel, x_s, y_s, split):
    pred = kip.krr_predict(kernel, x_s, y_s, split.x_test, ridge=RIDGE)
    return float(kip.accuracy(pred, split.y_test))


def distill(kernel, split, per_class, learn_labels, steps, batch, seed=0, records=10):
    x_s, lab_s, _ = kip.per_class_sample(split.x_train, split.y_train, per_class, seed=seed)
    return kip.kip(kernel, x_s, centred_one_hot(lab_s), split.x_train,
                   centred_one_hot(split.y_train), steps=steps, learning_rate=0.01,
                   batch_size=batch, learn_labels=learn_labels, ridge=RIDGE,
                   record_every=max(1, steps // records),
                   x_test=split.x_test, labels_test=split.y_test,
                   description=f"KIP {per_class}/class")


rows, runs = [], {}
for name, split in [("digits", digits), ("MNIST-1D", mnist1d)]:
    full_acc = test_accuracy(fc, split.x_train, centred_one_hot(split.y_train), split)
    for per_class in (1, 10):
        for learn in (False, True):
            runs[name, per_class, learn] = distill(fc, split, per_class, learn, P["kip_steps"],
                                                   P["kip_batch"])
        rows.append(dict(data=name, kernel="FC", per_class=per_class,
                         random=runs[name, per_class, False].history["test_acc"][0],
                         kip=runs[name, per_class, False].history["test_acc"][-1],
                         kip_labels=runs[name, per_class, True].history["test_acc"][-1],
                         full=full_acc))

# %% [markdown]
# The convolutional NTK (`kip.conv_ntk`, a `SAME`-padded ReLU convolution followed
# by a dense readout) is much more expensive: each pair of inputs carries a
# covariance between all pairs of positions. In the quick profile we run it on
# MNIST-1D with one image per class for a few steps, and compare with kernel
# regression on a balanced subset of the training set instead of all of it.

# %%
conv = kip.conv_ntk((40, 1), depth=P["conv_depth"])
runs["MNIST-1D", 1, "conv"] = distill(conv, mnist1d, 1, True, P["conv_steps"], P["conv_batch"],
                                     records=2)
x_sub, lab_sub, _ = kip.per_class_sample(mnist1d.x_train, mnist1d.y_train,
                                         P["conv_train_per_class"], seed=1)
conv_sub_acc = test_accuracy(conv, x_sub, centred_one_hot(lab_sub), mnist1d)
fc_sub_acc = test_accuracy(fc, x_sub, centred_one_hot(lab_sub), mnist1d)
rows.append(dict(data="MNIST-1D", kernel="conv", per_class=1,
                 random=runs["MNIST-1D", 1, "conv"].history["test_acc"][0], kip=float("nan"),
                 kip_labels=runs["MNIST-1D", 1, "conv"].history["test_acc"][-1],
                 full=conv_sub_acc))


plotting.html_table(
    ["data", "kernel", "images/class", "random real", "KIP", "KIP + labels", "all training data"],
    [[r["data"], r["kernel"], r["per_class"]]
     + [f"{100 * r[k]:.1f}" if np.isfinite(r[k]) else "–"
        for k in ("random", "kip", "kip_labels", "full")] for r in rows],
    align_right_from=2)

# %% [markdown]
# Test accuracy (%) of kernel regression. "All training data" for the
# convolutional row is a balanced subset of {glue:text}`kip-conv-sub` signals in
# the quick profile (all 4000 in the full profile). The claims below state what
# the table shows.

# %%
for name in ("digits", "MNIST-1D"):
    for per_class in (1, 10):
        r = next(r for r in rows if r["data"] == name and r["kernel"] == "FC"
                 and r["per_class"] == per_class)
        claims.greater(f"{name}, {per_class}/class: KIP gain over random real images (points)",
                       100 * (r["kip"] - r["random"]), 3.0)
        claims.greater(f"{name}, {per_class}/class: label learning gain over KIP (points)",
                       100 * (r["kip_labels"] - r["kip"]), -1.0)
dig1 = rows[0]
dig10 = rows[1]
m1d10 = rows[3]
claims.greater("MNIST-1D, 10/class: label learning gain (points)",
               100 * (m1d10["kip_labels"] - m1d10["kip"]), 2.0, glue="kip-m1d-label-gain",
               fmt=".1f")
claims.close("digits, 1/class: random real", 100 * dig1["random"], 68, atol=5,
             glue="kip-dig1-random", fmt=".1f")
claims.greater("digits, 1/class: KIP + labels", 100 * dig1["kip_labels"], 90,
               glue="kip-dig1-kip", fmt=".1f")
claims.close("digits, 10/class KIP + labels against all 1000 images (points)",
             100 * (dig10["kip_labels"] - dig10["full"]), 0.0, atol=2.0,
             glue="kip-dig10-gap", fmt=".1f")
claims.close("digits: kernel regression on all training data", 100 * dig10["full"], 99, atol=1.0,
             glue="kip-dig-full", fmt=".1f")
claims.less("MNIST-1D, 10/class: KIP + labels still below all data (points)",
            100 * (m1d10["kip_labels"] - m1d10["full"]), -5.0, glue="kip-m1d-gap", fmt=".1f")
claims.close("MNIST-1D: FC kernel regression on all training data", 100 * m1d10["full"], 57,
             atol=3, glue="kip-m1d-full", fmt=".1f")
claims.greater("MNIST-1D subset: conv kernel minus FC kernel (points)",
               100 * (conv_sub_acc - fc_sub_acc), 0.0, glue="kip-conv-fc", fmt=".1f")
claims.greater("MNIST-1D, conv 1/class: KIP + labels gain (points)",
               100 * (rows[-1]["kip_labels"] - rows[-1]["random"]), 3.0, glue="kip-conv-gain",
               fmt=".1f")
claims.glue("kip-conv-sub", len(x_sub))

fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
for ax, name in zip(axes, ("digits", "MNIST-1D")):
    for (per_class, learn), style in zip([(1, False), (1, True), (10, False), (10, True)],
                                         ["--", "-", "--", "-"]):
        h = runs[name, per_class, learn].history
        ax.plot(h["step"], 100 * h["test_acc"], style,
                color=plotting.PALETTE[0 if per_class == 1 else 1],
                label=f"{per_class}/class" + (", labels learned" if learn else ""))
    ax.axhline(100 * next(r["full"] for r in rows if r["data"] == name), color="k", lw=0.8,
               label="all training data")
    ax.set(title=name, xlabel="KIP step", ylabel="test accuracy (%)")
axes[0].legend(fontsize=8)
plt.show()

# %% [markdown]
# What the table says, in the quick profile:
#
# * **KIP works.** On the digits, one learned image per class takes kernel
#   regression from {glue:text}`kip-dig1-random`% (ten random real digits) to
#   {glue:text}`kip-dig1-kip`%, and ten per class come within
#   {glue:text}`kip-dig10-gap` points of regression on all 1000 images
#   ({glue:text}`kip-dig-full`%). With 100 images we match a tenfold larger
#   training set.
# * **Learning the labels helps or is neutral.** It matters most on MNIST-1D with
#   ten images per class ({glue:text}`kip-m1d-label-gain` points), where the label
#   vectors can encode soft class similarities that one-hot targets cannot
#   (theorem {prf:ref}`thm-kip-structure` makes this step a least-squares
#   problem); elsewhere it changes the accuracy by at most a few test images.
# * **The kernel bounds what distillation can achieve.** MNIST-1D is hard for the
#   fully-connected kernel ({glue:text}`kip-m1d-full`% with all 4000 signals;
#   {cite}`greydanus2024mnist1d` designed it so that architectures without
#   translation structure do poorly), and KIP stays
#   {glue:text}`kip-m1d-gap` points below that ceiling. The convolutional kernel,
#   which knows that the signal's features can shift in position, beats the FC
#   kernel by {glue:text}`kip-conv-fc` points on the same subset, and KIP with it
#   gains {glue:text}`kip-conv-gain` points over random signals in a few steps.
#
# (kip-transfer)=
# ## Transfer to finite networks
#
# KIP optimizes the support set for the *infinite* network. Does a finite
# network trained by gradient descent on the distilled set benefit too? We train
# one-hidden-layer ReLU networks of width {glue:text}`kip-net-width` (same
# architecture as the kernel, NTK parametrization, square loss, centred so their
# initial output is zero as in {ref}`lecture-ntk`) on the 100 digits distilled
# with fixed labels, and on the 100 random real digits they started from.

# %%
def finite_net_accuracy(x_s, y_s, seed):
    net = nets.mlp(depth=1, width=P["net_width"], out_dim=N_CLASSES, W_std=2 ** 0.5, b_std=0.1)
    params = net.init(seed, (x_s.shape[1],))
    apply = nets.centered(net.apply_fn, params)
    _, k_ss = kernels.fc_kernels(x_s, depth=1, W_std=2 ** 0.5, b_std=0.1)
    lr = 1.8 / float(kernels.eigh_descending(k_ss)[0][0])  # below the 2 / lambda_max limit
    result = nets.train(apply, params, jnp.asarray(x_s), jnp.asarray(y_s), steps=P["net_steps"],
                        learning_rate=lr, record_every=P["net_steps"],
                        description=f"finite net, seed {seed}")
    return float(kip.accuracy(apply(result.params, digits.x_test), digits.y_test))


distilled = runs["digits", 10, False]
x_start, lab_start, _ = kip.per_class_sample(digits.x_train, digits.y_train, 10, seed=0)
acc_net_kip = np.array([finite_net_accuracy(distilled.x_support, distilled.y_support, s)
                        for s in range(P["net_seeds"])])
acc_net_real = np.array([finite_net_accuracy(x_start, centred_one_hot(lab_start), s)
                         for s in range(P["net_seeds"])])
claims.close("finite-net width", P["net_width"], P["net_width"], glue="kip-net-width")
claims.greater("finite nets on 100 KIP images: mean test accuracy", acc_net_kip.mean(), 0.0,
               glue="kip-net-kip", fmt=".1%")
claims.greater("finite nets on 100 random real images: mean test accuracy", acc_net_real.mean(),
               0.0, glue="kip-net-real", fmt=".1%")
claims.greater("transfer gain of the distilled set for finite nets (points)",
               100 * (acc_net_kip.mean() - acc_net_real.mean()), 2.0, glue="kip-net-gain",
               fmt=".1f")

# %% [markdown]
# Averaged over {glue:text}`kip-net-seeds` initializations, finite networks trained
# on the distilled digits reach {glue:text}`kip-net-kip` test accuracy, against
# {glue:text}`kip-net-real` on the real images KIP started from: a gain of
# {glue:text}`kip-net-gain` points, although the networks never saw the kernel. The
# gain is smaller than for the kernel itself, as in
# {cite}`nguyen2021kip,nguyen2021kipconv`: a finite network trained for a finite
# time is only approximately the kernel machine the images were tuned for.

# %%
claims.glue("kip-net-seeds", P["net_seeds"])

# %% [markdown]
# (kip-images)=
# ## What distilled images look like
#
# The top row shows the ten real digits that initialize the one-image-per-class
# support set; the bottom row the same images after KIP with label learning. The
# title of each distilled image is its learned label: the largest entry and, in
# brackets, the class with the second-largest entry.

# %%
run1 = runs["digits", 1, True]
x_init1, lab_init1, _ = kip.per_class_sample(digits.x_train, digits.y_train, 1, seed=0)
order2 = np.argsort(-run1.y_support, axis=1)
titles = [f"{i}" for i in lab_init1] + [f"{a} ({b})" for a, b in order2[:, :2]]
fig = plt.figure(figsize=(8, 2.6))
plotting.image_grid(fig, np.r_[x_init1, run1.x_support], rows=2, cols=10, shape=(8, 8),
                    titles=titles)
fig.suptitle("KIP, one image per class: initialization (top) and distilled (bottom)")
plt.show()
label_diag = float(np.mean(np.argmax(run1.y_support, axis=1) == lab_init1))
claims.close("distilled images whose learned label keeps its class on top", label_diag, 1.0,
             atol=0.1, glue="kip-label-keep", fmt=".0%")

# %% [markdown]
# The distilled digits remain recognizable but gain high-frequency structure that
# encodes, for the kernel, how each class differs from the others; the learned
# labels keep the original class on top for {glue:text}`kip-label-keep` of the
# images, with smaller weights on look-alike classes.
#
# The slides {cite}`kempe2022slides` report two statistics of distilled datasets:
# distilled images are *more correlated* with each other than real ones, and
# their *intrinsic dimension* is higher. We measure both on the 100 digits
# (ten per class) before and after KIP.
#
# ```{prf:definition} Levina-Bickel intrinsic dimension
# :label: def-mle-dimension
# Around a point $x$, assume that the data have constant density on a
# $m$-dimensional manifold, so the number of neighbours within radius $r$ grows
# like $r^m$. With $T_1 \le \dots \le T_k$ the distances of $x$ to its $k$ nearest
# neighbours, maximizing the likelihood of this Poisson-process model gives
#
# $$
# \hat m(x) = \Big(\frac{1}{k-1}\sum_{j=1}^{k-1} \log\frac{T_k}{T_j}\Big)^{-1}.
# $$ (eq-mle-dim)
#
# Following {cite}`mackay2005comment` and {cite}`pope2021intrinsic`, we average
# $1/\hat m(x)$ over points and invert the average.
# ```
#
# {cite}`levina2004mle` derive {eq}`eq-mle-dim` with $k - 2$ in the normalization
# (the unbiased version) or $k-1$ (the maximum-likelihood one); with $k=5$ the
# difference is a factor $4/3$ on every estimate, which does not change comparisons
# between datasets. We use $k - 1$. The correlation statistic is the average of
# $|\operatorname{corr}(x_i, x_j)|$ over pairs of distinct images, each image
# centred over its own pixels.

# %%
real100 = x_start
kip100 = runs["digits", 10, False].x_support
kip100_labels = runs["digits", 10, True].x_support
stats = {name: (dataset_stats.mle_intrinsic_dimension(x, k=5),
                dataset_stats.mean_abs_correlation(x))
         for name, x in [("real", real100), ("KIP", kip100), ("KIP + labels", kip100_labels)]}
for name, (dim, corr) in stats.items():
    print(f"{name:>13}: intrinsic dimension {dim:5.2f}, mean |correlation| {corr:.3f}")
claims.close("intrinsic dimension, 100 real digits", stats["real"][0], 5.7, atol=1.0,
             glue="kip-id-real", fmt=".1f")
claims.greater("intrinsic dimension ratio, KIP / real", stats["KIP"][0] / stats["real"][0], 1.3,
               glue="kip-id-ratio", fmt=".2f")
claims.greater("mean |correlation|, KIP minus real", stats["KIP"][1] - stats["real"][1], 0.02,
               glue="kip-corr-gain", fmt=".3f")
claims.close("mean |correlation|, KIP + labels minus real",
             stats["KIP + labels"][1] - stats["real"][1], 0.0, atol=0.02, glue="kip-corr-gain-l",
             fmt=".3f")

# %% [markdown]
# The intrinsic-dimension observation of the slides holds here: the estimate for
# the 100 real digits is {glue:text}`kip-id-real`, and KIP multiplies it by
# {glue:text}`kip-id-ratio`: the distilled images spread into directions that real
# digits do not use, as if each one had to carry more information. Their mean
# absolute correlation increases by {glue:text}`kip-corr-gain` with fixed labels,
# but is unchanged ({glue:text}`kip-corr-gain-l`) when the labels are learned
# too; a plausible reading is that the learned labels then carry part of what
# the images would otherwise share. So the correlation half of the slides'
# observation holds here only without label learning.
# With 100 points in 64 dimensions, these estimates are rough; the exercise below
# asks how they depend on $k$.
#
# (kip-mnist)=
# ## Reproducing the MNIST rows of the KIP table
#
# The slides' table {cite}`kempe2022slides` reports, for the FC kernel with label
# learning and augmentation, 85.5% test accuracy on MNIST with one image per class
# and 97.2% with ten. The same code runs on MNIST in the `full` profile: on a GPU
# (or with `NTK_COURSE_SCALE=full`), `data.mnist()` downloads the four IDX files
# once, checks their SHA-256 and caches them; the cell below then distills with
# the `full` settings of `P` (number of KIP steps and target batch size) and
# reports both rows. Without a network the
# loader raises `DatasetUnavailable` with instructions, and the cell says so. Our
# setting differs from the paper's (no augmentation, a depth-1 kernel, fewer
# steps, pixels standardized per image), so expect numbers a few points lower.

# %%
if P["mnist"]:
    try:
        mn = data.mnist()
    except data.DatasetUnavailable as err:
        print("MNIST rows skipped:", err)
    else:
        x_tr = mn.x_train - mn.x_train.mean(axis=1, keepdims=True)
        x_tr = x_tr / np.linalg.norm(x_tr, axis=1, keepdims=True) * np.sqrt(784)
        x_te = mn.x_test - mn.x_test.mean(axis=1, keepdims=True)
        x_te = x_te / np.linalg.norm(x_te, axis=1, keepdims=True) * np.sqrt(784)
        mnist_split = data.Split(x_tr, mn.y_train, x_te, mn.y_test)
        mnist_rows = []
        for per_class in (1, 10):
            run = distill(fc, mnist_split, per_class, True, P["kip_steps"], P["kip_batch"])
            mnist_rows.append(dict(data="MNIST", kernel="FC", per_class=per_class,
                                   random=run.history["test_acc"][0], kip=float("nan"),
                                   kip_labels=run.history["test_acc"][-1], full=float("nan")))
            claims.greater(f"MNIST {per_class}/class: KIP + labels gain over random (points)",
                           100 * (mnist_rows[-1]["kip_labels"] - mnist_rows[-1]["random"]), 5.0)
        from IPython.display import display
        display(plotting.html_table(
            ["data", "kernel", "images/class", "random real", "KIP + labels"],
            [[r["data"], r["kernel"], r["per_class"], f"{100 * r['random']:.1f}",
              f"{100 * r['kip_labels']:.1f}"] for r in mnist_rows], align_right_from=2))
else:
    print("quick profile: the MNIST rows run with NTK_COURSE_SCALE=full (needs a download)")

# %% [markdown]
# ## What it means
#
# * A learner's training set can be compressed far below its size if the
#   compressed points are *written for the learner*. For a max-margin classifier
#   the support vectors do it exactly; for a wide network the kernel-regression
#   formula makes the compression a smooth optimization problem.
# * The NTK approach turns the bilevel problem {eq}`eq-dd-bilevel`, which
#   one-step distillation approximates crudely and initialization by
#   initialization, into the single loss {eq}`eq-kip`. Its solution transfers,
#   partly, back to finite networks.
# * What the distilled data look like is itself informative: more correlated,
#   higher-dimensional than the data they came from. Lecture L8 reuses the same
#   machinery, with an adversary inside the loss, to distill data that make
#   networks robust.
#
# Execution time of this page in the current profile:

# %%
elapsed = time.perf_counter() - T_START
print(f"executed in {elapsed:.0f} s ({config.profile()} profile)")

# %% [markdown]
# ## Exercises
#
# ```{exercise} Label learning in closed form
# :label: ex-kip-labels
# Fix the support images at ten random real digits (one per class). Use theorem
# {prf:ref}`thm-kip-structure` to compute the labels $Y_s$ that minimize the KIP
# loss on the whole digits training set, by least squares. Compare the test
# accuracy with one-hot labels and with the KIP + labels row of the table.
# ```
#
# ```{solution-start} ex-kip-labels
# :class: dropdown
# ```
#
# The optimal labels solve $\min_{Y_s}\|Y_t - A Y_s\|_F^2$ with
# $A = K_{ts}(K_{ss}+\lambda I)^{-1}$; `numpy.linalg.lstsq` does it.

# %%
x_s, lab_s, _ = kip.per_class_sample(digits.x_train, digits.y_train, 1, seed=0)
k_ss = fc(jnp.asarray(x_s), jnp.asarray(x_s))
k_ts = fc(jnp.asarray(digits.x_train), jnp.asarray(x_s))
reg = RIDGE * jnp.trace(k_ss) / k_ss.shape[0]
A = np.asarray(k_ts @ jnp.linalg.inv(k_ss + reg * jnp.eye(k_ss.shape[0])))
y_best = np.linalg.lstsq(A, centred_one_hot(digits.y_train), rcond=None)[0]
acc_onehot = test_accuracy(fc, x_s, centred_one_hot(lab_s), digits)
acc_best = test_accuracy(fc, x_s, y_best, digits)
print(f"one-hot labels: {acc_onehot:.1%}   least-squares labels: {acc_best:.1%}")
claims.greater("closed-form labels beat one-hot labels (points)", 100 * (acc_best - acc_onehot),
               0.0)

# %% [markdown]
# Learning only the labels already helps a lot; learning images too (the table)
# helps more.
#
# ```{solution-end}
# ```
#
# ```{exercise} Support equal to target
# :label: ex-kip-zero
# Show that, with $\lambda = 0$, the KIP loss {eq}`eq-kip` vanishes whenever the
# target set is contained in the support set (not only when they are equal). Why
# does this not make KIP trivial?
# ```
#
# ```{solution} ex-kip-zero
# :class: dropdown
# If the targets are the first $n_t$ support points, $K_{ts}$ is made of the first
# $n_t$ rows of $K_{ss}$, so $K_{ts}K_{ss}^{-1}$ is the matrix $[I_{n_t}\ 0]$ and
# the prediction is the first $n_t$ support labels, which are $Y_t$. KIP is only
# interesting when $n_s \ll n_t$: the loss then measures how well a few points
# summarize many, and zero loss is out of reach.
# ```
#
# ```{exercise} Sensitivity of the intrinsic dimension to k
# :label: ex-kip-k
# Recompute the intrinsic dimension of the 100 real and the 100 distilled digits
# for $k = 3, 5, 8, 12$. Does the ordering real < distilled depend on $k$?
# ```
#
# ```{solution-start} ex-kip-k
# :class: dropdown
# ```

# %%
for k in (3, 5, 8, 12):
    d_real = dataset_stats.mle_intrinsic_dimension(real100, k=k)
    d_kip = dataset_stats.mle_intrinsic_dimension(kip100, k=k)
    print(f"k={k:2d}: real {d_real:5.2f}   KIP {d_kip:5.2f}")
    claims.greater(f"k={k}: distilled digits have a higher intrinsic dimension", d_kip, d_real)

# %% [markdown]
# The estimates grow with $k$ (neighbourhoods of 100 points in 64 dimensions are
# not small), but the ordering does not change.
#
# ```{solution-end}
# ```
#
# ```{exercise} The SVM as a kernel machine
# :label: ex-kip-svm-kernel
# Repeat the support-vector experiment with an RBF-kernel SVM on data that are not
# linearly separable (for example two concentric rings). Are the decision values on
# a grid the same after refitting on the support vectors? Which theorem of convex
# optimization explains the answer?
# ```
#
# ```{solution} ex-kip-svm-kernel
# :class: dropdown
# Yes, up to the solver tolerance, with a soft-margin SVM as well: the dual problem
# is a convex quadratic program whose solution has $\alpha_i = 0$ off the support
# vectors, and removing points with zero multipliers leaves the KKT conditions
# satisfied, exactly as in the proof of theorem {prf:ref}`thm-support-vectors`. The
# kernel only changes the inner products in the dual.
# ```
#
# ```{exercise} Fewer target points per step
# :label: ex-kip-batch
# Run KIP on the digits with ten images per class and target batches of 32, 128
# and 512 images per step (same number of steps). How do the final test accuracy
# and the noise of the loss curve change? What is the trade-off?
# ```
#
# ```{solution} ex-kip-batch
# :class: dropdown
# Smaller batches give noisier gradient estimates of the full-target loss: the
# recorded loss fluctuates more and, for a fixed number of steps, the final
# accuracy is usually a little lower. Each step costs $O(n_t n_s)$ kernel entries
# plus an $O(n_s^3)$ solve, so small batches are cheaper per step; the stochastic
# version is what makes KIP feasible on datasets whose full kernel matrix does not
# fit in memory.
# ```
