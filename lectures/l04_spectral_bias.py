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
# (lecture-spectral-bias)=
# # Spectral bias and training speed
#
# Wide networks trained by gradient descent do not learn every part of a target
# at the same pace. They fit smooth, "simple" components first and the rest
# later, a tendency called spectral bias {cite}`rahaman2019spectral`. In the
# lazy regime of {ref}`lecture-ntk` this is not an empirical curiosity but a
# consequence of the linear dynamics: decompose the training residual on the
# eigenvectors of the NTK and each component decays at its own rate, set by its
# eigenvalue {cite}`arora2019fine,cagnetta2023kernels`. This lecture derives that
# statement, checks it against trained networks, and uses it to explain two
# observations from {cite}`kempe2022slides`: random labels are learned more slowly
# than true labels, and a sum of a low and a high frequency is learned one
# frequency at a time.

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
import matplotlib.pyplot as plt
import numpy as np

from ntk_course import claims, config, data, kernels, nets, plotting

plotting.use_style()
print(config.device_report())

# %%
P = config.scale(
    quick=dict(n_digits=200, width=1024, steps=400, label_steps=600, sine_points=128,
               sine_width=2048, sine_steps=3000, sphere_kmax=200, sphere_nodes=1000,
               sphere_gram_n=1000, sphere_ns=[5, 10, 20, 40, 80, 160, 320, 640], sphere_test=1000,
               sphere_seeds=3),
    full=dict(n_digits=1000, width=8192, steps=2000, label_steps=3000, sine_points=256,
              sine_width=16384, sine_steps=20000, sphere_kmax=200, sphere_nodes=2000,
              sphere_gram_n=4000, sphere_ns=[5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560],
              sphere_test=4000, sphere_seeds=10),
)
ARCH = dict(W_std=2 ** 0.5, b_std=0.1)  # one hidden ReLU layer, NTK parametrization
P

# %% [markdown]
# ## Setup: the linearized dynamics
#
# Take a network $f(\theta, x)$ in the NTK parametrization, centred so that its
# output at initialization is zero (lecture {ref}`lecture-ntk`), and train it on
# $n$ points $X$ with labels $Y \in \R^n$ by gradient descent on
# $L(\theta) = \tfrac12\sum_i (f(\theta, x_i) - y_i)^2$ with step $\eta$. In the
# lazy regime the network equals its linearization, and the vector of outputs on
# the training set, $f_t \in \R^n$, obeys
#
# $$
# f_{t+1} = f_t - \eta K (f_t - Y), \qquad f_0 = 0,
# $$ (eq-sb-discrete)
#
# where $K = K(X, X)$ is the NTK matrix: one step of GD moves the outputs by the
# Jacobian times the parameter update, $J\,(-\eta J^\top (f_t - Y))$, and
# $J J^\top = K$. In the limit of small steps, $\eta t \to \tau$, this becomes the
# gradient flow $\dot f = -K(f - Y)$.
#
# ## Derivation: one rate per eigenvector
#
# ```{prf:theorem} Per-mode decay of the residual
# :label: thm-sb-modes
# Let $K = \sum_{i=1}^n \lambda_i v_i v_i^\top$ with orthonormal eigenvectors $v_i$
# and $\lambda_1 \ge \dots \ge \lambda_n \ge 0$, and write $r_t = f_t - Y$ for the
# residual. Under {eq}`eq-sb-discrete`,
#
# $$
# v_i^\top r_t = -(1 - \eta\lambda_i)^t \, v_i^\top Y, \qquad
# \|r_t\|^2 = \sum_{i=1}^n (1 - \eta\lambda_i)^{2t} (v_i^\top Y)^2 ,
# $$ (eq-sb-modes)
#
# and under gradient flow the factor $(1-\eta\lambda_i)^t$ becomes
# $e^{-\lambda_i \tau}$.
# ```
#
# ```{prf:proof}
# Subtract $Y$ from both sides of {eq}`eq-sb-discrete`: $r_{t+1} = (I - \eta K) r_t$,
# so $r_t = (I - \eta K)^t r_0$ with $r_0 = -Y$. The matrix $I - \eta K$ has the
# eigenvectors of $K$ and eigenvalues $1 - \eta\lambda_i$; project on $v_i$. The
# squared norm follows from Parseval's identity in the orthonormal basis $(v_i)$.
# For the flow, $r(\tau) = e^{-K\tau} r(0)$ and the same projection gives
# $e^{-\lambda_i\tau}$.
# ```
#
# This is eq. (21) of {cite}`cagnetta2023kernels` in discrete time; there the
# factor $\eta$ sits both in the exponent and in $t$, which is the same thing once
# time is counted as $\eta t$. Components of the labels along the top eigenvectors
# are fitted first; those along small eigenvalues take about $1/(\eta\lambda_i)$
# steps.
#
# ```{prf:theorem} Step-size limit
# :label: thm-sb-step
# The iteration {eq}`eq-sb-discrete` converges for every $Y$ with a component on
# $v_1$ if and only if $0 < \eta < 2/\lambda_1$. At $\eta = 2/\lambda_1$ the
# top component oscillates with constant amplitude, $(-1)^t v_1^\top Y$; above it
# grows geometrically. With the common choice $\eta = 1/\lambda_1$, the slowest
# mode shrinks by the factor $1 - \lambda_n/\lambda_1$ per step, so it needs about
# $\lambda_1/\lambda_n$ steps per factor $e$.
# ```
#
# ```{prf:proof}
# By {eq}`eq-sb-modes` every mode converges iff $|1 - \eta\lambda_i| < 1$ for all
# $i$ with $\lambda_i > 0$, i.e. $0 < \eta\lambda_i < 2$; the binding constraint is
# $i = 1$. At $\eta\lambda_1 = 2$ the factor is $-1$, above it has modulus larger
# than one. With $\eta = 1/\lambda_1$ the factor of mode $n$ is
# $1 - \lambda_n/\lambda_1$, and $(1 - \lambda_n/\lambda_1)^t \approx
# e^{-t\lambda_n/\lambda_1}$.
# ```
#
# Two corrections to the seed text {cite}`cagnetta2023kernels`: its "maximal
# learning rate $\eta = 2/\lambda_{\max}$" is the edge of stability, not a step
# that converges (the top mode oscillates forever there), and the ratio it calls
# the condition number, $\lambda_{\min}/\lambda_{\max}$, is the inverse of the
# usual one; the number of steps grows with $\lambda_{\max}/\lambda_{\min}$.
#
# ## Experiment 1: the modes of a trained network
#
# Two digit classes (3 and 8) from scikit-learn's digits, labels $\pm 1$, and a
# one-hidden-layer ReLU network of width {glue:text}`sb-width`. We train it with
# $\eta = 1/\lambda_1$ and compare the projections of its residual on the
# eigenvectors of the analytic NTK with {eq}`eq-sb-modes`.

# %%
split = data.select_classes(data.digits(n_train=300, n_test=60), [3, 8])
n = min(P["n_digits"], len(split.x_train))
x = jnp.asarray(split.x_train[:n])
y_true = jnp.asarray(2.0 * split.y_train[:n] - 1.0)[:, None]
_, k_train = kernels.fc_kernels(x, depth=1, **ARCH)
lam, vecs = kernels.eigh_descending(k_train)
eta = 1.0 / float(lam[0])


def train_net(y, steps, seed=0, learning_rate=eta, width=P["width"]):
    net = nets.mlp(depth=1, width=width, **ARCH)
    params = net.init(seed, (x.shape[1],))
    apply = nets.centered(net.apply_fn, params)
    return nets.train(apply, params, x, y, steps=steps, learning_rate=learning_rate,
                      record_every=max(1, steps // 40), x_eval=x)


run = train_net(y_true, P["steps"])
proj_net = np.einsum("tn,ni->ti", run.outputs[:, :, 0] - np.asarray(y_true[:, 0]), vecs)
proj_kernel = -np.asarray((1 - eta * lam[None, :]) ** run.times[:, None]) * np.asarray(
    vecs.T @ y_true[:, 0])[None, :]
modes = [0, 4, 19, 49]
fig, ax = plt.subplots(figsize=(6.4, 3.8))
for c, i in enumerate(modes):
    ax.semilogy(run.times, np.abs(proj_net[:, i]), "o", ms=3, color=plotting.PALETTE[c])
    ax.semilogy(run.times, np.abs(proj_kernel[:, i]), "-", color=plotting.PALETTE[c],
                label=f"mode {i + 1}: $\\eta\\lambda$ = {eta * float(lam[i]):.3f}")
ax.set(xlabel="GD step", ylabel="$|v_i^\\top r_t|$")
ax.legend(fontsize=8, loc="lower left")
plotting.glue_figure("fig-l04-modes", fig)

res_net = np.linalg.norm(run.outputs[:, :, 0] - np.asarray(y_true[:, 0]), axis=1)
res_kernel = np.linalg.norm(proj_kernel, axis=1)
# The same prediction with the finite network's own NTK at initialization.
net0 = nets.mlp(depth=1, width=P["width"], **ARCH)
k_emp = kernels.empirical_ntk(net0.apply_fn, net0.init(0, (x.shape[1],)), x)
out_emp = kernels.gd_dynamics(k_emp, y_true[:, 0], jnp.asarray(run.times), learning_rate=eta,
                              discrete=True)
res_emp = np.linalg.norm(np.asarray(out_emp) - np.asarray(y_true[:, 0]), axis=1)
claims.glue("sb-width", P["width"])
claims.less("max relative gap, residual norm of net vs eq. (modes), analytic NTK",
            np.max(np.abs(res_net - res_kernel) / res_kernel), 0.25, glue="sb-res-gap",
            fmt=".2f")
claims.less("max relative gap, residual norm of net vs eq. (modes), empirical NTK at init",
            np.max(np.abs(res_net - res_emp) / res_emp),
            np.max(np.abs(res_net - res_kernel) / res_kernel), glue="sb-res-gap-emp", fmt=".2f")
kept = np.abs(proj_net[-1] / proj_net[0])
claims.less("network: fraction of mode 1 left at the end", kept[0], 0.05, glue="sb-kept1",
            fmt=".3f")
claims.greater("network: fraction of mode 50 left at the end", kept[49], 0.5, glue="sb-kept50",
               fmt=".2f")

# %% [markdown]
# ```{glue:figure} fig-l04-modes
# :name: fig-l04-modes
# :alt: Semilog plot of the residual's projection on four NTK eigenvectors against the gradient-descent step; dots for the network lie on straight lines predicted by the kernel, steeper for the top modes.
#
# The residual of the trained network projected on eigenvectors 1, 5, 20 and
# 50 of the analytic NTK (dots) against the prediction {eq}`eq-sb-modes` (lines):
# each mode decays geometrically at its own rate $1 - \eta\lambda_i$.
# ```
#
# The individual modes follow their straight lines on the log scale: the top
# mode is gone after a few steps ({glue:text}`sb-kept1` of it is left at the end),
# while mode 50 keeps {glue:text}`sb-kept50` of its initial size. With the analytic
# (infinite-width) kernel, the residual norm of the network stays within a
# relative {glue:text}`sb-res-gap` of {eq}`eq-sb-modes`; most of that gap is a
# finite-width effect, since the same formula with the network's own NTK at
# initialization (the empirical kernel of lecture {ref}`lecture-ntk`) is within
# {glue:text}`sb-res-gap-emp`.
#
# What do the eigenvectors look like? Each $v_i$ is a weighting of the $n$
# training digits; the image $\sum_j (v_i)_j x_j$ shows which pixel pattern it
# stands for, and the sign of $v_i$ on the two classes shows whether it separates
# them.

# %%
show = [0, 1, 2, 4, 19, 49]
y_sign = np.asarray(y_true[:, 0])
fig, axes = plt.subplots(2, 3, figsize=(6, 4.4))
for ax, i in zip(axes.ravel(), show):
    img = (np.asarray(vecs[:, i]) @ np.asarray(x)).reshape(8, 8)
    shown_img = ax.imshow(img / np.abs(img).max(), cmap="RdBu_r", vmin=-1, vmax=1)
    sep = abs(float(np.mean(np.asarray(vecs[:, i])[y_sign > 0]) -
                    np.mean(np.asarray(vecs[:, i])[y_sign < 0])))
    ax.set_title(f"$v_{{{i + 1}}}$, class gap {sep * np.sqrt(n):.2f}", fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
fig.colorbar(shown_img, ax=axes, shrink=0.8, label="pixel weight / largest in panel")
plotting.glue_figure("fig-l04-eigvecs", fig)
vec_np = np.asarray(vecs)
class_gap = np.abs(vec_np[y_sign > 0].mean(axis=0) - vec_np[y_sign < 0].mean(axis=0)) * np.sqrt(n)
claims.less("rank of the eigenvector with the largest class gap among the top 50",
            int(np.argmax(class_gap[:50])) + 1, 4, glue="sb-gap-rank")

# %% [markdown]
# ```{glue:figure} fig-l04-eigvecs
# :name: fig-l04-eigvecs
# :alt: Six 8 by 8 heat maps of eigenvectors of the NTK mapped to pixel space; the first looks like an average digit, the next ones like contrasts between a 3 and an 8, the later ones like fine, noisy pixel patterns.
#
# Eigenvectors 1, 2, 3, 5, 20 and 50 of the NTK on the digits, drawn in pixel
# space as $\sum_j (v_i)_j x_j$, each scaled to its largest pixel. The title gives
# the difference of the mean entry of $v_i$ on the two classes (times $\sqrt n$),
# a measure of how well $v_i$ separates 3 from 8.
# ```
#
# The first eigenvector is an average digit with the same sign on both classes;
# among the top 50, the one that separates the classes best is eigenvector
# number {glue:text}`sb-gap-rank`, at the very top of the spectrum, which is why
# the true labels are fitted fast. Far down the spectrum the patterns look like
# pixel noise and carry little class information.
#
# ## Experiment 2: the step-size limit
#
# Theorem {prf:ref}`thm-sb-step` in action on the same kernel: the distance to the
# labels under {eq}`eq-sb-discrete` for four step sizes around $2/\lambda_1$.

# %%
steps_gd = jnp.arange(0, 201)
fig, ax = plt.subplots(figsize=(6.4, 3.6))
final = {}
for c, factor in enumerate([0.5, 0.95, 1.0, 1.02]):
    out = kernels.gd_dynamics(k_train, y_true[:, 0], steps_gd,
                              learning_rate=factor * 2 / float(lam[0]), discrete=True)
    dist = np.linalg.norm(np.asarray(out) - np.asarray(y_true[:, 0]), axis=1)
    top = np.asarray((out - y_true[:, 0]) @ vecs[:, 0])
    final[factor] = (dist[-1] / dist[0], top)
    ax.semilogy(steps_gd, dist, color=plotting.PALETTE[c], ls=["-", "--", "-.", ":"][c],
                label=f"$\\eta = {factor}\\cdot 2/\\lambda_1$")
ax.set(xlabel="GD step", ylabel="$\\|f_t - Y\\|$")
ax.legend(loc="upper left")
plotting.glue_figure("fig-l04-edge", fig)

claims.less("eta = 0.95 * 2/lambda_1: residual after 200 steps / initial",
            final[0.95][0], 0.5, glue="sb-eta095", fmt=".3f")
claims.close("eta = 2/lambda_1: |top component| after 200 steps / initial",
             abs(final[1.0][1][-1] / final[1.0][1][0]), 1.0, atol=1e-2, glue="sb-eta1", fmt=".3f")
claims.holds("eta = 2/lambda_1: the top component flips sign every step",
             bool(np.all(np.sign(final[1.0][1][1:]) == -np.sign(final[1.0][1][:-1]))))
claims.greater("eta = 1.02 * 2/lambda_1: residual after 200 steps / initial", final[1.02][0],
               10.0, glue="sb-eta102", fmt=".3g")

# %% [markdown]
# ```{glue:figure} fig-l04-edge
# :name: fig-l04-edge
# :alt: Semilog plot of the distance between kernel gradient-descent outputs and the labels over 200 steps for four step sizes; it falls for the two smaller ones, stays flat at 2 over lambda 1 and grows for the largest.
#
# Kernel gradient descent {eq}`eq-sb-discrete` on the digits kernel for step
# sizes around $2/\lambda_1$: below it the residual shrinks, at it the top mode
# neither grows nor shrinks, above it the residual explodes.
# ```
#
# Just below the limit the residual shrinks (to {glue:text}`sb-eta095` of its
# initial size after 200 steps); at $\eta = 2/\lambda_1$ the top component keeps
# its size ({glue:text}`sb-eta1` of it) while flipping sign at every step; 2% above
# the limit the residual has grown by a factor {glue:text}`sb-eta102`. Real networks
# do not strictly follow this last curve: once the outputs grow, the kernel moves
# and training can self-stabilize at the edge of stability.
#
# ## Experiment 3: random labels are learned more slowly
#
# Keep the images, replace the labels by random signs (same number of each). By
# {eq}`eq-sb-modes`, the loss curve is determined by how the label energy
# $(v_i^\top Y)^2$ is spread over the spectrum. True labels are a smooth function
# of the image and should concentrate on the top eigenvectors; random labels have
# no reason to prefer any direction, so their energy is spread almost uniformly,
# and most of it sits on small eigenvalues.

# %%
rng = np.random.default_rng(config.SEED)
y_random = jnp.asarray(rng.permutation(np.asarray(y_true[:, 0])))[:, None]
energy = {name: np.asarray(vecs.T @ yy[:, 0]) ** 2 / float(jnp.sum(yy ** 2))
          for name, yy in [("true", y_true), ("random", y_random)]}
runs = {name: train_net(yy, P["label_steps"]) for name, yy in
        [("true", y_true), ("random", y_random)]}
kernel_loss = {name: 0.5 * np.sum(np.asarray((1 - eta * lam[None, :]) ** (2 * runs[name].times[
    :, None])) * energy[name] * n, axis=1) for name in energy}

fig, axes = plt.subplots(1, 2, figsize=(7, 3.2))
for c, name in enumerate(["true", "random"]):
    axes[0].plot(np.arange(1, n + 1), np.cumsum(energy[name]), color=plotting.PALETTE[c],
                 label=f"{name} labels")
    axes[1].plot(runs[name].times, runs[name].losses / runs[name].losses[0], "o", ms=3,
                 color=plotting.PALETTE[c], label=f"{name} labels: network")
    axes[1].plot(runs[name].times, kernel_loss[name] / kernel_loss[name][0], "-",
                 color=plotting.PALETTE[c], label=f"{name} labels: eq. (modes)")
axes[0].set(xscale="log", xlabel="number of top eigenvectors $k$",
            ylabel="label energy on top $k$")
axes[1].set(xlabel="GD step", ylabel="training loss / initial")
axes[0].legend(fontsize=7, loc="upper left")
axes[1].legend(fontsize=6, loc="upper right")
fig.tight_layout()
plotting.glue_figure("fig-l04-labels", fig)


def steps_to(fraction, times, losses):
    below = np.flatnonzero(losses / losses[0] < fraction)
    return times[below[0]] if below.size else np.inf


top10 = {name: float(np.sum(energy[name][:10])) for name in energy}
half = {name: steps_to(0.5, runs[name].times, runs[name].losses) for name in runs}
claims.greater("true labels: label energy on the top 10 eigenvectors", top10["true"], 0.5,
               glue="sb-top10-true", fmt=".0%")
claims.less("random labels: label energy on the top 10 eigenvectors", top10["random"], 0.2,
            glue="sb-top10-random", fmt=".0%")
claims.greater("steps to halve the loss: random / true labels (network)",
               half["random"] / half["true"], 5.0, glue="sb-slowdown", fmt=".0f")
claims.less("max gap of normalized loss, network vs eq. (modes), random labels",
            np.max(np.abs(runs["random"].losses / runs["random"].losses[0]
                          - kernel_loss["random"] / kernel_loss["random"][0])), 0.1,
            glue="sb-random-gap", fmt=".3f")

# %% [markdown]
# ```{glue:figure} fig-l04-labels
# :name: fig-l04-labels
# :alt: Left, cumulative fraction of label energy on the top k kernel eigenvectors, rising quickly for true labels and slowly for random labels; right, normalized training loss against steps, falling fast for true labels and slowly for random ones, with network dots on the kernel curves.
#
# True against randomly permuted labels on the same digits. Left: fraction of
# the label vector's energy on the top $k$ eigenvectors of the NTK. Right:
# training loss of the network (dots) and the kernel prediction (lines).
# ```
#
# The ten top eigenvectors carry {glue:text}`sb-top10-true` of the energy of the
# true labels but only {glue:text}`sb-top10-random` of the random ones. The network
# accordingly needs {glue:text}`sb-slowdown` times more steps to halve its loss on
# random labels, and its loss curve stays within {glue:text}`sb-random-gap` of the
# kernel prediction (normalized loss). This is the observation of
# {cite}`arora2019fine` reproduced in the slides {cite}`kempe2022slides` for two
# MNIST and two CIFAR-10 classes: the NTK explains *why* random labels can be
# memorized, but slowly.
#
# ### The second half: a generalization bound from the same quantity
#
# Speed of training and generalization are two readings of one number. Write
# the labels in the eigenbasis, $Y = \sum_i (v_i^\top Y) v_i$. Gradient descent
# on the linearized network moves the parameters by
# $\theta_\infty - \theta_0 = J^\top K^{-1} Y$ (the minimum-norm interpolant,
# with $J$ the Jacobian at initialization and $K = JJ^\top$), whose squared norm is
#
# $$
# \|\theta_\infty - \theta_0\|^2 = Y^\top K^{-1} J J^\top K^{-1} Y = Y^\top K^{-1} Y
# = \sum_i \frac{(v_i^\top Y)^2}{\lambda_i}.
# $$ (eq-sb-distance)
#
# Labels whose energy sits on the top of the spectrum need a short trip; random
# labels, spread over the small eigenvalues, need a long one. A short trip means
# the trained network lies in a small ball around initialization, a class of
# small Rademacher complexity, of order (radius)$/\sqrt n$ for these linear
# functions of the features. Arora et al. {cite}`arora2019fine` make this
# rigorous for a two-layer ReLU network $f(x) = m^{-1/2}\sum_r a_r \sigma(w_r^\top x)$
# with fixed output signs $a_r$, inputs of unit norm, the first layer trained by
# gradient descent with a small step, large width and
# $\lambda_0 = \lambda_{\min}(H^\infty) > 0$: with probability $1-\delta$ the
# population loss (of a 1-Lipschitz loss bounded by one) satisfies
#
# $$
# \begin{aligned}
# L_{\mathcal D}(f) &\le \sqrt{\frac{2\,Y^\top (H^\infty)^{-1} Y}{n}}
# + O\Bigl(\sqrt{\tfrac{\log(n/(\lambda_0\delta))}{n}}\Bigr),\\
# H^\infty_{ij} &= \mathbb E_{w}\bigl[x_i^\top x_j\,\mathbb 1\{w^\top x_i \ge 0,\ w^\top x_j \ge 0\}\bigr]
# = \frac{x_i^\top x_j\,(\pi - \arccos x_i^\top x_j)}{2\pi}.
# \end{aligned}
# $$ (eq-sb-arora-bound)
#
# The closed form of $H^\infty$ (the first-layer part of this network's NTK)
# follows because, for a standard Gaussian $w$, the two half-spaces
# $w^\top x_i \ge 0$ and $w^\top x_j \ge 0$ intersect with probability
# $(\pi - \phi)/(2\pi)$, where $\phi = \arccos x_i^\top x_j$ is the angle
# between the inputs (the wedge of directions on the correct side of both
# hyperplanes in the plane of $x_i, x_j$). We evaluate the leading term for the
# true and the random labels on the digits above, normalized to unit norm.

# %%
x_unit = np.asarray(x, np.float64) / np.linalg.norm(np.asarray(x, np.float64), axis=1,
                                                    keepdims=True)
cos_ij = np.clip(x_unit @ x_unit.T, -1.0, 1.0)
H_inf = cos_ij * (np.pi - np.arccos(cos_ij)) / (2 * np.pi)
arora = {name: float(np.sqrt(2 * yy @ np.linalg.solve(H_inf, yy) / n))
         for name, yy in [("true", np.asarray(y_true[:, 0], np.float64)),
                          ("random", np.asarray(y_random[:, 0], np.float64))]}
claims.glue("sb-arora-n", n)
claims.glue("sb-arora-lam0", float(np.linalg.eigvalsh(H_inf)[0]), fmt=".3f")
claims.glue("sb-arora-true", arora["true"], fmt=".2f")
claims.glue("sb-arora-random", arora["random"], fmt=".2f")
claims.greater("Arora et al. complexity term: random labels / true labels",
               arora["random"] / arora["true"], 2.0, glue="sb-arora-ratio", fmt=".1f")
claims.greater("Arora et al. complexity term for the true labels", arora["true"], 1.0);

# %% [markdown]
# With $n$ = {glue:text}`sb-arora-n` points ($\lambda_0$ =
# {glue:text}`sb-arora-lam0`), the leading term of {eq}`eq-sb-arora-bound` is
# {glue:text}`sb-arora-true` for the true labels and
# {glue:text}`sb-arora-random` for the random ones, {glue:text}`sb-arora-ratio`
# times larger. Both exceed 1, so at this small $n$ neither bound says anything
# about a loss bounded by one. The bound can become small only when
# $Y^\top (H^\infty)^{-1} Y$ grows more slowly than $n$, and random labels never
# allow that: for a label vector in a uniformly random direction with
# $\|Y\|^2 = n$, $\mathbb E\,[Y^\top (H^\infty)^{-1} Y] = \operatorname{tr}(H^\infty)^{-1}
# \ge n^2/\operatorname{tr} H^\infty = 2n$ (the harmonic mean of the eigenvalues is
# at most their arithmetic mean, and $H^\infty_{ii} = 1/2$), so the leading term
# is at least about $\sqrt{4} = 2$ whatever $n$. What the numbers do show is the mechanism: the
# same spectral alignment that makes the true labels fast to fit makes their
# complexity term several times smaller.
#
# ## Experiment 4: low frequencies first
#
# Put $n$ points evenly on the circle, $x_j = \sqrt2(\cos\theta_j, \sin\theta_j)$
# with $\theta_j = 2\pi j/n$, and take the target of the slides,
# $\sin 4\theta + \sin 14\theta$, to which we add an odd frequency:
# $y(\theta) = \sin 3\theta + \sin 4\theta + \sin 14\theta$. The NTK of a
# fully-connected network depends on $x^\top x'$ and the norms only, so on the
# circle it is a function of $\theta - \theta'$: the kernel matrix is circulant.
#
# ```{prf:theorem} The NTK on the circle is diagonal in the Fourier basis
# :label: thm-sb-circle
# If $K_{jl} = \kappa(\theta_j - \theta_l)$ on evenly spaced points, the vectors
# $(\cos k\theta_j)_j$ and $(\sin k\theta_j)_j$ are eigenvectors of $K$ with the
# eigenvalue $\hat\kappa_k = \sum_{j=0}^{n-1} \kappa(\theta_j)\cos(k\theta_j)$.
# ```
#
# ```{prf:proof}
# $\sum_l \kappa(\theta_j - \theta_l) e^{ik\theta_l} = e^{ik\theta_j}\sum_m
# \kappa(\theta_m) e^{-ik\theta_m}$ after substituting $\theta_l = \theta_j -
# \theta_m$ (indices modulo $n$). The last sum is real because $\kappa$ is even;
# take real and imaginary parts.
# ```
#
# So the three sines are eigen-directions of $K$, and {eq}`eq-sb-modes` predicts
# that the amplitude fitted at frequency $k$ is $1 - (1 - \eta\hat\kappa_k)^t$.
# The spectrum is not a steady decay, though: for ReLU networks the odd
# frequencies from 3 on nearly vanish.
#
# ```{prf:proposition} Odd frequencies of the one-hidden-layer ReLU NTK
# :label: prop-sb-odd
# For a one-hidden-layer ReLU network without biases and inputs of equal norm,
# the NTK is $\Theta(u) = a\,u + e(u)$ with $u = \cos(\theta - \theta')$, a constant
# $a$ and an even function $e$. On the circle its eigenvalues $\hat\kappa_k$ vanish
# for every odd $k \ge 3$.
# ```
#
# ```{prf:proof}
# Write $\sigma(z) = \tfrac12 z + \tfrac12 |z|$ and $\sigma'(z) = \tfrac12 + \tfrac12\operatorname{sign} z$.
# With $z = w^\top x$, $z' = w^\top x'$ and $w$ Gaussian, the pair $(z, z')$ has
# the same law as $(-z, -z')$, so the cross terms $\mathbb E[z|z'|]$ and
# $\mathbb E[\operatorname{sign} z]$ vanish, and
# $\mathbb E[\sigma(z)\sigma(z')] = \tfrac14\mathbb E[zz'] + \tfrac14 \mathbb E|z||z'|$,
# $\mathbb E[\sigma'(z)\sigma'(z')] = \tfrac14 + \tfrac14\mathbb E[\operatorname{sign} z \operatorname{sign} z']$.
# Replacing $x'$ by $-x'$ (which maps $u$ to $-u$) leaves $\mathbb E|z||z'|$
# unchanged and flips the sign of $\mathbb E[\operatorname{sign} z\operatorname{sign} z']$.
# So the NNGP is (linear in $u$) + (even in $u$), and the derivative kernel is
# (constant) + (odd in $u$). The NTK of one hidden layer is the NNGP plus
# $u$ times the derivative kernel: $u\cdot$constant is linear, and $u\cdot$(odd) is
# even. Hence $\Theta(u) = a u + e(u)$. On the circle, $u = \cos\phi$ with
# $\phi = \theta - \theta'$; $a\cos\phi$ has only the frequency 1, and $e(\cos\phi)$ is
# unchanged by $\phi \mapsto \phi + \pi$ (which maps $\cos\phi$ to $-\cos\phi$), so it has
# only even frequencies, since $\cos k(\phi + \pi) = (-1)^k \cos k\phi$.
# ```
#
# A bias breaks the symmetry $x' \mapsto -x'$ of the pre-activations, so with the
# biases of `ARCH` the odd eigenvalues are small but not zero; deeper networks
# also fill them in, because the second layer sees $\sigma(h)$, which is not odd
# in $h$. The practical consequence is a blind spot: a network without biases
# in the lazy regime cannot fit $\sin 3\theta$ at all, and with small biases it
# fits it more slowly than much higher even frequencies.
#
# The even eigenvalues decay with a power law. For the ReLU NTK on the sphere
# $\mathbb S^{d-1} \subset \mathbb R^d$, the eigenvalue of the spherical harmonics
# of degree $k$ decays like $k^{-d}$ {cite}`bietti2019inductive,basri2020frequency`
# (for the even $k$, and for all $k$ with a bias; Experiment 5 below computes
# it); on the circle, $d = 2$, so $\hat\kappa_k \propto k^{-2}$. This ties the
# spectrum to generalization:
# the RKHS norm is $\|f\|^2_{\mathcal H} = \sum_k |\hat f_k|^2/\hat\kappa_k$, so a
# component of frequency $k$ costs a norm growing like $k^{d}$; functions with
# finite norm must have Fourier coefficients decaying faster than $k^{-d/2}$
# (smoothness), and by the argument of {eq}`eq-sb-distance` the number of samples
# needed to learn a target grows with its norm. High frequencies are both slow
# to train and expensive in samples.

# %%
m = P["sine_points"]
theta = 2 * np.pi * np.arange(m) / m
freqs = (3, 4, 14)
x_c = jnp.asarray(np.sqrt(2) * np.stack([np.cos(theta), np.sin(theta)], 1), jnp.float32)
y_c = jnp.asarray(sum(np.sin(k * theta) for k in freqs), jnp.float32)[:, None]
_, k_c = kernels.fc_kernels(x_c, depth=1, **ARCH)
spectrum = np.real(np.fft.fft(np.asarray(k_c[0])))
eta_c = 1.0 / spectrum.max()
claims.close("eigenvalue of cos(4 theta) vector against the FFT formula",
             float(np.asarray(k_c @ np.cos(4 * theta)) @ np.cos(4 * theta)
                   / (np.cos(4 * theta) @ np.cos(4 * theta))), float(spectrum[4]), rtol=1e-3)
# the same kernel without biases, in float64
with config.double_precision():
    _, k_nobias = kernels.fc_kernels(jnp.asarray(x_c, jnp.float64), depth=1, W_std=2 ** 0.5,
                                     b_std=0.0)
    spec_nobias = np.real(np.fft.fft(np.asarray(k_nobias[0], np.float64)))
odd = np.arange(3, m // 2, 2)
even = np.arange(8, min(m // 2, 42), 2)
claims.less("no bias: largest |odd eigenvalue|, k >= 3, relative to the largest",
            np.abs(spec_nobias[odd]).max() / spec_nobias.max(), 1e-6, glue="sb-odd-nobias",
            fmt=".0e")
claims.greater("with bias: largest |odd eigenvalue|, k >= 3, relative to the largest",
               np.abs(spectrum[odd]).max() / spectrum.max(), 1e-4, glue="sb-odd-bias", fmt=".0e")
decay = np.polyfit(np.log(even), np.log(spec_nobias[even]), 1)[0]
claims.between("no bias: fitted exponent of the even eigenvalues, k = 8..40", decay, -2.3, -1.7,
               glue="sb-decay", fmt=".2f")
claims.less("with bias: lambda_3 / lambda_4", spectrum[3] / spectrum[4], 0.2,
            glue="sb-l3-l4", fmt=".2f")
plotting.html_table(["frequency k", "3", "4", "5", "6", "14"],
                    [("eigenvalue, with bias", *[f"{spectrum[k]:.3g}" for k in (3, 4, 5, 6, 14)]),
                     ("eigenvalue, no bias",
                      *[f"{abs(spec_nobias[k]):.1e}" if k % 2 else f"{spec_nobias[k]:.3g}"
                        for k in (3, 4, 5, 6, 14)])], align_right_from=1)

# %%
net_c = nets.mlp(depth=1, width=P["sine_width"], **ARCH)
params_c = net_c.init(0, (2,))
apply_c = nets.centered(net_c.apply_fn, params_c)
run_c = nets.train(apply_c, params_c, x_c, y_c, steps=P["sine_steps"], learning_rate=eta_c,
                   record_every=P["sine_steps"] // 60, x_eval=x_c)
coef = np.fft.fft(run_c.outputs[:, :, 0], axis=1)
target = np.fft.fft(np.asarray(y_c[:, 0]))
amp = {k: np.abs(coef[:, k]) / np.abs(target[k]) for k in freqs}
theory = {k: 1 - (1 - eta_c * spectrum[k]) ** run_c.times for k in freqs}

k_emp = kernels.empirical_ntk(net_c.apply_fn, params_c, x_c)
spec_emp = np.real(np.fft.fft(np.asarray(k_emp[0])))
theory_emp = {k: 1 - (1 - eta_c * spec_emp[k]) ** run_c.times for k in freqs}

fig = plt.figure(figsize=(7, 6.4))
grid_spec = fig.add_gridspec(2, 2)
ax_spec = fig.add_subplot(grid_spec[0, :])
ax_fit, ax_out = fig.add_subplot(grid_spec[1, 0]), fig.add_subplot(grid_spec[1, 1])
ks = np.arange(1, m // 2)
ax_spec.loglog(ks[ks % 2 == 0], spectrum[1:m // 2][ks % 2 == 0], "o", ms=4,
               label="analytic NTK, even k")
ax_spec.loglog(ks[ks % 2 == 1], spectrum[1:m // 2][ks % 2 == 1], "s", ms=4, mfc="none",
               label="analytic NTK, odd k")
ax_spec.loglog(ks, np.abs(spec_emp[1:m // 2]), ".", ms=3, color="grey",
               label="empirical NTK")
even_fit = np.polyfit(np.log(even), np.log(spectrum[even]), 1)
ax_spec.loglog(even, np.exp(np.polyval(even_fit, np.log(even))), "k--", lw=0.8,
               label="power-law fit, even k")
for k in freqs:
    ax_spec.axvline(k, color="gray", lw=0.6)
ax_spec.set(xlabel="frequency $k$", ylabel="eigenvalue")
ax_spec.legend(fontsize=7, loc="lower left")
for c, k in enumerate(freqs):
    ax_fit.plot(run_c.times, amp[k], "o", ms=3, color=plotting.PALETTE[c])
    ax_fit.plot(run_c.times, theory[k], "-", color=plotting.PALETTE[c])
    ax_fit.plot(run_c.times, theory_emp[k], ":", color=plotting.PALETTE[c])
ax_fit.set(xscale="symlog", xlabel="GD step", ylabel="fitted fraction")
ax_fit.legend(handles=[plt.Line2D([], [], color=plotting.PALETTE[c], lw=4, label=f"k = {k}")
                       for c, k in enumerate(freqs)]
              + [plt.Line2D([], [], color="k", marker="o", ls="", ms=3, label="network"),
                 plt.Line2D([], [], color="k", label="analytic NTK"),
                 plt.Line2D([], [], color="k", ls=":", label="empirical NTK")],
              fontsize=6, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.25))
early = int(np.argmin(np.abs(amp[4] - 0.9)))
ax_out.plot(theta, y_c[:, 0], color="lightgray", lw=3, label="target")
ax_out.plot(theta, run_c.outputs[early, :, 0], label=f"step {run_c.times[early]}")
ax_out.plot(theta, run_c.outputs[-1, :, 0], "--", label=f"step {run_c.times[-1]}")
ax_out.set(xlabel="$\\theta$", ylabel="output")
ax_out.legend(fontsize=6, loc="lower left")
fig.tight_layout()
plotting.glue_figure("fig-l04-circle", fig)

# %%
def first_time(curve, times, level=0.25):
    hit = np.flatnonzero(curve >= level)
    return times[hit[0]] if hit.size else np.inf


claims.greater("analytic NTK eigenvalue ratio lambda_4 / lambda_14", spectrum[4] / spectrum[14],
               10.0, glue="sb-eig-ratio", fmt=".0f")
claims.close("amplitude of k = 4 fitted by the network at the recorded step where it is ~0.9",
             amp[4][early], 0.9, atol=0.1)
claims.less("amplitude of k = 14 fitted at that step", amp[14][early], 0.3,
            glue="sb-amp14-early", fmt=".2f")
claims.less("amplitude of k = 3 fitted at that step", amp[3][early], 0.5,
            glue="sb-amp3-early", fmt=".2f")
claims.glue("sb-early-step", run_c.times[early])
t4 = first_time(amp[4], run_c.times)
t14 = first_time(amp[14], run_c.times)
claims.greater("network: steps to fit a quarter of k = 14 over steps for k = 4", t14 / t4, 5.0,
               glue="sb-time-ratio", fmt=".0f")
claims.greater("analytic-NTK prediction of the k = 14 amplitude at the end minus network",
               theory[14][-1] - amp[14][-1], 0.0, glue="sb-ana-gap", fmt=".2f")
claims.less("empirical-NTK prediction of the k = 14 amplitude at the end: gap",
            abs(theory_emp[14][-1] - amp[14][-1]), theory[14][-1] - amp[14][-1],
            glue="sb-emp-gap", fmt=".2f")

# %% [markdown]
# ```{glue:figure} fig-l04-circle
# :name: fig-l04-circle
# :alt: Top, log-log plot of the NTK eigenvalues on the circle against frequency, even frequencies on a falling straight line and odd frequencies from 3 on far below; bottom left, fitted fraction of three sine components against steps, frequency 4 first; bottom right, the network output at two steps against the target.
#
# Top: eigenvalues of the NTK on the circle, even frequencies (filled), odd
# frequencies (open), the finite network's empirical NTK (grey) and a power-law
# fit of the even ones; vertical lines mark the frequencies 3, 4 and 14 of the
# target. Bottom left: fraction of each frequency fitted by the network (dots),
# predicted by the analytic (solid) and empirical (dotted) NTK. Bottom right: the
# network's output at two steps against the target (grey).
# ```
#
# Without biases, every odd eigenvalue from $k = 3$ on is zero to
# {glue:text}`sb-odd-nobias` of the largest one (float64; the arc-cosine near the
# diagonal costs half of the digits), against {glue:text}`sb-odd-bias` with the
# biases, as
# {prf:ref}`prop-sb-odd` says, and the even eigenvalues for $k$ = 8 to 40 fall
# like $k^{a}$ with a fitted $a$ = {glue:text}`sb-decay`, within 0.3 of the
# predicted $-2$. With the small biases used here the odd eigenvalues are no
# longer zero but remain small at low frequencies: $\hat\kappa_3$ is only
# {glue:text}`sb-l3-l4` times $\hat\kappa_4$ (the open squares in the top panel);
# at high frequencies the bias's contribution, which does not distinguish odd
# from even, takes over and the two sets of eigenvalues merge. Among the even
# frequencies, the eigenvalue at 4 is {glue:text}`sb-eig-ratio` times the one at
# 14. The network fits the frequency 4 first: at step
# {glue:text}`sb-early-step` it has 90% of the frequency-4 amplitude but only
# {glue:text}`sb-amp14-early` of the frequency-14 one and
# {glue:text}`sb-amp3-early` of the frequency-3 one, a *lower* frequency: "low
# frequencies first" holds for the even frequencies, while the odd ones are
# governed by the bias. The network needs {glue:text}`sb-time-ratio` times more
# steps to fit a quarter of the frequency 14 than a quarter of the frequency 4.
# This is the picture of the slides, where a network fits the $k=4$ component
# after 50 epochs and the full function only after about 22 thousand.
#
# Quantitatively, the analytic kernel is *too optimistic* about the high
# frequency at this width: it predicts an amplitude larger by
# {glue:text}`sb-ana-gap` at the end of training. The small eigenvalues of the
# finite network's own kernel at initialization are smaller than those of the
# infinite-width limit, and with that empirical kernel the prediction is closer,
# off by {glue:text}`sb-emp-gap`; the rest comes from the kernel moving during
# training. High-frequency modes are where the finite-width corrections live;
# the `full` profile's wider network is expected to narrow the gap.
#
# ## Experiment 5: spectra on the sphere $\mathbb S^{d-1}$
#
# The circle is the sphere of $\mathbb R^2$. Inputs of real data live in many
# dimensions, and the question becomes: how fast do the NTK's eigenvalues decay
# on the sphere $\mathbb S^{d-1} \subset \mathbb R^d$, and how many functions
# share each eigenvalue? For inputs of norm $\sqrt d$ (as everywhere on this
# page) the first layer of `ARCH` sees $W_{\rm std}^2\,x^\top x'/d$, so the NTK is
# a function $\kappa(t)$ of $t = x^\top x'/d \in [-1, 1]$ alone, the *same*
# function for every $d$: only the geometry of the sphere changes with $d$.
#
# The role of the Fourier modes is played by the **spherical harmonics**: the
# restrictions to the sphere of the homogeneous polynomials of degree $k$ with
# zero Laplacian. They form a space $\mathcal H_k$, spaces of different degree
# are orthogonal in $L^2$ of the sphere, together they span it, and rotations
# map $\mathcal H_k$ to itself without a smaller invariant subspace
# {cite}`atkinson2012spherical`. Write $\sigma$ for the uniform *probability*
# measure on $\mathbb S^{d-1}$ (the distribution of our inputs, rescaled to unit
# norm) and $P_k$ for the polynomial of degree $k$ with $P_k(1) = 1$ defined by
#
# $$
# \begin{gathered}
# P_0 = 1,\qquad P_1(t) = t,\\
# (k + d - 2)\,P_{k+1}(t) = (2k + d - 2)\,t\,P_k(t) - k\,P_{k-1}(t),
# \end{gathered}
# $$ (eq-sb-gegenbauer)
#
# (Chebyshev's $\cos k\theta$ for $d = 2$, Legendre's polynomials for $d = 3$, a
# Gegenbauer polynomial in general); $y \mapsto P_k(x_0^\top y)$ is the harmonic of
# degree $k$ that is invariant under the rotations fixing $x_0$.
#
# ```{prf:theorem} Dot-product kernels on the sphere (Funk–Hecke)
# :label: thm-sb-funk-hecke
# Let $\kappa$ be bounded on $[-1, 1]$ and $(Tf)(x) = \int \kappa(x^\top y) f(y)\,
# d\sigma(y)$ on $\mathbb S^{d-1}$, $d \ge 2$. Every $Y \in \mathcal H_k$ is an
# eigenfunction, $TY = \mu_k Y$, with
#
# $$
# \begin{aligned}
# \mu_k &= c_d \int_{-1}^{1} \kappa(t)\, P_k(t)\,(1 - t^2)^{\frac{d-3}{2}}\, dt,\\
# c_d &= \frac{|\mathbb S^{d-2}|}{|\mathbb S^{d-1}|}
# = \frac{\Gamma(d/2)}{\sqrt\pi\,\Gamma\bigl(\tfrac{d-1}{2}\bigr)},\\
# N(d, k) &= \dim \mathcal H_k = \binom{k+d-1}{d-1} - \binom{k+d-3}{d-1}\\
# &= \frac{2k + d - 2}{k}\binom{k + d - 3}{d - 2}\ \ (k \ge 1),\qquad N(d, 0) = 1 .
# \end{aligned}
# $$ (eq-sb-funk-hecke)
#
# For the surface measure instead of $\sigma$, multiply $\mu_k$ by
# $|\mathbb S^{d-1}|$: the prefactor becomes $|\mathbb S^{d-2}|$.
# ```
#
# ```{prf:proof}
# *Slicing.* Fix $x$ and write $y = t x + \sqrt{1 - t^2}\, z$ with $z$ a unit
# vector orthogonal to $x$. The points at height $t$ form a sphere
# $\mathbb S^{d-2}$ of radius $r = \sqrt{1 - t^2}$, of area $\propto r^{d-2}$, and a
# step $dt$ in height is a step $dt/r$ along the sphere; so the surface element
# is $(1 - t^2)^{(d-3)/2}\,dt\,dS^{d-2}(z)$, and for any $g$,
# $\int g(x^\top y)\,d\sigma(y) = c_d \int_{-1}^1 g(t) (1-t^2)^{(d-3)/2} dt$. With
# $g = 1$, $c_d^{-1} = \int_{-1}^1 (1-t^2)^{(d-3)/2}dt = B(\tfrac12, \tfrac{d-1}2)$,
# which gives the Gamma form; the same computation for the surface measure
# gives $|\mathbb S^{d-1}| = |\mathbb S^{d-2}|\,B(\tfrac12, \tfrac{d-1}2)$.
#
# *One number per degree.* $\kappa(x^\top y)$ is unchanged when a rotation $R$
# acts on both points, so $T(f\circ R) = (Tf)\circ R$: $T$ commutes with the
# rotations, hence with their generators $L_{ij} = x_i\partial_j - x_j\partial_i$
# and with the Laplace–Beltrami operator $\sum_{i<j} L_{ij}^2$, whose
# eigenspaces are the $\mathcal H_k$ (eigenvalue $-k(k+d-2)$, distinct for
# distinct $k$). So $T$ maps each $\mathcal H_k$ into itself. There it is
# self-adjoint ($\kappa(x^\top y)$ is symmetric in $x$ and $y$), so $\mathcal H_k$ splits into eigenspaces of $T$, each
# invariant under rotations; having no smaller invariant subspace,
# $\mathcal H_k$ is a single one: $T = \mu_k$ on $\mathcal H_k$. To find $\mu_k$, apply $T$ to the
# zonal harmonic $Z(y) = P_k(x_0^\top y) \in \mathcal H_k$ and evaluate at $x_0$:
# $\mu_k = \mu_k P_k(1) = (TZ)(x_0) = \int \kappa(x_0^\top y) P_k(x_0^\top y)\,d\sigma(y)$,
# which slicing turns into {eq}`eq-sb-funk-hecke`.
#
# *Multiplicity.* Homogeneous polynomials of degree $k$ in $d$ variables form a
# space of dimension $\binom{k+d-1}{d-1}$; the Laplacian maps it onto the
# polynomials of degree $k - 2$, and its kernel is $\mathcal H_k$, so
# $N(d,k) = \binom{k+d-1}{d-1} - \binom{k+d-3}{d-1}$; expanding both binomials
# gives the second form. For $d = 2$ it is 2 ($\cos k\theta$ and
# $\sin k\theta$), for $d = 3$ it is $2k + 1$.
# ```
#
# On the circle, $c_2 = 1/\pi$ and $P_k(\cos\theta) = \cos k\theta$, so $\mu_k$
# is the eigenvalue of Theorem {prf:ref}`thm-sb-circle` divided by the
# number of points, up to the aliasing discussed below. Proposition {prf:ref}`prop-sb-odd` carries over to every
# sphere: $\Theta = a\,t + e(t)$ with $e$ even, $P_k$ has the parity of $k$, and
# $t = P_1$ is orthogonal to every $P_k$ with $k \ne 1$; so without bias $\mu_k = 0$
# for every odd $k \ge 3$ and every $d$. `kernels.funk_hecke_eigenvalues`
# evaluates {eq}`eq-sb-funk-hecke` by Gauss–Legendre quadrature in the angle
# $\theta = \arccos t$, where the weight becomes $\sin^{d-2}\theta\,d\theta$: the
# ReLU kernels have a square-root singularity at $t = \pm 1$ (their value moves
# like $\theta \approx \sqrt{2(1-t)}$), which is a smooth end point in $\theta$,
# whereas a Gauss–Jacobi rule in $t$ converges only slowly past it.
#
# Before trusting the constants we check them twice: at $d = 2$ against the
# circle spectrum computed above, and at $d = 3$ against the eigenvalues of the
# kernel matrix of {glue:text}`sb-gram-n` uniform points divided by their
# number, which estimate the eigenvalues of $T$ and should come in groups of
# $N(3, k) = 2k + 1$.

# %%
def ntk_profile(b_std, length=2 * P["sphere_nodes"]):
    """kappa(t): the one-hidden-layer NTK of the page at inputs with x.x'/|x|^2 = t
    (t padded to one length, so that the kernel compiles once)."""
    def kappa(t):
        t_pad = np.pad(t, (0, length - len(t)))
        x0 = jnp.asarray([[2 ** 0.5, 0.0]])
        xt = jnp.asarray(2 ** 0.5 * np.stack([t_pad, np.sqrt(1 - t_pad ** 2)], 1))
        return np.asarray(kernels.fc_kernels(x0, xt, depth=1, W_std=ARCH["W_std"], b_std=b_std,
                                             get="ntk")[0, :len(t)], np.float64)
    return kappa


dims, kmax, nodes = (3, 5, 10), P["sphere_kmax"], P["sphere_nodes"]
with config.double_precision():
    profile = {"no bias": ntk_profile(0.0), "bias": ntk_profile(ARCH["b_std"])}
    mu = {(name, d): kernels.funk_hecke_eigenvalues(f, d, kmax, nodes=nodes)
          for name, f in profile.items() for d in (2,) + dims}
    mu_circle = kernels.funk_hecke_eigenvalues(profile["no bias"], 2, m + 6, nodes=nodes)
    mu_fine = {d: kernels.funk_hecke_eigenvalues(profile["no bias"], d, kmax, nodes=2 * nodes)
               for d in dims}
    x_s2 = jnp.asarray(data.sphere(P["sphere_gram_n"], 3, seed=config.SEED), jnp.float64)
    gram = np.asarray(kernels.fc_kernels(x_s2, depth=1, W_std=ARCH["W_std"], b_std=0.0,
                                         get="ntk"), np.float64) / P["sphere_gram_n"]
laplace = {d: kernels.funk_hecke_eigenvalues(lambda t: np.exp(-np.sqrt(2 - 2 * t)), d, kmax,
                                             nodes=nodes) for d in dims}

# check 1: the circle, where mu_k is the FFT eigenvalue over the number of points
low = np.array([0, 1, 2, 4, 6])
claims.less("d = 2: max relative gap, Funk-Hecke mu_k vs circle FFT / m, k = 0, 1, 2, 4, 6",
            np.max(np.abs(mu["no bias", 2][low] / (spec_nobias[low] / m) - 1)), 0.01,
            glue="sb-fh-circle", fmt=".1e")
# the grid of m points sees mu_|k + j m| for every integer j: with mu_k ~ k^-2 the first
# pair, j = -1 and 1, carries sum 2/j^2 over sum_{j != 0} 1/j^2 = 6 / pi^2 of the aliasing
even_low = np.array([0, 2, 4, 6])
share = (mu_circle[m - even_low] + mu_circle[m + even_low]) / (spec_nobias[even_low] / m
                                                                - mu_circle[even_low])
claims.less("d = 2: max |share of the gap carried by the aliases m - k, m + k - 6 / pi^2|, "
            "k = 0, 2, 4, 6", np.max(np.abs(share - 6 / np.pi ** 2)), 0.02)
claims.glue("sb-fh-share", float(share.mean()), fmt=".3f")
claims.glue("sb-fh-m", m)
# check 2: S^2, groups of 2k + 1 eigenvalues of K / n (odd k >= 3 are zero and sort last)
gram_eigs = np.linalg.eigvalsh(gram)[::-1]
degrees = (0, 1, 2, 4, 6)
sizes = [kernels.harmonic_multiplicity(3, k) for k in degrees]
groups = np.split(gram_eigs[:sum(sizes) + 1], np.cumsum(sizes))
claims.less("d = 3: max relative gap, mean of each group of K/n eigenvalues vs mu_k, k = 0,1,2,4",
            max(abs(groups[i].mean() / mu["no bias", 3][k] - 1) for i, k in enumerate(degrees[:4])),
            0.05, glue="sb-fh-gram", fmt=".1%")
claims.holds("d = 3: the top K/n eigenvalues split into separated groups of sizes 1, 3, 5, 9, 13",
             bool(all(groups[i].min() > groups[i + 1].max() for i in range(len(degrees)))),
             f"group ranges {[(float(g.min()), float(g.max())) for g in groups]}")
claims.glue("sb-gram-n", P["sphere_gram_n"])
# quadrature converged; parity on every sphere
even_k, odd_k = np.arange(2, kmax + 1, 2), np.arange(3, kmax + 1, 2)
claims.less("no bias: max relative change of the even mu_k when the nodes double, d = 3, 5, 10",
            max(np.max(np.abs(mu["no bias", d][even_k] / mu_fine[d][even_k] - 1)) for d in dims),
            1e-3, glue="sb-fh-conv", fmt=".0e")
claims.less("no bias: largest |mu_k| over odd k >= 3 and d = 3, 5, 10, relative to mu_0",
            max(np.abs(mu["no bias", d][odd_k]).max() / mu["no bias", d][0] for d in dims), 1e-12,
            glue="sb-fh-odd", fmt=".0e")
odd_bias = [np.abs(mu["bias", d][odd_k]).max() / mu["bias", d][0] for d in dims]
claims.greater("bias: smallest over d of the largest odd |mu_k| / mu_0, k >= 3", min(odd_bias),
               1e-6, glue="sb-fh-odd-bias-min", fmt=".0e")
claims.glue("sb-fh-odd-bias-max", max(odd_bias), fmt=".0e")
claims.holds("bias: every mu_k, k = 0..kmax, is positive for d = 3, 5, 10",
             bool(all(np.all(mu["bias", d] > 0) for d in dims)))
claims.glue("sb-fh-nodes", nodes)
plotting.html_table(["", "k = 0", "1", "2", "3", "4", "10", "50", "200"],
                    [(f"d = {d}{', bias' if name == 'bias' else ''}",
                      *["0" if name == "no bias" and k % 2 and k >= 3 else f"{mu[name, d][k]:.3g}"
                        for k in (0, 1, 2, 3, 4, 10, 50, 200)])
                     for d in (2,) + dims for name in ("no bias", "bias")], align_right_from=1)

# %% [markdown]
# The constants pass both checks: at $d = 2$ the eigenvalues from
# {eq}`eq-sb-funk-hecke` agree with the circle spectrum to
# {glue:text}`sb-fh-circle`, and the gap is aliasing: a sum over the
# $m$ = {glue:text}`sb-fh-m` points cannot tell $\cos k\theta$ from
# $\cos(jm \pm k)\theta$, so the FFT adds $\mu_{|k + jm|}$ for every integer $j$. With
# $\mu_k \propto k^{-2}$ the first pair, $\mu_{m-k} + \mu_{m+k}$, should carry
# $2/\sum_{j \ne 0} j^{-2} = 6/\pi^2 \approx 0.608$ of it, and it carries
# {glue:text}`sb-fh-share` (mean over $k = 0, 2, 4, 6$, each within 0.02 of
# $6/\pi^2$).
# and at $d = 3$ the top eigenvalues of $K/n$ fall into separated groups of
# $1, 3, 5, 9$ and $13$ (degrees 0, 1, 2, 4 and 6: the odd degrees from 3 on are
# missing), whose means are within {glue:text}`sb-fh-gram` of $\mu_0, \mu_1,
# \mu_2, \mu_4$. Doubling the {glue:text}`sb-fh-nodes` quadrature nodes changes no
# even eigenvalue by more than {glue:text}`sb-fh-conv` of itself, up to $k$ =
# {glue:text}`sb-fit-hi`; this is float64 round-off, not quadrature error (at
# $d = 10$, $\mu_{200}$ is $10^{-18}$ of $\mu_0$, and the sum that gives it
# cancels terms many orders of magnitude larger). Without bias,
# the odd eigenvalues from $k = 3$ on vanish on every sphere (below
# {glue:text}`sb-fh-odd` of $\mu_0$); with the bias every $\mu_k$ up to
# $k$ = {glue:text}`sb-fit-hi` is positive, and the largest odd one is between
# {glue:text}`sb-fh-odd-bias-min` and {glue:text}`sb-fh-odd-bias-max` of $\mu_0$,
# depending on $d$. The table lists a few values (for $d = 2$ these are the
# circle's eigenvalues per point).
#
# **The decay law.** For the one-hidden-layer ReLU NTK without bias on
# $\mathbb S^{d-1} \subset \mathbb R^d$, Bietti and Mairal prove that the even
# eigenvalues decay like $\mu_k \sim C(d)\,k^{-d}$, with $d$ the dimension of the
# *ambient* space (one more than that of the sphere), while the odd ones from
# $k = 3$ vanish {cite}`bietti2019inductive`. With a bias all eigenvalues are
# positive and decay at the same rate, and the Laplace kernel
# $e^{-\|x - x'\|}$ has the same decay, so that on the sphere the two kernels
# have the same RKHS {cite}`basri2020frequency,geifman2020similarity`. We fit
# $\log\mu_k$ against $\log k$ over the even $k$ from {glue:text}`sb-fit-lo` to
# {glue:text}`sb-fit-hi`, and follow the local exponent
# $d\log\mu_k/d\log k$ between consecutive even $k$.

# %%
k_lo = 50
fit_k = np.arange(k_lo, kmax + 1, 2)


def exponent(values, ks):
    return float(np.polyfit(np.log(ks), np.log(values), 1)[0])


slope = {d: exponent(mu["no bias", d][fit_k], fit_k) for d in dims}
local = {d: np.diff(np.log(mu["no bias", d][even_k])) / np.diff(np.log(even_k)) for d in dims}
claims.glue("sb-fit-lo", k_lo)
claims.glue("sb-fit-hi", kmax)
for d in (3, 5):
    claims.close(f"no bias, d = {d}: fitted exponent of the even mu_k", slope[d], -d, atol=0.1,
                 glue=f"sb-fh-slope{d}", fmt=".2f")
claims.between("no bias, d = 10: fitted exponent of the even mu_k (within 0.5 of -10, above it)",
               slope[10], -10.0, -9.5, glue="sb-fh-slope10", fmt=".2f")
claims.greater("no bias, d = 10: distance of the fitted exponent from -10", slope[10] + 10, 0.2)
claims.holds("every d: the local exponent at k = kmax is closer to -d than at k = kmax / 4",
             bool(all(abs(local[d][-1] + d) < abs(local[d][len(local[d]) // 4] + d)
                      for d in dims)),
             f"{[(round(float(local[d][len(local[d]) // 4]), 2), round(float(local[d][-1]), 2)) for d in dims]}")
claims.glue("sb-fh-local10-mid", float(local[10][len(local[10]) // 4]), fmt=".2f")
claims.glue("sb-fh-local10-end", float(local[10][-1]), fmt=".2f")
claims.glue("sb-fh-mid-k", int(even_k[len(local[10]) // 4 + 1]))
others = {d: (exponent(mu["bias", d][fit_k], fit_k),
              exponent(np.abs(mu["bias", d][fit_k[:-1] + 1]), fit_k[:-1] + 1),
              exponent(laplace[d][fit_k], fit_k)) for d in dims}
claims.less("bias (even, odd) and Laplace kernel: max |exponent - NTK-without-bias exponent|",
            max(abs(e - slope[d]) for d in dims for e in others[d]), 0.05,
            glue="sb-fh-same-decay", fmt=".2f")

fig, (ax_mu, ax_loc) = plotting.panels(2, aspect=0.85)
styles = {3: ("o", "-"), 5: ("s", "--"), 10: ("^", "-.")}
for c, d in enumerate(dims):
    marker, ls = styles[d]
    ax_mu.loglog(even_k, mu["no bias", d][even_k], ls=ls, marker=marker, ms=3, markevery=8,
                 color=plotting.PALETTE[c], label=f"$d = {d}$")
    ref_k = even_k[even_k >= 20]
    ax_mu.loglog(ref_k, mu["no bias", d][kmax] * (ref_k / kmax) ** (-float(d)), ":",
                 color=plotting.PALETTE[c], lw=1.5)
    ax_loc.semilogx(even_k[1:], local[d], ls=ls, color=plotting.PALETTE[c])
    ax_loc.axhline(-d, color=plotting.PALETTE[c], ls=":", lw=1.2)
ax_mu.plot([], [], ":", color="k", label="$\\propto k^{-d}$")
ax_mu.set(xlabel="degree $k$ (even)", ylabel="eigenvalue $\\mu_k$")
ax_loc.set(xlabel="degree $k$ (even)", ylabel="local exponent $d\\log\\mu_k / d\\log k$")
plotting.legend_below(fig)
plotting.glue_figure("fig-l04-sphere", fig)

# %% [markdown]
# ```{glue:figure} fig-l04-sphere
# :name: fig-l04-sphere
# :alt: Left, log-log plot of the even eigenvalues of the ReLU NTK against the degree for spheres in dimensions 3, 5 and 10, each falling on a straight line close to a dotted reference of slope minus d; right, the local slope against the degree, approaching minus 3, minus 5 and minus 10 from above, slowest for d = 10.
#
# The one-hidden-layer ReLU NTK without bias on $\mathbb S^{d-1}$, from
# {eq}`eq-sb-funk-hecke`. Left: even eigenvalues $\mu_k$ (the odd ones from 3 on
# are zero) for $d = 3, 5, 10$, with reference lines $\propto k^{-d}$ (dotted,
# from $k = 20$) through the last point. Right: the local exponent between consecutive even
# degrees, and its limit $-d$ (dotted).
# ```
#
# The fitted exponents are {glue:text}`sb-fh-slope3` for $d = 3$ and
# {glue:text}`sb-fh-slope5` for $d = 5$, within 0.1 of $-d$ as the law says.
# For $d = 10$ the fit gives {glue:text}`sb-fh-slope10`, within 0.5 of $-10$ but
# more than 0.2 away from it: the law is asymptotic, and the right panel shows how slowly it
# sets in when $d$ is large. The local exponent at $d = 10$ is
# {glue:text}`sb-fh-local10-mid` near $k$ = {glue:text}`sb-fh-mid-k` and
# {glue:text}`sb-fh-local10-end` at $k$ = {glue:text}`sb-fit-hi`, still moving
# towards $-10$; for every $d$ it is closer to $-d$ at the end than a quarter of
# the way. With the bias (even and odd degrees separately) and for the Laplace
# kernel, the fitted exponents differ from those of the bias-free NTK by at most
# {glue:text}`sb-fh-same-decay`, as {cite}`geifman2020similarity` predict.
#
# **From the spectrum to the number of samples.** The decay says how expensive a
# harmonic of degree $k$ is: its RKHS norm per unit $L^2$ norm is
# $\mu_k^{-1/2} \propto k^{d/2}$, and gradient descent needs time $\propto 1/\mu_k$
# to fit it. The multiplicity says how many such functions the kernel must tell
# apart: $N(d,k)$ grows like $2k^{d-2}/(d-2)!$ in $k$ at fixed $d$, and like
# $d^k/k!$ in $d$ at fixed $k$. Kernel regression with $n$ samples learns, to a
# first approximation, the eigenfunctions with the $n$ largest eigenvalues and
# little of the rest: its learning curve is a sum over modes in which each
# degree is learned once $n$ exceeds the number of modes above it
# {cite}`bordelon2020spectrum`. On the sphere, the modes down to degree $k$ are
# the harmonics of degree at most $k$, $\sum_{j \le k} N(d, j) \approx d^k/k!$ of
# them for large $d$, so learning degree $k$ needs $n$ of order $d^k$. In high
# dimension this is a
# theorem: for $d^{\ell + \delta} \le n \le d^{\ell + 1 - \delta}$, kernel methods
# with rotation-invariant kernels, the NTK included, fit at most a polynomial of
# degree $\ell$, whatever the target {cite}`ghorbani2021linearized`. The spectral
# bias in time of Experiment 4 is, at the end of training, a spectral bias in
# the number of samples.
#
# We measure it at $d = 5$: kernel regression (ridge $10^{-8}$) with the NTK
# without bias, learning the single harmonic $y = P_k(x^\top u/\sqrt d)$ for a
# fixed unit vector $u$, for degrees $k = 1, 2, 3, 4$
# and growing $n$; the error is the test mean squared error over the variance
# of the target on {glue:text}`sb-gen-test` fresh points, averaged over
# {glue:text}`sb-gen-seeds` draws of the training set.

# %%
d_gen, ns_gen = 5, P["sphere_ns"]
with config.double_precision():
    x_pool = jnp.asarray(data.sphere(max(ns_gen), d_gen, seed=config.SEED), jnp.float64)
    x_test_s = jnp.asarray(data.sphere(P["sphere_test"], d_gen, seed=config.SEED + 1), jnp.float64)
    k_pool = np.asarray(kernels.fc_kernels(x_pool, depth=1, W_std=ARCH["W_std"], b_std=0.0,
                                           get="ntk"), np.float64)
    k_test_pool = np.asarray(kernels.fc_kernels(x_test_s, x_pool, depth=1, W_std=ARCH["W_std"],
                                                b_std=0.0, get="ntk"), np.float64)
u_dir = np.eye(d_gen)[0]
harmonic = {side: kernels.sphere_legendre(4, d_gen, np.asarray(xs) @ u_dir / np.sqrt(d_gen))
            for side, xs in (("pool", x_pool), ("test", x_test_s))}
degs = (1, 2, 3, 4)
y_pool, y_test_s = harmonic["pool"][list(degs)].T, harmonic["test"][list(degs)].T
errs = np.zeros((P["sphere_seeds"], len(ns_gen), len(degs)))
for draw in range(P["sphere_seeds"]):
    order = np.random.default_rng(draw).permutation(max(ns_gen))
    for j, n_tr in enumerate(ns_gen):
        idx = order[:n_tr]
        coef_s = np.linalg.solve(k_pool[np.ix_(idx, idx)] + 1e-8 * np.eye(n_tr), y_pool[idx])
        errs[draw, j] = np.mean((k_test_pool[:, idx] @ coef_s - y_test_s) ** 2, 0) / np.mean(
            y_test_s ** 2, 0)
gen_err = dict(zip(degs, errs.mean(0).T))
modes_below = {deg: sum(kernels.harmonic_multiplicity(d_gen, j) for j in range(deg + 1)
                        if abs(mu["no bias", d_gen][j]) > 1e-12) for deg in (1, 2, 4)}
n_needed = {deg: next((n_tr for n_tr, e in zip(ns_gen, gen_err[deg]) if e <= 0.1), np.inf)
            for deg in (1, 2, 4)}

fig, ax = plt.subplots(figsize=(6.4, 3.6))
for c, deg in enumerate(degs):
    ax.loglog(ns_gen, gen_err[deg], ls=["-", "--", ":", "-."][c], marker="osx^"[c], ms=4,
              color=plotting.PALETTE[c], label=f"degree {deg}")
ax.axhline(0.1, color="grey", lw=0.6)
ax.set(xlabel="training points $n$", ylabel="test error / variance")
ax.legend(loc="lower left", fontsize=8)
plotting.glue_figure("fig-l04-sphere-samples", fig)

claims.glue("sb-gen-test", P["sphere_test"])
claims.glue("sb-gen-seeds", P["sphere_seeds"])
claims.holds("d = 5: samples to reach error 0.1 increase with the degree 1 < 2 < 4",
             bool(n_needed[1] < n_needed[2] < n_needed[4] < np.inf), f"{n_needed}")
for deg in (1, 2, 4):
    claims.glue(f"sb-gen-n{deg}", n_needed[deg])
    claims.glue(f"sb-gen-modes{deg}", modes_below[deg])
ratio_modes = [n_needed[g] / modes_below[g] for g in n_needed]
claims.greater("d = 5: smallest (samples to reach error 0.1) / (harmonics of degree <= k)",
               min(ratio_modes), 1.0)
claims.less("d = 5: largest (samples to reach error 0.1) / (harmonics of degree <= k)",
            max(ratio_modes), 8.0)
claims.greater("d = 5: degree 3 (mu_3 = 0): smallest error / variance over all n",
               gen_err[3].min(), 0.9)
claims.greater("d = 5: degree 3 (mu_3 = 0): error / variance at the largest n", gen_err[3][-1], 1.0,
               glue="sb-gen-err3", fmt=".2f")

# %% [markdown]
# ```{glue:figure} fig-l04-sphere-samples
# :name: fig-l04-sphere-samples
# :alt: Log-log plot of the relative test error of kernel regression against the number of training points on the 4-sphere for targets that are harmonics of degree 1, 2, 3 and 4; degree 1 drops first, then degree 2, degree 4 much later, and degree 3 stays near one.
#
# Kernel regression with the NTK without bias on $\mathbb S^4 \subset \mathbb R^5$:
# relative test error for a target that is a single harmonic of degree 1 to 4,
# against the number of training points (mean over draws of the training set);
# grey line: error 0.1.
# ```
#
# The error falls below 0.1 at $n$ = {glue:text}`sb-gen-n1`,
# {glue:text}`sb-gen-n2` and {glue:text}`sb-gen-n4` points for the degrees 1, 2
# and 4, between one and eight times the number of harmonics of degree up to
# $k$ with a nonzero eigenvalue ({glue:text}`sb-gen-modes1`,
# {glue:text}`sb-gen-modes2` and {glue:text}`sb-gen-modes4`): the degree is
# learned once the sample has room for all the modes above it. The degree-3
# target is never learned: its eigenvalue is zero, the kernel predictor lives in
# the span of the other harmonics, and its error stays above 0.9 of the
# variance for every $n$; at the largest $n$ it is {glue:text}`sb-gen-err3`,
# above 1: the interpolant adds spurious components of other degrees. The parity blind spot of the circle is
# a blind spot in every dimension.
#
# %% [markdown]
# ## What it means
#
# * In the lazy regime, the speed at which a network learns a function is read
#   off the NTK spectrum: the label vector's components on eigenvectors with
#   large eigenvalues are fitted first.
# * "Simple" means "aligned with the top of the NTK spectrum". For real labels on
#   real images, the top eigenvectors carry most of the label energy; random
#   labels do not align with anything and are fitted only when the small
#   eigenvalues have had time to act. On the circle, the top of the spectrum is
#   low even frequencies (the odd ones from 3 on nearly vanish for ReLU) {cite}`basri2020frequency,bietti2019inductive`.
# * On the sphere $\mathbb S^{d-1}$ the eigenvalue of the harmonics of degree
#   $k$ falls like $k^{-d}$ (reached only slowly when $d$ is large), and
#   $N(d, k)$ harmonics share it; kernel regression then needs a number of
#   samples that grows with the number of harmonics up to the degree of the
#   target, of order $d^k$ in high dimension.
# * The same decomposition sets the largest stable step, $2/\lambda_1$, and makes
#   the condition number $\lambda_1/\lambda_n$ the number of steps needed for the
#   last mode.
#
# %% [markdown]
# ## Exercises
#
# ```{exercise} Gradient flow versus gradient descent
# :label: ex-sb-flow
# For $\eta\lambda_i$ small, compare $(1-\eta\lambda_i)^t$ with
# $e^{-\eta\lambda_i t}$. Show that $(1 - a)^t \le e^{-at}$ for $0 \le a \le 1$, so
# GD is never faster than the flow run for time $\eta t$ on any mode with
# $\eta\lambda_i \le 1$. What happens for $1 < \eta\lambda_i < 2$?
# ```
#
# ```{solution} ex-sb-flow
# :class: dropdown
# $\log(1 - a) \le -a$ for $a \in [0, 1)$ (concavity of the logarithm), so
# $(1-a)^t = e^{t\log(1-a)} \le e^{-at}$. For $1 < \eta\lambda_i < 2$ the factor
# $1 - \eta\lambda_i$ is negative: the mode overshoots and alternates in sign, with
# modulus $|1 - \eta\lambda_i|$, which can be larger than $e^{-\eta\lambda_i}$
# (for $\eta\lambda_i = 1.9$: $0.9$ against $0.15$). Large modes converge *slower*
# than the flow near the edge of stability.
# ```
#
# ```{exercise} The best constant step
# :label: ex-sb-best-step
# With a constant step, the slowest mode has factor
# $\max_i |1 - \eta\lambda_i| = \max(|1 - \eta\lambda_1|, |1 - \eta\lambda_n|)$.
# Find the $\eta$ minimizing it and the resulting rate, in terms of
# $\kappa = \lambda_1/\lambda_n$. Compute it for the digits kernel of Experiment 1.
# ```
#
# ```{solution-start} ex-sb-best-step
# :class: dropdown
# ```
#
# The maximum is smallest when $1 - \eta\lambda_n = \eta\lambda_1 - 1$, i.e.
# $\eta^* = 2/(\lambda_1 + \lambda_n)$, with factor
# $(\lambda_1 - \lambda_n)/(\lambda_1 + \lambda_n) = (\kappa - 1)/(\kappa + 1)$.

# %%
l1, ln = float(lam[0]), float(lam[-1])
rate = (l1 - ln) / (l1 + ln)
print(f"kappa = {l1 / ln:.3g}, best step {2 / (l1 + ln):.3g}, rate {rate:.6f}")
steps_best = kernels.gd_dynamics(k_train, y_true[:, 0], jnp.array([0, 50]),
                                 learning_rate=2 / (l1 + ln), discrete=True)
claims.less("the best step converges", float(jnp.linalg.norm(steps_best[-1] - y_true[:, 0])),
            float(jnp.linalg.norm(y_true)))

# %% [markdown]
# ```{solution-end}
# ```
#
# ```{exercise} Where do random labels put their energy?
# :label: ex-sb-random-energy
# Show that if $Y$ is uniformly distributed on the sphere of radius $\|Y\|$ in
# $\R^n$, then $\E[(v_i^\top Y)^2] = \|Y\|^2 / n$ for every $i$. Compare with the
# random-label curve of Experiment 3 (what fraction would the top 10 eigenvectors
# carry?).
# ```
#
# ```{solution} ex-sb-random-energy
# :class: dropdown
# The distribution is invariant under rotations, so all the $(v_i^\top Y)^2$ have
# the same mean, and they sum to $\|Y\|^2$; each mean is $\|Y\|^2/n$. The top ten
# then carry $10/n$ on average, $5\%$ for $n = 200$; random signs are not
# exactly uniform on the sphere, but close to it in this sense, which is what the
# measured curve shows.
# ```
#
# ```{exercise} Deeper networks on the circle
# :label: ex-sb-depth
# Compute the analytic NTK spectrum on the circle for depths 1, 2 and 4 (with
# `kernels.fc_kernels`). How does the ratio $\hat\kappa_4/\hat\kappa_{14}$ change
# with depth, and what does it predict for the training speed of the high
# frequency?
# ```
#
# ```{solution-start} ex-sb-depth
# :class: dropdown
# ```

# %%
ratios = []
for depth in (1, 2, 4):
    _, k_d = kernels.fc_kernels(x_c, depth=depth, **ARCH)
    spec_d = np.real(np.fft.fft(np.asarray(k_d[0])))
    print(f"depth {depth}: lambda_4 / lambda_14 = {spec_d[4] / spec_d[14]:.1f}, "
          f"lambda_14 / lambda_max = {spec_d[14] / spec_d.max():.2e}")
    ratios.append(float(spec_d[4] / spec_d[14]))
claims.holds("the ratio lambda_4 / lambda_14 decreases with depth",
             bool(np.all(np.diff(ratios) < 0)), f"ratios {np.round(ratios, 1).tolist()}")
for depth, ratio in zip((1, 2, 4), ratios):
    claims.greater(f"depth {depth}: lambda_4 / lambda_14", ratio, 1.0, glue=f"sb-ratio-d{depth}",
                   fmt=".0f")

# %% [markdown]
# The relative size of the frequency-14 eigenvalue grows with depth (the ratio
# shrinks: {glue:text}`sb-ratio-d1`, {glue:text}`sb-ratio-d2` and
# {glue:text}`sb-ratio-d4` for depths 1, 2 and 4), so with
# $\eta = 1/\lambda_1$ deeper fully-connected networks fit the high frequency in
# fewer steps: their spectral bias is weaker on this task.
#
# ```{solution-end}
# ```
#
# ```{exercise} A kernel with two eigenvalues
# :label: ex-sb-sphere-quadratic
# Take $\kappa(t) = t^2$ on $\mathbb S^{d-1}$. Using
# {eq}`eq-sb-gegenbauer`, write $t^2$ as a combination of $P_0$ and $P_2$, and
# compute $\mu_0$ and $\mu_2$ from {eq}`eq-sb-funk-hecke` with the moments of
# $t = y_1$ for $y$ uniform on the sphere ($\mathbb E\,t^2 = 1/d$,
# $\mathbb E\,t^4 = 3/(d(d+2))$). Check that $\sum_k N(d, k)\,\mu_k = \kappa(1)$.
# ```
#
# ```{solution} ex-sb-sphere-quadratic
# :class: dropdown
# The recurrence gives $(d-1)P_2 = d\,t^2 - 1$, so
# $t^2 = \tfrac1d + \tfrac{d-1}{d}P_2(t)$. By slicing, $\mu_k = \mathbb E[\kappa(t)P_k(t)]$.
# Then $\mu_0 = \mathbb E\,t^2 = 1/d$, and $\mu_2 = \tfrac{d-1}{d}\mathbb E[P_2^2]$
# (the $P_0$ part has mean zero against $P_2$, since
# $\mathbb E\,P_2 = (d\cdot\tfrac1d - 1)/(d-1) = 0$), with $\mathbb E[P_2^2] = (d^2\,\mathbb E t^4 - 2d\,\mathbb E t^2 + 1)/(d-1)^2
# = 2/((d+2)(d-1)) = 1/N(d,2)$, so $\mu_2 = 2/(d(d+2))$; $\mu_1 = 0$ by parity, and
# $\mu_k = 0$ for $k \ge 3$ because $t^2$ is orthogonal to every $P_k$ of higher
# degree. The sum is $\tfrac1d + \tfrac{(d+2)(d-1)}{2}\cdot\tfrac{2}{d(d+2)} = 1 = \kappa(1)$.
# `tests/test_kernels.py` checks these values against `kernels.funk_hecke_eigenvalues`.
# ```
