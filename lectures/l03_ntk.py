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
# (lecture-ntk)=
# # The neural tangent kernel
#
# A neural network with millions of parameters is trained by a non-convex
# optimization whose trajectory nobody can write down. Yet when the network is
# wide, something remarkable happens: its *function* evolves as if it were a
# kernel machine with a fixed kernel, the **neural tangent kernel** (NTK)
# {cite}`jacot2018ntk`. The training dynamics become linear ODEs, the trained
# network becomes kernel regression, and questions about generalization,
# training speed and robustness turn into questions about one matrix. This
# lecture derives that picture and then checks every step of it numerically:
#
# 1. the NTK and the gradient flow it generates in function space;
# 2. the NTK parametrization, under which the kernel has a width-independent limit;
# 3. the layer recursion that computes the limit exactly, and a closed form for
#    one hidden layer on the sphere;
# 4. linearization: why wide networks train like their first-order Taylor
#    expansion, and what that expansion predicts in closed form;
# 5. experiments: how fast finite networks approach the limit, how little their
#    weights and kernel move ("lazy training"), and how close a trained wide
#    network is to the kernel predictor.
#
# The material follows §2 of the lecture notes {cite}`cagnetta2023kernels`, the
# slides {cite}`kempe2022slides`, §1.3 of {cite}`shi2022thesis` and the NTK part
# of {cite}`cevher2023cvpr`; the original results are in {cite}`jacot2018ntk`,
# {cite}`lee2019wide` and {cite}`arora2019exact`.
#
# **Prerequisites:** multivariate calculus, Gaussian random variables, and the
# idea of kernel (ridge) regression.

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

from ntk_course import claims, config, data, kernels, nets, plotting, stats

plotting.use_style()
print(config.device_report())

# %% [markdown]
# All sizes below come from one profile: `quick` runs on a laptop CPU in about
# a minute, `full` uses wider networks, more data and more random seeds on a GPU.

# %%
P = config.scale(
    quick=dict(widths=[64, 128, 256, 512, 1024], seeds=6, n_kernel=16, n_train=64, steps=400,
               train_widths=[64, 128, 256, 512, 1024], ntk_implementation="jacobian"),
    # Wide nets: NTK-vector products avoid materializing Jacobians of 10^7+ parameters.
    full=dict(widths=[64, 128, 256, 512, 1024, 2048, 4096, 8192], seeds=12, n_kernel=32,
              n_train=256, steps=2000, train_widths=[64, 128, 256, 512, 1024, 2048, 4096],
              ntk_implementation="ntvp"),
)
W_STD = float(np.sqrt(2.0))  # keeps the ReLU signal variance constant from layer to layer
DEPTH = 2
P

# %% [markdown]
# ## The kernel that governs training
#
# Take a network $f(x;\theta)$ with scalar output and parameters
# $\theta\in\R^P$, a training set $X = (x_1,\dots,x_n)$ with targets
# $Y=(y_1,\dots,y_n)$, and the square loss
# $\mathcal L(\theta) = \tfrac12\sum_{i=1}^n (f(x_i;\theta)-y_i)^2$.
#
# ```{prf:definition} Neural tangent kernel
# :label: def-ntk
# The neural tangent kernel of $f$ at parameters $\theta$ is
#
# $$
# \Theta_\theta(x, x') \;=\; \nabla_\theta f(x;\theta)^\top \nabla_\theta f(x';\theta)
# \;=\; \sum_{p=1}^{P} \frac{\partial f(x;\theta)}{\partial\theta_p}\,
# \frac{\partial f(x';\theta)}{\partial\theta_p}.
# $$ (eq-ntk-def)
#
# ```
#
# It is a kernel in the usual sense: for any points, the matrix
# $\Theta_\theta(X,X) = J J^\top$, with $J$ the $n\times P$ Jacobian, is
# symmetric and positive semi-definite.
#
# Why this object? Train by gradient flow, $\dot\theta_t = -\eta\nabla_\theta
# \mathcal L(\theta_t)$, and follow the output at any input $x$ with the chain rule:
#
# $$
# \begin{aligned}
# \frac{d}{dt} f(x;\theta_t)
# &= \nabla_\theta f(x;\theta_t)^\top \dot\theta_t \\
# &= -\eta \sum_{i=1}^n \nabla_\theta f(x;\theta_t)^\top\nabla_\theta f(x_i;\theta_t)\,
#   \big(f(x_i;\theta_t)-y_i\big) \\
# &= -\eta\, \Theta_{\theta_t}(x, X)\,\big(f_t(X) - Y\big).
# \end{aligned}
# $$ (eq-function-flow)
#
# Equation {eq}`eq-function-flow` is exact for any network. It says that the
# residual on the training set is fed back to every input through the kernel
# $\Theta_{\theta_t}$. The whole difficulty of deep learning theory hides in
# the subscript $t$: the kernel changes as the parameters move. The NTK
# programme is to find a regime where it does not.
#
# ## The NTK parametrization and the infinite-width limit
#
# Consider a fully-connected network with $L$ hidden layers of width $m$,
# activation $\phi$, and all weights and biases drawn i.i.d. from
# $\mathcal N(0,1)$. In the **NTK parametrization** the scale factors are
# written outside the random variables:
#
# $$
# \begin{aligned}
# h^{(1)}(x) &= \frac{\sigma_w}{\sqrt d} W^{(1)} x + \sigma_b b^{(1)}, \\
# h^{(\ell+1)}(x) &= \frac{\sigma_w}{\sqrt m} W^{(\ell+1)} \phi\big(h^{(\ell)}(x)\big)
# + \sigma_b b^{(\ell+1)}, \\
# f(x) &= h^{(L+1)}(x).
# \end{aligned}
# $$ (eq-ntk-param)
#
# At initialization this is the same distribution of functions as the
# "standard" parametrization with weights of variance $\sigma_w^2/m$. The
# difference is in the gradients. For a hidden weight,
# $\partial f/\partial W^{(\ell)}_{jk} = \frac{\sigma_w}{\sqrt m}\,\phi\big(h^{(\ell-1)}_k\big)\,
# \partial f/\partial h^{(\ell)}_j$ carries the explicit factor $1/\sqrt m$ of its
# own layer, *and* the back-propagated factor $\partial f/\partial h^{(\ell)}_j$
# is itself of order $1/\sqrt m$, because the output depends on unit $j$ only
# through the next layer's weights, which carry their own $1/\sqrt m$. So each
# derivative with respect to a hidden weight is of order $1/m$, and the sum of
# the $m^2$ squared derivatives in {eq}`eq-ntk-def` is of order one (for the
# first layer, $md$ derivatives of order $1/\sqrt{md}$; for the readout, $m$
# derivatives of order $1/\sqrt m$). This is what gives the kernel a
# width-independent limit. In the standard parametrization the same weights
# are drawn with variance $\sigma_w^2/m$ but the factor is not written outside,
# so a hidden-weight derivative loses one $1/\sqrt m$ and is of order
# $1/\sqrt m$; the sum of $m^2$ squares is then of order $m$, the NTK grows
# linearly with the width, and the largest stable step size
# $2/\lambda_{\max}$ shrinks like $1/m$: the standard parametrization needs a
# step size of order $\eta/m$. The correspondence is exact layer by layer: with
# effective weights $\omega = \sigma_w W/\sqrt{n_{\text{in}}}$, a step $\eta$ in the
# NTK parametrization changes $\omega$ by $\eta\,\sigma_w^2/n_{\text{in}}$ times
# the gradient in $\omega$, which is the standard-parametrization step of size
# $\eta\sigma_w^2/n_{\text{in}}$; with one step size $\eta/m$ for all layers the
# two agree on every layer of fan-in $m$, and the first layer (fan-in $d$)
# moves by a factor $d/m$ less.
#
# ```{prf:theorem} Infinite-width limit of the NNGP and the NTK
# :label: thm-ntk-recursion
# As $m\to\infty$, the pre-activations $h^{(\ell)}$ converge to centred Gaussian
# processes with covariance $\Sigma^{(\ell)}$, and the NTK at initialization
# converges in probability to a deterministic kernel $\Theta^{(L+1)}$, given by
#
# $$
# \Sigma^{(1)}(x,x') = \sigma_w^2\,\frac{x^\top x'}{d} + \sigma_b^2, \qquad
# \Theta^{(1)} = \Sigma^{(1)},
# $$
#
# $$
# \begin{aligned}
# \Sigma^{(\ell+1)} &= \sigma_w^2\, \E\big[\phi(u)\phi(v)\big] + \sigma_b^2,\qquad
# \dot\Sigma^{(\ell+1)} = \E\big[\phi'(u)\phi'(v)\big], \\
# \Theta^{(\ell+1)} &= \Sigma^{(\ell+1)} + \sigma_w^2\,\dot\Sigma^{(\ell+1)}\,\Theta^{(\ell)},
# \end{aligned}
# $$ (eq-recursion)
#
# where $(u,v)$ is a centred Gaussian pair with covariance
# $\begin{pmatrix}\Sigma^{(\ell)}(x,x) & \Sigma^{(\ell)}(x,x')\\ \Sigma^{(\ell)}(x,x') & \Sigma^{(\ell)}(x',x')\end{pmatrix}$.
# ```
#
# ```{prf:proof}
# *Sketch.* By induction on the depth. Conditionally on layer $\ell$, the
# units of $h^{(\ell+1)}$ are sums of $m$ independent terms, so by the central
# limit theorem they become independent Gaussians whose covariance is the
# empirical average $\frac{\sigma_w^2}{m}\sum_j \phi(h^{(\ell)}_j(x))\phi(h^{(\ell)}_j(x'))+\sigma_b^2$;
# the law of large numbers turns that average into the expectation in
# {eq}`eq-recursion`. For the NTK, split the parameters into those of the last
# layer and the rest. The last layer's gradient is
# $\frac{\sigma_w}{\sqrt m}\phi(h^{(L)}(x))$ (and $\sigma_b$ for its bias), whose
# inner products give $\Sigma^{(L+1)}$. For earlier parameters, the chain rule gives
# $\partial f/\partial\theta = \frac{\sigma_w}{\sqrt m}\sum_j W^{(L+1)}_j
# \phi'(h^{(L)}_j)\,\partial h^{(L)}_j/\partial\theta$; in the inner product
# the cross terms $j\neq k$ average out, $(W^{(L+1)}_j)^2$ averages to one, and
# by induction $\langle\partial h^{(L)}_j(x),\partial h^{(L)}_j(x')\rangle\to\Theta^{(L)}(x,x')$.
# What is left is $\sigma_w^2\,\dot\Sigma^{(L+1)}\Theta^{(L)}$. The rigorous
# argument takes the widths to infinity one after the other
# {cite}`jacot2018ntk` or together {cite}`arora2019exact`.
# ```
#
# The first recursion is the NNGP kernel of the random network
# {cite}`neal1996bayesian,lee2018deep`; the second adds, layer by layer, how
# much the output moves when that layer's weights move.
#
# ### One hidden layer on the sphere, in closed form
#
# For ReLU, the two Gaussian expectations are the arc-cosine kernels
# {cite}`cho2009kernel`. If $u,v$ have unit variance and correlation
# $\cos\vartheta$, then
#
# $$
# \begin{aligned}
# \E[\mathrm{relu}(u)\,\mathrm{relu}(v)] &= \frac{\sin\vartheta + (\pi-\vartheta)\cos\vartheta}{2\pi},\\
# \E[\mathbf 1\{u>0\}\mathbf 1\{v>0\}] &= \frac{\pi-\vartheta}{2\pi}.
# \end{aligned}
# $$ (eq-arccos)
#
# The second identity is geometric: write $u = g^\top a$, $v=g^\top b$ for a standard
# Gaussian vector $g\in\R^2$ and unit vectors $a,b$ at angle $\vartheta$. The direction of
# $g$ is uniform on the circle; $u>0$ and $v>0$ are two half-planes whose boundaries
# meet at angle $\vartheta$, and their intersection is a wedge of angle $\pi-\vartheta$.
# The first identity follows by integrating in polar coordinates
# (Exercise {ref}`ex-ntk-arccos`).
#
# Now take one hidden layer, no biases, $\sigma_w = 1$ in the first layer and
# $\sigma_w=\sqrt2$ in the readout (so that $\E[\mathrm{relu}(z)^2]\cdot 2 = 1$),
# and inputs on the sphere $\lVert x\rVert^2 = d$. Then
# $\Sigma^{(1)}(x,x') = \cos\vartheta$ with $\cos\vartheta = x^\top x'/d$, and
# {eq}`eq-recursion` with {eq}`eq-arccos` gives
#
# $$
# \Theta(x,x') = 2\,\frac{\sin\vartheta + (\pi-\vartheta)\cos\vartheta}{2\pi}
# + 2\,\frac{\pi-\vartheta}{2\pi}\cos\vartheta
# = \frac{\sin\vartheta + 2(\pi-\vartheta)\cos\vartheta}{\pi}.
# $$ (eq-relu-ntk-sphere)
#
# It equals $2$ for $\vartheta=0$ and $0$ for antipodal points. This is the
# kernel of §2.2 of {cite}`cagnetta2023kernels` (their eq. (17)) with $c=2$.
#
# Let us check the recursion, written from scratch in `ntk_course.kernels`,
# against the closed form and against neural-tangents {cite}`novak2020neural`.
# We compute in double precision: in single precision $\arccos$ is badly
# conditioned near $\cos\vartheta=1$ and both implementations lose about four
# digits on the diagonal.

# %%
angles = np.linspace(0, np.pi, 181)
with config.double_precision():
    circle = jnp.sqrt(2.0) * jnp.stack([jnp.cos(angles), jnp.sin(angles)], axis=1)  # |x|^2 = d = 2
    reference = circle[:1]
    _, ntk_recursion = kernels.fc_kernels(reference, circle, depth=1, W_std=(1.0, W_STD))
    ntk_closed = kernels.relu_ntk_sphere(jnp.cos(angles))
    net1 = nets.mlp(depth=1, width=1, W_std=1.0, W_std_out=W_STD)
    ntk_nt = net1.kernel_fn(reference, circle, "ntk")
    err_closed = float(jnp.max(jnp.abs(ntk_recursion[0] - ntk_closed)))
    err_nt = float(jnp.max(jnp.abs(ntk_recursion - ntk_nt)) / jnp.max(jnp.abs(ntk_nt)))
claims.less("recursion vs closed form (max abs. difference)", err_closed, 1e-10,
            glue="err_closed", fmt=".1e")
claims.less("recursion vs neural-tangents (max rel. difference)", err_nt, 1e-10,
            glue="err_nt", fmt=".1e")

# %% [markdown]
# The algorithm itself is short enough to read in full. Here is the recursion
# {eq}`eq-recursion` for a deep ReLU network, written from scratch with NumPy and
# the arc-cosine formulas {eq}`eq-arccos`, and the empirical NTK
# {eq}`eq-ntk-def` of a finite network as the inner product of two Jacobians
# computed by `jax.jacobian`. Both are checked against the package's versions
# (`kernels.fc_kernels`, `kernels.empirical_ntk`), which compute the same thing
# with batching and validation.

# %%
def relu_kernels_from_scratch(x1, x2, depth, w_std, b_std):
    """NNGP and NTK of a ReLU network with `depth` hidden layers, by eq. (recursion)."""
    d = x1.shape[1]
    s12 = w_std ** 2 * x1 @ x2.T / d + b_std ** 2               # layer 1: Sigma = Theta
    s11 = w_std ** 2 * np.sum(x1 ** 2, axis=1) / d + b_std ** 2
    s22 = w_std ** 2 * np.sum(x2 ** 2, axis=1) / d + b_std ** 2
    ntk = s12
    for _ in range(depth):
        norms = np.sqrt(np.outer(s11, s22))
        angle = np.arccos(np.clip(s12 / norms, -1.0, 1.0))
        e_relu = norms * (np.sin(angle) + (np.pi - angle) * np.cos(angle)) / (2 * np.pi)
        e_step = (np.pi - angle) / (2 * np.pi)                 # E[relu'(u) relu'(v)]
        s12 = w_std ** 2 * e_relu + b_std ** 2
        ntk = s12 + w_std ** 2 * e_step * ntk
        s11 = w_std ** 2 * s11 / 2 + b_std ** 2                # E[relu(u)^2] = Var(u) / 2
        s22 = w_std ** 2 * s22 / 2 + b_std ** 2
    return s12, ntk


def empirical_ntk_from_scratch(apply_fn, params, x1, x2):
    """Theta(x1, x2) = sum over parameters of df(x1)/dp df(x2)/dp, for one output."""
    jac1 = jax.jacobian(lambda p: apply_fn(p, x1)[:, 0])(params)
    jac2 = jax.jacobian(lambda p: apply_fn(p, x2)[:, 0])(params)
    return sum(a.reshape(len(x1), -1) @ b.reshape(len(x2), -1).T
               for a, b in zip(jax.tree_util.tree_leaves(jac1), jax.tree_util.tree_leaves(jac2)))


rng_demo = np.random.default_rng(1)
xa, xb = rng_demo.normal(size=(5, 7)), rng_demo.normal(size=(4, 7))
with config.double_precision():
    nngp_pkg, ntk_pkg = (np.asarray(k) for k in kernels.fc_kernels(
        jnp.asarray(xa), jnp.asarray(xb), depth=3, W_std=W_STD, b_std=0.3))
nngp_s, ntk_s = relu_kernels_from_scratch(xa, xb, 3, W_STD, 0.3)
claims.less("from-scratch recursion vs kernels.fc_kernels, depth 3 (max rel. difference)",
            max(np.abs(ntk_s - ntk_pkg).max() / np.abs(ntk_pkg).max(),
                np.abs(nngp_s - nngp_pkg).max() / np.abs(nngp_pkg).max()), 1e-10)
small = nets.mlp(depth=2, width=32, W_std=W_STD, b_std=0.3)
p_small = small.init(0, (7,))
xa32, xb32 = jnp.asarray(xa, jnp.float32), jnp.asarray(xb, jnp.float32)
ntk_jac = empirical_ntk_from_scratch(small.apply_fn, p_small, xa32, xb32)
ntk_lib = kernels.empirical_ntk(small.apply_fn, p_small, xa32, xb32)
claims.less("from-scratch empirical NTK vs kernels.empirical_ntk (max rel. difference)",
            float(jnp.abs(ntk_jac - jnp.squeeze(ntk_lib)).max() / jnp.abs(ntk_lib).max()), 1e-5);

# %%
fig, ax = plt.subplots(1, 2, figsize=(7, 3.2))
ax[0].plot(angles, ntk_closed, label="closed form")
ax[0].plot(angles[::10], ntk_recursion[0, ::10], "o", label="recursion")
ax[0].set(xlabel=r"angle $\vartheta$", ylabel=r"$\Theta$")
ax[0].legend()
with config.double_precision():
    for depth in (1, 2, 4, 8):
        _, k = kernels.fc_kernels(reference, circle, depth=depth, W_std=W_STD)
        ax[1].plot(angles, k[0] / k[0, 0], ls=["-", "--", "-.", ":"][[1, 2, 4, 8].index(depth)],
                   label=f"depth {depth}")
ax[1].set(xlabel=r"angle $\vartheta$", ylabel=r"$\Theta(\vartheta)/\Theta(0)$")
ax[1].legend(fontsize=7)
fig.tight_layout()
plotting.glue_figure("fig-l03-kernel", fig)

# %% [markdown]
# ```{glue:figure} fig-l03-kernel
# :name: fig-l03-kernel
# :alt: Left, the one-hidden-layer ReLU NTK against the angle between inputs, recursion dots on the closed-form curve; right, normalized NTKs for depths 1 to 8, sharper at zero angle for deeper networks.
#
# Left: the NTK of one hidden ReLU layer on the sphere, closed form
# {eq}`eq-relu-ntk-sphere` (line) and recursion {eq}`eq-recursion` (dots).
# Right: the NTK normalized by its value at $\vartheta = 0$ for 1, 2, 4 and 8
# hidden layers.
# ```
#
# The recursion matches the closed form to {glue:text}`err_closed` and
# neural-tangents to a relative {glue:text}`err_nt`. The right panel shows
# how depth reshapes the kernel: deeper ReLU networks give kernels that are
# sharper at $\vartheta = 0$ and flatter elsewhere, so they weigh nearby training
# points relatively more.
#
# ## Linearization and its closed-form dynamics
#
# Replace the network by its first-order Taylor expansion around the
# initialization $\theta_0$:
#
# $$
# f^{\mathrm{lin}}(x;\theta) = f(x;\theta_0) + \nabla_\theta f(x;\theta_0)^\top(\theta-\theta_0).
# $$ (eq-linearization)
#
# Its gradient does not depend on $\theta$, so its NTK is $\Theta_0 := \Theta_{\theta_0}$
# at all times and {eq}`eq-function-flow` becomes a linear ODE. To keep formulas
# clean we *center* the network, $f(x;\theta) - f(x;\theta_0)$ with a frozen copy
# of $\theta_0$: its gradients, hence its NTK, are unchanged, and its output at
# initialization is zero. (The lecture notes achieve $f_0=0$ with two mirrored
# half-networks; the effect is the same.) With $f_0 = 0$ the training outputs
# obey $\dot f_t(X) = -\eta\Theta_0(X,X)(f_t(X) - Y)$, so
#
# $$
# f_t(X) = \big(I - e^{-\eta\Theta_0 t}\big) Y,
# \qquad
# f_t(x) = \Theta_0(x,X)\,\Theta_0^{-1}\big(I - e^{-\eta\Theta_0 t}\big)Y .
# $$ (eq-lin-dynamics)
#
# The test formula follows by integrating $\dot f_t(x) = -\eta\Theta_0(x,X)(f_t(X)-Y)$
# and noting that the same integral, multiplied by $\Theta_0(X,X)$, gives $f_t(X)$.
# In the eigenbasis $\Theta_0 = \sum_k\lambda_k v_k v_k^\top$, the component of the
# label vector along $v_k$ is learned as $1-e^{-\eta\lambda_k t}$: large-eigenvalue
# directions first (lecture L4 builds on this). Discrete gradient descent with step
# $\eta$ replaces $e^{-\eta\Theta_0 t}$ by $(I-\eta\Theta_0)^t$, which converges only if
# $\eta < 2/\lambda_{\max}$.
#
# ```{prf:theorem} The infinite-time predictor is kernel regression
# :label: thm-kernel-regression
# If $\Theta_0(X,X)$ is invertible, then as $t\to\infty$ the linearized,
# centred network trained by gradient flow on the square loss converges to
#
# $$
# f_\infty(x) = \Theta_0(x, X)\,\Theta_0(X,X)^{-1} Y,
# $$ (eq-kernel-regression)
#
# the ridgeless kernel regression predictor with kernel $\Theta_0$.
# ```
#
# The link to real networks is the following result, here in words
# (see {cite}`jacot2018ntk,lee2019wide` and eq. (18) of {cite}`cagnetta2023kernels`
# for precise statements and constants):
#
# ```{prf:theorem} Wide networks train like their linearization
# :label: thm-lazy
# Assume an activation that is Lipschitz with a Lipschitz derivative (smooth,
# e.g. erf or softplus; the proofs of {cite}`jacot2018ntk,lee2019wide` use this),
# inputs in a bounded set, the NTK parametrization,
# $\lambda_{\min}(\Theta(X,X)) > 0$ and a learning rate below
# $2/(\lambda_{\min}+\lambda_{\max})$. With high probability over the initialization,
# for a network of width $m$ trained by gradient descent on the square loss,
# the training loss decays exponentially, and uniformly in time
# $\lVert\theta_t-\theta_0\rVert = O(1)$,
# $\lVert\Theta_{\theta_t}-\Theta_{\theta_0}\rVert = O(m^{-1/2})$, and
# $\lvert f_t(x) - f^{\mathrm{lin}}_t(x)\rvert = O(m^{-1/2})$.
# ```
#
# Two remarks on the statement. First, ReLU is not smooth; for it the same
# conclusions (linear convergence of the training loss, parameters staying near
# initialization, the network tracking the kernel predictor) are proved by
# different, non-asymptotic arguments for polynomially wide networks
# {cite}`du2019gradient,arora2019exact`, with worse constants; our experiments
# use ReLU and test the predictions directly. Second, the norms. The theorem's
# $\lVert\theta_t - \theta_0\rVert = O(1)$ is the Euclidean norm of *all*
# parameters in the NTK parametrization. The lecture notes
# {cite}`cagnetta2023kernels` write $O(m^{-1/2})$, which is the same fact
# measured differently: the $O(1)$ total change is spread over $m$ units, so the
# incoming weight vector of each single unit moves by $O(m^{-1/2})$, and in a
# one-hidden-layer network, whose initial norm grows like $\sqrt m$, the
# *relative* change $\lVert\theta_t-\theta_0\rVert/\lVert\theta_0\rVert$ is
# $O(m^{-1/2})$ as well. Finally, the kernel's change: $O(m^{-1/2})$ is the
# worst-case bound of the theorem, while the typical change during training is
# of order $m^{-1}$, as the perturbative expansions of
# {cite}`dyer2020asymptotics,huang2020dynamics` show (the $m^{-1/2}$ terms have
# zero mean).
#
# Three consequences can be measured, and we now do so: the empirical NTK at
# initialization approaches the analytic one at rate $m^{-1/2}$ (central limit
# theorem); the weights and the kernel barely move ("lazy training"
# {cite}`chizat2019lazy`); and the trained network approaches the kernel predictor.
#
# ## Experiment 1: the empirical NTK converges at rate $m^{-1/2}$
#
# Throughout the experiments we use a binary task on real data: scikit-learn's
# handwritten digits "3" and "5", each image centred and scaled to
# $\lVert x\rVert^2 = 64$, with targets $\pm1$. The network has two hidden ReLU
# layers, $\sigma_w = \sqrt2$, no biases.

# %%
split = data.select_classes(data.digits(n_train=1000, n_test=797, seed=config.SEED), [3, 5])
x_train = jnp.asarray(split.x_train[: P["n_train"]])
y_train = jnp.asarray(np.where(split.y_train[: P["n_train"]] == 0, 1.0, -1.0)[:, None],
                      dtype=jnp.float32)
x_test = jnp.asarray(split.x_test)
y_test = np.where(split.y_test == 0, 1.0, -1.0)
print(f"{len(x_train)} training and {len(x_test)} test images of dimension {x_train.shape[1]}")

# %%
x_k = x_train[: P["n_kernel"]]
_, ntk_limit = kernels.fc_kernels(x_k, depth=DEPTH, W_std=W_STD)
errors = np.zeros((len(P["widths"]), P["seeds"]))
for i, width in enumerate(P["widths"]):
    net = nets.mlp(depth=DEPTH, width=width, W_std=W_STD)
    for seed in range(P["seeds"]):
        ntk_emp = kernels.empirical_ntk(net.apply_fn, net.init(seed, x_k.shape[1:]), x_k,
                                        implementation=P["ntk_implementation"])
        errors[i, seed] = float(jnp.linalg.norm(ntk_emp - ntk_limit) / jnp.linalg.norm(ntk_limit))
fit_init = stats.power_law_fit(P["widths"], errors)

fig, ax = plt.subplots()
plotting.loglog_with_fit(ax, P["widths"], errors, fit_init, label="relative Frobenius error")
ax.set(xlabel="width $m$", ylabel="relative error of the empirical NTK")
ax.legend()
plotting.glue_figure("fig-l03-init", fig)
claims.between("fitted exponent of the empirical-NTK error", fit_init.exponent, -0.65, -0.35,
               glue="exp_init", fmt=".2f")
claims.holds("the bootstrap interval of the exponent contains -1/2",
             fit_init.low <= -0.5 <= fit_init.high,
             f"90% interval [{fit_init.low:.2f}, {fit_init.high:.2f}]")
claims.glue("exp_init_ci", f"[{fit_init.low:.2f}, {fit_init.high:.2f}]")

# %% [markdown]
# ```{glue:figure} fig-l03-init
# :name: fig-l03-init
# :alt: Log-log plot of the relative Frobenius error between empirical and analytic NTK against width, points falling along a fitted line of slope near minus one half.
#
# Relative Frobenius distance $\|\hat\Theta_m - \Theta\|_F/\|\Theta\|_F$ between the
# empirical NTK at initialization and the analytic one, against the width $m$
# (several seeds per width), with a power-law fit.
# ```
#
# The error falls as $m^{a}$ with fitted exponent $a=$ {glue:text}`exp_init`
# (90% bootstrap interval over seeds {glue:text}`exp_init_ci`), in line with the
# central-limit prediction $a=-1/2$: each entry of $\hat\Theta_m$ is an average of
# $m$ weakly dependent terms, so its fluctuation shrinks like $1/\sqrt m$.
#
# ## Experiment 2: lazy training
#
# Now train. For each width we train the centred network by full-batch gradient
# descent with step $\eta = 1/\lambda_{\max}(\Theta(X,X))$, computed from the
# analytic kernel so that every width uses the same step, and we record how far
# the weights and the kernel move.

# %%
_, k_train = kernels.fc_kernels(x_train, depth=DEPTH, W_std=W_STD)
_, k_test_train = kernels.fc_kernels(x_test, x_train, depth=DEPTH, W_std=W_STD)
eigenvalues = np.asarray(jnp.linalg.eigvalsh(k_train))
learning_rate = 1.0 / float(eigenvalues.max())
record_every = P["steps"] // 20
times = np.arange(0, P["steps"] + 1, record_every)

runs = {}
for width in P["train_widths"]:
    net = nets.mlp(depth=DEPTH, width=width, W_std=W_STD)
    params0 = net.init(1, x_train.shape[1:])
    model = nets.centered(net.apply_fn, params0)
    result = nets.train(model, params0, x_train, y_train, steps=P["steps"],
                        learning_rate=learning_rate, record_every=record_every, x_eval=x_test,
                        description=f"width {width}")
    ntk = lambda params, x1, x2=None: kernels.empirical_ntk(
        model, params, x1, x2, implementation=P["ntk_implementation"])
    ntk_start, ntk_end = ntk(params0, x_train), ntk(result.params, x_train)
    ntk_test_start = ntk(params0, x_test, x_train)
    runs[width] = dict(
        result=result,
        weight_change=float(nets.param_distance(result.params, params0) / nets.param_norm(params0)),
        kernel_change=float(jnp.linalg.norm(ntk_end - ntk_start) / jnp.linalg.norm(ntk_start)),
        # the linearized network's trajectory, in closed form from its own NTK (eq-lin-dynamics)
        linearized=np.asarray(kernels.gd_dynamics(ntk_start, y_train, times,
                                                  learning_rate=learning_rate,
                                                  k_test_train=ntk_test_start, discrete=True)),
    )
widths = np.array(P["train_widths"])
weight_change = np.array([runs[m]["weight_change"] for m in widths])
kernel_change = np.array([runs[m]["kernel_change"] for m in widths])
fit_w = stats.power_law_fit(widths, weight_change)
fit_k = stats.power_law_fit(widths, kernel_change)

fig, ax = plt.subplots()
plotting.loglog_with_fit(ax, widths, weight_change, fit_w,
                         label=r"weights $\|\theta_T-\theta_0\|/\|\theta_0\|$")
plotting.loglog_with_fit(ax, widths, kernel_change, fit_k,
                         label=r"kernel $\|\Theta_T-\Theta_0\|_F/\|\Theta_0\|_F$")
ax.set(xlabel="width $m$", ylabel="relative change during training")
ax.legend(fontsize=8)
plotting.glue_figure("fig-l03-lazy", fig)
claims.close("fitted exponent of the relative weight change: within 0.15 of -1",
             fit_w.exponent, -1.0, atol=0.15, glue="exp_weights", fmt=".2f")
claims.between("fitted exponent of the relative kernel change: between -1 and -1/2",
               fit_k.exponent, -1.0, -0.5, glue="exp_kernel", fmt=".2f")
claims.less(f"relative kernel change at width {widths[-1]}", kernel_change[-1], 0.05,
            glue="kernel_change_widest", fmt=".3f")

# %% [markdown]
# ```{glue:figure} fig-l03-lazy
# :name: fig-l03-lazy
# :alt: Log-log plot of the relative change of the weights and of the empirical NTK during training against width; both fall along straight lines, the weights faster.
#
# Lazy training: relative change of all weights and of the empirical NTK during
# training, against the width, with power-law fits.
# ```
#
# Both quantities shrink with width, the definition of lazy training. Their
# rates differ, and the difference is instructive.
#
# * **Weights**, exponent {glue:text}`exp_weights`, within 0.15 of $-1$. The theorem says
#   $\lVert\theta_T-\theta_0\rVert$ stays of order one, while
#   $\lVert\theta_0\rVert^2$ counts all parameters, dominated by the $m\times m$ hidden
#   matrix: $\lVert\theta_0\rVert\propto m$. The ratio therefore scales as $m^{-1}$
#   for two or more hidden layers (and as $m^{-1/2}$ for one). Every individual
#   weight moves by about $m^{-1}$ of its size, yet together they change the
#   function by an amount of order one.
# * **Kernel**, exponent {glue:text}`exp_kernel`: faster than the
#   $m^{-1/2}$ of the theorem, which is an upper bound. The bound covers the worst
#   case; the typical change of the NTK during training is known to be of order
#   $m^{-1}$ {cite}`dyer2020asymptotics,huang2020dynamics` (the $m^{-1/2}$ terms
#   cancel in expectation), and our exponent lies
#   between the two at these widths. At width {glue:text}`kernel_change_widest`
#   of relative change, the kernel at the end of training is for practical
#   purposes the kernel at the start.
#
# ## Experiment 3: the network and its linearization
#
# The linearized network's trajectory needs no training at all: it is
# {eq}`eq-lin-dynamics` (in its discrete-time form) evaluated with the network's
# own empirical NTK at initialization. We compare it with the outputs of the
# real network on test images during training.

# %%
gaps = np.array([
    np.max(np.linalg.norm(runs[m]["result"].outputs - runs[m]["linearized"], axis=(1, 2)))
    / np.linalg.norm(runs[m]["linearized"][-1]) for m in widths])
fit_lin = stats.power_law_fit(widths, gaps)

fig, ax = plt.subplots(1, 2, figsize=(7, 3.2))
for m, color in zip([widths[0], widths[-1]], plotting.PALETTE):
    for j in range(3):
        ax[0].plot(times, runs[m]["result"].outputs[:, j, 0], "-", color=color,
                   label=f"network, m={m}" if j == 0 else None)
        ax[0].plot(times, runs[m]["linearized"][:, j, 0], ":", color=color, lw=2,
                   label=f"linearized, m={m}" if j == 0 else None)
ax[0].set(xlabel="gradient descent step", ylabel="output on three test images")
ax[0].legend(fontsize=6, loc="best")
plotting.loglog_with_fit(ax[1], widths, gaps, fit_lin, label="max over time, relative")
ax[1].set(xlabel="width $m$", ylabel="relative gap to linearization")
ax[1].legend(fontsize=7, loc="lower left")
fig.tight_layout()
plotting.glue_figure("fig-l03-linear", fig)
claims.close("fitted exponent of the network-linearization gap: within 0.1 of -1/2",
             fit_lin.exponent, -0.5, atol=0.1, glue="exp_lin", fmt=".2f")
claims.less(f"gap at width {widths[-1]}", gaps[-1], gaps[0] / 2, glue="gap_widest", fmt=".3f")

# %% [markdown]
# ```{glue:figure} fig-l03-linear
# :name: fig-l03-linear
# :alt: Left, outputs on three test images during training for a narrow and a wide network with their linearizations, the wide pair overlapping; right, log-log plot of the largest relative gap between network and linearization falling with width.
#
# Left: outputs of the network (solid) and of its linearization (dotted) on three
# test images, for the narrowest and the widest network. Right: the largest
# relative gap over training, $\max_t\|f_t - f^{\mathrm{lin}}_t\|/\|f^{\mathrm{lin}}_T\|$,
# against the width, with a power-law fit.
# ```
#
# At small width the network visibly leaves its linearization; at width
# {glue:text}`width_widest` the two trajectories are close (largest relative gap
# {glue:text}`gap_widest`), and the gap shrinks as $m^{a}$ with
# $a=$ {glue:text}`exp_lin`, within 0.1 of the $-1/2$ of the $O(m^{-1/2})$ bound of
# {prf:ref}`thm-lazy` (one network per width, so the exponent is a rough
# estimate).
#
# ## Experiment 4: the trained wide network and the kernel predictor
#
# Finally the infinite-width prediction itself: the analytic NTK, no network
# involved. We run {eq}`eq-lin-dynamics` with the analytic kernel to the same
# number of steps, and also to infinity, which is kernel regression
# {eq}`eq-kernel-regression`.

# %%
kernel_path = np.asarray(kernels.gd_dynamics(k_train, y_train, times, learning_rate=learning_rate,
                                             k_test_train=k_test_train, discrete=True))
kernel_regression = np.asarray(kernels.kernel_regression(k_train, y_train, k_test_train))
to_kernel = np.array([np.linalg.norm(runs[m]["result"].outputs[-1] - kernel_path[-1])
                      / np.linalg.norm(kernel_path[-1]) for m in widths])
accuracy = lambda f: float(np.mean(np.sign(f[:, 0]) == y_test))

fig, ax = plt.subplots(1, 2, figsize=(7, 3.2))
ax[0].loglog(widths, to_kernel, "o-")
ax[0].set(xlabel="width $m$", ylabel="distance to NTK prediction")
ax[1].scatter(kernel_path[-1][:, 0], runs[widths[-1]]["result"].outputs[-1][:, 0], s=8)
lim = np.abs(kernel_path[-1]).max() * 1.1
ax[1].plot([-lim, lim], [-lim, lim], "k--", lw=1)
ax[1].set(xlabel="analytic NTK prediction", ylabel=f"network, m = {widths[-1]}")
fig.tight_layout()
plotting.glue_figure("fig-l03-kernel-pred", fig)

claims.less(f"trained network (m={widths[-1]}) vs analytic NTK dynamics", to_kernel[-1], 0.1,
            glue="to_kernel_widest", fmt=".3f")
claims.holds("the distance to the kernel predictor shrinks with width",
             to_kernel[-1] < to_kernel[0], f"{to_kernel[0]:.3f} -> {to_kernel[-1]:.3f}")
claims.less("analytic dynamics at the last step vs kernel regression",
            np.linalg.norm(kernel_path[-1] - kernel_regression) / np.linalg.norm(kernel_regression),
            0.05, glue="path_vs_kr", fmt=".3f")
claims.greater("test accuracy of NTK regression", accuracy(kernel_regression), 0.9,
               glue="acc_kr", fmt=".3f")
claims.greater(f"test accuracy of the trained network (m={widths[-1]})",
               accuracy(runs[widths[-1]]["result"].outputs[-1]), 0.9, glue="acc_net", fmt=".3f")
claims.glue("width_widest", widths[-1])
claims.glue("width_narrowest", widths[0])
claims.glue("to_kernel_narrowest", to_kernel[0], ".3f")

# %% [markdown]
# ```{glue:figure} fig-l03-kernel-pred
# :name: fig-l03-kernel-pred
# :alt: Left, log-log plot of the relative distance between trained networks and the analytic NTK prediction on test images, falling with width; right, scatter of the widest network's test outputs against the kernel prediction, close to the diagonal.
#
# Left: relative distance on test images between the trained network and the
# analytic-NTK dynamics after the same number of steps, against the width.
# Right: test outputs of the widest network against the kernel prediction; the
# dashed line is the diagonal.
# ```
#
# The relative distance between the trained network and the kernel prediction
# falls from {glue:text}`to_kernel_narrowest` at width {glue:text}`width_narrowest`
# to {glue:text}`to_kernel_widest` at width {glue:text}`width_widest`. After
# these steps the kernel dynamics are within {glue:text}`path_vs_kr` of their
# limit, ridgeless kernel regression, whose test accuracy is
# {glue:text}`acc_kr`; the widest network reaches {glue:text}`acc_net`.
#
# Note what the comparison needed: the analytic kernel, computed once in closed
# form, predicts the output of a trained network on images it never saw,
# without training anything.

# %% [markdown]
# ## What it means
#
# * **A wide network is a kernel machine.** In the NTK parametrization and at
#   large width, training by gradient descent on the square loss moves the
#   function exactly as kernel gradient descent with a fixed kernel does, and the
#   end point is kernel regression. Everything known about kernels (spectra,
#   generalization bounds, the role of the data) now applies to networks.
# * **The kernel encodes the architecture.** Depth, activation and weight scales
#   enter only through the recursion {eq}`eq-recursion`. Comparing architectures
#   becomes comparing kernels, a theme of lectures L1, L5 and L11.
# * **Laziness is a regime, not a law.** The weights of a wide network move by a
#   vanishing fraction, so it cannot learn features: its kernel at the end is
#   the kernel at the start. Practical networks are often trained outside this
#   regime, where the kernel does move {cite}`fort2020deep`; the NTK is then a
#   local, time-dependent description, still useful, as the later lectures show.
#
# ## Why the NTK, and its limits
#
# Why study the kernel regime at all? Because it is the one regime of deep
# learning in which training is solved: the dynamics are linear, convergence to
# a global minimum follows from $\lambda_{\min}(\Theta) > 0$, and the learned
# function is an explicit formula, so questions about architecture, data and
# generalization become questions about one kernel. It also gives the right
# *questions*: which functions are easy to learn (L4), which symmetries an
# architecture encodes (L1, L5), what a dataset looks like to a network (L5).
#
# What it cannot explain is just as instructive.
#
# * **Feature learning.** In the lazy regime the features (the Jacobian) are
#   fixed at initialization. Trained networks of practical width do change them,
#   and that change matters: the kernel measured at the end of training predicts
#   far better than the one at initialization {cite}`fort2020deep`. The lazy
#   regime is one scaling limit among several; with a different scaling of the
#   output (the mean-field limit of two-layer networks
#   {cite}`mei2018mean`) the infinite-width network does learn features, and
#   the rescaling that turns a network into a lazy one can be applied to any
#   model {cite}`chizat2019lazy`.
# * **The gap to finite networks.** Kernels computed exactly for convolutional
#   architectures (the CNTK of lecture L5) reach good accuracy on image tasks but
#   stay several points below the same architectures trained in practice
#   {cite}`arora2019exact`. Sample-complexity separations go the same way: there
#   are targets, such as functions of a few directions of the input, that a
#   trained network learns with far fewer samples than any kernel method,
#   including its own NTK {cite}`ghorbani2020neural`.
# * **The width needed.** The guarantees hold for widths that grow with the
#   number of samples and the inverse smallest eigenvalue of the kernel; our
#   experiments show finite-width corrections that are visible at practical
#   widths (Experiments 1 and 3, and the high frequencies of L4).
#
# ## Exercises
#
# ```{exercise} The arc-cosine identity
# :label: ex-ntk-arccos
# Let $u, v$ be standard Gaussians with correlation $\cos\vartheta$. Prove
# $\E[\mathrm{relu}(u)\mathrm{relu}(v)] = (\sin\vartheta + (\pi-\vartheta)\cos\vartheta)/(2\pi)$.
# ```
#
# ```{solution} ex-ntk-arccos
# :class: dropdown
# Write $u = g_1$, $v = g_1\cos\vartheta + g_2\sin\vartheta$ with independent
# standard Gaussians, and pass to polar coordinates $g = r(\cos\alpha,\sin\alpha)$.
# Then $u = r\cos\alpha$, $v = r\cos(\alpha-\vartheta)$, and both are positive
# for $\alpha\in(\vartheta-\pi/2, \pi/2)$, an arc of length $\pi-\vartheta$. The
# radial integral is $\int_0^\infty r^3 e^{-r^2/2}\,dr/(2\pi) = 1/\pi$, so the
# expectation equals
# $\frac1\pi\int_{\vartheta-\pi/2}^{\pi/2}\cos\alpha\cos(\alpha-\vartheta)\,d\alpha$.
# With $\cos\alpha\cos(\alpha-\vartheta) = \tfrac12[\cos\vartheta + \cos(2\alpha-\vartheta)]$
# the integral is $\tfrac12[(\pi-\vartheta)\cos\vartheta + \sin\vartheta]$, which gives
# the claim.
# ```
#
# ```{exercise} The NTK of a linear model
# :label: ex-ntk-linear
# Compute the NTK of $f(x) = \frac{\sigma_w}{\sqrt d} w^\top x + \sigma_b b$ and show that
# it does not depend on the parameters. What does {eq}`eq-lin-dynamics` say about
# training this model, and why is linearization exact here?
# ```
#
# ```{solution} ex-ntk-linear
# :class: dropdown
# $\nabla_w f = \sigma_w x/\sqrt d$ and $\partial_b f = \sigma_b$, so
# $\Theta(x,x') = \sigma_w^2 x^\top x'/d + \sigma_b^2 = \Sigma^{(1)}(x,x')$ for every
# $\theta$: the depth-0 case of {eq}`eq-recursion`. The model equals its own
# first-order Taylor expansion, so {eq}`eq-lin-dynamics` describes its training
# exactly, at any "width": gradient flow converges to the minimum-norm
# interpolant, which is kernel regression with the linear kernel.
# ```
#
# ```{exercise} Centering does not change the kernel
# :label: ex-ntk-centering
# Let $g(x;\theta) = f(x;\theta) - f(x;\theta_0)$ with $\theta_0$ frozen. Show that
# $g$ and $f$ have the same NTK at every $\theta$, and that gradient descent on $g$
# produces the same parameter trajectory as gradient descent on $f$ with
# targets $Y + f(X;\theta_0)$.
# ```
#
# ```{solution} ex-ntk-centering
# :class: dropdown
# $\nabla_\theta g = \nabla_\theta f$ because the subtracted term does not depend on
# $\theta$, so the inner products {eq}`eq-ntk-def` agree. The loss
# $\tfrac12\lVert g(X;\theta)-Y\rVert^2 = \tfrac12\lVert f(X;\theta)-(Y+f(X;\theta_0))\rVert^2$,
# so the gradients, and the trajectories, coincide with those for shifted targets
# $Y + f(X;\theta_0)$ (equivalently, $g$ fits $Y$ while $f$ fits $Y$ plus its initial
# output). Centering therefore removes the random initial function from the
# prediction without touching the dynamics.
# ```
#
# ```{exercise} The step-size limit of discrete gradient descent
# :label: ex-ntk-stepsize
# Using `kernels.gd_dynamics(..., discrete=True)` on the analytic kernel `k_train`
# of this lecture, plot the training loss after 200 steps for
# $\eta\lambda_{\max}\in\{0.5, 1.0, 1.9, 2.1\}$. Explain what you see from the
# eigen-decomposition of $(I-\eta\Theta)^t$.
# ```
#
# ```{solution-start} ex-ntk-stepsize
# :class: dropdown
# ```

# %%
lam_max = float(eigenvalues.max())
for ratio in (0.5, 1.0, 1.9, 2.1):
    fitted = kernels.gd_dynamics(k_train, y_train, np.array([200.0]),
                                 learning_rate=ratio / lam_max, discrete=True)[0]
    loss = 0.5 * float(jnp.sum((fitted - y_train) ** 2))
    print(f"eta * lambda_max = {ratio}: loss after 200 steps = {loss:.3g}")

# %% [markdown]
# Each eigen-component of the residual is multiplied by $1-\eta\lambda_k$ per step.
# For $\eta\lambda_{\max} < 2$ all factors lie in $(-1, 1)$ and the loss decreases
# (for $\eta\lambda_{\max}$ close to 2 the top mode oscillates in sign while it
# decays). Beyond 2 the top factor exceeds 1 in absolute value and that
# component grows geometrically: the loss explodes. The limit $2/\lambda_{\max}$
# is the edge of stability, not a usable step (see the errata on §2.3.1 of the notes).
#
# ```{solution-end}
# ```
#
# ```{exercise} Erf networks
# :label: ex-ntk-erf
# For $\phi=\mathrm{erf}$, show that
# $\E[\mathrm{erf}(u)\,\mathrm{erf}(v)] = \frac2\pi\arcsin\frac{2\Sigma_{12}}{\sqrt{(1+2\Sigma_{11})(1+2\Sigma_{22})}}$
# and check numerically that `kernels.fc_kernels(..., activation="erf")` agrees
# with a Monte Carlo estimate of the NNGP of a one-hidden-layer erf network.
# ```
#
# ```{solution-start} ex-ntk-erf
# :class: dropdown
# ```

# %% [markdown]
# The identity is due to Williams {cite}`williams1997infinite`. One route: by Price's
# theorem, $\partial_{\Sigma_{12}}\E[\phi(u)\phi(v)] = \E[\phi'(u)\phi'(v)]$, and with
# $\mathrm{erf}'(z) = \tfrac{2}{\sqrt\pi}e^{-z^2}$ the right side is a Gaussian integral,
# $\tfrac4\pi\big[(1+2\Sigma_{11})(1+2\Sigma_{22})-4\Sigma_{12}^2\big]^{-1/2}$. Integrating
# in $\Sigma_{12}$ from 0, where the expectation vanishes by symmetry, gives the
# $\arcsin$. Numerically:

# %%
rng = np.random.default_rng(0)
x_pair = jnp.asarray(rng.normal(size=(2, 5)))
nngp_erf, _ = kernels.fc_kernels(x_pair, depth=1, activation="erf")
weights = rng.normal(size=(200_000, 5))
features = jax.scipy.special.erf(x_pair @ weights.T / np.sqrt(5))
monte_carlo = features @ features.T / weights.shape[0]
print("analytic NNGP:\n", np.asarray(nngp_erf).round(4))
print("Monte Carlo (200k hidden units):\n", np.asarray(monte_carlo).round(4))
assert np.allclose(nngp_erf, monte_carlo, atol=1e-2)

# %% [markdown]
# ```{solution-end}
# ```
#
# The {doc}`problem set <../exercises/ps03_ntk>` asks you to implement the
# empirical NTK, the closed form {eq}`eq-relu-ntk-sphere` and the flow
# {eq}`eq-lin-dynamics` yourself, with automatic checks.
