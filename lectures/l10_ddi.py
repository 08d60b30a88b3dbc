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
# (lecture-ddi)=
# # Danskin's descent direction
#
# Adversarial training {cite}`madry2018towards` minimizes a max-function,
#
# $$
# \min_{x}\ f(x), \qquad f(x) = \frac1n\sum_{i=1}^n f_i(x), \qquad
# f_i(x) = \max_{\|\delta\| \le \epsilon} L\big(h_x(a_i + \delta), b_i\big),
# $$ (eq-at-objective)
#
# over the weights $x$ of a network $h_x$, with inputs $a_i$ and labels $b_i$. The
# usual recipe computes one perturbation $\delta_i^*$ per example with projected
# gradient ascent (PGD) and steps along $\nabla_x L(h_x(a_i + \delta_i^*), b_i)$.
# {prf:ref}`thm-danskin` of {ref}`lecture-minimax` says this is the gradient of
# $f_i$ only when the maximizer is unique. This lecture checks that assumption on
# a small network, shows what goes wrong without it, and implements the remedy of
# Latorre, Krawczuk, Dadi, Pethick and Cevher {cite}`latorre2023ddi`, Danskin's
# descent direction (DDi), presented in the CVPR 2023 tutorial {cite}`cevher2023cvpr`.
# It closes with the choice of the attacker's loss: cross-entropy against a
# margin (the BETA reformulation of {cite}`robey2023adversarial`).

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

from ntk_course import (
    attacks,
    claims,
    config,
    danskin,
    data,
    losses,
    minimax,
    nets,
    plotting,
    robust_training,
)

plotting.use_style()
print(config.device_report())

# %% [markdown]
# Sizes come from one place. The attack budget is an $\ell_\infty$ ball of radius
# `eps` inside the pixel box $[0, 1]$ (scikit-learn's $8\times8$ digits, not
# standardized).

# %%
P = config.scale(
    quick=dict(n_train=1000, n_test=500, width=64, clean_steps=400, n_probe=100, n_restarts=8,
               probe_steps=50, at_steps=300, record=50, n_starts=4, attack_steps=5,
               toy_seeds=5, toy_iters=100, beta_n=300, per_example=False),
    full=dict(n_train=1297, n_test=500, width=256, clean_steps=2000, n_probe=500, n_restarts=16,
              probe_steps=100, at_steps=4000, record=250, n_starts=8, attack_steps=10,
              toy_seeds=20, toy_iters=300, beta_n=500, per_example=True),
)
EPS, ATTACK_STEP = 0.1, 0.025
P

# %% [markdown]
# ## Optimized perturbations are not unique
#
# We train a one-hidden-layer ReLU network on the digits with cross-entropy,
# then attack 100 test images with PGD ({cite}`madry2018towards`; implemented in
# `ntk_course.attacks.pgd`): 50 signed-gradient steps of size $0.01$ from
# {glue:text}`l10-nrestarts` independent random starts in the ball
# $\|\delta\|_\infty \le 0.1$, each iterate projected back onto the ball around the
# *clean* image and onto the pixel box. If the maximizer were unique, the
# restarts would end at (nearly) the same point.

# %%
split = data.digits(n_train=P["n_train"], n_test=P["n_test"], standardize=False)
xtr, ytr = jnp.asarray(split.x_train), jnp.asarray(split.y_train)
xte, yte = jnp.asarray(split.x_test), jnp.asarray(split.y_test)
net = nets.mlp(depth=1, width=P["width"], out_dim=10, parameterization="standard",
               W_std=np.sqrt(2.0), b_std=0.1)
f = net.apply_fn
params0 = net.init(config.SEED, (64,))


def ce_loss(p, x, y):
    return jnp.mean(losses.cross_entropy(f(p, x), y))


clean = nets.train(f, params0, xtr, ytr[:, None], steps=P["clean_steps"], learning_rate=1e-2,
                   loss_fn=lambda p, x, y: ce_loss(p, x, y[:, 0]), optimizer=optax.adam(1e-2),
                   record_every=P["clean_steps"], description="clean training")
p_clean = clean.params
acc_clean = robust_training.accuracy(f, p_clean, xte, yte)
claims.greater("clean test accuracy of the digits network", acc_clean, 0.9, glue="l10-acc-clean",
               fmt=".3f")

xp, yp = xte[:P["n_probe"]], yte[:P["n_probe"]]
probe_loss = lambda xa: losses.cross_entropy(f(p_clean, xa), yp)
restart_keys = jax.random.split(jax.random.PRNGKey(100), P["n_restarts"])
advs = jax.vmap(lambda k: attacks.pgd(probe_loss, xp, eps=EPS, step=0.01,
                                          steps=P["probe_steps"], key=k))(restart_keys)
# advs: (restarts, n, 64)
deltas = advs - xp[None]
R = P["n_restarts"]
iu = np.triu_indices(R, 1)
pair = np.sqrt(((deltas[:, None] - deltas[None]) ** 2).sum(-1))[iu]   # (pairs, n)
norms = np.sqrt((deltas ** 2).sum(-1))                                   # (restarts, n)
restart_losses = np.stack([np.asarray(probe_loss(a)) for a in advs])   # (restarts, n)
clean_losses = np.asarray(probe_loss(xp))

rel_dist = float(np.mean(pair) / np.mean(norms))
same_pair = float(np.mean(pair < 1e-3))                  # pairs of restarts that coincide
all_same = float(np.mean(np.all(pair < 1e-3, axis=0)))   # images on which all restarts coincide
# per image, across restarts (a loss that underflows to 0 in every restart counts as no spread)
rel_spread = restart_losses.std(0) / np.maximum(restart_losses.mean(0), 1e-8)
loss_spread = float(np.median(rel_spread))
wide_spread = float(np.mean(rel_spread > 0.1))
claims.holds("all restarts ended inside the ball and the box",
             bool(np.abs(deltas).max() <= EPS + 1e-6 and advs.min() >= 0 and advs.max() <= 1))
claims.greater("mean pairwise distance / mean perturbation norm", rel_dist, 0.1,
               glue="l10-reldist", fmt=".2f")
claims.glue("l10-samepair", same_pair, ".2f")
claims.greater("fraction of images with at least two distinct restarts", 1 - all_same, 0.05,
               glue="l10-somediff", fmt=".2f")
claims.less("median (over images) relative spread of the loss across restarts", loss_spread, 0.2,
            glue="l10-lossspread", fmt=".3f")
claims.glue("l10-widespread", wide_spread, ".2f")

# Are the distinct endpoints local maxima? Refine each with 20 more projected signed steps of a
# quarter of the step size, starting at the endpoint (not at the clean point).
lo_b, hi_b = jnp.maximum(xp - EPS, 0.0), jnp.minimum(xp + EPS, 1.0)
grad_probe = jax.grad(lambda xa: jnp.sum(probe_loss(xa)))
refined = advs
for _ in range(20):
    refined = jax.vmap(lambda a: jnp.clip(a + 0.0025 * jnp.sign(grad_probe(a)), lo_b, hi_b))(refined)
ref_losses = np.stack([np.asarray(probe_loss(a)) for a in refined])
gain = (ref_losses - restart_losses) / np.maximum(restart_losses, 1e-8)             # relative loss gained
ref_pair = np.sqrt(((refined[:, None] - refined[None]) ** 2).sum(-1))[iu]
distinct = ~np.all(pair < 1e-3, axis=0)                              # images with >= 2 endpoints
claims.less("median relative loss gained by refining an endpoint", float(np.median(gain)), 0.01,
            glue="l10-refine-gain", fmt=".4f")
claims.greater("images with distinct endpoints that keep them after refinement (fraction)",
               float(np.mean(~np.all(ref_pair[:, distinct] < 1e-3, axis=0))), 0.9,
               glue="l10-refine-keep", fmt=".2f")
# Near-ties: on images with distinct endpoints, the two best distinct endpoints' losses
top2 = []
for i in np.flatnonzero(distinct):
    order_r = np.argsort(-restart_losses[:, i])
    best = order_r[0]
    other = [r for r in order_r[1:] if np.linalg.norm(deltas[r, i] - deltas[best, i]) >= 1e-3]
    top2.append((restart_losses[best, i] - restart_losses[other[0], i]) / max(restart_losses[best, i], 1e-8))
top2 = np.array(top2)
claims.glue("l10-ndistinct", int(distinct.sum()))
claims.greater("fraction of those images whose best two distinct endpoints tie within 1%",
               float(np.mean(top2 < 0.01)), 0.25, glue="l10-tie-frac", fmt=".2f")
claims.greater("fraction of those images whose best two distinct endpoints differ by > 1%",
               float(np.mean(top2 >= 0.01)), 0.25, glue="l10-notie-frac", fmt=".2f")
on_face = (np.abs(deltas) >= EPS - 1e-6) | (advs <= 1e-6) | (advs >= 1 - 1e-6)
claims.greater("fraction of pixels that end on the boundary of the ball or the box",
               float(np.mean(on_face)), 0.8, glue="l10-onface", fmt=".3f")
claims.greater("mean adversarial loss / mean clean loss", float(restart_losses.mean() / clean_losses.mean()),
               3.0, glue="l10-lossratio", fmt=".1f")
claims.glue("l10-nrestarts", R)

fig, axes = plt.subplots(1, 2, figsize=(7, 3.0))
axes[0].hist(pair.ravel(), bins=40, color=plotting.PALETTE[0])
axes[0].axvline(np.mean(norms), color=plotting.PALETTE[1], ls="--", label="mean $\\|\\delta\\|_2$")
axes[0].set_xlabel(r"$\|\delta^{(r)} - \delta^{(s)}\|_2$ between restarts"); axes[0].legend()
axes[0].set_title("pairwise distances of optimized perturbations")
order = np.argsort(restart_losses.mean(0))
axes[1].plot(clean_losses[order], "o", ms=3, label="clean loss")
for r in range(R):
    axes[1].plot(restart_losses[r, order], ".", ms=3, color=plotting.PALETTE[1], alpha=0.5,
                 label="after PGD (each restart)" if r == 0 else None)
axes[1].set_yscale("log"); axes[1].set_xlabel("test image (sorted)"); axes[1].set_ylabel("loss")
axes[1].legend(); axes[1].set_title("restart_losses of the restarts concentrate")
fig.tight_layout()
plotting.glue_figure("fig-l10-restarts", fig)

# %% [markdown]
# ```{glue:figure} fig-l10-restarts
# :name: fig-l10-restarts
# :alt: Left, histogram of the distances between PGD endpoints from different random starts, with a dashed line at the mean perturbation norm; right, clean and adversarial losses of each probe image on a log scale, the restarts clustered well above the clean loss.
#
# PGD from {glue:text}`l10-nrestarts` random starts on 100 test images. Left: pairwise
# distances between the endpoints (dashed: the mean perturbation norm). Right: the
# clean loss and the loss of every restart, per image.
# ```
#
# The picture is mixed, and more nuanced than the slides' figure. A fraction
# {glue:text}`l10-samepair` of the pairs of restarts end at the same point (to
# $10^{-3}$). Signed-gradient steps push pixels to the boundary (a fraction
# {glue:text}`l10-onface` of all pixels ends at $|\delta_j| = \epsilon$ or at $0$ or $1$),
# so restarts often land on the same vertex of the feasible box. But on a fraction
# {glue:text}`l10-somediff` of the images at least two restarts end at different
# points, and the mean pairwise distance is {glue:text}`l10-reldist` times the
# typical perturbation norm. The restarts reach similar losses: the median over
# images of the relative spread across restarts is {glue:text}`l10-lossspread`,
# although it exceeds $0.1$ on a fraction {glue:text}`l10-widespread` of the images;
# the mean adversarial loss is {glue:text}`l10-lossratio` times the clean loss.
#
# **What distinct endpoints do and do not show.** PGD is a local method: distinct
# endpoints are distinct *local* maxima (or points where the projected ascent
# stalls), not several *global* maximizers, and Danskin's theorem is about the
# global ones. Two checks make the statement precise. First, the endpoints are
# (near-)stationary: refining each with 20 further projected steps of a quarter of
# the step size, started at the endpoint, gains a median relative loss of only
# {glue:text}`l10-refine-gain`, and a fraction {glue:text}`l10-refine-keep` of the
# images with distinct endpoints keeps them distinct. Second, are they *equally
# good*? On the {glue:text}`l10-ndistinct` images with distinct endpoints, the best
# two distinct endpoints differ in loss by more than 1% on a fraction
# {glue:text}`l10-notie-frac` of them, and tie within 1% on {glue:text}`l10-tie-frac`:
# both situations are common. Where the heights differ, the inner problem has
# several local maxima and PGD from a random start may return a lower one; where
# they tie, the maximizer is (nearly) not unique and Danskin's set has several
# points. Either way, the "gradient at the PGD solution" is the gradient
# at one arbitrary local maximum.
#
# ## Danskin's descent direction
#
# Suppose the attacks return perturbations $\delta_1, \dots, \delta_k$ that are all
# maximizers, with weight gradients $g_j = \nabla_x L(h_x(a + \delta_j), b)$. By
# {eq}`eq-danskin`, a direction $-d$ descends on $f$ when $\langle d, g\rangle > 0$
# for the gradients of *all* maximizers. If $\{\delta_j\}$ is all of $S^*(x)$, the
# best choice is the minimum-norm element of the convex hull.
#
# ```{prf:theorem} DDi is a descent direction
# :label: thm-ddi
# Let $C = \mathrm{conv}\{g_1, \dots, g_k\}$ and $d = \arg\min_{g \in C}\|g\|$. Then
# $\langle g_j, d\rangle \ge \|d\|^2$ for every $j$. Consequently, if $S^*(x)$ is
# finite and $\{g_j\}$ are the gradients at all its points, then
# $D_{-d} f(x) \le -\|d\|^2$: $-d$ is a descent direction unless $d = 0$, and $d = 0$
# certifies that $x$ is a Clarke-stationary point of $f$.
# ```
#
# ```{prf:proof}
# $d$ is the Euclidean projection of $0$ onto the closed convex set $C$, so the
# projection inequality gives $\langle g - d, 0 - d\rangle \le 0$, i.e.
# $\langle g, d\rangle \ge \|d\|^2$, for all $g \in C$, in particular for each
# $g_j$. Danskin's formula then gives
# $D_{-d}f(x) = \max_j \langle -d, g_j\rangle \le -\|d\|^2$.
# ```
#
# Writing $d = G^\top\lambda$, with the gradients as rows of $G \in \mathbb{R}^{k\times p}$
# and $\lambda$ in the simplex $\Delta_k$, the weights solve a small quadratic program
# (the same one as in multiple-gradient descent {cite}`desideri2012multiple`):
#
# $$
# \min_{\lambda \in \Delta_k} \ \tfrac12\,\lambda^\top M \lambda, \qquad M = G G^\top .
# $$ (eq-ddi-qp)
#
# Its Lagrangian $\tfrac12\lambda^\top M\lambda - \nu(\mathbf 1^\top\lambda - 1) - \mu^\top\lambda$
# gives $M\lambda = \nu\mathbf 1 + \mu$ with $\mu \ge 0$ and $\mu_i\lambda_i = 0$;
# multiplying by $\lambda$ shows $\nu = \lambda^\top M\lambda$. So the optimality
# (KKT) conditions read
#
# $$
# (M\lambda)_i \ \ge\ \lambda^\top M\lambda \ \text{ for all } i, \quad
# \text{with equality where } \lambda_i > 0 .
# $$ (eq-ddi-kkt)
#
# `ntk_course.minimax.min_norm_simplex` solves {eq}`eq-ddi-qp` by accelerated
# projected gradient on the $k\times k$ matrix $M$ (cheap: $k$ is the number of
# attacks), and `ddi_direction` applies it to gradients stored as pytrees. The
# unit tests check {eq}`eq-ddi-kkt` and that DDi returns the plain gradient when all
# maximizers coincide.
#
# The direction fits in a few readable lines. The program {eq}`eq-ddi-qp` can be
# solved by the Frank-Wolfe method: at each step move towards the vertex $e_j$ of
# the simplex that minimizes the linearized objective, i.e. the smallest entry
# of $M\lambda$, with the exact line search of a quadratic. The package solves the
# same program with accelerated projected gradient; we check that the two agree.

# %%
def ddi_weights(G, iters=3000):
    M = G @ G.T                                    # Gram matrix of the k gradients
    lam = np.full(len(G), 1.0 / len(G))
    for _ in range(iters):
        d = np.eye(len(G))[np.argmin(M @ lam)] - lam          # towards the best vertex
        curv = d @ M @ d
        if curv <= 1e-18:
            break
        lam = lam + np.clip(-(lam @ M @ d) / curv, 0.0, 1.0) * d   # exact line search
    return lam


def ddi_direction(G):
    return ddi_weights(G) @ G                      # min-norm element of conv{g_1, ..., g_k}


G_chk = np.random.default_rng(config.SEED).normal(size=(5, 20)) + 1.0
d_mine = ddi_direction(G_chk)
d_pkg = np.asarray(minimax.min_norm_simplex(G_chk, iters=3000), dtype=float) @ G_chk
claims.close("readable DDi against the package: relative difference of the directions",
             float(np.linalg.norm(d_mine - d_pkg) / np.linalg.norm(d_pkg)), 0.0, atol=1e-3,
             glue="l10-ddi-check", fmt=".1e")

# %% [markdown]
# On five random gradients in $\mathbb R^{20}$ the two directions agree to a relative
# difference of {glue:text}`l10-ddi-check`.
#
# ### A toy problem: two quadratics
#
# Take $q_1(x) = \tfrac12\|x - a\|^2$ and $q_2(x) = \tfrac12\|x - b\|^2$ with
# $a = (1, 0)$, $b = (-1, 0)$, and $\Phi(x, \delta) = \delta q_1(x) + (1 - \delta)q_2(x)$ for
# $\delta\in[0, 1]$, so $f(x) = \max(q_1, q_2)$. Since $q_1 - q_2 = -2x_1$, the
# maximizer is $\delta = 1$ for $x_1 < 0$, $\delta = 0$ for $x_1 > 0$, and all of
# $[0, 1]$ on the ridge $x_1 = 0$, where $f = \tfrac12(1 + x_2^2)$. The minimum is
# $f = \tfrac12$ at the origin.
#
# At $x = (0, 1)$ the maximizer $\delta = 1$ gives $g_1 = x - a = (-1, 1)$, and
# $f(x - \eta g_1) = \max\{(1 - \eta)^2, 1 + \eta^2\} = 1 + \eta^2$: an *ascent*. The
# two extreme gradients $(\mp 1, 1)$ have min-norm convex combination $d = (0, 1)$,
# and $f(x - \eta d) = \tfrac12(1 + (1 - \eta)^2) < 1$.

# %%
A_PT, B_PT = np.array([1.0, 0.0]), np.array([-1.0, 0.0])


def q12(x):
    return 0.5 * np.sum((x - A_PT) ** 2), 0.5 * np.sum((x - B_PT) ** 2)


def f_toy(x):
    return max(q12(x))


def grad_phi(x, delta):          # gradient in x of delta q1 + (1 - delta) q2
    return delta * (x - A_PT) + (1 - delta) * (x - B_PT)


x0 = np.array([0.0, 1.0])
eta = 0.1
G0 = np.stack([grad_phi(x0, 1.0), grad_phi(x0, 0.0)])
d0 = np.asarray(minimax.min_norm_simplex(G0)) @ G0
claims.close("toy: f at (0, 1)", f_toy(x0), 1.0, atol=1e-12)
claims.close("toy: f after a step along -g (delta=1)", f_toy(x0 - eta * G0[0]), 1 + eta ** 2,
             atol=1e-9, glue="l10-toy-pgd", fmt=".3f")
claims.close("toy: DDi direction, first coordinate", d0[0], 0.0, atol=1e-4)
claims.close("toy: DDi direction, second coordinate", d0[1], 1.0, atol=1e-4)
claims.close("toy: f after a step along -DDi", f_toy(x0 - eta * d0), 0.5 * (1 + (1 - eta) ** 2),
             atol=1e-4, glue="l10-toy-ddi", fmt=".3f")

# %% [markdown]
# A step $\eta = 0.1$ along the PGD-style direction raises $f$ from $1$ to
# {glue:text}`l10-toy-pgd`; the DDi step lowers it to {glue:text}`l10-toy-ddi`.
#
# Now the iterative version, as in adversarial training: at each outer step the
# inner problem is solved *approximately* by projected gradient ascent on
# $\delta$ from a uniform random start (3 steps of size $0.5$), once for the
# PGD-style method and from 4 starts for DDi; the outer step is $0.2$. We also
# repeat the experiment with a nearly exact inner solver (10 steps of size 1).

# %%
def toy_run(k, inner_steps, inner_step, seed, iters, lr=0.2):
    rng = np.random.default_rng(seed)
    x = np.array([0.4, 1.5])
    vals = []
    for _ in range(iters):
        deltas_t = rng.uniform(size=k)
        for _ in range(inner_steps):
            q1, q2 = q12(x)
            deltas_t = np.clip(deltas_t + inner_step * (q1 - q2), 0.0, 1.0)
        G = np.stack([grad_phi(x, dl) for dl in deltas_t])
        direction = G[0] if k == 1 else np.asarray(minimax.min_norm_simplex(G)) @ G
        x = x - lr * direction
        vals.append(f_toy(x))
    return np.array(vals)


toy = {}
for label, (ist, iss) in {"approximate inner max": (3, 0.5), "exact inner max": (10, 1.0)}.items():
    for method, k in (("PGD", 1), ("DDi", 4)):
        toy[(label, method)] = np.stack([toy_run(k, ist, iss, s, P["toy_iters"])
                                         for s in range(P["toy_seeds"])])
tail = lambda v: float(v[:, -20:].mean() - 0.5)     # excess over the minimum 1/2, last 20 steps
gap_pgd = tail(toy[("approximate inner max", "PGD")])
gap_ddi = tail(toy[("approximate inner max", "DDi")])
claims.less("toy, approximate attacks: final excess of DDi / excess of PGD", gap_ddi / gap_pgd,
            0.5, glue="l10-toy-ratio", fmt=".2f")
claims.glue("l10-toy-gap-pgd", gap_pgd, ".3f")
claims.glue("l10-toy-gap-ddi", gap_ddi, ".3f")
ex_pgd = tail(toy[("exact inner max", "PGD")])
ex_ddi = tail(toy[("exact inner max", "DDi")])
claims.close("toy, exact attacks: DDi and PGD reach the same excess", ex_ddi, ex_pgd, atol=1e-6,
             glue="l10-toy-exact", fmt=".3f")

fig, axes = plt.subplots(1, 2, figsize=(7, 3.0), sharey=True)
for ax, label in zip(axes, ("approximate inner max", "exact inner max")):
    for i, method in enumerate(("PGD", "DDi")):
        v = toy[(label, method)] - 0.5
        ax.semilogy(np.median(v, 0), ["-", "--"][i], color=plotting.PALETTE[i], label=method,
                    marker=["o", "s"][i], markevery=10, ms=4)
        ax.fill_between(np.arange(v.shape[1]), v.min(0), v.max(0), color=plotting.PALETTE[i],
                        alpha=0.2)
    ax.set_xlabel("outer iteration"); ax.set_title(label)
axes[0].set_ylabel(r"$f(x) - \min f$"); axes[0].legend()
fig.tight_layout()
plotting.glue_figure("fig-l10-toy", fig)

# %% [markdown]
# ```{glue:figure} fig-l10-toy
# :name: fig-l10-toy
# :alt: Two panels of the excess objective against the outer iteration on a log scale, for the PGD direction and DDi, with approximate and with nearly exact inner maximization; shaded bands show the range over seeds.
#
# The max of two quadratics: excess $f(x) - \min f$ along the outer iterations
# (median over seeds, band: range). With approximate attacks DDi keeps descending;
# with exact ones the two methods coincide.
# ```
#
# With approximate attacks, the final excess $f - \min f$ (mean of the last 20
# iterations over {glue:text}`l10-toy-seeds` seeds) is {glue:text}`l10-toy-gap-ddi`
# for DDi against {glue:text}`l10-toy-gap-pgd` for the PGD-style direction, a
# ratio of {glue:text}`l10-toy-ratio`: the PGD direction keeps zig-zagging across
# the ridge $x_1 = 0$, because each random start hands it the gradient of one side,
# while DDi's combination cancels the $x_1$ components. With nearly exact attacks
# both methods return the same vertex $\delta \in \{0, 1\}$ off the ridge, DDi
# reduces to the plain gradient, and the two runs coincide (excess
# {glue:text}`l10-toy-exact`): both are caught in the same two-cycle across the
# ridge. DDi can only help when the attacks actually return different maximizers.

# %%
claims.glue("l10-toy-seeds", P["toy_seeds"])

# %% [markdown]
# ## Adversarial training: PGD against DDi
#
# Two details decide whether a comparison of DDi with PGD adversarial training
# measures the direction and nothing else.
#
# * **Step length.** The min-norm element of a hull is never longer than the
#   shortest of its points, and much shorter when they disagree. Fed unnormalized
#   to the same optimizer with the same learning rate, DDi takes shorter steps, a
#   confound that can hide or fake a difference. We therefore also rescale the DDi
#   direction to the mean length of the $K$ gradients it combines ("DDi, matched
#   length"), and record the length ratio $\|d\|/\overline{\|g_j\|}$ itself.
# * **Which hull.** The minibatch loss is $\frac1B\sum_i f_i$ with one inner maximum
#   *per example*, so by {eq}`eq-danskin` its Danskin set is the Minkowski sum
#   $\frac1B\sum_i \mathrm{conv}\{g_i^{(1)}, \dots, g_i^{(K)}\}$ of the per-example
#   sets, where $g_i^{(j)}$ is the gradient of example $i$ at its $j$-th attack. The
#   hull of the $K$ *minibatch* gradients $g^{(j)} = \frac1B\sum_i g_i^{(j)}$ is the subset
#   in which every example uses the same weights $\lambda$: it approximates the
#   Danskin set from inside, and its min-norm element can be longer than the true
#   one. "DDi, per example" solves the min-norm problem over the Minkowski sum
#   itself, with one weight vector $\lambda_i \in \Delta_K$ per example (a QP over
#   $B\times K$ weights), and matches the length as above.
#
# `danskin.train` runs the variants with the same minibatches and the
# same $K$ = {glue:text}`l10-nstarts` PGD attacks per step ({glue:text}`l10-attack-steps`
# steps of size $0.025$ in the ball of radius $0.1$, random starts); PGD uses the
# first attack only. SGD with momentum 0.9, learning rate $0.05$, batches of 128;
# robust accuracy on held-out digits under PGD-10 (best iterate). It also records
# the quantities that decide whether DDi can differ from PGD: the mean pairwise
# cosine of the $K$ minibatch gradients and the largest min-norm weight.

# %%
DIRS = {"pgd": "PGD", "ddi": "DDi (as in the package)", "ddi_matched": "DDi, matched length"}
if P["per_example"]:       # the QP over B x K weights is too slow for the quick profile
    DIRS["ddi_per_example"] = "DDi, per example"

digits_at = {m: danskin.train(
    f, params0, xtr, ytr, xte, yte, direction=m, eps=EPS, attack_step=ATTACK_STEP,
    attack_steps=P["attack_steps"], n_starts=P["n_starts"], steps=P["at_steps"], batch_size=128,
    learning_rate=0.05, record_every=P["record"]) for m in DIRS}
pg = digits_at["pgd"]
cos_all = np.nanmean(np.concatenate([r.cosine[1:] for r in digits_at.values()]))
claims.greater("mean pairwise cosine of the K minibatch gradients (all runs)", cos_all, 0.9,
               glue="l10-cos", fmt=".3f")
claims.glue("l10-cos-min", float(np.nanmin(np.concatenate([r.cosine[1:] for r in
                                                            digits_at.values()]))), ".3f")
claims.glue("l10-maxw", float(np.nanmean(digits_at["ddi"].max_weight[1:])), ".2f")
claims.glue("l10-ratio", float(np.nanmean(digits_at["ddi"].length_ratio[1:])), ".3f")
claims.greater("min-norm element / mean gradient length (DDi run)",
               float(np.nanmean(digits_at["ddi"].length_ratio[1:])), 0.9)
for m, r in digits_at.items():
    claims.glue(f"l10-dig-clean-{m}", r.clean_acc[-1], ".3f")
    claims.glue(f"l10-dig-rob-{m}", r.robust_acc[-1], ".3f")
late = slice(len(pg.steps) // 2, None)           # second half of training, several evaluations
late_rob = {m: float(np.mean(r.robust_acc[late])) for m, r in digits_at.items()}
spread = max(late_rob.values()) - min(late_rob.values())
claims.less("digits: spread of the late robust accuracy over the directions", spread, 0.03,
            glue="l10-dig-spread", fmt=".3f")
rob_clean_net = robust_training.robust_accuracy(f, p_clean, xte, yte, eps=EPS, step=ATTACK_STEP,
                                            steps=10, key=jax.random.PRNGKey(1))
claims.less("digits: robust accuracy of the cleanly trained network minus the worst AT run",
            rob_clean_net - min(r.robust_acc[-1] for r in digits_at.values()), -0.2,
            glue="l10-dig-rob-cleannet", fmt=".3f")
claims.glue("l10-dig-rob-clean", rob_clean_net, ".3f")
claims.glue("l10-attack-steps", P["attack_steps"])
claims.glue("l10-nstarts", P["n_starts"])
plotting.html_table(
    ["direction", "clean acc.", "robust acc. (PGD-10)", "mean late robust acc.",
     "gradient cosine", "largest weight", "‖d‖ / mean ‖g‖"],
    [[DIRS[m], f"{r.clean_acc[-1]:.3f}", f"{r.robust_acc[-1]:.3f}", f"{late_rob[m]:.3f}",
      f"{np.nanmean(r.cosine[1:]):.3f}", f"{np.nanmean(r.max_weight[1:]):.2f}",
      f"{np.nanmean(r.length_ratio[1:]):.3f}"] for m, r in digits_at.items()], align_right_from=1)

# %%
fig, axes = plt.subplots(1, 2, figsize=(7, 3.0))
styles = ["o-", "s--", "^-.", "d:"]
for i, (m, r) in enumerate(digits_at.items()):
    axes[0].plot(r.steps, r.robust_acc, styles[i], ms=4, color=plotting.PALETTE[i], label=DIRS[m])
    axes[1].plot(r.steps[1:], r.cosine[1:], styles[i], ms=4, color=plotting.PALETTE[i])
axes[0].set(xlabel="training step", ylabel="robust test accuracy", ylim=(0, 1))
axes[1].set(xlabel="training step", ylabel="cosine of the K batch gradients")
axes[0].legend(fontsize=7, loc="lower right")
fig.tight_layout()
plotting.glue_figure("fig-l10-at", fig)

# %% [markdown]
# ```{glue:figure} fig-l10-at
# :name: fig-l10-at
# :alt: Left, robust test accuracy against the training step for PGD and the DDi variants, nearly overlapping curves with different markers; right, the mean cosine between the minibatch gradients at the different attacks, close to one throughout.
#
# Adversarial training of the digits network along each direction (left) and the
# agreement of the minibatch gradients that DDi combines (right). The curves lie on
# top of each other; the markers tell them apart.
# ```
#
# All directions end at nearly the same place: the robust accuracy averaged
# over the second half of training differs by at most {glue:text}`l10-dig-spread`
# between them (final values: PGD {glue:text}`l10-dig-rob-pgd`, DDi
# {glue:text}`l10-dig-rob-ddi`, matched length {glue:text}`l10-dig-rob-ddi_matched`),
# far above the
# {glue:text}`l10-dig-rob-clean` of the cleanly trained network. The diagnostics say
# why, and they replace the guess of an earlier version of this page with a
# measurement. The $K$ minibatch gradients at different attacks are nearly parallel:
# their mean pairwise cosine is {glue:text}`l10-cos` (never below
# {glue:text}`l10-cos-min` at any recorded step). Their min-norm combination is then
# close to any one of them: its length is {glue:text}`l10-ratio` of their mean length
# (so the unnormalized DDi step is barely shorter, and matching the length changes
# little), and its largest weight is {glue:text}`l10-maxw` on average, i.e. DDi mostly
# picks one attack's gradient. Averaging over 128 examples washes out the
# disagreement between maximizers that the toy problem shows. What the package's
# DDi approximates is therefore precise: it uses the hull of the $K$ minibatch
# gradients, the part of the Danskin set in which all examples share one weight
# vector. The `full` profile also runs "DDi, per example" over the Minkowski sum of
# the per-example hulls (the last row of its table); the quick profile skips it
# for time, so on this page's quick build that variant is not measured.
# We do not reproduce the gains reported on CIFAR-10 {cite}`latorre2023ddi`; their
# paper reports that the advantage depends on the setting (it is clearest in the
# regime covered by their theory, without batch normalization and momentum).
#
# ## Which loss should the attacker maximize?
#
# The slides' four-class example: the true class is the first, and two
# perturbations give the network outputs
#
# $$
# h(a + \delta_A) = (0.26, 0.24, 0.25, 0.25), \qquad h(a + \delta_B) = (0.49, 0.51, 0, 0).
# $$
#
# **Erratum.** The slides quote cross-entropies $1.38$ and $1.18$; those are the
# values when the vectors are *logits* (passed through a softmax). Read as
# probabilities, as the slides' wording suggests, the cross-entropies are
# $-\log 0.26 = 1.35$ and $-\log 0.49 = 0.71$. Either way the conclusion is the same:
# $\delta_A$ has the larger cross-entropy but leaves the example correctly
# classified, while $\delta_B$ has the smaller one and flips the prediction to
# class 2. An attacker maximizing cross-entropy prefers the useless $\delta_A$.

# %%
hA = jnp.array([[0.26, 0.24, 0.25, 0.25]])
hB = jnp.array([[0.49, 0.51, 0.0, 0.0]])
b0 = jnp.array([0])
ceA = float(losses.cross_entropy(hA, b0)[0])
ceB = float(losses.cross_entropy(hB, b0)[0])
claims.close("CE of A, outputs read as logits", ceA, 1.38, atol=0.005, glue="l10-ceA", fmt=".3f")
claims.close("CE of B, outputs read as logits", ceB, 1.18, atol=0.005, glue="l10-ceB", fmt=".3f")
claims.close("CE of A, outputs read as probabilities", -np.log(0.26), 1.347, atol=1e-3)
claims.close("CE of B, outputs read as probabilities", -np.log(0.49), 0.713, atol=1e-3)
claims.holds("A is still classified correctly, B is not",
             int(jnp.argmax(hA)) == 0 and int(jnp.argmax(hB)) == 1)
mA = float(losses.margin(hA, b0)[0])
mB = float(losses.margin(hB, b0)[0])
claims.less("margin max_j h_j - h_b of A (negative: correct)", mA, 0.0, glue="l10-mA", fmt=".2f")
claims.greater("margin of B (positive: misclassified)", mB, 0.0, glue="l10-mB", fmt=".2f")

# %% [markdown]
# The 0-1 loss is $\mathbb 1[\max_{j\ne b} h_j - h_b > 0]$, a step function of the
# **margin** $\max_{j \ne b} h_j - h_b$ (here {glue:text}`l10-mA` for $A$ and
# {glue:text}`l10-mB` for $B$). Maximizing the margin over the ball maximizes the
# 0-1 loss: if some $\delta$ misclassifies, the margin maximizer has positive margin
# and misclassifies too. Since the max over $j$ and the max over $\delta$ commute,
#
# $$
# \max_{\|\delta\|\le\epsilon}\ \max_{j\ne b}\ \big(h_j - h_b\big)(a + \delta)
# = \max_{j \ne b}\ \max_{\|\delta\|\le\epsilon}\ \big(h_j - h_b\big)(a + \delta),
# $$ (eq-beta)
#
# so one may solve a smooth problem per class $j$, giving $\delta^*_j$, and keep the
# class $j^*$ whose optimized margin is largest. **Erratum.** The slides define $j^*$
# through $\delta^*_{i,j^*}$ itself, a circular definition; by {eq}`eq-beta` the
# right order is to optimize every $\delta^*_j$ first and then pick
# $j^* = \arg\max_j (h_j - h_b)(a + \delta^*_j)$. This is the attacker of the BETA
# method {cite}`robey2023adversarial` (the training step then minimizes the
# cross-entropy at $a + \delta^*_{j^*}$). `attacks.margin_attack` implements it.
# We compare it with the cross-entropy PGD attack at the same budget on the
# PGD-trained digits network, and on the cleanly trained one.

# %%
xb, yb = xte[:P["beta_n"]], yte[:P["beta_n"]]
beta_res = {}
for name, p in (("PGD-AT network", digits_at["pgd"].params), ("clean network", p_clean)):
    ce_adv = attacks.pgd(lambda xa, p=p: losses.cross_entropy(f(p, xa), yb), xb, eps=EPS,
                             step=ATTACK_STEP, steps=10, key=jax.random.PRNGKey(7))
    mg_adv = attacks.margin_attack(f, p, xb, yb, n_classes=10, eps=EPS, step=ATTACK_STEP,
                                       steps=10, key=jax.random.PRNGKey(7))
    beta_res[name] = (robust_training.accuracy(f, p, ce_adv, yb), robust_training.accuracy(f, p, mg_adv, yb))
ce_r, mg_r = beta_res["PGD-AT network"]
claims.glue("l10-beta-n", P["beta_n"])
# "never weaker": not a single image more survives the margin attack (half an image of slack)
claims.less("PGD-AT network: robust acc. under the margin attack minus under CE-PGD", mg_r - ce_r,
            0.5 / P["beta_n"], glue="l10-beta-gain", fmt=".3f")
claims.glue("l10-beta-ce", ce_r, ".3f")
claims.glue("l10-beta-mg", mg_r, ".3f")
claims.less("clean network: robust acc. under the margin attack minus under CE-PGD",
            beta_res["clean network"][1] - beta_res["clean network"][0], 0.0,
            glue="l10-beta-gain-clean", fmt=".3f")
plotting.html_table(["network", "robust acc., CE-PGD-10", "robust acc., margin (BETA) attack"],
                    [[k, f"{v[0]:.3f}", f"{v[1]:.3f}"] for k, v in beta_res.items()],
                    align_right_from=1)

# %% [markdown]
# On the PGD-trained digits network, the margin attacker changes robust accuracy
# from {glue:text}`l10-beta-ce` (cross-entropy PGD-10) to {glue:text}`l10-beta-mg`
# with the same step size and number of steps per class (a change of
# {glue:text}`l10-beta-gain`); on the cleanly trained network the change is
# {glue:text}`l10-beta-gain-clean`. The effect is small at this scale (a few test
# images out of {glue:text}`l10-beta-n`), but the margin attack is never weaker,
# and stronger on the cleanly trained network; it costs nine attacks instead of one. A cross-entropy
# attacker can overestimate robustness, and a training method that maximizes
# cross-entropy in its inner loop trains against a weaker adversary than the
# margin attacker it may be evaluated against.
#
# ## What it means
#
# * The inner maximization of adversarial training has many near-optimal
#   solutions, so the gradient at the one PGD returns is not the gradient of the
#   robust loss, and it may even increase it.
# * DDi replaces it by the min-norm element of the convex hull of the gradients
#   at several maximizers, a descent direction whenever those maximizers cover
#   Danskin's set; the quadratic program is tiny. On a toy max of two quadratics it
#   removes the zig-zag of the PGD direction. On a small network, with the step
#   length matched and even with per-example hulls, we measured no difference: the
#   minibatch gradients at different attacks are nearly parallel, so there is
#   little for DDi to correct.
# * The attacker should maximize the quantity we care about: the margin, not the
#   cross-entropy, is the right surrogate for the 0-1 loss.

# %% [markdown]
# ## Exercises
#
# ```{exercise} The min-norm point of a segment
# :label: ex-l10-segment
# For two gradients $g_1 \ne g_2$, solve {eq}`eq-ddi-qp` in closed form and
# show that the DDi direction is orthogonal to $g_1 - g_2$ whenever both weights are
# positive.
# ```
#
# ```{solution} ex-l10-segment
# :class: dropdown
# Write $\lambda = (t, 1 - t)$ and $d(t) = t g_1 + (1 - t) g_2$. Then
# $\tfrac{d}{dt}\tfrac12\|d\|^2 = \langle d, g_1 - g_2\rangle = t\|g_1 - g_2\|^2 +
# \langle g_2, g_1 - g_2\rangle$, which vanishes at
# $t^* = \langle g_2, g_2 - g_1\rangle/\|g_1 - g_2\|^2$; the minimizer on $[0, 1]$ is
# $t^*$ clipped to $[0, 1]$. When $t^* \in (0, 1)$ the derivative vanishes there, i.e.
# $\langle d, g_1 - g_2\rangle = 0$. (Hence $\langle d, g_1\rangle = \langle d, g_2\rangle = \|d\|^2$:
# both KKT inequalities {eq}`eq-ddi-kkt` are equalities.)
# ```
#
# ```{exercise} DDi without all maximizers
# :label: ex-l10-incomplete
# In the toy problem at $x = (0, 1)$, suppose the attacks return only
# $\delta \in \{0.6, 0.9\}$. Compute the DDi direction and decide whether it
# descends on $f$.
# ```
#
# ```{solution} ex-l10-incomplete
# :class: dropdown
# $\nabla_x\Phi(x, \delta) = (1 - 2\delta, x_2)$, so the gradients are $(-0.2, 1)$ and
# $(-0.8, 1)$. Their min-norm combination is $(-0.2, 1)$ (the segment's first
# coordinates are all negative, and the squared norm $c^2 + 1$ is smallest at
# $c = -0.2$). Danskin: $D_{-d}f = \max_{\delta\in[0,1]}\langle -d, (1 - 2\delta, 1)\rangle
# = \max_\delta\, (0.2(1 - 2\delta) - 1) = -0.8 < 0$, so it still descends; in general,
# however, a direction built from a subset of $S^*(x)$ carries no guarantee (take
# $\delta = 1$ alone: the PGD direction of the lecture ascends).
# ```
#
# ```{exercise} An l2 attack
# :label: ex-l10-l2
# Attack the cleanly trained digits network with PGD in the $\ell_2$ ball of radius
# $1$ (20 steps of size $0.25$, random start) and report its robust accuracy on the
# first 200 test images. Check that every adversarial image lies in the ball and in
# $[0, 1]^{64}$.
# ```
#
# ```{solution-start} ex-l10-l2
# :class: dropdown
# ```

# %%
x2, y2 = xte[:200], yte[:200]
adv_l2 = attacks.pgd(lambda xa: losses.cross_entropy(f(p_clean, xa), y2), x2, eps=1.0,
                         step=0.25, steps=20, norm="l2", key=jax.random.PRNGKey(3))
print("l2 robust accuracy:", robust_training.accuracy(f, p_clean, adv_l2, y2))
assert float(jnp.sqrt(((adv_l2 - x2) ** 2).sum(1)).max()) <= 1.0 + 1e-5
assert float(adv_l2.min()) >= 0.0 and float(adv_l2.max()) <= 1.0

# %% [markdown]
# ```{solution-end}
# ```
#
# ```{exercise} Verify the KKT conditions
# :label: ex-l10-kkt
# Draw 5 random gradients in $\mathbb{R}^{20}$ with a common offset, solve
# {eq}`eq-ddi-qp` with `minimax.min_norm_simplex`, and verify {eq}`eq-ddi-kkt`
# numerically, together with the descent inequality of {prf:ref}`thm-ddi`.
# ```
#
# ```{solution-start} ex-l10-kkt
# :class: dropdown
# ```

# %%
rng_k = np.random.default_rng(1)
Gk = rng_k.normal(size=(5, 20)) + rng_k.normal(size=20)
lam_k = np.asarray(minimax.min_norm_simplex(Gk, iters=3000), dtype=float)
Mk = Gk @ Gk.T
val = lam_k @ Mk @ lam_k
print("weights:", lam_k.round(3))
print("(M lam)_i - lam^T M lam:", (Mk @ lam_k - val).round(4))
d_k = lam_k @ Gk
assert np.all(Mk @ lam_k >= val - 1e-3 * np.trace(Mk))
assert np.all(Gk @ d_k >= d_k @ d_k - 1e-3 * np.trace(Mk))

# %% [markdown]
# ```{solution-end}
# ```
#
# ```{exercise} Margin versus cross-entropy in two classes
# :label: ex-l10-binary
# Show that with two classes, maximizing the cross-entropy and maximizing the
# margin over the same ball give the same maximizers, so the BETA attacker only
# differs from cross-entropy PGD when there are at least three classes.
# ```
#
# ```{solution} ex-l10-binary
# :class: dropdown
# With logits $(h_b, h_j)$, the cross-entropy is $\log(1 + e^{h_j - h_b}) = \log(1 + e^{m})$,
# a strictly increasing function of the margin $m = h_j - h_b$. Maximizing an
# increasing function of $m$ over a set has the same maximizers as maximizing $m$.
# With three or more classes, the cross-entropy $\log(1 + \sum_{j\ne b} e^{h_j - h_b})$
# depends on all margins, not only the largest, which is how $\delta_A$ of the slides'
# example (several medium margins) beats $\delta_B$ (one positive margin).
# ```
