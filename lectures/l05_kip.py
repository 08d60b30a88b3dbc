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
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
from sklearn.svm import SVC

import optax

from ntk_course import claims, config, data, dataset_stats, kernels, kip, nets, plotting
from ntk_course._compat import stax

plotting.use_style()
print(config.device_report())

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
               net_steps=600, net_seeds=2, cnn_steps=200, mnist=False),
    full=dict(kip_steps=3000, kip_batch=1000, conv_steps=1000, conv_batch=500, conv_depth=2,
              conv_train_per_class=400, dd_steps=2000, dd_width=256, net_width=2048,
              net_steps=4000, net_seeds=5, cnn_steps=2000, mnist=True),
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
ax.set(xlim=(-6, 6), ylim=(-6, 6))
ax.legend(loc="lower right", fontsize=8)
plotting.glue_figure("fig-l05-svm", fig)

# %% [markdown]
# ```{glue:figure} fig-l05-svm
# :name: fig-l05-svm
# :alt: Scatter plot of two Gaussian clouds of points with a few circled support vectors between them and the dashed separating line refit on those points alone.
#
# A distilled set inside the data: the support vectors (circled) of a linear SVM
# on two Gaussian clouds, and the boundary refit on them alone (dashed).
# ```
#
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
x_real1, lab_real1, _ = data.per_class_sample(digits.x_train, digits.y_train, 1, seed=0)
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
plotting.glue_figure("fig-l05-onestep", fig)

# %% [markdown]
# ```{glue:figure} fig-l05-onestep
# :name: fig-l05-onestep
# :alt: Two rows of ten 8 by 8 images labelled 0 to 9; both rows look like noise, with faint digit-like structure in the bottom row.
#
# Ten images distilled for one gradient step: for a fixed initialization (top)
# and against freshly drawn initializations (bottom).
# ```
#
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
# One step of the algorithm fits in a few lines. We write the loss {eq}`eq-kip`
# from scratch, differentiate it with `jax.grad` with respect to the support
# images, take one plain gradient step (the package uses Adam), and check the
# loss and its gradient against `kip.kip_loss`.

# %%
def kip_loss_from_scratch(x_s, y_s, x_t, y_t, kernel, ridge):
    """Eq. (kip): square error of kernel ridge regression from the support set."""
    k_ss = kernel(x_s, x_s)
    reg = ridge * jnp.trace(k_ss) / k_ss.shape[0]          # relative ridge, as in the text
    alpha = jnp.linalg.solve(k_ss + reg * jnp.eye(k_ss.shape[0]), y_s)
    return 0.5 * jnp.sum((y_t - kernel(x_t, x_s) @ alpha) ** 2) / x_t.shape[0]


kernel_demo = kernels.fc_ntk(depth=1)
x_s0, lab_s0, _ = data.per_class_sample(digits.x_train, digits.y_train, 1, seed=0)
y_s0 = jnp.asarray(data.one_hot(lab_s0, N_CLASSES) - 1.0 / N_CLASSES)
batch_rows = np.random.default_rng(1).choice(len(digits.x_train), 256, replace=False)
x_t0 = jnp.asarray(digits.x_train[batch_rows])
y_t0 = jnp.asarray(data.one_hot(digits.y_train[batch_rows], N_CLASSES) - 1.0 / N_CLASSES)
# compiled once (the kernel is a static argument) rather than run operation by operation
loss_and_grad = jax.jit(jax.value_and_grad(kip_loss_from_scratch), static_argnums=4)
loss0, grad_x = loss_and_grad(jnp.asarray(x_s0), y_s0, x_t0, y_t0, kernel_demo, RIDGE)
x_s1 = x_s0 - 0.5 * grad_x / jnp.abs(grad_x).max()        # one normalized gradient step
loss1, _ = loss_and_grad(x_s1, y_s0, x_t0, y_t0, kernel_demo, RIDGE)
pkg_loss, pkg_grad = jax.jit(jax.value_and_grad(
    lambda x: kip.kip_loss(kernel_demo, x, y_s0, x_t0, y_t0, ridge=RIDGE)))(jnp.asarray(x_s0))
claims.less("from-scratch KIP loss vs kip.kip_loss (relative difference)",
            float(jnp.abs(loss0 - pkg_loss) / pkg_loss), 1e-5)
claims.less("from-scratch gradient vs the package's (relative difference)",
            float(jnp.abs(grad_x - pkg_grad).max() / jnp.abs(pkg_grad).max()), 1e-4)
claims.less("KIP loss after one gradient step / before", float(loss1 / loss0), 1.0,
            glue="kip-one-step", fmt=".3f");

# %% [markdown]
# One step lowers the loss on this target batch by a factor
# {glue:text}`kip-one-step`. The full algorithm repeats it with a new target batch
# each time.
#
# ### In practice
#
# Three details of {cite}`nguyen2021kip,nguyen2021kipconv` matter beyond the loss.
# *Target sampling*: each step uses a fresh random batch of the real data as
# $(X_t, Y_t)$, a stochastic estimate of the loss on the whole dataset, so the
# cost per step is $O(n_s^3 + n_s n_t)$ kernel work rather than a pass over the
# dataset. *Preprocessing*: for convolutional kernels on natural images the
# authors apply regularized ZCA whitening to all images before distilling, which
# equalizes the spectrum of the pixel covariance and markedly improves both the
# kernel's accuracy and the distilled sets (the regularization strength is a
# tuned hyperparameter); we standardize MNIST-1D and leave the digits as they
# are. *Scale*: exact convolutional kernels cost far more than FC ones (next
# section), and the large runs of {cite}`nguyen2021kipconv` distribute the kernel
# computation over many accelerators; they also learn the labels, which we do
# too.
#
# ### Other distillation methods
#
# KIP is one of a family, each replacing the intractable bilevel problem
# {eq}`eq-dd-bilevel` by a different surrogate.
#
# * **Coresets** select real examples instead of synthesizing them: greedy
#   *herding* picks points whose running mean of features tracks the mean of
#   the whole dataset {cite}`welling2009herding`, and *k-center* selection picks
#   points that cover the data in feature space {cite}`sener2018active`. They
#   are cheap and architecture-agnostic, but real points are less informative per
#   example than optimized ones.
# * **Gradient matching** {cite}`zhao2021dataset` optimizes synthetic images so
#   that the gradient of a network's loss on them matches the gradient on real
#   batches of the same class, for many random networks and along their training;
#   it needs no unrolled inner training run.
# * **Trajectory matching** {cite}`cazenavette2022dataset` trains on the synthetic
#   set for a few steps starting from a checkpoint of an expert run on the real
#   data, and penalizes the distance between where this short run ends and where
#   the expert went; it matches long-range training behaviour rather than
#   single gradients.
# * **Distribution matching** {cite}`zhao2023dataset` matches the mean embeddings
#   of synthetic and real images under many randomly initialized networks, a
#   maximum-mean-discrepancy objective with no bilevel structure at all.
#
# KIP is the infinite-width member of the family: in the NTK limit the inner
# training run has a closed form, so no approximation of it is needed.
#
# (kip-table)=
# ## Results on two offline datasets
#
# We distill the 1000 training digits of scikit-learn and the 4000 training
# signals of MNIST-1D {cite}`greydanus2024mnist1d` (standardized), using the NTK
# of a one-hidden-layer ReLU network (`kernels.fc_ntk`). Labels are one-hot vectors
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
fc = kernels.fc_ntk(depth=1)


def test_accuracy(kernel, x_s, y_s, split):
    pred = kernels.krr_predict(kernel, x_s, y_s, split.x_test, ridge=RIDGE)
    return float(kip.accuracy(pred, split.y_test))


def distill(kernel, split, per_class, learn_labels, steps, batch, seed=0, records=10):
    x_s, lab_s, _ = data.per_class_sample(split.x_train, split.y_train, per_class, seed=seed)
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
# ### The convolutional NTK
#
# Before using the convolutional kernel, we derive it for one hidden layer
# {cite}`arora2019exact`. Take signals $x \in \mathbb R^{L}$ (one channel), a
# convolution with filter size $f$ and $m$ channels in the NTK parametrization,
# $h_{p,c}(x) = \frac{\sigma_w}{\sqrt f}\sum_{a} W_{a,c}\, x_{p+a} + \sigma_b b_c$
# ($a$ runs over the $f$ offsets of the window, zero padding at the borders), a
# ReLU, and a dense readout of the flattened features,
# $f(x) = \frac{\sigma_w}{\sqrt{Lm}}\sum_{p,c} V_{p,c}\,\phi(h_{p,c}(x)) + \sigma_b b'$.
# At initialization, for each channel the vector $(h_{p,c}(x))_p$ is Gaussian with
# covariance between position $p$ of $x$ and position $p'$ of $x'$
#
# $$
# \Sigma_{pp'}(x, x') = \frac{\sigma_w^2}{f}\sum_a x_{p+a}\,x'_{p'+a} + \sigma_b^2 ,
# $$ (eq-cntk-sigma)
#
# the FC formula applied to the two patches. The readout weights $V_{p,c}$ are
# independent across positions, so in the output covariance only equal positions
# survive, and the same holds for the gradient with respect to $W$ and $b$:
# following the derivation of {prf:ref}`thm-ntk-recursion` position by position,
#
# $$
# \Theta(x, x') = \frac{\sigma_w^2}{L}\sum_{p=1}^{L}\Big(
# \mathbb E[\phi(u_p)\phi(v_p)] + \mathbb E[\phi'(u_p)\phi'(v_p)]\;\Sigma_{pp}(x, x')\Big)
# + \sigma_b^2 ,
# $$ (eq-cntk)
#
# with $(u_p, v_p)$ Gaussian with the covariance of $\Sigma_{pp}$ on $\{x, x'\}$: the
# arc-cosine formulas of lecture {ref}`lecture-ntk`, one patch at a time. Only the
# diagonal $p = p'$ of {eq}`eq-cntk-sigma` enters, and deeper convolutions keep
# this property (a layer at position $p$ combines the positions $p + a$ of both
# inputs with the *same* offset). A global-average-pooling readout
# $\frac{1}{L}\sum_p$ instead couples all pairs: its NNGP is
# $\frac{\sigma_w^2}{L^2}\sum_{p,p'}\mathbb E[\phi(u_p)\phi(v_{p'})]$, which compares
# each patch of $x$ with every patch of $x'$ and is unchanged when $x'$ is shifted
# (circularly). We compute {eq}`eq-cntk` from scratch and check it against
# `kernels.conv_ntk`, which gets it from neural-tangents.

# %%
def patches(x, f):
    """(n, L) signals -> (n, L, f) windows centred at every position, zero padded."""
    x = np.asarray(x, np.float64)
    padded = np.pad(x, ((0, 0), (f // 2, f // 2)))
    return np.stack([padded[:, a:a + x.shape[1]] for a in range(f)], axis=-1)


def cntk_from_scratch(x1, x2, f=3, w_std=2 ** 0.5, b_std=0.1):
    """Eq. (cntk): NTK of one ReLU convolution with a flattening dense readout."""
    p1, p2 = patches(x1, f), patches(x2, f)
    s12 = w_std ** 2 / f * np.einsum("ipa,jpa->ijp", p1, p2) + b_std ** 2   # Sigma_pp(x, x')
    s11 = w_std ** 2 / f * np.sum(p1 ** 2, axis=-1) + b_std ** 2
    s22 = w_std ** 2 / f * np.sum(p2 ** 2, axis=-1) + b_std ** 2
    norms = np.sqrt(s11[:, None, :] * s22[None, :, :])
    angle = np.arccos(np.clip(s12 / norms, -1.0, 1.0))
    e_relu = norms * (np.sin(angle) + (np.pi - angle) * np.cos(angle)) / (2 * np.pi)
    e_step = (np.pi - angle) / (2 * np.pi)
    return w_std ** 2 * np.mean(e_relu + e_step * s12, axis=-1) + b_std ** 2


sig_a, sig_b = mnist1d.x_train[:6], mnist1d.x_train[6:10]
with config.double_precision():
    cntk_lib = np.asarray(kernels.conv_ntk((40, 1), depth=1)(jnp.asarray(sig_a, jnp.float64),
                                                         jnp.asarray(sig_b, jnp.float64)))
claims.less("from-scratch CNTK vs kernels.conv_ntk, depth 1 (max rel. difference)",
            np.abs(cntk_from_scratch(sig_a, sig_b) - cntk_lib).max() / np.abs(cntk_lib).max(),
            1e-8, glue="kip-cntk-err", fmt=".0e")

# %% [markdown]
# The two agree to {glue:text}`kip-cntk-err`. In practice the convolutional NTK (`kernels.conv_ntk`, a `SAME`-padded ReLU convolution followed
# by a flattening dense readout) is more expensive than the FC one: the kernel of
# two inputs is built from the covariances of their patches at every position,
# $L$ of them for a signal of length $L$ at each layer, instead of one inner
# product. (With a dense readout of the flattened features, only the covariances
# of *equal* positions are needed; a global-average-pooling readout would need
# the covariances between all pairs of positions, $L^2$ of them, which is the
# cost usually quoted for the CNTK {cite}`arora2019exact`.) In the quick profile we run it on
# MNIST-1D with one image per class for a few steps, and compare with kernel
# regression on a balanced subset of the training set instead of all of it.

# %%
conv = kernels.conv_ntk((40, 1), depth=P["conv_depth"])
runs["MNIST-1D", 1, "conv"] = distill(conv, mnist1d, 1, True, P["conv_steps"], P["conv_batch"],
                                     records=2)
x_sub, lab_sub, _ = data.per_class_sample(mnist1d.x_train, mnist1d.y_train,
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

fig, axes = plt.subplots(1, 2, figsize=(7, 3.2))
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
axes[0].legend(fontsize=6, loc="lower right")
fig.tight_layout()
plotting.glue_figure("fig-l05-kip-curves", fig)

# %% [markdown]
# ```{glue:figure} fig-l05-kip-curves
# :name: fig-l05-kip-curves
# :alt: Two panels of test accuracy against KIP step, for digits and MNIST-1D, one and ten images per class with and without label learning, rising towards a horizontal line for all training data.
#
# Test accuracy of kernel regression on the support set during KIP, for one
# (blue) and ten (orange) images per class, with fixed (dashed) or learned (solid)
# labels; the black line is kernel regression on all training data.
# ```
#
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
#   {glue:text}`kip-m1d-gap` points below that ceiling. The convolutional kernel
#   beats the FC kernel by {glue:text}`kip-conv-fc` points on the same subset,
#   and KIP with it gains {glue:text}`kip-conv-gain` points over random signals
#   in a few steps. What this kernel encodes is *locality*, not translation
#   invariance: with a flattening readout, the readout weights of different
#   positions are independent, so the infinite-width kernel is a sum over
#   positions $p$ of a kernel of the two patches *at the same position*,
#   $\Theta(x, x') = \sum_p \kappa(x_{\text{patch } p}, x'_{\text{patch } p})$,
#   with no term comparing a patch of $x$ with a shifted patch of $x'$. It is
#   therefore also the kernel of a *locally connected* network (same
#   architecture without weight sharing): weight sharing leaves no trace in the
#   NTK of a network whose readout is not pooled {cite}`novak2019bayesian`. A
#   feature that moves by a few samples changes this kernel as much as an
#   unrelated one. Translation invariance enters the kernel only through a
#   pooling readout, such as global average pooling, which adds the
#   cross-position terms $\sum_{p \ne p'} \kappa(x_p, x'_{p'})/L^2$ at the cost
#   described above. (An earlier version of this page credited the gain to
#   translation invariance; the gain here comes from locality.)
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
x_start, lab_start, _ = data.per_class_sample(digits.x_train, digits.y_train, 10, seed=0)
acc_net_kip = np.array([finite_net_accuracy(distilled.x_support, distilled.y_support, s)
                        for s in range(P["net_seeds"])])
acc_net_real = np.array([finite_net_accuracy(x_start, centred_one_hot(lab_start), s)
                         for s in range(P["net_seeds"])])
claims.glue("kip-net-width", P["net_width"])
claims.glue("kip-net-kip", acc_net_kip.mean(), fmt=".1%")
claims.glue("kip-net-real", acc_net_real.mean(), fmt=".1%")
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
# The images were distilled for the kernel of a fully-connected network. Do they
# also help a *different* architecture? We train a small convolutional network
# (two $3\times3$ convolutions with 16 channels, ReLU, a dense readout; standard
# parametrization, Adam, square loss on the same targets) on the same two
# 100-image sets, from {glue:text}`kip-net-seeds` initializations each.

# %%
# nets.window_conv2d is stax.Conv computed as one matrix product (much faster on a CPU
# inside the compiled training loop); same parameters, same function
conv2d = nets.Network(*stax.serial(
    nets.window_conv2d(16, (3, 3), padding="SAME", parameterization="standard"), stax.Relu(),
    nets.window_conv2d(16, (3, 3), padding="SAME", parameterization="standard"), stax.Relu(),
    stax.Flatten(), stax.Dense(N_CLASSES, parameterization="standard")))
adam = optax.adam(3e-3)   # one optimizer object: the compiled training loop is reused
acc_cnn = {}
for name, xs, ys in [("KIP", distilled.x_support, distilled.y_support),
                     ("real", x_start, centred_one_hot(lab_start))]:
    for seed in range(P["net_seeds"]):
        # one network at a time: a convolution vectorized over networks is slow on a CPU
        params_cnn = nets.fit(conv2d.apply_fn, conv2d.init(seed, (8, 8, 1)),
                              jnp.asarray(xs).reshape(-1, 8, 8, 1), jnp.asarray(ys),
                              weights=jnp.full((len(xs),), 1.0 / len(xs)),
                              steps=P["cnn_steps"], optimizer=adam)
        out = conv2d.apply_fn(params_cnn, jnp.asarray(digits.x_test).reshape(-1, 8, 8, 1))
        acc_cnn.setdefault(name, []).append(float(kip.accuracy(out, digits.y_test)))
claims.glue("kip-cnn-kip", np.mean(acc_cnn["KIP"]), fmt=".1%")
claims.glue("kip-cnn-real", np.mean(acc_cnn["real"]), fmt=".1%")
claims.glue("kip-cnn-gain", 100 * (np.mean(acc_cnn["KIP"]) - np.mean(acc_cnn["real"])),
            fmt=".1f")
claims.glue("kip-cnn-spread", 100 * np.ptp(acc_cnn["real"]), fmt=".1f")
claims.less("CNN transfer gain minus the FC networks' gain (points)",
            100 * (np.mean(acc_cnn["KIP"]) - np.mean(acc_cnn["real"]))
            - 100 * (acc_net_kip.mean() - acc_net_real.mean()), 0.0)

# %% [markdown]
# The convolutional network trained on the distilled digits reaches
# {glue:text}`kip-cnn-kip` test accuracy on average, against
# {glue:text}`kip-cnn-real` on the real digits KIP started from (difference
# {glue:text}`kip-cnn-gain` points), a smaller gain than for the fully-connected
# networks the images were distilled for, and comparable to the spread between
# two seeds on the real digits ({glue:text}`kip-cnn-spread` points): with two
# seeds we cannot say that the transfer to a CNN helps at all. This is the
# question of architecture transfer studied at scale in {cite}`nguyen2021kipconv`:
# images tuned for one kernel encode what that kernel finds informative, and a
# network with a different inductive bias need not read them the same way.

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
x_init1, lab_init1, _ = data.per_class_sample(digits.x_train, digits.y_train, 1, seed=0)
order2 = np.argsort(-run1.y_support, axis=1)
titles = [f"{i}" for i in lab_init1] + [f"{a} ({b})" for a, b in order2[:, :2]]
fig = plt.figure(figsize=(8, 2.6))
plotting.image_grid(fig, np.r_[x_init1, run1.x_support], rows=2, cols=10, shape=(8, 8),
                    titles=titles)
plotting.glue_figure("fig-l05-distilled", fig)
label_diag = float(np.mean(np.argmax(run1.y_support, axis=1) == lab_init1))
claims.close("distilled images whose learned label keeps its class on top", label_diag, 1.0,
             atol=0.1, glue="kip-label-keep", fmt=".0%")

# %% [markdown]
# ```{glue:figure} fig-l05-distilled
# :name: fig-l05-distilled
# :alt: Two rows of ten 8 by 8 digit images: the top row real digits 0 to 9, the bottom row the same digits after KIP, still recognizable but with added high-frequency texture.
#
# KIP with one image per class: the real digits that start the optimization (top)
# and the distilled images (bottom), titled with their learned label's top class
# and, in brackets, the runner-up.
# ```
#
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
# control: the real digits plus isotropic noise with, image by image, the norm of the KIP change
change = np.linalg.norm(np.asarray(kip100) - np.asarray(real100), axis=1, keepdims=True)
noise = np.random.default_rng(2).normal(size=np.shape(real100))
noisy100 = np.asarray(real100) + noise / np.linalg.norm(noise, axis=1, keepdims=True) * change
stats["real + noise"] = (dataset_stats.mle_intrinsic_dimension(noisy100, k=5),
                         dataset_stats.mean_abs_correlation(noisy100))
plotting.html_table(["support set", "intrinsic dimension", "mean |correlation|"],
                    [(name, f"{dim:.2f}", f"{corr:.3f}") for name, (dim, corr) in stats.items()],
                    align_right_from=1)

# %%
claims.glue("kip-id-noise-ratio", stats["real + noise"][0] / stats["real"][0], fmt=".2f")
claims.less("mean |correlation|, noise control minus real",
            stats["real + noise"][1] - stats["real"][1], 0.0, glue="kip-corr-noise", fmt=".3f")
claims.between("intrinsic dimension, KIP / noise control of the same norm",
               stats["KIP"][0] / stats["real + noise"][0], 1.0, 1.3, glue="kip-id-vs-noise",
               fmt=".2f")
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
# {glue:text}`kip-id-ratio` (but see the control below). Their mean
# absolute correlation increases by {glue:text}`kip-corr-gain` with fixed labels,
# but is unchanged ({glue:text}`kip-corr-gain-l`) when the labels are learned
# too; a plausible reading is that the learned labels then carry part of what
# the images would otherwise share. So the correlation half of the slides'
# observation holds here only without label learning.
# A control changes how the intrinsic dimension should be read: any
# perturbation of the images raises it. Adding to each real digit isotropic
# Gaussian noise with the same norm as its KIP change multiplies the estimate by
# {glue:text}`kip-id-noise-ratio`, most of KIP's factor
# {glue:text}`kip-id-ratio`; KIP's estimate is above the control's, but by less
# than 30% (ratio {glue:text}`kip-id-vs-noise`). So the higher intrinsic
# dimension is mostly what a change of this size does to 100 points in 64
# dimensions, not a specific signature of distillation. The correlation behaves
# differently: the noise *lowers* the mean absolute correlation (by
# {glue:text}`kip-corr-noise`) while KIP raises it, so that half of the
# observation is not explained by the size of the change.
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
            run = distill(fc, mnist_split, per_class, True, P["kip_steps"],
                          min(P["kip_batch"], len(mnist_split.x_train)))
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
x_s, lab_s, _ = data.per_class_sample(digits.x_train, digits.y_train, 1, seed=0)
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
