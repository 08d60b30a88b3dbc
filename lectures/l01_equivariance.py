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
# (lecture-equivariance)=
# # Equivariance and sample complexity
#
# Convolutional networks beat fully-connected ones on images, audio and other
# signals, and the usual explanation is "inductive bias": the architecture fits
# the structure of the data. This lecture makes that phrase precise for one
# mechanism. Gradient descent on a fully-connected (FC) network cannot tell a
# data set from a rotated copy of it, so it has to learn every direction of
# input space separately; a convolution shares its weights across positions and
# is not bound by that symmetry. We prove the symmetry, watch it hold to
# floating-point precision, and then measure what it costs in samples on three
# tasks: a task made of basis vectors, the task of Li, Zhang and Arora
# {cite}`li2021convolutional`, and the MNIST-1D benchmark
# {cite}`greydanus2024mnist1d`. The presentation follows section 1.2 of the
# lecture notes {cite}`cagnetta2023kernels` and the slides
# {cite}`kempe2022slides`.

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
import optax

from ntk_course import claims, config, data, kernels, nets, plotting, stats
from ntk_course import toy_models as tm

plotting.use_style()
print(config.device_report())

# %% [markdown]
# All sizes come from one place. The `quick` profile runs this page in about a
# minute on two CPU cores; `full` (the default on a GPU) uses larger dimensions,
# more samples and the training length of the MNIST-1D paper.

# %%
P = config.scale(
    quick=dict(eq_d=12, eq_n=20, eq_steps=40,
               bv_dims=(16, 32, 64), bv_ratios=(0.125, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0),
               bv_seeds=2, bv_width=256, bv_steps=300,
               lza_dims=(4, 8, 16), lza_ns=(16, 32, 64, 128, 256, 512, 1024),
               lza_mlp_ns=(32, 64, 128, 256, 512, 1024), lza_mlp_width=128, lza_mlp_steps=300,
               lza_seeds=2, lza_ntk_seeds=6, lza_test=1000, lza_target=0.25,
               lza_cnn_ns=(2, 4, 8, 16, 32, 64), lza_cnn_steps=400, lza_cnn_train_n=32,
               m1d_mlp_steps=1000, m1d_cnn_steps=250, m1d_cnn_channels=16,
               m1d_paper_check=False),
    full=dict(eq_d=24, eq_n=40, eq_steps=100,
              bv_dims=(32, 64, 128, 256), bv_ratios=(0.125, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0),
              bv_seeds=8, bv_width=1024, bv_steps=600,
              lza_dims=(4, 8, 16, 32), lza_ns=tuple(2 ** j for j in range(4, 14)),
              lza_mlp_ns=tuple(2 ** j for j in range(5, 14)), lza_mlp_width=512,
              lza_mlp_steps=2000, lza_seeds=3, lza_ntk_seeds=12, lza_test=4000, lza_target=0.25,
              lza_cnn_ns=(2, 4, 8, 16, 32, 64), lza_cnn_steps=1000, lza_cnn_train_n=32,
              m1d_mlp_steps=6000, m1d_cnn_steps=6000, m1d_cnn_channels=25,
              m1d_paper_check=True),
)
P

# %% [markdown]
# ## Learners as maps, and their symmetries
#
# A learning algorithm $\mathcal{A}$ takes training inputs $X \in \mathbb{R}^{n\times d}$
# (one example per row), labels $Y$ and a random initialization $\theta_0$, and
# returns a predictor $\mathcal{A}(X, Y, \theta_0): \mathbb{R}^d \to \mathbb{R}$.
# For an orthogonal matrix $U$ we write $XU^\top$ for the data set whose rows are
# $Ux_i$.
#
# ```{prf:definition} Orthogonal equivariance
# :label: def-equivariant-learner
# A randomized algorithm is *orthogonally equivariant* if for every orthogonal
# $U$, every data set and every test point $x$,
# $\mathcal{A}(XU^\top, Y, \theta_0)(Ux)$ and $\mathcal{A}(X, Y, \theta_0)(x)$ have
# the same distribution over $\theta_0$. It is *permutation equivariant* if this
# holds for the permutation matrices $U$.
# ```
#
# In words: rotating the whole problem, training set and test point together,
# does not change what the learner predicts. Such a learner cannot prefer one
# direction of input space to another.
#
# ### Gradient descent on linear regression
#
# Take the square loss $L(w; X, Y) = \tfrac12\lVert Xw - Y\rVert^2$ and the
# gradient step
#
# $$
# w_{t+1} = F(w_t; X, Y) := w_t - \eta\, X^\top (X w_t - Y).
# $$ (eq-gd-linear)
#
# ```{prf:theorem} Gradient descent is orthogonally equivariant
# :label: thm-gd-equivariant
# Let $w_t$ be the iterates of {eq}`eq-gd-linear` on $(X, Y)$ from $w_0$, and
# $w'_t$ those on $(XU^\top, Y)$ from $w'_0 = Uw_0$. Then $w'_t = Uw_t$ for
# every $t$, so the predictions $\langle w'_t, Ux\rangle = \langle w_t, x\rangle$
# agree at every step. If $w_0 \sim \mathcal{N}(0, \sigma^2 I_d)$ then
# $Uw_0$ has the same law, and gradient descent is an orthogonally equivariant
# learner.
# ```
#
# ```{prf:proof}
# By induction on $t$. The case $t = 0$ is the choice of $w'_0$. If
# $w'_t = Uw_t$, then, using $U^\top U = I$,
#
# $$
# \begin{aligned}
# w'_{t+1} &= Uw_t - \eta\, U X^\top (X U^\top U w_t - Y) \\
#          &= U\bigl(w_t - \eta\, X^\top (X w_t - Y)\bigr) = U w_{t+1}.
# \end{aligned}
# $$
#
# The inner products follow from $\langle Uw, Ux\rangle = \langle w, x\rangle$.
# Finally, the density of $\mathcal{N}(0, \sigma^2 I_d)$ depends on $w$ only
# through $\lVert w\rVert = \lVert Uw\rVert$, so $Uw_0$ and $w_0$ have the
# same law; the predictor built from $(XU^\top, Y, Uw_0)$ therefore has the law
# of the one built from $(XU^\top, Y, w_0)$.
# ```
#
# Two corrections to the lecture notes {cite}`cagnetta2023kernels`: they write
# the initial law as $\mathcal{N}(0, \sigma^2 K)$, while it must be the
# isotropic $\mathcal{N}(0, \sigma^2 I)$ for the argument to work; and
# $Uw_0 = w_0$ holds in distribution, not as an identity of vectors.
#
# ### Fully-connected networks
#
# The same proof covers any network whose input enters only through a dense
# first layer, $h = xW_1$ with $W_1 \in \mathbb{R}^{d\times m}$. Pair $X$ with
# $W_1$ and $XU^\top$ with $UW_1$: the first-layer outputs agree,
# $XU^\top U W_1 = XW_1$, so every later activation, the output and the loss
# agree. The gradient with respect to $W_1$ is $X^\top \delta$ for some
# back-propagated $\delta$ that is the same in both runs, so on the rotated run
# it is $UX^\top\delta$, the rotated gradient; the gradients of all other layers
# are equal. By induction the rotated run keeps $W_1' = UW_1$ and all other
# layers equal, at every step. The Gaussian initialization of $W_1$ (i.i.d.
# entries) is invariant under $W_1 \mapsto UW_1$, so the FC network trained by
# gradient descent is an orthogonally equivariant learner, and in particular a
# permutation equivariant one. The argument uses nothing about the loss or the
# later layers. It also covers optimizers whose update is a linear combination
# of past gradients (SGD with momentum, for instance). Adam rescales each
# coordinate separately and keeps only permutation equivariance (exercise
# {ref}`ex-eq-adam`).
#
# A convolution breaks the argument at the first step: its first layer applies
# one small filter to every window of the input, and there is no way to rotate
# a filter so that it computes the same thing on rotated inputs, except for the
# few rotations (cyclic shifts) that map windows to windows.
#
# ## Experiment: rotating the problem
#
# We train three models twice: on $(X, Y)$, and on $(XU^\top, Y)$ for a random
# orthogonal $U$ (and, separately, a random permutation). For the linear model and
# the MLP the second run starts from the rotated initialization; the CNN has
# no such thing and starts from the same parameters. We record the largest
# difference between the predictions $f_t(x)$ and $f'_t(Ux)$ on test points over
# the whole run.

# %%
rng = np.random.default_rng(config.SEED)
d_eq, n_eq = P["eq_d"], P["eq_n"]
X_eq = rng.normal(size=(n_eq, d_eq)).astype(np.float32)
Y_eq = np.sin(X_eq[:, :1] + X_eq[:, 1:2])
X_eq_test = rng.normal(size=(50, d_eq)).astype(np.float32)
U_rot = np.linalg.qr(rng.normal(size=(d_eq, d_eq)))[0].astype(np.float32)
U_perm = np.eye(d_eq, dtype=np.float32)[rng.permutation(d_eq)]


def rotate_first_layer(params, U):
    """The MLP's first Dense weights W1 (d, m) become U W1; the rest is unchanged."""
    (W1, b1), *rest = params
    return [(U @ W1, b1), *rest]


def prediction_gap(apply_fn, p0, p0_rot, U, steps, lr, to_input=lambda x: x):
    """Largest |f_t(x) - f'_t(Ux)| over all steps and test points, relative to max |f_t|."""
    run = nets.gd_trajectory(apply_fn, p0, to_input(X_eq), Y_eq, to_input(X_eq_test),
                             steps=steps, learning_rate=lr)
    run_rot = nets.gd_trajectory(apply_fn, p0_rot, to_input(X_eq @ U.T), Y_eq,
                                 to_input(X_eq_test @ U.T), steps=steps, learning_rate=lr)
    return float(np.abs(run - run_rot).max() / np.abs(run).max())


linear = nets.mlp(depth=0, width=1)
fc = nets.mlp(depth=2, width=128)
cnn = nets.conv1d(channels=16, filter_size=3, depth=2)
as_signal = lambda x: x[..., None]                        # (n, d) -> (n, d, 1) for the CNN
p_lin, p_fc = linear.init(config.SEED, (d_eq,)), fc.init(config.SEED, (d_eq,))
p_cnn = cnn.init(config.SEED, (d_eq, 1))

gaps = {}
for name, U in [("rotation", U_rot), ("permutation", U_perm)]:
    gaps["linear", name] = prediction_gap(linear.apply_fn, p_lin, rotate_first_layer(p_lin, U),
                                          U, P["eq_steps"], 0.02)
    gaps["MLP", name] = prediction_gap(fc.apply_fn, p_fc, rotate_first_layer(p_fc, U), U,
                                       P["eq_steps"], 0.02)
    gaps["CNN", name] = prediction_gap(cnn.apply_fn, p_cnn, p_cnn, U, P["eq_steps"], 0.02,
                                       to_input=as_signal)
for key, value in gaps.items():
    print(f"{key[0]:>6} / {key[1]:<11}: relative prediction gap {value:.2e}")

# %%
fc_gap = max(gaps["linear", "rotation"], gaps["MLP", "rotation"], gaps["linear", "permutation"],
             gaps["MLP", "permutation"])
claims.less("linear model and MLP: largest relative gap between the run and its rotated copy",
            fc_gap, 1e-4, glue="l1-fc-gap", fmt=".1e")
cnn_gap = min(gaps["CNN", "rotation"], gaps["CNN", "permutation"])
claims.greater("CNN: smallest relative gap, rotation or permutation", cnn_gap, 0.1,
               glue="l1-cnn-gap", fmt=".2f");

# %% [markdown]
# For the linear model and the MLP, the rotated run reproduces every prediction of
# the original one up to a relative error of {glue:text}`l1-fc-gap`, which is
# float32 round-off accumulated over the run. For the CNN the predictions differ
# by at least {glue:text}`l1-cnn-gap` of their size: a convolution trained on
# rotated or shuffled signals is a different learner.
#
# ## The basis-vector task
#
# Equivariance limits what an FC learner can know about directions it has not
# seen. Draw $i$ uniformly from $\{1, \dots, d\}$ and a sign $y = \pm 1$, and let
# the input be $x = y\, e_i$ with label $y$. A learner that reads each
# coordinate's sign, such as $f(x) = \sum_j x_j$, is always right.
#
# ```{prf:theorem} FC learners need $n \gtrsim d$
# :label: thm-basis-bound
# Any orthogonally equivariant learner (in fact any learner that is equivariant
# under the reflections $x_i \mapsto -x_i$) trained on $n$ samples of the
# basis-vector task has test error at least
#
# $$
# \Pr[\text{error}] \;\ge\; \tfrac12\,(1 - 1/d)^n \;\ge\; \tfrac12\,(1 - n/d),
# $$ (eq-basis-bound)
#
# where a prediction of exactly $0$ counts as an error.
# ```
#
# ```{prf:proof}
# Condition on the training set and on the event $E$ that the test coordinate
# $i$ appears in no training input; $\Pr[E] = (1 - 1/d)^n$. Let $R$ flip the
# sign of coordinate $i$. It fixes every training input (they vanish in
# coordinate $i$) and maps $e_i$ to $-e_i$. Equivariance under $R$ says that
# $f(e_i)$ and $f(-e_i)$ have the same law over the initialization, where
# $f$ is the trained predictor. The test point is $e_i$ with label $+1$ or
# $-e_i$ with label $-1$, each with probability $\tfrac12$, so on $E$
#
# $$
# \begin{aligned}
# \Pr[\text{error} \mid E] &= \tfrac12 \Pr[f(e_i) \le 0] + \tfrac12 \Pr[f(-e_i) \ge 0] \\
# &= \tfrac12 \Pr[f(e_i) \le 0] + \tfrac12 \Pr[f(e_i) \ge 0] \ge \tfrac12 .
# \end{aligned}
# $$
#
# Hence $\Pr[\text{error}] \ge \tfrac12 \Pr[E]$, and Bernoulli's inequality
# $(1 - 1/d)^n \ge 1 - n/d$ gives the second bound.
# ```
#
# With $n \le d/2$ the error is at least $1/4$, the form of the statement in
# the notes {cite}`cagnetta2023kernels`. Kernel regression with the NTK of a
# one-hidden-layer ReLU network (no biases) shows the mechanism plainly. Its
# kernel depends only on norms and the angle between inputs; between orthogonal
# unit vectors it takes one positive value $\kappa(\pi/2)$. For an unseen
# coordinate $i$, both $e_i$ and $-e_i$ are orthogonal to every training input,
# so the predictor takes the same value $C = \kappa(\pi/2)\sum_j\alpha_j$ at
# both, and is wrong on exactly one of them (exercise {ref}`ex-eq-curve`). It
# also errs on some points $-x_j$ opposite to training inputs: the ReLU kernel
# vanishes between antipodal points and is not odd, so seeing $e_i$ with label
# $+1$ says nothing about $-e_i$. Its error therefore sits above
# $\tfrac12(1-1/d)^n$.
#
# We measure the exact test error (averaged over all $2d$ test points) of the
# FC-NTK regression predictor of a one-hidden-layer ReLU network and of a
# trained MLP, for several $d$ and $n$.

# %%
def fc_ntk_predict(x_train, y_train, x_test):
    _, k_train = kernels.fc_kernels(x_train, depth=1)
    _, k_test = kernels.fc_kernels(x_test, x_train, depth=1)
    ridge = 1e-6 * float(jnp.trace(k_train)) / len(x_train)
    return kernels.kernel_regression(k_train, y_train, k_test, ridge=ridge)


def stack(trees):
    return jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *trees)


bv_rows = []   # (d, n, ntk error, mlp error)
bv_mlp = nets.mlp(depth=1, width=P["bv_width"])
for d in P["bv_dims"]:
    x_test, y_test = tm.basis_vector_test_set(d)
    ns = [max(1, int(round(r * d))) for r in P["bv_ratios"]]
    n_max = max(ns)
    jobs, ntk_err = [], {}
    for s in range(P["bv_seeds"]):
        x, y, _ = tm.basis_vector_task(n_max, d, seed=1000 * d + s)
        # one kernel on all points; the nested training sets are its leading blocks
        _, k_all = kernels.fc_kernels(np.concatenate([x, x_test]), depth=1)
        k_all = np.asarray(k_all, dtype=np.float64)
        for n in ns:
            k_tr, k_te = k_all[:n, :n], k_all[n_max:, :n]
            pred = k_te @ np.linalg.solve(k_tr + 1e-6 * np.eye(n), y[:n])
            ntk_err.setdefault(n, []).append(1 - nets.accuracy(pred, y_test))
            jobs.append((n, s, x, y))
    # all MLPs of this d in one vectorized run; weights zero out the unused rows
    params = stack([bv_mlp.init(s, (d,)) for (_, s, _, _) in jobs])
    xs = jnp.stack([x for (_, _, x, _) in jobs])
    ys = jnp.stack([y[:, None] for (_, _, _, y) in jobs])
    ws = jnp.stack([(jnp.arange(n_max) < n).astype(jnp.float32) for (n, _, _, _) in jobs])
    trained = nets.fit_many(bv_mlp.apply_fn, params, xs, ys, weights=ws, steps=P["bv_steps"],
                            learning_rate=0.5)
    outs = jax.vmap(bv_mlp.apply_fn, in_axes=(0, None))(trained, x_test)
    mlp_err = {}
    for (n, _, _, _), out in zip(jobs, outs):
        mlp_err.setdefault(n, []).append(1 - nets.accuracy(out, y_test))
    for n in ns:
        bv_rows.append((d, n, np.mean(ntk_err[n]), np.mean(mlp_err[n])))
bv_rows = np.array(bv_rows)
plotting.html_table(["d", "n", "FC-NTK error", "MLP error", "(1 - 1/d)^n / 2", "(1 - n/d) / 2"],
                    [(f"{d:.0f}", f"{n:.0f}", f"{e_ntk:.3f}", f"{e_mlp:.3f}",
                      f"{tm.basis_vector_unseen_error(n, d):.3f}",
                      f"{tm.basis_vector_error_bound(n, d):.3f}")
                     for d, n, e_ntk, e_mlp in bv_rows], align_right_from=0)

# %% [markdown]
# A weight-shared model needs one sample. Take a convolution with filter size 1
# and an odd activation (erf), averaged over positions:
# $f(x) = \sum_c v_c\, \tfrac1d \sum_s \operatorname{erf}(w_c x_s)$. On
# $x = y e_i$ only position $i$ is non-zero, so $f(y e_i) = y\, g$ with
# $g = \tfrac1d\sum_c v_c \operatorname{erf}(w_c)$ the same for every $i$.
# Fitting a single sample makes $g$ positive, and then every test point is
# classified correctly. Its NTK regression predictor has the same symmetry.

# %%
ws_net = nets.conv1d(channels=16, filter_size=1, activation="erf", pool="avg")
ws_errors = []
for d in P["bv_dims"][-1:]:
    x1, y1, _ = tm.basis_vector_task(1, d, seed=d)
    x_test, y_test = tm.basis_vector_test_set(d)
    p = nets.fit(ws_net.apply_fn, ws_net.init(d, (d, 1)), x1[..., None], y1[:, None],
                 steps=200, learning_rate=0.5 * d)
    ws_errors.append(1 - nets.accuracy(ws_net.apply_fn(p, x_test[..., None]), y_test))
    k_train = ws_net.kernel_fn(x1[..., None], None, "ntk")
    k_test = ws_net.kernel_fn(x_test[..., None], x1[..., None], "ntk")
    pred = kernels.kernel_regression(k_train, y1, k_test)
    ws_errors.append(1 - nets.accuracy(pred, y_test))
claims.close(f"weight-shared CONV (trained and NTK), d = {d}, one sample: largest test error",
             max(ws_errors), 0.0, atol=0.0);

# %%
fig, ax = plt.subplots(figsize=(7, 3.6))
grid = np.linspace(0, 2, 200)
ax.plot(grid, tm.basis_vector_error_bound(grid, 1.0), "k-")
for j, d in enumerate(P["bv_dims"]):
    rows = bv_rows[bv_rows[:, 0] == d]
    ratio = rows[:, 1] / d
    ax.plot(ratio, tm.basis_vector_unseen_error(rows[:, 1], d), ":", color=plotting.PALETTE[j])
    ax.plot(ratio, rows[:, 2], "o", color=plotting.PALETTE[j], ms=5, mfc="none")
    ax.plot(ratio, rows[:, 3], "x", color=plotting.PALETTE[j], ms=5)
ax.axhline(0, color="grey", lw=3, alpha=0.5)
ax.set(xlabel="n / d", ylabel="test error")
handles = ([plt.Line2D([], [], color=plotting.PALETTE[j], lw=6, label=f"d = {d}")
            for j, d in enumerate(P["bv_dims"])]
           + [plt.Line2D([], [], color="k", marker="o", mfc="none", ls="", label="FC-NTK"),
              plt.Line2D([], [], color="k", marker="x", ls="", label="MLP"),
              plt.Line2D([], [], color="k", label="bound (1 - n/d)/2"),
              plt.Line2D([], [], color="k", ls=":", label="(1 - 1/d)^n / 2"),
              plt.Line2D([], [], color="grey", lw=3, alpha=0.5, label="weight-shared CONV")])
ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
fig.tight_layout()
plotting.glue_figure("fig-l01-basis", fig)

# %%
bound = tm.basis_vector_error_bound(bv_rows[:, 1], bv_rows[:, 0])
exact = tm.basis_vector_unseen_error(bv_rows[:, 1], bv_rows[:, 0])
claims.greater("FC-NTK and MLP: smallest margin of the measured error above the bound",
               np.min(bv_rows[:, 2:4] - bound[:, None]), -0.03)
claims.greater("FC-NTK and MLP: smallest margin above (1-1/d)^n/2", 
               np.min(bv_rows[:, 2:4] - exact[:, None]), -0.03, glue="l1-bv-margin", fmt=".3f")
claims.less("FC-NTK and MLP: largest error at n = 2d", np.max(bv_rows[bv_rows[:, 1] == 2 *
            bv_rows[:, 0]][:, 2:4]), 0.25, glue="l1-bv-2d", fmt=".3f");

# %% [markdown]
# ```{glue:figure} fig-l01-basis
# :name: fig-l01-basis
# :alt: Test error against n over d on the basis-vector task for three dimensions; FC-NTK circles and MLP crosses fall from one half to near zero around n equal to 2d, on or above the dotted exact curves, while the weight-shared convolution is at zero error.
#
# Basis-vector task: test error against $n/d$ for FC-NTK regression (circles)
# and the trained MLP (crosses), colour-coded by $d$, with the bound
# $(1 - n/d)/2$ (solid) and the expected unseen fraction $(1-1/d)^n/2$ for each $d$
# (dotted). The weight-shared convolution makes no error from one sample (grey).
# ```
#
# Every FC measurement lies above both forms of the bound {eq}`eq-basis-bound`,
# up to the sampling noise of a few seeds (smallest margin to
# $(1-1/d)^n/2$: {glue:text}`l1-bv-margin`). Both FC learners only become good
# once $n$ exceeds $d$: at $n = 2d$ their error is still up to
# {glue:text}`l1-bv-2d`. The curves for different $d$ collapse when plotted
# against $n/d$, the signature of a sample complexity linear in $d$. The
# weight-shared model makes no error after one sample, trained or as a kernel.
#
# ## The Li-Zhang-Arora task
#
# The basis-vector task is extreme: its inputs are sparse. Li, Zhang and Arora
# {cite}`li2021convolutional` give a task with Gaussian inputs
# $x \sim \mathcal{N}(0, I_{2d})$,
#
# $$
# y(x) = \operatorname{sign}\Bigl(\sum_{i=1}^{d} x_i^2 - \sum_{i=d+1}^{2d} x_i^2\Bigr)
#      = \operatorname{sign}\bigl(x^\top D x\bigr),\qquad D = \operatorname{diag}(I_d, -I_d),
# $$ (eq-lza)
#
# and prove that an orthogonally equivariant learner needs $\Omega(d^2)$ samples
# to reach a small constant error, while a convolutional network with a constant
# number of parameters needs $O(1)$. The intuition: after a random rotation $U$
# the task becomes $\operatorname{sign}(x^\top U D U^\top x)$; an equivariant
# learner does equally well on all of these rotated tasks, so it must in effect
# identify a symmetric matrix of the form $UDU^\top$, an object with order $d^2$
# degrees of freedom, from $n$ scalar labels. (The lecture notes
# {cite}`cagnetta2023kernels` state $\Omega(d)$ in one place and attach the
# $\Omega(d^2)$ to the convolutional net in another; the lower bound is
# $\Omega(d^2)$ for FC, and CONV needs $O(1)$.)
#
# A convolution sees the task differently. Put $x_i$ and $x_{d+i}$ in two channels
# at position $i$. A filter of size 1 with square activation and a sum over
# positions computes $\sum_i \sum_c v_c (a_c x_i + b_c x_{d+i})^2$, a family that
# contains $\sum_i (x_i^2 - x_{d+i}^2)$ and has only three effective parameters
# (the quadratic form in two variables), whatever $d$. A kernel method with a
# rotation-invariant FC kernel learns degree-2 functions of $2d$ variables, whose
# space has dimension of order $d^2$; for such kernels the samples needed to fit
# a degree-2 target grow like that dimension, which is what we expect to see.
#
# We measure learning curves (test error against $n$) for FC-NTK regression
# (one hidden ReLU layer), a trained one-hidden-layer MLP (Adam, full batch) and
# CONV-NTK regression, the ridgeless kernel predictor of the quadratic
# convolution of filter size 1 (its infinite-width limit, computed by
# `neural_tangents`). From each curve we read the number of samples
# $n_\varepsilon(d)$ at which it falls to the error $\varepsilon$ set in `P`,
# and fit $n_\varepsilon \propto d^{\,a}$. The MLP is trained with Adam for speed,
# so, strictly, it is only permutation equivariant and the $\Omega(d^2)$ theorem
# does not cover it; FC-NTK regression is exactly rotation invariant.

# %%
target = P["lza_target"]
lza = {"FC-NTK": {}, "MLP": {}, "CONV-NTK": {}}
lza_mlp = nets.mlp(depth=1, width=P["lza_mlp_width"], parameterization="standard")
quad_cnn = nets.conv1d(channels=4, filter_size=1, activation="square", pool="sum")


def nested_kernel_errors(k_all, y, y_test, ns, ridge=1e-6):
    """Test errors of (nearly) ridgeless kernel regression on the first n points, for each n.

    The kernels are computed in float32, so a relative ridge of 1e-6 keeps the
    solve stable when the kernel matrix is (numerically) singular.
    """
    N, errors = len(y), []
    for n in ns:
        k_tr, k_te = k_all[:n, :n], k_all[N:, :n]
        alpha = np.linalg.solve(k_tr + ridge * np.trace(k_tr) / n * np.eye(n), y[:n])
        errors.append(1 - nets.accuracy(k_te @ alpha, y_test))
    return errors


for d in P["lza_dims"]:
    ns, mlp_ns, cnn_ns = P["lza_ns"], P["lza_mlp_ns"], P["lza_cnn_ns"]
    errs_ntk, errs_cnn, mlp_jobs = [], [], []
    for s in range(P["lza_ntk_seeds"]):
        x, y = tm.lza_task(max(ns), d, seed=100 * d + s)
        x_test, y_test = tm.lza_task(P["lza_test"], d, seed=100 * d + s + 50)
        # FC-NTK: one kernel on all points; nested training sets are its leading blocks
        _, k_all = kernels.fc_kernels(np.concatenate([x, x_test]), depth=1)
        errs_ntk.append(nested_kernel_errors(np.asarray(k_all, np.float64), y, y_test, ns))
        if s >= P["lza_seeds"]:
            continue
        # CONV-NTK: the kernel of the quadratic convolution, same recipe
        # (test-test entries are never used, so only two blocks are computed)
        xc, xc_test = tm.lza_channels(x[:max(cnn_ns)]), tm.lza_channels(x_test)
        k_conv = np.concatenate([np.asarray(quad_cnn.kernel_fn(xc, None, "ntk")),
                                 np.asarray(quad_cnn.kernel_fn(xc_test, xc, "ntk"))])
        errs_cnn.append(nested_kernel_errors(k_conv.astype(np.float64), y[:max(cnn_ns)], y_test,
                                             cnn_ns))
        mlp_jobs += [(s, n, x, y, x_test, y_test) for n in mlp_ns]
    # all trained MLPs of this d in one vectorized run; weights select the first n rows
    n_max = max(mlp_ns)
    params = stack([lza_mlp.init(1000 * s + n, (2 * d,)) for (s, n, *_) in mlp_jobs])
    ws = jnp.stack([(jnp.arange(n_max) < n).astype(jnp.float32) / n for (_, n, *_) in mlp_jobs])
    xs = jnp.stack([x[:n_max] for (_, _, x, *_) in mlp_jobs])
    ys = jnp.stack([y[:n_max, None] for (_, _, _, y, *_) in mlp_jobs])
    trained = nets.fit_many(lza_mlp.apply_fn, params, xs, ys, weights=ws,
                            steps=P["lza_mlp_steps"], optimizer=optax.adam(3e-3))
    x_tests = jnp.stack([job[4] for job in mlp_jobs])
    outs = jax.vmap(lza_mlp.apply_fn)(trained, x_tests)
    errs_mlp = np.array([1 - nets.accuracy(o, job[5]) for o, job in zip(outs, mlp_jobs)])
    # keep every seed's curve: the exponent's interval resamples seeds
    lza["FC-NTK"][d] = (np.array(ns), np.array(errs_ntk))
    lza["MLP"][d] = (np.array(mlp_ns), errs_mlp.reshape(P["lza_seeds"], -1))
    lza["CONV-NTK"][d] = (np.array(cnn_ns), np.array(errs_cnn))

# samples to reach the target error, per dimension and per seed: (dims, seeds)
n_eps = {name: np.array([[tm.samples_to_reach(curves[d][0], e, target) for e in curves[d][1]]
                         for d in P["lza_dims"]])
         for name, curves in lza.items()}
claims.holds("every FC-NTK and MLP seed reaches the target error at every d",
             bool(np.isfinite(n_eps["FC-NTK"]).all() and np.isfinite(n_eps["MLP"]).all()))
plotting.html_table(["model"] + [f"d = {d}" for d in P["lza_dims"]],
                    [(name, *[f"{np.median(v):.0f}" for v in values])
                     for name, values in n_eps.items()], align_right_from=1)

# %%
fig, axes = plt.subplots(1, 2, figsize=(7, 3.9))
styles = {"FC-NTK": "o-", "MLP": "x--", "CONV-NTK": "s:"}
for j, d in enumerate(P["lza_dims"]):
    for name, curves in lza.items():
        ns_, errs_ = curves[d]
        axes[0].semilogx(ns_, errs_.mean(axis=0), styles[name], color=plotting.PALETTE[j], ms=4)
axes[0].axhline(target, color="grey", lw=0.8)
axes[0].set(xlabel="training samples n", ylabel="test error")
handles = ([plt.Line2D([], [], color=plotting.PALETTE[j], label=f"d={d}")
            for j, d in enumerate(P["lza_dims"])]
           + [plt.Line2D([], [], color="k", ls=st[1:], marker=st[0], label=name, ms=4)
              for name, st in styles.items()])
axes[0].legend(handles=handles, fontsize=6, ncol=3, loc="upper center",
               bbox_to_anchor=(0.5, -0.2))
dims = np.array(P["lza_dims"], dtype=float)
fits = {}
for j, name in enumerate(["FC-NTK", "MLP"]):
    fits[name] = stats.power_law_fit(dims, n_eps[name], seed=j)
    plotting.loglog_with_fit(axes[1], dims, np.exp(np.log(n_eps[name]).mean(axis=1)),
                             fits[name], label=name, color=plotting.PALETTE[j])
axes[1].loglog(dims, np.median(n_eps["CONV-NTK"], axis=1), "s", color=plotting.PALETTE[2],
               label="CONV-NTK")
axes[1].set(xlabel="d", ylabel=f"samples to error {target}")
axes[1].legend(fontsize=7)
fig.tight_layout()
plotting.glue_figure("fig-l01-lza", fig)

# %%
fit_ntk, fit_mlp = fits["FC-NTK"], fits["MLP"]
claims.glue("l1-exp-ntk", fit_ntk.exponent, fmt=".2f")
claims.glue("l1-exp-ntk-low", fit_ntk.low, fmt=".2f")
claims.glue("l1-exp-ntk-high", fit_ntk.high, fmt=".2f")
claims.glue("l1-exp-mlp", fit_mlp.exponent, fmt=".2f")
claims.glue("l1-exp-mlp-low", fit_mlp.low, fmt=".2f")
claims.glue("l1-exp-mlp-high", fit_mlp.high, fmt=".2f")
claims.glue("l1-ntk-seeds", P["lza_ntk_seeds"])
claims.glue("l1-mlp-seeds", P["lza_seeds"])
claims.greater("FC-NTK: lower end of the 90% bootstrap interval of the exponent", fit_ntk.low,
               1.0)
claims.less("FC-NTK: upper end of the 90% bootstrap interval of the exponent", fit_ntk.high, 2.0)
claims.greater("MLP: fitted exponent of n_eps against d", fit_mlp.exponent, 0.0)
claims.less("CONV-NTK: largest n_eps over d and seeds", np.max(n_eps["CONV-NTK"]), 10,
            glue="l1-neps-conv", fmt=".0f")
conv_last = [lza["CONV-NTK"][d][1][:, -1].mean() for d in P["lza_dims"]]
claims.less("CONV-NTK: test error with the largest n, worst d", max(conv_last), 0.2,
            glue="l1-conv-err", fmt=".3f")
claims.less("CONV-NTK: error at the largest d minus error at the smallest d (largest n)",
            conv_last[-1] - conv_last[0], 0.05);

# %% [markdown]
# The kernel is one thing; a network trained by gradient descent is another. We
# also train the finite quadratic convolution (4 channels, filter size 1, square
# activation, sum over positions) with Adam on
# $n$ = {glue:text}`l1-cnn-n` samples, for each $d$ and {glue:text}`l1-mlp-seeds` seeds.

# %%
cnn_train_err = []
n_cnn = P["lza_cnn_train_n"]
for d in P["lza_dims"]:
    runs = [(tm.lza_task(n_cnn, d, seed=100 * d + s),
             tm.lza_task(P["lza_test"], d, seed=100 * d + s + 50)) for s in range(P["lza_seeds"])]
    trained = nets.fit_many(
        quad_cnn.apply_fn, stack([quad_cnn.init(s, (d, 2)) for s in range(P["lza_seeds"])]),
        jnp.stack([tm.lza_channels(x) for (x, _), _ in runs]),
        jnp.stack([y[:, None] for (_, y), _ in runs]),
        weights=jnp.full((P["lza_seeds"], n_cnn), 1.0 / n_cnn), steps=P["lza_cnn_steps"],
        optimizer=optax.adam(1e-2))
    for s, (_, (x_test, y_test)) in enumerate(runs):
        p = jax.tree_util.tree_map(lambda a: a[s], trained)
        cnn_train_err.append(1 - nets.accuracy(quad_cnn.apply_fn(p, tm.lza_channels(x_test)),
                                               y_test))
claims.glue("l1-cnn-n", n_cnn)
claims.less("trained quadratic CNN: worst test error over d and seeds", max(cnn_train_err),
            target, glue="l1-cnn-trained-err", fmt=".3f");

# %% [markdown]
# ```{glue:figure} fig-l01-lza
# :name: fig-l01-lza
# :alt: Left, test error against the number of samples for three models and three dimensions; right, log-log plot of the samples needed to reach the target error against d, with power-law fits for FC-NTK and MLP rising and CONV-NTK flat and low.
#
# Li-Zhang-Arora task. Left: test error against $n$ (mean over seeds; colour is
# $d$, line style the model); the grey line is the target error. Right: samples
# $n_\varepsilon$ needed to reach it against $d$, with power-law fits.
# ```
#
# FC-NTK regression needs a number of samples that grows like $d^{a}$ with a
# fitted $a =$ {glue:text}`l1-exp-ntk`; the 90% bootstrap interval, which
# resamples the {glue:text}`l1-ntk-seeds` independent seeds (training and test
# sets) at every $d$, is [{glue:text}`l1-exp-ntk-low`,
# {glue:text}`l1-exp-ntk-high`]. Its lower end is above 1: the kernel's sample
# complexity grows faster than linearly in $d$, which is what the $\Omega(d^2)$
# argument predicts qualitatively. Its upper end is below 2: on $d \le 16$ the
# kernel's sample complexity grows more slowly than the asymptotic $d^2$, so we
# do not claim the exponent 2 itself. The trained MLP gives $a =$ {glue:text}`l1-exp-mlp` (interval
# [{glue:text}`l1-exp-mlp-low`, {glue:text}`l1-exp-mlp-high`] from only
# {glue:text}`l1-mlp-seeds` seeds, so a crude one); read it as "grows with $d$".
# The theorem of {cite}`li2021convolutional` is a lower bound for large $d$, and a
# pre-asymptotic fit on a few small $d$ need not show the exponent 2. (An earlier
# version of this page bootstrapped over the averaged points $(d, n_\varepsilon)$;
# with three points that interval is the spread of two-point slopes, not an
# uncertainty, and it has been replaced.) The convolutional kernel
# reaches the same error with at most {glue:text}`l1-neps-conv` samples at every
# $d$, and with the largest training set its error is at most
# {glue:text}`l1-conv-err` and no larger at the largest $d$ than at the
# smallest. The trained quadratic CNN, from the same fixed number
# {glue:text}`l1-cnn-n` of samples at every $d$, has test error at most
# {glue:text}`l1-cnn-trained-err`, below the target: the finite network trained by
# gradient descent, not only its kernel, learns the task from a number of
# samples that we did not have to grow with $d$ (over the $d$ tested). The kernel It does not reach zero, because square-loss regression of $\pm1$
# labels on its three features $\sum_i x_i^2$, $\sum_i x_i x_{d+i}$,
# $\sum_i x_{d+i}^2$ leaves a small error in the direction of
# $\sum_i (x_i^2 + x_{d+i}^2)$, which is nearly constant and acts as an
# intercept; that error shrinks with $n$ but not with $d$. What matters here is
# that nothing about it grows with the dimension.
#
# ## MNIST-1D: equivariance on a benchmark
#
# MNIST-1D {cite}`greydanus2024mnist1d` turns the ten digits into 40-sample
# one-dimensional signals, with random shifts, shear, scaling and noise, so that
# the signal's spatial structure matters. Its authors report test accuracies of
# about 32% for logistic regression, 68% for an MLP and 94% for a CNN, and, on a
# variant where one fixed permutation shuffles the 40 positions of every signal,
# 32%, 68% and 56%. The permutation-equivariance theorem predicts the pattern:
# logistic regression from zero and an MLP trained by gradient descent are
# permutation equivariant, so shuffling changes nothing about them but the
# labels of the coordinates; the CNN is not, and loses what its filters gained
# from neighbouring samples being related.
#
# We generate both variants locally (`ntk_course.data.mnist1d`, 4000 training
# and 1000 test signals) and train the three models with Adam on the
# cross-entropy: logistic regression full-batch from zero, and with minibatches
# of 100 a two-hidden-layer MLP (width 100) and a CNN with three convolutional
# layers of filter size 5 (`P["m1d_cnn_channels"]` channels each). The same random minibatches are used
# on both variants. Since both variants contain the same signals, we can recover the
# permutation and run the strongest form of the check: the MLP trained on the
# shuffled data from the permuted initialization.

# %%
m1d = data.mnist1d()
m1d_shuffled = data.mnist1d(shuffle_seq=True)
# the same signals, with columns permuted: recover the permutation from the data
perm = np.array([int(np.argmin(np.abs(m1d.x_train - m1d_shuffled.x_train[:, [j]]).sum(0)))
                 for j in range(m1d.x_train.shape[1])])
claims.holds("the shuffled variant is the original with its 40 positions permuted",
             np.allclose(m1d.x_train[:, perm], m1d_shuffled.x_train, atol=1e-5)
             and sorted(perm) == list(range(40)))

# %%
fig, axes = plt.subplots(2, 3, figsize=(7, 3.6), sharex=True, sharey=True)
for col in range(3):
    i = int(np.nonzero(m1d.y_train == col)[0][0])
    axes[0, col].plot(m1d.x_train[i], color=plotting.PALETTE[0])
    axes[1, col].plot(m1d_shuffled.x_train[i], color=plotting.PALETTE[1])
    axes[0, col].set_title(f"digit {col}", fontsize=9)
    axes[1, col].set_xlabel("position")
axes[0, 0].set_ylabel("original")
axes[1, 0].set_ylabel("shuffled")
fig.tight_layout()
plotting.glue_figure("fig-l01-mnist1d", fig)

# %% [markdown]
# ```{glue:figure} fig-l01-mnist1d
# :name: fig-l01-mnist1d
# :alt: Six line plots of 40-sample signals: top row, one MNIST-1D example of digits 0, 1 and 2, smooth with local bumps; bottom row, the same three signals with positions shuffled, which look like noise.
#
# One MNIST-1D training signal of each of the digits 0, 1, 2 (top) and the same
# signals after the fixed permutation of the 40 positions (bottom). The shuffled
# signals carry exactly the same information, but neighbouring samples are no
# longer related.
# ```

# %%
logreg = nets.mlp(depth=0, width=1, out_dim=10, b_std=1.0, parameterization="standard")
m1d_mlp = nets.mlp(depth=2, width=100, out_dim=10, b_std=1.0, parameterization="standard")
m1d_cnn = nets.conv1d(channels=P["m1d_cnn_channels"], filter_size=5, depth=3, padding="SAME",
                      pool="flatten", out_dim=10, b_std=1.0, parameterization="standard")


def zero_init(params):
    return jax.tree_util.tree_map(jnp.zeros_like, params)


def permute_first_layer(params, perm):
    """Row j of the first Dense layer is multiplied with input j; move it with its input."""
    (W1, b1), *rest = params
    return [(W1[perm], b1), *rest]


# one optimizer object per model, so that the shuffled run reuses the compiled training loop
adam_logreg, adam_mlp, adam_cnn = optax.adam(5e-2), optax.adam(2e-3), optax.adam(3e-3)
m1d_acc, m1d_out = {}, {}
for variant, split in [("original", m1d), ("shuffled", m1d_shuffled)]:
    y1 = data.one_hot(split.y_train, 10)
    p0 = zero_init(logreg.init(0, (40,)))
    p = nets.fit(logreg.apply_fn, p0, split.x_train, y1, steps=500, loss="xent",
                 optimizer=adam_logreg)
    m1d_acc["logistic", variant] = nets.accuracy(logreg.apply_fn(p, split.x_test), split.y_test)
    p0 = m1d_mlp.init(config.SEED, (40,))
    if variant == "shuffled":
        p0 = permute_first_layer(p0, perm)
    p = nets.fit(m1d_mlp.apply_fn, p0, split.x_train, y1, steps=P["m1d_mlp_steps"], loss="xent",
                 optimizer=adam_mlp, batch_size=100)
    m1d_out["MLP", variant] = np.asarray(m1d_mlp.apply_fn(p, split.x_test))
    m1d_acc["MLP", variant] = nets.accuracy(m1d_out["MLP", variant], split.y_test)
    p = nets.fit(m1d_cnn.apply_fn, m1d_cnn.init(config.SEED, (40, 1)), split.x_train[..., None],
                 y1, steps=P["m1d_cnn_steps"], loss="xent", optimizer=adam_cnn,
                 batch_size=100)
    m1d_acc["CNN", variant] = nets.accuracy(m1d_cnn.apply_fn(p, split.x_test[..., None]),
                                            split.y_test)

paper = {("logistic", "original"): 0.32, ("MLP", "original"): 0.68, ("CNN", "original"): 0.94,
         ("logistic", "shuffled"): 0.32, ("MLP", "shuffled"): 0.68, ("CNN", "shuffled"): 0.56}
for model in ["logistic", "MLP", "CNN"]:
    for variant in ["original", "shuffled"]:
        claims.glue(f"l1-m1d-{model.lower()}-{variant}", m1d_acc[model, variant], fmt=".3f")
if P["m1d_paper_check"] and P["m1d_cnn_steps"] >= 6000:
    # paper-length training (full profile): each accuracy within 0.05 of the paper's table;
    # a run with shorter training (the smoke profile) measures something else, so no claim
    for key, value in paper.items():
        claims.close(f"{key[0]} on {key[1]} MNIST-1D: accuracy against the paper's",
                     m1d_acc[key], value, atol=0.05)
claims.greater("original data: MLP accuracy minus logistic regression accuracy",
               m1d_acc["MLP", "original"] - m1d_acc["logistic", "original"], 0.1)
claims.close("logistic regression: shuffled minus original accuracy",
             m1d_acc["logistic", "shuffled"] - m1d_acc["logistic", "original"], 0.0, atol=0.005)
claims.less("MLP from the permuted initialization: |accuracy change| under shuffling",
            abs(m1d_acc["MLP", "shuffled"] - m1d_acc["MLP", "original"]), 0.02,
            glue="l1-m1d-mlp-gap", fmt=".3f")
claims.greater("original data: CNN accuracy minus MLP accuracy",
               m1d_acc["CNN", "original"] - m1d_acc["MLP", "original"], 0.1)
claims.less("shuffled data: CNN accuracy minus MLP accuracy",
            m1d_acc["CNN", "shuffled"] - m1d_acc["MLP", "shuffled"], 0.0)
claims.greater("CNN: accuracy lost to shuffling",
               m1d_acc["CNN", "original"] - m1d_acc["CNN", "shuffled"], 0.1,
               glue="l1-m1d-cnn-drop", fmt=".3f");

# %% [markdown]
# | model | original (ours) | original (paper) | shuffled (ours) | shuffled (paper) |
# |---|---|---|---|---|
# | logistic regression | {glue:text}`l1-m1d-logistic-original` | 0.32 | {glue:text}`l1-m1d-logistic-shuffled` | 0.32 |
# | MLP | {glue:text}`l1-m1d-mlp-original` | 0.68 | {glue:text}`l1-m1d-mlp-shuffled` | 0.68 |
# | CNN | {glue:text}`l1-m1d-cnn-original` | 0.94 | {glue:text}`l1-m1d-cnn-shuffled` | 0.56 |
#
# The prediction holds. Logistic regression and the MLP score the same on both
# variants: the MLP trained from the permuted initialization changes its accuracy
# by {glue:text}`l1-m1d-mlp-gap`. In exact arithmetic the two runs would give
# identical outputs; in float32 the permuted columns are summed in a different
# order, and thousands of Adam steps amplify those round-off differences into
# visibly different networks of the same quality, as two seeds would be. The CNN is far ahead on the original signals and loses
# {glue:text}`l1-m1d-cnn-drop` of accuracy on the shuffled ones, and on the
# original signals the MLP is ahead of logistic regression. In the `quick`
# profile the MLP and CNN train for far fewer steps than in the paper
# {cite}`greydanus2024mnist1d` (a few hundred CNN minibatches), so the page checks
# only these orderings and the drop, not the paper's numbers; the `full` profile
# trains as long as the paper and also checks every entry of the table against
# the paper's within 0.05. On the shuffled signals the paper's CNN falls
# below the MLP (56% against 68%), and ours does too: a convolution applied to
# shuffled signals combines unrelated positions and is a worse model than a
# dense layer.
#
# ## What it means
#
# First, what it does *not* mean. Every convolutional network is also a
# fully-connected network: a convolution layer is the linear map $x \mapsto Tx$
# with a structured matrix $T$ (banded, with the filter's weights repeated along
# the diagonals), followed by the same activation, and global pooling is a
# linear map too. A fully-connected network of the same depth, with layer widths
# equal to (channels $\times$ positions), can therefore set its weights to these
# $T$ and compute exactly what the CNN computes. So the gaps measured on this
# page are not gaps of expressivity: the FC network *could* represent the
# solutions the CNN finds. They are gaps of learning, because gradient descent
# started from an isotropic initialization has no reason to find the structured,
# weight-tied matrices among all the others, and its symmetry says it treats all
# rotated versions of the task alike.
#
# "Inductive bias" here has a precise meaning: a symmetry of the training
# algorithm. Gradient descent on an FC network inherits the full orthogonal group
# from its first layer, so it treats every direction of input space alike, and
# it pays in samples whenever the target singles out particular coordinates: a
# factor $d$ on the basis-vector task, $d^2$ (asymptotically) on the
# Li-Zhang-Arora task. A convolution gives up that symmetry for a smaller one,
# translations, and gains sample efficiency exactly on tasks that are local and
# translation invariant. The price shows on shuffled MNIST-1D, where locality is
# gone. The next lecture ({ref}`lecture-kpatterns`) turns from samples to
# computation.
#
# ## Exercises
#
# ```{exercise} Adam and rotations
# :label: ex-eq-adam
# Adam divides each coordinate of the gradient by a running estimate of its own
# scale. Show that Adam on an FC network is permutation equivariant but, in
# general, not orthogonally equivariant. Which part of the induction in
# {prf:ref}`thm-gd-equivariant` breaks?
# ```
#
# ```{solution} ex-eq-adam
# :class: dropdown
# For a permutation matrix $U$ the rotated run's gradient of $W_1$ is $UG$,
# whose entries are those of $G$ with rows permuted. Adam's moment estimates
# are coordinate-wise, so they are permuted too, and the update is $U$ times
# the original update: the induction goes through. For a general rotation the
# entries of $UG$ are mixtures of entries of $G$; the coordinate-wise second
# moment $\mathbb{E}[(UG)_{ij}^2]$ is not a rotation of the matrix of
# $G_{ij}^2$, so the update $m/\sqrt{v}$ is not $U$ times the original one. The
# step "the update is linear in the gradient and commutes with $U$" fails.
# ```
#
# ```{exercise} The tie-breaking convention
# :label: ex-eq-ties
# In {prf:ref}`thm-basis-bound` a prediction of $0$ counts as an error. Show
# that without this convention a learner that outputs $0$ on unseen coordinates
# and is scored by "abstention counts as half an error" still has error at least
# $\tfrac12(1-1/d)^n$. Why does the FC-NTK regression predictor not output $0$
# on an unseen coordinate?
# ```
#
# ```{solution} ex-eq-ties
# :class: dropdown
# On the event $E$ the predictor abstains on both $e_i$ and $-e_i$, and each
# abstention costs $\tfrac12$, so the conditional error is again $\tfrac12$. For
# the FC-NTK, the prediction at $e_i$ is $k(e_i, X)\alpha$ with
# $k(e_i, x_j) = \kappa(0)$ the same for every training input (all are unit
# vectors orthogonal to $e_i$), so it equals $\kappa(0)\sum_j \alpha_j$. The
# ReLU NTK at angle $\pi/2$ is positive, and $\sum_j\alpha_j$ is generically
# non-zero, so the prediction is a non-zero constant: right on one of $\pm e_i$
# and wrong on the other.
# ```
#
# ```{exercise} FC-NTK on unseen coordinates
# :label: ex-eq-curve
# Show that ReLU FC-NTK regression trained on the basis-vector task predicts
# the same value at $e_i$ and $-e_i$ whenever coordinate $i$ is unseen, so that
# its error is at least (number of unseen coordinates)$/(2d)$ for every training
# set. Check both statements numerically for $d = 20$, $n = 10$ over 20 training
# sets, with `tm.basis_vector_task` and `fc_ntk_predict` of this page.
# ```
#
# ```{solution-start} ex-eq-curve
# :class: dropdown
# ```
#
# The prediction at $t$ is $\sum_j \alpha_j k(t, x_j)$, and $k(t, x_j)$ depends
# only on $\lVert t\rVert = 1$, $\lVert x_j\rVert = 1$ and
# $\langle t, x_j\rangle = 0$ for both $t = \pm e_i$ when $i$ is unseen. The two
# predictions coincide, and the two labels differ, so one of the two points is
# misclassified (both, if the common value is $0$). Summing over the unseen
# coordinates gives the bound.

# %%
d_ex, n_ex = 20, 10
x_test, y_test = tm.basis_vector_test_set(d_ex)
pair_gap, slack = [], []
for s in range(20):
    x, y, idx = tm.basis_vector_task(n_ex, d_ex, seed=s)
    pred = np.asarray(fc_ntk_predict(x, y, x_test)).ravel()
    unseen = np.setdiff1d(np.arange(d_ex), idx)
    pair_gap.append(np.max(np.abs(pred[unseen] - pred[d_ex + unseen])))
    slack.append((1 - nets.accuracy(pred, y_test)) - len(unseen) / (2 * d_ex))
claims.less("largest |f(e_i) - f(-e_i)| over unseen coordinates, relative to max |f|",
            max(pair_gap) / np.abs(pred).max(), 1e-5)
claims.greater("smallest error minus (unseen coordinates)/(2d)", min(slack), -1e-9)

# %% [markdown]
# ```{solution-end}
# ```
#
# ```{exercise} Which rotations does a CNN respect?
# :label: ex-eq-shift
# Show that the convolutional net `nets.conv1d(..., padding="CIRCULAR",
# pool="avg")` is exactly invariant under cyclic shifts of its input, and that
# gradient descent on it is equivariant under cyclic shifts *without* changing
# the initialization. Verify it with the helper `prediction_gap` of this page
# for a cyclic shift by 3 positions.
# ```
#
# ```{solution-start} ex-eq-shift
# :class: dropdown
# ```
#
# A circular convolution commutes with cyclic shifts, the activation acts
# pointwise, and averaging over positions is shift invariant; so
# $f(\theta, Sx) = f(\theta, x)$ for every $\theta$. The loss on the shifted
# data set is then the same function of $\theta$, the gradient steps are
# identical, and the predictions on shifted test points agree at every step.

# %%
U_shift = np.roll(np.eye(d_eq, dtype=np.float32), 3, axis=0)
shift_gap = prediction_gap(cnn.apply_fn, p_cnn, p_cnn, U_shift, P["eq_steps"], 0.02,
                           to_input=as_signal)
claims.less("CNN under a cyclic shift: relative prediction gap", shift_gap, 1e-4)

# %% [markdown]
# ```{solution-end}
# ```
#
# ```{exercise} Counting quadratic features
# :label: ex-eq-quadratic
# (a) Show that the space of homogeneous quadratic polynomials on
# $\mathbb{R}^{2d}$ has dimension $d(2d+1)$. (b) Show that the quadratic CONV of
# this page can only represent functions $\sum_i Q(x_i, x_{d+i})$ with $Q$ a
# quadratic form on $\mathbb{R}^2$, a space of dimension 3. (c) Explain how
# these two counts relate to the fitted exponents above.
# ```
#
# ```{solution} ex-eq-quadratic
# :class: dropdown
# (a) A quadratic form $x^\top A x$ is fixed by the symmetric matrix $A$, which
# has $2d(2d+1)/2 = d(2d+1)$ free entries. (b) Each channel computes
# $(a_c x_i + b_c x_{d+i})^2$, a quadratic form in $(x_i, x_{d+i})$; the sum over
# channels with weights $v_c$ is any quadratic form $Q$ in two variables once
# there are at least three channels, and the sum over positions applies the same
# $Q$ at each $i$. (c) A regression method needs roughly as many samples as the
# dimension of the function class it effectively searches: order $d^2$ for a
# rotation-invariant kernel, which learns all quadratics alike, and 3 for the
# convolution, independent of $d$. This matches the FC-NTK exponent near 2 and
# the flat CONV curve.
# ```
