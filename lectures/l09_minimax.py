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
# (lecture-minimax)=
# # Min-max optimization and its pathologies
#
# Adversarial training asks for parameters that do well against the *worst*
# perturbation of each input; a GAN asks a generator to beat the best
# discriminator. Both are problems of the form $\min_x \max_y \Phi(x, y)$. This
# lecture shows why such problems are harder than minimization: the gradient of
# a max-function can point the wrong way, the natural first-order methods can
# spiral away from a solution, and, worse, they can settle on a closed orbit that
# contains no critical point at all. The material follows Part I of the CVPR 2023
# tutorial of Cevher, Liu and Chrysos {cite}`cevher2023cvpr` and the paper of
# Hsieh, Mertikopoulos and Cevher {cite}`hsieh2021limits`; several formulas of the
# slides are corrected on the way (each fix is flagged).

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
import matplotlib.pyplot as plt
import numpy as np

from ntk_course import claims, config, minimax, plotting

plotting.use_style()
print(config.device_report())

# %% [markdown]
# All sizes of this page come from one place. The `quick` profile integrates the
# flows for a shorter time and uses coarser grids; the `full` profile refines both.

# %%
P = config.scale(
    quick=dict(flow_time=150.0, disc_steps=3000, basin_grid=15, wm_grid=161,
               w1_sizes=[16, 32, 64, 128, 256], w1_reps=8),
    full=dict(flow_time=400.0, disc_steps=8000, basin_grid=41, wm_grid=401,
              w1_sizes=[16, 32, 64, 128, 256, 512, 1024], w1_reps=16),
)
P

# %% [markdown]
# ## Setup: the game vector field
#
# Throughout, $x \in \mathbb{R}^m$ is the minimizing player, $y \in \mathbb{R}^n$
# the maximizing one, and $z = (x, y)$. Gradient descent for $x$ and gradient
# ascent for $y$ both move against the **game vector field**
#
# $$
# V(z) = \begin{pmatrix} \nabla_x \Phi(x, y) \\ -\nabla_y \Phi(x, y) \end{pmatrix},
# \qquad \dot z = -V(z).
# $$ (eq-game-field)
#
# A zero of $V$ is a *critical point* of $\Phi$. For a convex-concave $\Phi$, $V$
# is a monotone operator, $\langle V(z) - V(z'), z - z' \rangle \ge 0$, and the
# theory of monotone operators {cite}`rockafellar1976monotone` applies. Without
# convex-concavity nothing of the sort is guaranteed, and this lecture is about
# what goes wrong. The package module `ntk_course.minimax` computes $V$ by
# automatic differentiation of $\Phi$ and implements every method below.
#
# ## Danskin's theorem: the gradient of a max-function
#
# Adversarial training minimizes $f(x) = \max_{y \in S} \Phi(x, y)$, where $x$ are
# the weights and $y$ ranges over allowed perturbations. Which direction should
# the weights move in?
#
# ```{prf:theorem} Danskin
# :label: thm-danskin
# Let $S$ be a compact set and $\Phi: \mathbb{R}^p \times S \to \mathbb{R}$ continuous,
# with $\Phi(\cdot, y)$ differentiable for each $y$ and $\nabla_x \Phi$ continuous on
# $\mathbb{R}^p \times S$. Let $f(x) = \max_{y \in S} \Phi(x, y)$ and
# $S^*(x) = \arg\max_{y \in S} \Phi(x, y)$. Then $f$ has a directional derivative
# in every direction $\gamma$, and
#
# $$
# D_\gamma f(x) = \max_{y \in S^*(x)} \langle \gamma, \nabla_x \Phi(x, y) \rangle .
# $$ (eq-danskin)
#
# If $S^*(x) = \{y^*\}$ is a single point, $f$ is differentiable at $x$ and
# $\nabla f(x) = \nabla_x \Phi(x, y^*)$.
# ```
#
# ```{prf:proof}
# *Lower bound.* For any $y \in S^*(x)$ and $t > 0$,
# $f(x + t\gamma) - f(x) \ge \Phi(x + t\gamma, y) - \Phi(x, y) = t \langle \gamma,
# \nabla_x\Phi(x, y)\rangle + o(t)$; divide by $t$ and maximize over $y \in S^*(x)$.
#
# *Upper bound.* Pick $y_t \in S^*(x + t\gamma)$. Since $\Phi(x, y_t) \le f(x)$,
# the mean-value theorem gives $f(x + t\gamma) - f(x) \le \Phi(x + t\gamma, y_t) -
# \Phi(x, y_t) = t \langle \gamma, \nabla_x \Phi(x + s_t \gamma, y_t) \rangle$ for some
# $s_t \in (0, t)$. Take a sequence $t_k \to 0$ realizing the limit superior; by
# compactness a subsequence of $y_{t_k}$ converges to some $\bar y$, and by
# continuity of $\Phi$ and of the max, $\bar y \in S^*(x)$. Continuity of
# $\nabla_x \Phi$ then bounds the limit superior of the quotient by
# $\langle\gamma, \nabla_x\Phi(x, \bar y)\rangle$, which is at most the right side
# of {eq}`eq-danskin`. The two bounds agree. With a single maximizer, the right
# side of {eq}`eq-danskin` is linear in $\gamma$, which is differentiability.
# ```
#
# The slides state the theorem without the codomain of $\Phi$ (it is
# $\mathbb{R}$) and write $\mathbb{E}_i \nabla f_i(x) = \nabla f_i(x)$ for the
# stochastic gradient; the correct identity is $\mathbb{E}_i \nabla f_i(x) =
# \nabla f(x)$ with $f = \frac1n \sum_i f_i$.
#
# The practical reading of {eq}`eq-danskin`: $-g$ is a descent direction of $f$
# only if $\langle g, \nabla_x \Phi(x, y) \rangle > 0$ for **every** maximizer
# $y$, not just for the one an attack happened to return. The standard
# counterexample {cite}`latorre2023ddi` makes this concrete.
#
# ```{prf:example} The absolute value as a max-function
# :label: ex-danskin-abs
# Let $S = [-1, 1]$ and $\Phi(x, \delta) = x\delta$. Then $f(x) = |x|$ and
# $S^*(0) = [-1, 1]$. The maximizer $\delta = 1$ gives $\nabla_x\Phi(0, 1) = 1$, and
# stepping along its negative, to $x = -\eta$, *raises* $f$ from $0$ to $\eta$.
# By {eq}`eq-danskin`, $D_\gamma f(0) = \max_{|\delta| \le 1} \gamma\delta = |\gamma| > 0$
# for every $\gamma \ne 0$: no direction descends, as it should be at the minimum.
# ```

# %%
eta = 0.1
grads_at_0 = np.array([[-1.0], [1.0]])  # d/dx (x * delta) at the two extreme maximizers
f_abs = lambda x: np.max(np.outer(x, np.linspace(-1, 1, 201)), axis=1)  # max over a grid of delta
claims.close("f after a step along -grad Phi(0, delta=1)", f_abs(np.array([-eta]))[0], eta,
             atol=1e-12, glue="l9-abs-step")
for gamma in (-1.0, 1.0):
    claims.close(f"Danskin derivative of |x| at 0 in direction {gamma:+.0f}",
                 minimax.danskin_directional_derivative(grads_at_0, [gamma]), 1.0, atol=1e-12)
lam = np.asarray(minimax.min_norm_simplex(grads_at_0))
claims.less("norm of the min-norm element of conv{-1, +1}", float(abs(lam @ grads_at_0[:, 0])),
            1e-5)

xs = np.linspace(-1, 1, 201)
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(xs, f_abs(xs), label=r"$f(x)=\max_{|\delta|\leq 1} x\delta = |x|$")
ax.plot(xs, xs, "--", label=r"$\Phi(x, 1) = x$ (one maximizer at $x=0$)")
ax.annotate("", xy=(-0.35, 0.0), xytext=(0.0, 0.0),
            arrowprops=dict(arrowstyle="->", color=plotting.PALETTE[1]))
ax.set_xlabel("x"); ax.legend(); ax.set_title("Stepping along $-\\nabla_x\\Phi(0, 1)$ raises $f$")
fig.tight_layout()
plotting.glue_figure("fig-l9-danskin", fig)

# %% [markdown]
# ```{glue:figure} fig-l9-danskin
# :name: fig-l9-danskin
# :alt: Plot of the function absolute value of x, a V shape, together with the straight line Phi(x, 1) = x through the origin.
#
# At $x = 0$ every $\delta \in [-1, 1]$ maximizes $x\delta$; the gradient at the maximizer
# $\delta = 1$ is $1$, yet stepping along its negative raises $f(x) = |x|$.
# ```
#
# A step of size $\eta = 0.1$ along $-\nabla_x\Phi(0, 1)$ lands at
# $f = ${glue:text}`l9-abs-step`, above $f(0) = 0$. The minimum-norm element of the
# convex hull of the two extreme gradients $\{-1, +1\}$ is $0$, which correctly
# reports that $x = 0$ is stationary; this is the idea behind Danskin's descent
# direction, developed in {ref}`lecture-ddi`.
#
# ## Local Nash equilibria
#
# ```{prf:definition} Local Nash equilibrium
# :label: def-lne
# $(x^*, y^*)$ is a local Nash equilibrium (LNE) of $\min_x\max_y\Phi$ if there is an
# $r > 0$ such that $\Phi(x^*, y) \le \Phi(x^*, y^*) \le \Phi(x, y^*)$ whenever
# $\|x - x^*\| \le r$ and $\|y - y^*\| \le r$.
# ```
#
# Each player's inequality says that its own coordinate is a local optimum of a
# function of that coordinate alone. A local minimum of a twice-differentiable
# function has zero gradient and a positive semidefinite Hessian (expand
# $\Phi(x^* + h, y^*) = \Phi^* + \langle\nabla_x\Phi, h\rangle + \tfrac12 h^\top
# \nabla_{xx}\Phi\, h + o(\|h\|^2)$ and let $h \to 0$ along any direction); the
# same expansion in $y$ gives the maximum's conditions. Hence
#
# $$
# V(z^*) = 0, \qquad \nabla_{xx}\Phi(z^*) \succeq 0, \qquad \nabla_{yy}\Phi(z^*) \preceq 0 .
# $$ (eq-lne-necessary)
#
# These conditions are necessary, not sufficient, as the two saddles of the
# slides show.
#
# * **Monkey saddle** $\Phi = x^3 - 3xy^2$. $V = (3x^2 - 3y^2,\, 6xy)$ vanishes
#   only when $xy = 0$ and $x^2 = y^2$, that is at the origin, where all second
#   derivatives ($\Phi_{xx} = 6x$, $\Phi_{yy} = -6x$) vanish, so
#   {eq}`eq-lne-necessary` holds. Yet $\Phi(x, 0) = x^3 < 0$ for $x < 0$: the
#   minimizing player can improve, and the origin is not an LNE.
# * **The "weird" saddle** $\Phi = -x^2y^2 + xy$. Here $V = (y(1 - 2xy),\,
#   -x(1 - 2xy))$ vanishes at the origin and on the whole hyperbola $xy = 1/2$.
#   At the origin $\Phi(0, y) = \Phi(x, 0) = 0$, so both inequalities of
#   {prf:ref}`def-lne` hold with equality: an LNE, though not a strict one. On the
#   hyperbola, $\Phi(x, y_0) = t - t^2$ with $t = x y_0$ is *maximal* at $t = 1/2$:
#   the minimizing player sits at its worst point, $\Phi_{xx} = -2y^2 < 0$, and none
#   of these critical points is an LNE.
#
# The code finds the critical points by Newton's method from random starts and
# tests the LNE inequalities on random deviations in a small ball.

# %%
rng = np.random.default_rng(config.SEED)
starts = rng.uniform(-2, 2, size=(30, 2))
monkey, weird = minimax.monkey_saddle(), minimax.weird_saddle()
cp_monkey = minimax.critical_points(monkey, starts)
claims.close("critical points of the monkey saddle found", len(cp_monkey), 1)
claims.less("distance of the monkey-saddle critical point from 0",
            float(np.linalg.norm(cp_monkey[0])), 1e-2)
claims.holds("monkey saddle: origin passes the second-order test",
             minimax.second_order_conditions(monkey, [0.0, 0.0]) == (True, True))
claims.holds("monkey saddle: origin is NOT a local Nash equilibrium",
             not minimax.is_local_nash(monkey, [0.0, 0.0]))

cp_weird = minimax.critical_points(weird, starts)
on_hyperbola = np.abs(cp_weird[:, 0] * cp_weird[:, 1] - 0.5) < 1e-3
at_origin = np.linalg.norm(cp_weird, axis=1) < 1e-3
claims.holds("weird saddle: every critical point found is 0 or on xy = 1/2",
             bool(np.all(on_hyperbola | at_origin)), f"{len(cp_weird)} points")
claims.greater("weird saddle: distinct critical points found on the hyperbola",
               int(on_hyperbola.sum()), 3, glue="l9-weird-ncp")
claims.holds("weird saddle: origin is a local Nash equilibrium",
             minimax.is_local_nash(weird, [0.0, 0.0]))
claims.holds("weird saddle: no hyperbola point is a local Nash equilibrium",
             not any(minimax.is_local_nash(weird, z) for z in cp_weird[on_hyperbola]))

fig, axes = plt.subplots(1, 2, figsize=(7, 3.0))
g1 = np.linspace(-1.5, 1.5, 121)
X, Y = np.meshgrid(g1, g1)
for ax, g, cps, title in ((axes[0], monkey, cp_monkey, "monkey saddle $x^3-3xy^2$"),
                          (axes[1], weird, cp_weird, "weird saddle $-x^2y^2+xy$")):
    Z = g.value(np.stack([X.ravel(), Y.ravel()], axis=1)).reshape(X.shape)  # one call
    cs = ax.contourf(X, Y, Z, levels=30, cmap="RdBu_r")
    q = np.linspace(-1.4, 1.4, 13)
    QX, QY = np.meshgrid(q, q)
    F = -g.field(np.stack([QX.ravel(), QY.ravel()], axis=1))
    ax.quiver(QX, QY, F[:, 0], F[:, 1], color="k", alpha=0.5)
    ax.plot(cps[:, 0], cps[:, 1], "o", color=plotting.PALETTE[4], label="critical points")
    if g is weird:
        h = np.linspace(0.34, 1.5, 50)
        ax.plot(h, 0.5 / h, color=plotting.PALETTE[4], lw=1)
        ax.plot(-h, -0.5 / h, color=plotting.PALETTE[4], lw=1)
    ax.set_xlim(-1.5, 1.5); ax.set_ylim(-1.5, 1.5)
    ax.set_xlabel("x (min)"); ax.set_ylabel("y (max)"); ax.set_title(title)
    fig.colorbar(cs, ax=ax)
axes[0].legend(loc="lower left")
fig.tight_layout()
plotting.glue_figure("fig-l9-saddles", fig)

# %% [markdown]
# ```{glue:figure} fig-l9-saddles
# :name: fig-l9-saddles
# :alt: Two contour plots with colorbars of the monkey saddle and a second cubic game, with their critical points marked.
#
# Contours (with colorbars) and the field $-V$ (arrows) of the monkey saddle and the
# weird saddle, with the critical points found (markers). The monkey saddle's only
# critical point is not a local Nash equilibrium; the weird saddle's origin is one,
# and the points on the hyperbola $xy = 1/2$ are not.
# ```
#
# Newton's method from 30 random starts returns the origin alone for the monkey
# saddle, and for the weird saddle the origin plus {glue:text}`l9-weird-ncp`
# distinct points, all on the hyperbola. The arrows show $-V$, the direction
# simultaneous gradient descent-ascent moves in.
#
# (sec-bilinear-methods)=
# ## Five methods on the bilinear game
#
# The simplest game, $\min_x\max_y xy$, has its only critical point (an LNE) at
# the origin and $V(z) = Az$ with
# $A = \left(\begin{smallmatrix} 0 & 1 \\ -1 & 0\end{smallmatrix}\right)$, a
# rotation generator: $A^2 = -I$ and the eigenvalues of $A$ are $\mu = \pm i$. The
# flow $\dot z = -Az$ circles the origin at constant radius. With step $\alpha$,
# the methods listed in the slides read:
#
# | method | update |
# |---|---|
# | GDA | $z^{k+1} = z^k - \alpha V(z^k)$ |
# | PPM {cite}`rockafellar1976monotone` | $z^{k+1} = z^k - \alpha V(z^{k+1})$ |
# | EG {cite}`korpelevich1976extragradient` | $z^{k+1} = z^k - \alpha V(z^k - \alpha V(z^k))$ |
# | OGDA {cite}`daskalakis2018training` | $z^{k+1} = z^k - \alpha\,[2V(z^k) - V(z^{k-1})]$ |
# | RFBS {cite}`cevher2021reflected` | $z^{k+1} = z^k - \alpha V(2z^k - z^{k-1})$ |
#
# **Erratum.** The slides print extragradient with $V(z^{k-1})$ inside, i.e.
# $z^{k+1} = z^k - \alpha V(z^k - \alpha V(z^{k-1}))$; Korpelevich's method
# extrapolates from the current point. We analyse both ("EG (slides)" below).
#
# Written out, EG and OGDA take a few lines each. EG first takes a trial GDA step
# to $z^k - \alpha V(z^k)$, a guess of where the simultaneous play is heading, and then
# moves from $z^k$ (not from the trial point) along the field read at the guess, so each
# player answers the opponent's *anticipated* move rather than its current one. OGDA
# gets a similar look-ahead without a second field evaluation: it writes
# $2V(z^k) - V(z^{k-1}) = V(z^k) + [V(z^k) - V(z^{k-1})]$, i.e. it adds to the
# current field its last change, a linear forecast of the next field from the two
# it has seen. Below, the field of $\min_x\max_y xy$ is typed in by hand, as is
# that of the almost-bilinear game {eq}`eq-almost-bilinear` of {ref}`sec-spurious`
# with $\epsilon = 0.5$ (nonlinear, so
# that OGDA differs there from RFBS and EG from "EG (slides)"), and twenty
# iterates of each method are compared with `minimax.run` in float64.

# %%
def V_bilinear(z):                       # Phi = x y:  V = (dPhi/dx, -dPhi/dy) = (y, -x)
    return np.array([z[1], -z[0]])


def V_almost(z, eps=0.5):                # Phi = x y + eps (y^2/2 - y^4/4)
    return np.array([z[1], -z[0] - eps * (z[1] - z[1] ** 3)])


def eg_step(V, z, a):
    z_trial = z - a * V(z)               # extrapolate: a trial GDA step
    return z - a * V(z_trial)            # update from z with the field at the trial point


def ogda_step(V, z, z_prev, a):
    return z - a * (2 * V(z) - V(z_prev))  # = z - a [V(z) + (V(z) - V(z_prev))]


def iterate(V, method, z0, a, n):
    zs, z_prev = [np.asarray(z0, dtype=float)], np.asarray(z0, dtype=float)  # z^{-1} = z^0
    for _ in range(n):
        z = zs[-1]
        zs.append(eg_step(V, z, a) if method == "eg" else ogda_step(V, z, z_prev, a))
        z_prev = z
    return np.array(zs)


gap = 0.0
with config.double_precision():
    for V, g in ((V_bilinear, minimax.bilinear()), (V_almost, minimax.almost_bilinear(0.5))):
        for m in ("eg", "ogda"):
            mine = iterate(V, m, [1.0, 0.0], 0.3, 20)
            pkg = minimax.run(g, m, [1.0, 0.0], step=0.3, steps=20)
            gap = max(gap, float(np.max(np.abs(mine - pkg))))
    gap_rfbs = float(np.max(np.abs(iterate(V_almost, "ogda", [1.0, 0.0], 0.3, 20)
                                   - minimax.run(minimax.almost_bilinear(0.5), "rfbs",
                                                 [1.0, 0.0], step=0.3, steps=20))))
claims.less("readable EG and OGDA against minimax.run (float64, 20 iterates, two games): "
            "largest difference", gap, 1e-12, glue="l9-readable-gap", fmt=".1e")
claims.greater("almost bilinear: readable OGDA against the package's RFBS (a different "
               "method): largest difference", gap_rfbs, 1e-3, glue="l9-readable-rfbs", fmt=".2f")

# %% [markdown]
# The two implementations agree to {glue:text}`l9-readable-gap` on every
# coordinate of every iterate, while the same comparison of OGDA with the package's
# RFBS on the nonlinear game is off by {glue:text}`l9-readable-rfbs`: the check
# tells the methods apart.
#
# On the bilinear game $V$ is linear, so each update is a linear map, and the iterates decay or
# grow like the spectral radius of that map. Acting on an eigenvector of $A$ with
# eigenvalue $\mu$, $|\mu| = 1$:
#
# * GDA multiplies by $1 - \alpha\mu$, so $\rho_{\rm GDA} = \sqrt{1 + \alpha^2} > 1$:
#   divergence for every step size.
# * PPM solves $(I + \alpha A) z^{k+1} = z^k$: $\rho_{\rm PPM} = 1/\sqrt{1 + \alpha^2} < 1$
#   for every step size.
# * EG applies $I - \alpha A + \alpha^2 A^2 = (1 - \alpha^2) I - \alpha A$:
#
# $$
# \rho_{\rm EG}(\alpha) = \sqrt{(1-\alpha^2)^2 + \alpha^2} = \sqrt{1 - \alpha^2 + \alpha^4},
# $$ (eq-rho-eg)
#
#   below one exactly when $\alpha < 1$, smallest ($\sqrt3/2$) at $\alpha = 1/\sqrt2$.
# * OGDA and RFBS **coincide** on a linear field, since
#   $V(2z^k - z^{k-1}) = 2V(z^k) - V(z^{k-1})$. Their two-step recursion
#   $z^{k+1} = (I - 2\alpha A) z^k + \alpha A z^{k-1}$ has characteristic polynomial
#   $\lambda^2 - (1 - 2\alpha\mu)\lambda - \alpha\mu$ whose discriminant is
#   $(1 - 2\alpha\mu)^2 + 4\alpha\mu = 1 + 4\alpha^2\mu^2 = 1 - 4\alpha^2$. The roots
#   are $\lambda_\pm = \tfrac12[(1 - 2\alpha\mu) \pm \sqrt{1 - 4\alpha^2}]$; taking moduli,
#
# $$
# \rho_{\rm OGDA}(\alpha)^2 =
# \begin{cases} \tfrac12\big(1 + \sqrt{1 - 4\alpha^2}\big), & \alpha \le \tfrac12,\\[2pt]
# \tfrac14\big(1 + (2\alpha + \sqrt{4\alpha^2 - 1})^2\big), & \alpha > \tfrac12 .\end{cases}
# $$ (eq-rho-ogda)
#
#   Setting the second branch to one gives $2\alpha + \sqrt{4\alpha^2-1} = \sqrt3$,
#   i.e. $\alpha = 1/\sqrt3$: OGDA and RFBS converge exactly for $\alpha < 1/\sqrt3$.
# * EG (slides) gives $z^{k+1} = (I - \alpha A) z^k - \alpha^2 z^{k-1}$ with
#   characteristic polynomial $\lambda^2 - (1 - \alpha\mu)\lambda + \alpha^2$. The
#   product of its roots is $\alpha^2$, so $\rho \ge \alpha$; we find its threshold
#   numerically.
#
# The code compares each formula with the eigenvalues of the iteration matrix
# (a $2\times2$ matrix for one-step methods, a $4\times4$ companion matrix on
# $(z^k, z^{k-1})$ for two-step ones) and locates each threshold by bisection.

# %%
bil = minimax.bilinear()
labels = {"gda": "GDA", "ppm": "PPM", "eg": "EG", "eg_seed": "EG (slides)", "ogda": "OGDA",
          "rfbs": "RFBS"}
alphas = np.linspace(0.01, 2.0, 400)
max_gap = 0.0
for m in labels:
    num = np.array([minimax.bilinear_spectral_radius(m, a) for a in alphas])
    max_gap = max(max_gap, float(np.max(np.abs(num - minimax.spectral_radius_closed_form(m, alphas)))))
claims.less("largest gap between closed-form and numerical spectral radii", max_gap, 1e-9)

thr = {m: minimax.stability_threshold(lambda a, m=m: minimax.bilinear_spectral_radius(m, a),
                                      hi=3.0) for m in labels}
claims.holds("GDA: spectral radius above 1 for every step tried",
             bool(np.all([minimax.bilinear_spectral_radius("gda", a) > 1 for a in alphas])))
claims.holds("PPM: spectral radius below 1 for every step tried",
             bool(np.all([minimax.bilinear_spectral_radius("ppm", a) < 1 for a in alphas])))
claims.close("EG step-size threshold", thr["eg"], 1.0, atol=1e-6, glue="l9-thr-eg", fmt=".4f")
claims.close("OGDA step-size threshold", thr["ogda"], 1 / np.sqrt(3), atol=1e-6,
             glue="l9-thr-ogda", fmt=".4f")
claims.close("RFBS step-size threshold", thr["rfbs"], 1 / np.sqrt(3), atol=1e-6,
             glue="l9-thr-rfbs", fmt=".4f")
claims.between("EG (slides) step-size threshold", thr["eg_seed"], 0.3, 0.6,
               glue="l9-thr-egseed", fmt=".4f")
claims.close("best EG contraction factor (at alpha = 1/sqrt 2)",
             minimax.bilinear_spectral_radius("eg", 2 ** -0.5), np.sqrt(3) / 2, atol=1e-12,
             glue="l9-eg-best", fmt=".4f")

# %% [markdown]
# The measured decay of the iterates agrees with the spectral radius: the
# $k$-th root of $\|z^k\|/\|z^0\|$ approaches it.

# %%
alpha = 0.3
z0 = np.array([1.0, 0.0])
n_it = 60
trajs = {m: minimax.run(bil, m, z0, step=alpha, steps=n_it) for m in labels}
for m in ("gda", "ppm", "eg", "ogda"):
    rate = (np.linalg.norm(trajs[m][-1]) / np.linalg.norm(z0)) ** (1 / n_it)
    claims.close(f"{labels[m]}: measured per-step rate vs spectral radius at alpha=0.3", rate,
                 minimax.bilinear_spectral_radius(m, alpha), rtol=0.01)

fig, axes = plt.subplots(1, 2, figsize=(7, 3.0))
for i, (m, tr) in enumerate(trajs.items()):
    axes[0].plot(tr[:, 0], tr[:, 1], "-", lw=1, color=plotting.PALETTE[i], label=labels[m])
axes[0].plot(0, 0, "k*", ms=10)
axes[0].set_xlabel("x"); axes[0].set_ylabel("y"); axes[0].set_aspect("equal")
axes[0].set_title(rf"$\min_x\max_y xy$, $\alpha={alpha}$, {n_it} steps from (1, 0)")
axes[0].set_xlim(-2.5, 2.5); axes[0].set_ylim(-2.5, 2.5)
axes[0].legend(fontsize=8, loc="upper left")
for i, m in enumerate(labels):
    axes[1].plot(alphas, minimax.spectral_radius_closed_form(m, alphas), color=plotting.PALETTE[i],
                 label=labels[m], lw=1.2, ls="--" if m == "rfbs" else "-")
    sub = alphas[::25]
    axes[1].plot(sub, [minimax.bilinear_spectral_radius(m, a) for a in sub], "o", ms=3,
                 color=plotting.PALETTE[i])
axes[1].axhline(1, color="k", lw=0.8)
axes[1].set_ylim(0.4, 2.0)
axes[1].set_xlabel(r"step size $\alpha$"); axes[1].set_ylabel("spectral radius")
axes[1].set_title("closed form (lines) vs eigenvalues (dots)")
axes[1].legend(fontsize=8)
fig.tight_layout()
plotting.glue_figure("fig-l9-bilinear", fig)

# %% [markdown]
# ```{glue:figure} fig-l9-bilinear
# :name: fig-l9-bilinear
# :alt: Left, trajectories of five methods on the bilinear game spiralling out or in; right, the spectral radius of each method against the step size, lines for the closed form and dots for the computed eigenvalues, with a horizontal line at one.
#
# The bilinear game $\min_x\max_y xy$. Left: trajectories of the five methods.
# Right: spectral radius of each update against the step size; below 1 the method
# converges.
# ```
#
# The step-size thresholds found by bisection on the eigenvalues: GDA has none
# (it diverges for every $\alpha > 0$), PPM converges for all $\alpha$, EG for
# $\alpha <$ {glue:text}`l9-thr-eg` with best factor {glue:text}`l9-eg-best`,
# OGDA and RFBS for $\alpha <$ {glue:text}`l9-thr-ogda` $= 1/\sqrt3$, and the
# slides' variant of EG only for $\alpha <$ {glue:text}`l9-thr-egseed`. EG, OGDA
# and RFBS can be read as explicit approximations of the implicit PPM step
# $z^{k+1} = z^k - \alpha V(z^{k+1})$: each replaces the unknown $z^{k+1}$ inside $V$
# by a guess built from points already computed {cite}`cevher2023cvpr`.
#
# (sec-spurious)=
# ## Spurious attractors
#
# Consider a stochastic first-order scheme $z^{k+1} = z^k - \alpha_k\,(V(z^k) + U^k + b^k)$
# (a Robbins-Monro scheme; EG and OGDA fit the template too, with their own
# $U^k, b^k$). Assume (i) step sizes with $\sum_k\alpha_k = \infty$ and
# $\sum_k\alpha_k^2 < \infty$; (ii) noise $U^k$ that is a martingale difference
# sequence, $\mathbb E[U^k \mid z^0, \dots, z^k] = 0$, with bounded second moments
# $\sup_k\mathbb E\|U^k\|^2 < \infty$, and a bias $b^k \to 0$; (iii) a locally
# Lipschitz field $V$; and (iv) trajectories that stay bounded,
# $\sup_k\|z^k\| < \infty$ almost surely. Then, almost surely, the limit set of
# $(z^k)$ is an *internally chain-transitive* set of the mean flow
# $\dot z = -V(z)$ {cite}`benaim1999dynamics,hsieh2021limits`: the iterates behave
# like an asymptotic pseudo-trajectory of the flow. Without (i) the noise does
# not average out (constant steps leave a stationary spread), and without (iv)
# the statement says nothing about diverging runs. In minimization these are sets of critical points; in
# min-max games they may be periodic orbits with no critical point on them. Two
# examples of {cite}`hsieh2021limits` show it.
#
# ### The almost-bilinear game
#
# **Erratum.** The slides write $\Phi(x, y) = xy + \epsilon\phi(x)$ with
# $\phi(u) = u^2/2 - u^4/4$ and $x$ minimizing. Then
# $-V = (-y - \epsilon(x - x^3),\, x)$, whose linearization at the origin,
# $\left(\begin{smallmatrix} -\epsilon & -1 \\ 1 & 0 \end{smallmatrix}\right)$, has
# eigenvalues with real part $-\epsilon/2 < 0$: the origin *attracts* nearby points
# and no spurious cycle appears near it. The pathology needs the perturbation on
# the maximizing player,
#
# $$
# \Phi(x, y) = xy + \epsilon\,\phi(y), \qquad \phi(u) = \tfrac12 u^2 - \tfrac14 u^4 .
# $$ (eq-almost-bilinear)
#
# Now $V = (y,\, -x - \epsilon(y - y^3))$, and the flow is $\dot x = -y$,
# $\dot y = x + \epsilon(y - y^3)$. Its only critical point is the origin (from
# $V = 0$: $y = 0$, then $x = 0$), with Jacobian
# $\left(\begin{smallmatrix} 0 & -1 \\ 1 & \epsilon \end{smallmatrix}\right)$ and
# eigenvalues $\tfrac12(\epsilon \pm \sqrt{\epsilon^2 - 4})$: an unstable focus for
# $0 < \epsilon < 2$. (The origin is not even an LNE, since
# $\Phi_{yy}(0) = \epsilon > 0$.) Eliminating $y = -\dot x$ gives **Rayleigh's
# equation**
#
# $$
# \ddot x - \epsilon(\dot x - \dot x^3) + x = 0 .
# $$ (eq-rayleigh)
#
# For small $\epsilon$ the energy $E = \tfrac12(x^2 + \dot x^2)$ changes at rate
# $\dot E = \epsilon\,\dot x^2(1 - \dot x^2)$. On a near-circular orbit
# $x \approx a\cos t$ the average of $\dot x^2(1 - \dot x^2)$ over a period is
# $\tfrac{a^2}{2} - \tfrac{3a^4}{8}$, which vanishes at $a = 2/\sqrt3 \approx 1.155$:
# orbits inside grow, orbits outside shrink, and there is one attracting limit cycle
# of amplitude $2/\sqrt3$ and period $2\pi + O(\epsilon^2)$ in both coordinates
# {cite}`strogatz2015nonlinear`. It encloses the critical point and contains none.
# Below we use $\epsilon = 0.5$ (the slides do not give a value), large enough for
# fast convergence, so we expect small corrections to the small-$\epsilon$ values.

# %%
EPS = 0.5
ab = minimax.almost_bilinear(EPS)            # perturbation on y (the corrected example)
ab_slides = minimax.almost_bilinear(EPS, player="x")
dt = 0.01
flow_in = minimax.flow(ab, [0.1, 0.0], time=P["flow_time"], dt=dt)
flow_out = minimax.flow(ab, [2.0, 2.0], time=P["flow_time"], dt=dt)
cyc = minimax.limit_cycle(flow_in, dt=dt, tail=0.3)
cyc_out = minimax.limit_cycle(flow_out, dt=dt, tail=0.3)
eig0 = np.linalg.eigvals(-minimax.jacobian(ab, [0.0, 0.0]))
claims.close("almost bilinear: only critical point found", len(minimax.critical_points(ab, starts)),
             1)
claims.close("almost bilinear: real part of the Jacobian eigenvalues at 0", eig0.real.max(),
             EPS / 2, atol=1e-5, glue="l9-ab-re", fmt=".3f")
claims.close("almost bilinear: imaginary part of the eigenvalues at 0", abs(eig0.imag).max(),
             np.sqrt(4 - EPS ** 2) / 2, atol=1e-5, glue="l9-ab-im", fmt=".3f")
claims.close("almost bilinear: x-amplitude of the cycle (Rayleigh, small eps: 2/sqrt3)",
             cyc.amplitude[0], 2 / np.sqrt(3), rtol=0.05, glue="l9-ab-ampx", fmt=".3f")
claims.close("almost bilinear: y-amplitude of the cycle", cyc.amplitude[1], 2 / np.sqrt(3),
             rtol=0.05, glue="l9-ab-ampy", fmt=".3f")
claims.close("almost bilinear: period of the cycle (small eps: 2 pi)", cyc.period, 2 * np.pi,
             rtol=0.03, glue="l9-ab-period", fmt=".3f")
claims.greater("almost bilinear: smallest distance of the cycle from the critical point",
               cyc.min_radius, 1.0, glue="l9-ab-rmin", fmt=".3f")
claims.close("same cycle reached from outside (x-amplitude)", cyc_out.amplitude[0],
             cyc.amplitude[0], rtol=1e-3)
slides_in = minimax.flow(ab_slides, [0.5, 0.0], time=P["flow_time"], dt=dt)
slides_out = minimax.flow(ab_slides, [1.5, 0.0], time=20.0, dt=dt)
claims.less("slides' version: distance to 0 after the flow from (0.5, 0)",
            float(np.linalg.norm(slides_in[-1])), 1e-3)
claims.holds("slides' version: the flow from (1.5, 0) escapes to infinity",
             bool(~np.all(np.isfinite(slides_out[-1])) or np.linalg.norm(slides_out[-1]) > 10))

# %% [markdown]
# The discrete methods inherit the cycle. With a small step ($\alpha = 0.05$),
# GDA, EG, OGDA, RFBS and PPM started next to the critical point all spiral out
# and settle on a closed orbit close to the flow's: GDA slightly outside it
# (its explicit step adds an outward drift of order $\alpha$), the others
# slightly inside.

# %%
a_disc = 0.05
disc = {}
for m in ("gda", "eg", "ogda", "rfbs", "ppm"):
    n_steps = P["disc_steps"] if m != "ppm" else P["disc_steps"] // 2
    tr = minimax.run(ab, m, np.array([0.1, 0.0]), step=a_disc, steps=n_steps)
    disc[m] = (tr, minimax.limit_cycle(tr, dt=a_disc, tail=0.3))
    claims.between(f"almost bilinear, {labels[m]} (alpha=0.05): x-amplitude of the orbit",
                   disc[m][1].amplitude[0], 0.9, 1.5, glue=f"l9-ab-amp-{m}", fmt=".3f")
    claims.greater(f"almost bilinear, {labels[m]}: orbit stays away from the critical point",
                   disc[m][1].min_radius, 0.8)

claims.greater("GDA's orbit lies outside the flow's cycle (x-amplitude difference)",
               disc["gda"][1].amplitude[0] - cyc.amplitude[0], 0.0)
for m in ("eg", "ogda", "rfbs", "ppm"):
    claims.less(f"{labels[m]}'s orbit lies inside the flow's cycle (x-amplitude difference)",
                disc[m][1].amplitude[0] - cyc.amplitude[0], 0.0)

fig, axes = plotting.panels(3, aspect=1.5)
below = dict(loc="upper center", bbox_to_anchor=(0.5, -0.22), fontsize=7, frameon=False)
axes[0].plot(flow_in[:, 0], flow_in[:, 1], lw=0.8, label="from (0.1, 0)")
axes[0].plot(flow_out[:, 0], flow_out[:, 1], lw=0.8, label="from (2, 2)")
axes[0].plot(0, 0, "k*", ms=10, label="critical point")
axes[0].set_title("corrected flow\n" + r"$xy + \epsilon\phi(y)$")
axes[0].legend(**below)
axes[1].plot(slides_in[:, 0], slides_in[:, 1], lw=0.8, label="from (0.5, 0): converges")
ok = np.all(np.isfinite(slides_out), axis=1) & (np.abs(slides_out).max(axis=1) < 3)
axes[1].plot(slides_out[ok, 0], slides_out[ok, 1], lw=0.8, label="from (1.5, 0): escapes")
axes[1].plot(0, 0, "k*", ms=10)
axes[1].set_xlim(-3, 3); axes[1].set_ylim(-3, 3)
axes[1].set_title("the slides' flow\n" + r"$xy + \epsilon\phi(x)$")
axes[1].legend(**below)
# the orbits nearly coincide: a line style per method keeps each one visible
styles = ["-", "--", ":", "-.", (0, (6, 2, 1, 2))]
for i, (m, (tr, _)) in enumerate(disc.items()):
    tail = tr[-int(len(tr) * 0.3):]
    axes[2].plot(tail[:, 0], tail[:, 1], lw=1.3, ls=styles[i], color=plotting.PALETTE[i],
                 label=labels[m])
axes[2].plot(0, 0, "k*", ms=10)
axes[2].set_title("final orbits of five\n" + r"methods, $\alpha = 0.05$")
axes[2].legend(ncol=2, **below)
for ax in axes:
    ax.set_xlabel("x"); ax.set_ylabel("y"); ax.set_aspect("equal")
plotting.glue_figure("fig-l9-almost-bilinear", fig)

# %% [markdown]
# ```{glue:figure} fig-l9-almost-bilinear
# :name: fig-l9-almost-bilinear
# :alt: Three phase portraits: the corrected almost-bilinear flow converging to a cycle from inside and outside, the slides' version with one trajectory converging and one escaping, and the final orbits of five discrete methods: GDA slightly outside, the other four together just inside.
#
# The almost-bilinear game. Left: the flow from inside and outside approaches a
# cycle around the critical point (star). Middle: the slides' version. Right: the
# last 30% of each discrete method's iterates: GDA's orbit lies slightly outside,
# the other four lie on top of each other just inside.
# ```
#
# With $\epsilon = 0.5$ the critical point at the origin has Jacobian
# eigenvalues {glue:text}`l9-ab-re` ± {glue:text}`l9-ab-im` $i$ (unstable focus).
# The flow from inside and from outside reaches the same cycle, with amplitudes
# {glue:text}`l9-ab-ampx` in $x$ and {glue:text}`l9-ab-ampy` in $y$ (the
# small-$\epsilon$ prediction is $1.155$), period {glue:text}`l9-ab-period`
# (prediction $2\pi \approx 6.283$), and distance at least {glue:text}`l9-ab-rmin`
# from the critical point. The discrete orbits have $x$-amplitudes
# {glue:text}`l9-ab-amp-gda` (GDA), {glue:text}`l9-ab-amp-eg` (EG),
# {glue:text}`l9-ab-amp-ogda` (OGDA), {glue:text}`l9-ab-amp-rfbs` (RFBS) and
# {glue:text}`l9-ab-amp-ppm` (PPM). The slides' version, in the middle panel, is
# the same system run backwards in time (swap the roles of $x$ and $y$): the
# origin attracts and the cycle repels.
#
# ### Forsaken solutions
#
# **Erratum.** The slides write this example as $\Phi(y, x) = y(x - 0.5) +
# \phi(y) - \phi(x)$, with the arguments in the opposite order from every other
# formula. With $x$ minimizing, as in {cite}`hsieh2021limits`,
#
# $$
# \Phi(x, y) = x(y - s) + \psi(x) - \psi(y), \qquad
# \psi(u) = \tfrac14 u^2 - \tfrac12 u^4 + \tfrac16 u^6,
# $$ (eq-forsaken)
#
# so $V = (y - s + \psi'(x),\; \psi'(y) - x)$ with $\psi'(u) = \tfrac12 u - 2u^3 + u^5$.
# The slides use $s = 0.5$; the authors' code uses $s = 0.45$, and the two differ
# qualitatively, so we run both. The critical point solves $x = \psi'(y)$,
# $y = s - \psi'(x)$ and has no closed form; Newton's method finds a single one for
# each $s$. Its stability is read from the eigenvalues of $-\partial V$.

# %%
fs_res = {}
for s in (0.45, 0.5):
    g = minimax.forsaken(s)
    cps = minimax.critical_points(g, starts)
    claims.close(f"forsaken s={s}: number of critical points found", len(cps), 1)
    cp = cps[0]
    ev = np.linalg.eigvals(-minimax.jacobian(g, cp))
    far = minimax.flow(g, [1.0, 0.0], time=P["flow_time"], dt=dt)
    fit = minimax.limit_cycle(far, dt=dt, tail=0.3)
    # starts on a grid over [-2, 2]^2: which ones end at the critical point?
    gg = np.linspace(-2, 2, P["basin_grid"])
    grid = np.stack(np.meshgrid(gg, gg), -1).reshape(-1, 2)
    ends = minimax.flow(g, grid, time=P["flow_time"], dt=dt, every=100)[-1]
    frac = float(np.mean(np.linalg.norm(ends - cp, axis=1) < 1e-2))
    near = minimax.flow(g, cp + np.array([0.05, 0.0]), time=P["flow_time"], dt=dt)
    fs_res[s] = dict(cp=cp, ev=ev, far=far, fit=fit, frac=frac, near=near,
                     lne=minimax.second_order_conditions(g, cp))
    tag = "045" if s == 0.45 else "05"
    claims.between(f"forsaken s={s}: critical point x", cp[0], 0.0, 0.2, glue=f"l9-fs{tag}-x",
                   fmt=".3f")
    claims.between(f"forsaken s={s}: critical point y", cp[1], 0.3, 0.6, glue=f"l9-fs{tag}-y",
                   fmt=".3f")
    claims.less(f"forsaken s={s}: |V| at the critical point",
                float(np.linalg.norm(g.field(cp))), 1e-4)
    claims.between(f"forsaken s={s}: real part of the eigenvalues (small: a weak focus)",
                   ev.real.max(), -0.2, 0.2, glue=f"l9-fs{tag}-re", fmt=".3f")
    claims.between(f"forsaken s={s}: imaginary part", abs(ev.imag).max(), 0.5, 1.2,
                   glue=f"l9-fs{tag}-im", fmt=".3f")
    claims.between(f"forsaken s={s}: x-amplitude of the cycle", fit.amplitude[0], 1.2, 1.6,
                   glue=f"l9-fs{tag}-amp", fmt=".3f")
    claims.between(f"forsaken s={s}: period of the cycle", fit.period, 6.5, 9.0,
                   glue=f"l9-fs{tag}-period", fmt=".2f")
    claims.greater(f"forsaken s={s}: smallest distance of the cycle from its centre",
                   fit.min_radius, 1.0, glue=f"l9-fs{tag}-rmin", fmt=".2f")
    claims.less(f"forsaken s={s}: fraction of grid starts that reach the critical point", frac,
                0.05, glue=f"l9-fs{tag}-frac", fmt=".3f")
    claims.holds(f"forsaken s={s}: the critical point fails the max player's second-order test",
                 fs_res[s]["lne"][1] is False)
claims.less("forsaken s=0.45: the critical point is a stable focus (Re < 0)",
            fs_res[0.45]["ev"].real.max(), 0.0)
claims.greater("forsaken s=0.5: the critical point is an unstable focus (Re > 0)",
               fs_res[0.5]["ev"].real.max(), 0.0)
claims.less("forsaken s=0.45: a start 0.05 away converges to the critical point",
            float(np.linalg.norm(fs_res[0.45]["near"][-1] - fs_res[0.45]["cp"])), 1e-2)
claims.greater("forsaken s=0.5: a start 0.05 away leaves the critical point",
               float(np.linalg.norm(fs_res[0.5]["near"][-1] - fs_res[0.5]["cp"])), 0.5)

fig, axes = plt.subplots(1, 2, figsize=(7, 3.2))
for ax, s in zip(axes, (0.45, 0.5)):
    r = fs_res[s]
    ax.plot(r["far"][:, 0], r["far"][:, 1], lw=0.7, label="flow from (1, 0)")
    ax.plot(r["near"][:, 0], r["near"][:, 1], lw=0.9, label="flow from 0.05 off the critical point")
    ax.plot(*r["cp"], "k*", ms=10, label="critical point")
    ax.set_title(f"forsaken solutions, s = {s}")
    ax.set_xlabel("x"); ax.set_ylabel("y"); ax.set_aspect("equal")
axes[0].legend(fontsize=8, loc="lower left")
fig.tight_layout()
plotting.glue_figure("fig-l9-forsaken", fig)

# %% [markdown]
# ```{glue:figure} fig-l9-forsaken
# :name: fig-l9-forsaken
# :alt: Two phase portraits of the forsaken games, for two values of the shift, each with a flow started far away that settles on a cycle and a flow started near the critical point.
#
# Forsaken solutions: flows from far away settle on a cycle that does not contain
# the critical point (star); only starts very close to it can converge to it.
# ```
#
# For $s = 0.45$ the unique critical point, at
# ({glue:text}`l9-fs045-x`, {glue:text}`l9-fs045-y`), is a *stable* focus
# (eigenvalues {glue:text}`l9-fs045-re` ± {glue:text}`l9-fs045-im` $i$), yet only
# a fraction {glue:text}`l9-fs045-frac` of a grid of starts in $[-2,2]^2$ reaches
# it: everything else is captured by a cycle of amplitude
# {glue:text}`l9-fs045-amp` and period {glue:text}`l9-fs045-period` that stays at
# least {glue:text}`l9-fs045-rmin` from its centre. The solution is "forsaken".
# For $s = 0.5$, the slides' constant, the critical point
# ({glue:text}`l9-fs05-x`, {glue:text}`l9-fs05-y`) is *unstable*
# (eigenvalues {glue:text}`l9-fs05-re` ± {glue:text}`l9-fs05-im` $i$), and the fraction of
# starts reaching it is {glue:text}`l9-fs05-frac`; the cycle has amplitude
# {glue:text}`l9-fs05-amp` and period {glue:text}`l9-fs05-period`. In both cases
# the critical point fails the second-order condition of the maximizing player
# ($\Phi_{yy} > 0$ there), so it is a critical point but not an LNE.
#
# ## When can one converge? The weak Minty condition
#
# ```{prf:definition} Weak Minty variational inequality
# :label: def-weak-minty
# $V: \mathbb{R}^{m+n} \to \mathbb{R}^{m+n}$ satisfies the weak Minty condition with
# parameter $\rho \in \mathbb{R}$ at a point $z^*$ if
#
# $$
# \langle V(z), z - z^* \rangle \ \ge\ \rho\, \|V(z)\|^2 \qquad \text{for all } z .
# $$ (eq-weak-minty)
# ```
#
# **Erratum.** The slides print $\rho\|z\|^2$ on the right and write
# $z \in \mathbb{R}^n$; the condition of {cite}`diakonikolas2021efficient` and
# {cite}`pethick2022escaping` has $\rho\|V(z)\|^2$, with $z$ in the joint space.
#
# For $\rho = 0$ it says that $-V$ never points away from $z^*$ (it holds for every
# monotone $V$). A negative $\rho$ lets $-V$ point away, by an amount controlled by
# $\|V\|^2$. For $L$-Lipschitz $V$, EG+ ($z^{k+1} = z^k - \gamma\alpha
# V(z^k - \alpha V(z^k))$ with $\gamma < 1$) converges when $\rho > -1/(8L)$
# {cite}`diakonikolas2021efficient`, and the adaptive variants of
# {cite}`pethick2022escaping` when $\rho > -1/(2L)$. The largest valid $\rho$ on a
# set of points is $\min_z \langle V(z), z - z^*\rangle/\|V(z)\|^2$.
#
# Near the origin the almost-bilinear field is $V(z) \approx Bz$ with
# $B = \left(\begin{smallmatrix} 0 & 1 \\ -1 & -\epsilon\end{smallmatrix}\right)$, so
# $\langle Bz, z \rangle = -\epsilon y^2$ and $\|Bz\|^2 = y^2 + (x + \epsilon y)^2$;
# the ratio is smallest on the line $x = -\epsilon y$, where it equals $-\epsilon$.
# We compute $\rho$ and a local Lipschitz constant $L$ (the largest
# $\|\partial V\|_2$) on a grid over $[-2, 2]^2$.

# %%
gw = np.linspace(-2, 2, P["wm_grid"])
box = np.stack(np.meshgrid(gw, gw), -1).reshape(-1, 2)
wm = {}
for name, g, zs in (("bilinear", bil, [0.0, 0.0]),
                    ("almost bilinear eps=0.1", minimax.almost_bilinear(0.1), [0.0, 0.0]),
                    ("almost bilinear eps=0.5", ab, [0.0, 0.0]),
                    ("forsaken s=0.45", minimax.forsaken(0.45), fs_res[0.45]["cp"]),
                    ("forsaken s=0.5", minimax.forsaken(0.5), fs_res[0.5]["cp"])):
    wm[name] = (minimax.weak_minty_rho(g, zs, box), minimax.lipschitz_estimate(g, box))
    print(f"{name:26s} rho = {wm[name][0]:+.4f}   L = {wm[name][1]:.3f}   "
          f"-1/(2L) = {-0.5 / wm[name][1]:+.4f}")
claims.close("weak Minty rho of the bilinear game", wm["bilinear"][0], 0.0, atol=1e-9)
claims.close("weak Minty rho, almost bilinear eps=0.5 (expected -eps)", wm["almost bilinear eps=0.5"][0],
             -0.5, atol=0.01, glue="l9-wm-ab05", fmt=".3f")
claims.close("weak Minty rho, almost bilinear eps=0.1 (expected -eps)",
             wm["almost bilinear eps=0.1"][0], -0.1, atol=0.01, glue="l9-wm-ab01", fmt=".3f")
claims.greater("eps=0.1: rho exceeds -1/(2L) on the box", wm["almost bilinear eps=0.1"][0],
               -0.5 / wm["almost bilinear eps=0.1"][1])
claims.less("eps=0.5: rho is below -1/(2L) on the box", wm["almost bilinear eps=0.5"][0],
            -0.5 / wm["almost bilinear eps=0.5"][1])
for s, tag in ((0.45, "045"), (0.5, "05")):
    rho, L = wm[f"forsaken s={s}"]
    claims.less(f"forsaken s={s}: rho is far below -1/(2L)", rho, -0.5 / L,
                glue=f"l9-wm-fs{tag}", fmt=".3f")
# dV = [[0, 1], [-1, -eps (1 - 3 y^2)]]: on the box its norm is largest where |1 - 3y^2| is,
# at y = +-2, where the lower-right entry is 11 eps
for e, key, tag in ((0.1, "almost bilinear eps=0.1", "01"), (0.5, "almost bilinear eps=0.5", "05")):
    L_exact = np.linalg.norm(np.array([[0.0, 1.0], [-1.0, 11 * e]]), 2)
    claims.close(f"L on the box, almost bilinear eps={e} (norm of dV at y = 2)", wm[key][1],
                 L_exact, rtol=1e-3, glue=f"l9-L-ab{tag}", fmt=".2f")

# %% [markdown]
# Let us test the prediction with EG+ ($\gamma = 1/2$). On the bilinear game its
# iteration matrix is $(1 - \alpha^2/2) I - (\alpha/2) A$, so
# $\rho_{\rm EG+} = \sqrt{(1 - \alpha^2/2)^2 + \alpha^2/4} < 1$ exactly for
# $\alpha < \sqrt3$. On the almost-bilinear game we run it from $(1, 0)$ with a
# short and a long extrapolation step, and on the forsaken game from $(1, 0)$ with
# several steps.

# %%
thr["eg_plus"] = minimax.stability_threshold(
    lambda a: minimax.bilinear_spectral_radius("eg_plus", a), hi=3.0)
claims.close("EG+ (gamma=1/2) step-size threshold on the bilinear game", thr["eg_plus"],
             np.sqrt(3), atol=1e-6, glue="l9-thr-egplus", fmt=".4f")
egp = {}
for e, g in ((0.1, minimax.almost_bilinear(0.1)), (0.5, ab)):
    for a in (0.2, 0.59):
        tr = minimax.run(g, "eg_plus", np.array([1.0, 0.0]), step=a, steps=P["disc_steps"])
        egp[(e, a)] = float(np.linalg.norm(tr[-1]))
        print(f"EG+ on almost bilinear eps={e}, alpha={a}: |z_final| = {egp[(e, a)]:.2e}")
claims.less("EG+ eps=0.1, alpha=0.59: converges to the critical point", egp[(0.1, 0.59)], 1e-3)
claims.less("EG+ eps=0.1, alpha=0.2: converges to the critical point", egp[(0.1, 0.2)], 1e-3)
claims.greater("EG+ eps=0.5, alpha=0.2: stays on a cycle", egp[(0.5, 0.2)], 0.3)
claims.less("EG+ eps=0.5, alpha=0.59: converges to the critical point", egp[(0.5, 0.59)], 1e-3)
fs_egp = []
for s in (0.45, 0.5):
    for a in (0.05, 0.1, 0.2, 0.3):
        tr = minimax.run(minimax.forsaken(s), "eg_plus", np.array([1.0, 0.0]), step=a,
                         steps=P["disc_steps"])
        fs_egp.append(float(np.linalg.norm(tr[-1] - fs_res[s]["cp"])))
claims.greater("EG+ on the forsaken games: smallest final distance to the critical point",
               min(fs_egp), 0.3, glue="l9-fs-egp", fmt=".2f")

# %% [markdown]
# On the box $[-2, 2]^2$ the bilinear game has $\rho = 0$; the almost-bilinear game
# has $\rho = ${glue:text}`l9-wm-ab01` for $\epsilon = 0.1$ and
# {glue:text}`l9-wm-ab05` for $\epsilon = 0.5$, matching the $-\epsilon$ of the
# linearization, against $-1/(2L)$ with $L = ${glue:text}`l9-L-ab01` and
# {glue:text}`l9-L-ab05`. So the condition $\rho > -1/(2L)$ holds for
# $\epsilon = 0.1$ and fails for $\epsilon = 0.5$. The forsaken games violate it by
# far ($\rho = ${glue:text}`l9-wm-fs045` and {glue:text}`l9-wm-fs05`).
#
# What the methods do agrees with the first case and shows that the condition is
# only sufficient in the second. EG+ with $\gamma = 1/2$ converges to the origin
# of the $\epsilon = 0.1$ game for both steps tried. For $\epsilon = 0.5$ a short
# extrapolation ($\alpha = 0.2$) stays on a cycle, while a long one
# ($\alpha = 0.59 \approx 1/L$ for $\epsilon = 0.1$) escapes the cycle and converges:
# the extrapolation must reach beyond the region where $-V$ points away.
# On the forsaken games no step we tried helps: the final distance to the critical
# point is at least {glue:text}`l9-fs-egp`, in line with the slides' remark that
# EG+ "still cannot handle" these examples.
#
# ## Another min-max problem: Wasserstein GANs
#
# Min-max problems also arise when a *distance* between distributions is itself
# defined by a maximization. The 1-Wasserstein distance between probability
# measures $\mu, \nu$ on $\mathbb R^p$ is the cost of the cheapest transport plan,
# $W_1(\mu, \nu) = \inf_{\pi}\ \mathbb E_{(a, b)\sim\pi}\|a - b\|$ over couplings $\pi$
# with marginals $\mu$ and $\nu$.
#
# ```{prf:theorem} Kantorovich-Rubinstein duality
# :label: thm-kantorovich-rubinstein
# For $\mu, \nu$ with finite first moments,
#
# $$
# W_1(\mu, \nu) = \sup\Big\{\ \mathbb E_{a\sim\mu}[d(a)] - \mathbb E_{b\sim\nu}[d(b)]\ :\
# d \text{ is 1-Lipschitz}\Big\}.
# $$ (eq-kr-duality)
# ```
#
# One inequality is elementary: for a 1-Lipschitz $d$ and any coupling $\pi$,
# $\mathbb E_\mu d - \mathbb E_\nu d = \mathbb E_\pi[d(a) - d(b)] \le \mathbb E_\pi\|a - b\|$,
# so the supremum is at most the infimum; equality is the content of the theorem
# (a linear-programming duality, see {cite}`villani2009optimal`). A generator
# $h_x$ maps noise $\omega$ to samples; to fit it to data with empirical measure
# $\hat\mu_n$ one minimizes $W_1(\hat\mu_n, h_x\#p_\Omega)$ over $x$, and by
# {eq}`eq-kr-duality` that is the game
#
# $$
# \min_x\ \max_y\ \ \mathbb E_{a\sim\hat\mu_n}[d_y(a)] - \mathbb E_{\omega\sim p_\Omega}[d_y(h_x(\omega))],
# $$ (eq-wgan)
#
# the Wasserstein GAN {cite}`arjovsky2017wasserstein`. The *critic* $d_y$, a network
# kept (approximately) 1-Lipschitz by weight clipping, a gradient penalty or
# spectral normalization, is the **max player**; the generator is the min player.
# Unlike adversarial training, the inner maximum is not solved to optimality at
# every step (the critic is a network, not a ball around an input), so Danskin's
# theorem does not apply directly and the game is attacked with the simultaneous
# methods of this lecture, GDA in practice, with the failure modes above.
#
# **How far is the data from its distribution?** The game compares the
# generator with $\hat\mu_n$, not with the distribution $\mu$ of the data, and
# $\hat\mu_n$ converges slowly: for $\mu$ with a density on a $p$-dimensional set
# and $p \ge 3$, $\mathbb E\,W_1(\mu, \hat\mu_n)$ decays like $n^{-1/p}$
# {cite}`dudley1969speed,weed2019sharp` (for $p = 2$ like $\sqrt{\log n / n}$). In high
# dimension no estimator based on $\hat\mu_n$ alone can be close to $\mu$ in $W_1$
# with a moderate $n$. We measure the rate on the uniform distribution on the cube
# $[0, 1]^p$, with the distance between two independent $n$-samples (their
# $W_1$ is an optimal assignment between the two point clouds, solved exactly;
# it is within a factor 2 of $W_1(\mu, \hat\mu_n)$ in expectation by the triangle
# inequality, and decays at the same rate).

# %%
from scipy.optimize import linear_sum_assignment  # noqa: E402
from scipy.spatial.distance import cdist  # noqa: E402

rng_w = np.random.default_rng(config.SEED)
w1_rates, w1_vals = {}, {}
for p_dim in (2, 4, 8):
    vals = []
    for n in P["w1_sizes"]:
        reps = []
        for _ in range(P["w1_reps"]):
            cost = cdist(rng_w.uniform(size=(n, p_dim)), rng_w.uniform(size=(n, p_dim)))
            rows, cols = linear_sum_assignment(cost)
            reps.append(cost[rows, cols].mean())
        vals.append(np.mean(reps))
    w1_vals[p_dim] = np.array(vals)
    w1_rates[p_dim] = float(np.polyfit(np.log(P["w1_sizes"]), np.log(vals), 1)[0])
claims.close("W1 between two n-samples on [0,1]^4: fitted exponent against n", w1_rates[4], -0.25,
             atol=0.05, glue="l9-w1-rate4", fmt=".3f")
claims.close("the same on [0,1]^2 (rate sqrt(log n / n))", w1_rates[2], -0.5, atol=0.05,
             glue="l9-w1-rate2", fmt=".3f")
claims.between("the same on [0,1]^8: between -1/4 and -1/8", w1_rates[8], -0.25, -0.125,
               glue="l9-w1-rate8", fmt=".3f")
claims.greater("W1 at the largest n on [0,1]^8 over W1 at the largest n on [0,1]^2",
               w1_vals[8][-1] / w1_vals[2][-1], 5.0, glue="l9-w1-ratio", fmt=".1f")
claims.glue("l9-w1-nmax", P["w1_sizes"][-1])

fig, ax = plt.subplots(figsize=(5, 3.4))
for i, p_dim in enumerate((2, 4, 8)):
    ax.loglog(P["w1_sizes"], w1_vals[p_dim], ["o-", "s--", "^:"][i], color=plotting.PALETTE[i],
              label=f"p = {p_dim}: slope {w1_rates[p_dim]:.2f}")
ax.set(xlabel="sample size $n$", ylabel=r"$W_1$ between two $n$-samples")
ax.legend(fontsize=8)
fig.tight_layout()
plotting.glue_figure("fig-l9-w1", fig)

# %% [markdown]
# ```{glue:figure} fig-l9-w1
# :name: fig-l9-w1
# :alt: Log-log plot of the Wasserstein-1 distance between two independent samples against the sample size, for dimensions 2, 4 and 8; the lines get flatter as the dimension grows.
#
# The empirical $W_1$ between two samples of the uniform distribution on
# $[0, 1]^p$ decays more slowly the larger the dimension $p$.
# ```
#
# The fitted exponents are {glue:text}`l9-w1-rate2` for $p = 2$ (the rate
# $\sqrt{\log n/n}$ looks like $n^{-1/2}$ over this range),
# {glue:text}`l9-w1-rate4` for $p = 4$, close to $-1/4$, and
# {glue:text}`l9-w1-rate8` for $p = 8$, between $-1/4$ and the asymptotic $-1/8$:
# at these sample sizes the eight-dimensional rate has not yet settled. At
# $n$ = {glue:text}`l9-w1-nmax` the eight-dimensional samples are still
# {glue:text}`l9-w1-ratio` times farther apart than the two-dimensional ones.
#
# ## How hard is min-max optimization?
#
# The examples above are not bad luck. Daskalakis, Skoulakis and Zampetakis
# {cite}`daskalakis2021complexity` study smooth (Lipschitz, with Lipschitz
# gradient) nonconvex-nonconcave objectives on a compact convex domain. Deciding
# whether an approximate min-max point exists is NP-hard; an approximate *local*
# min-max point (a local Nash equilibrium up to $\epsilon$) always exists when the
# approximation is coarse enough, but computing one is PPAD-complete, as is
# computing an approximate fixed point of projected gradient descent-ascent.
# PPAD-complete problems, such as computing a Nash equilibrium of a general
# two-player game, are believed to have no polynomial-time algorithm. In the
# black-box model, where an algorithm only queries values and gradients, they
# also show that finding such a point takes a number of queries exponential in
# the dimension or in $1/\epsilon$. Minimization is different: an approximate local
# minimum (an approximate stationary point) of a smooth function is found by
# gradient descent in a number of steps polynomial in $1/\epsilon$. This is why
# convergence results for min-max problems need structure, such as the weak
# Minty condition above, and why no general-purpose method can promise more.
#
# ## What it means
#
# * A gradient at one maximizer is a descent direction of the max-function only
#   when the maximizer is unique; otherwise Danskin's formula requires looking at
#   all of them. {ref}`lecture-ddi` turns this into an algorithm.
# * Even on the bilinear game, the naive method (GDA) diverges at every step
#   size; methods that anticipate the opponent (EG, OGDA, RFBS) converge below a
#   threshold ($1$ for EG, $1/\sqrt3$ for OGDA/RFBS), and the implicit PPM at any
#   step size.
# * In nonconvex-nonconcave games, the limit of a first-order method may be a
#   cycle with no critical point on it, and a solution may attract only a tiny
#   neighbourhood. Such behaviour is a property of the flow, so no small step size
#   removes it; conditions like weak Minty, with algorithms that exploit them,
#   are what give guarantees.

# %% [markdown]
# ## Exercises
#
# ```{exercise} The best extragradient step
# :label: ex-l9-eg-step
# Using {eq}`eq-rho-eg`, find the step $\alpha$ that minimizes $\rho_{\rm EG}$ on the
# bilinear game and the resulting contraction factor. How many iterations does EG
# need at that step to reduce $\|z\|$ by a factor $10^{6}$?
# ```
#
# ```{solution} ex-l9-eg-step
# :class: dropdown
# $\rho^2 = 1 - \alpha^2 + \alpha^4$ is a quadratic in $u = \alpha^2$, minimal at
# $u = 1/2$, so $\alpha = 1/\sqrt2$ and $\rho = \sqrt{3/4} = \sqrt3/2 \approx 0.866$.
# Since $V$ is normal (a rotation generator), $\|z^k\| = \rho^k\|z^0\|$ exactly, so
# $k = \lceil 6\ln 10 / \ln(2/\sqrt3)\rceil = \lceil 96.05\rceil = 97$ iterations.
# ```
#
# ```{exercise} OGDA and RFBS
# :label: ex-l9-ogda-rfbs
# Show that OGDA and RFBS produce the same iterates whenever $V$ is affine,
# $V(z) = Az + b$, and give a two-dimensional game on which they differ after one
# step from the same $(z^0, z^{-1})$.
# ```
#
# ```{solution} ex-l9-ogda-rfbs
# :class: dropdown
# For affine $V$, $V(2z^k - z^{k-1}) = A(2z^k - z^{k-1}) + b = 2V(z^k) - V(z^{k-1})$,
# so the two updates coincide. For a nonlinear field they differ: take
# $\Phi(x, y) = xy + y^3/3$ (so $V = (y, -x - y^2)$), $z^0 = (0, 1)$, $z^{-1} = (0, 0)$.
# OGDA uses $2V(z^0) - V(z^{-1}) = 2(1, -1) - (0, 0) = (2, -2)$; RFBS uses
# $V(2z^0 - z^{-1}) = V(0, 2) = (2, -4)$.
# ```
#
# ```{exercise} The slides' almost-bilinear game runs backwards
# :label: ex-l9-time-reversal
# Let $\dot z = F(z)$ be the flow of $\Phi_1 = xy + \epsilon\phi(y)$ and
# $\dot z = G(z)$ that of $\Phi_2 = xy + \epsilon\phi(x)$. Show that the map
# $R(x, y) = (y, x)$ satisfies $G(R z) = -R F(z)$, and conclude that the limit
# cycle of the first flow is a *repelling* cycle of the second.
# ```
#
# ```{solution} ex-l9-time-reversal
# :class: dropdown
# $F(x, y) = (-y,\ x + \epsilon(y - y^3))$ and $G(x, y) = (-y - \epsilon(x - x^3),\ x)$.
# Then $G(y, x) = (-x - \epsilon(y - y^3),\ y) = -(x + \epsilon(y - y^3),\ -y) = -R F(x, y)$.
# So if $z(t)$ solves the first flow, $w(t) = R z(-t)$ solves the second: orbits are
# mirrored and traversed backwards in time. An orbit attracting as $t \to +\infty$
# for the first flow attracts as $t \to -\infty$ for the second, i.e. it repels,
# and the unstable focus at the origin becomes a stable one.
# ```
#
# ```{exercise} The amplitude of the Rayleigh cycle
# :label: ex-l9-rayleigh
# Redo the averaging argument for $\ddot x - \epsilon(\dot x - c\,\dot x^3) + x = 0$
# with a constant $c > 0$, and predict the amplitude of its cycle. Then check it
# numerically: $\Phi(x, y) = xy + \epsilon(y^2/2 - c\, y^4/4)$ has this flow. Use
# `ntk_course.minimax.game` to build it, `minimax.flow` to integrate it for
# $\epsilon = 0.05$, $c = 3$, and `minimax.limit_cycle` to measure the amplitude.
# ```
#
# ```{solution-start} ex-l9-rayleigh
# :class: dropdown
# ```
# The averaged energy change is proportional to $\tfrac{a^2}{2} - \tfrac{3c\,a^4}{8}$,
# which vanishes at $a = 2/\sqrt{3c}$; for $c = 3$ the prediction is $2/3$.

# %%
c_r, eps_r = 3.0, 0.05
g_r = minimax.game(lambda z: z[0] * z[1] + eps_r * (0.5 * z[1] ** 2 - c_r * z[1] ** 4 / 4), 1)
tr_r = minimax.flow(g_r, [0.1, 0.0], time=300.0, dt=0.02)
amp_r = minimax.limit_cycle(tr_r, dt=0.02, tail=0.2).amplitude[0]
claims.close("Rayleigh cycle amplitude with c=3 (prediction 2/3)", amp_r, 2 / 3, rtol=0.02)

# %% [markdown]
# ```{solution-end}
# ```
#
# ```{exercise} Weak Minty for a linear field
# :label: ex-l9-wm-linear
# Let $V(z) = Bz$ with $B$ invertible and $z^* = 0$. Show that the best $\rho$ in
# {eq}`eq-weak-minty` is the smallest eigenvalue of the symmetric part of
# $B^{-1}$, and evaluate it for the linearized almost-bilinear field
# $B = \left(\begin{smallmatrix} 0 & 1 \\ -1 & -\epsilon\end{smallmatrix}\right)$.
# ```
#
# ```{solution} ex-l9-wm-linear
# :class: dropdown
# Put $w = Bz$. Then $\langle Bz, z\rangle/\|Bz\|^2 = \langle w, B^{-1}w\rangle/\|w\|^2$,
# whose minimum over $w \ne 0$ is the smallest eigenvalue of
# $\tfrac12(B^{-1} + B^{-\top})$. Here $B^{-1} = \left(\begin{smallmatrix} -\epsilon & -1 \\
# 1 & 0 \end{smallmatrix}\right)$, with symmetric part $\mathrm{diag}(-\epsilon, 0)$:
# $\rho = -\epsilon$, attained at $w = (1, 0)$, i.e. $z = B^{-1}w = (-\epsilon, 1)$,
# the line $x = -\epsilon y$ found in the lecture.
# ```
