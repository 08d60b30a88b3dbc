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
# (ps-ntk)=
# # Problem set 3: the neural tangent kernel
#
# These problems accompany lecture {ref}`lecture-ntk`. Each asks you to write a
# short function or derive a number; the cell after your answer calls a checker
# from `ntk_course.checks.ps03`, which tests it on inputs you have not seen and
# prints ✓ or ✗ with a hint. Solutions are folded below each problem (hidden in
# the student edition).

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

from ntk_course import kernels, nets
from ntk_course.checks import ps03

# %% [markdown]
# ## Problem 1: the empirical NTK from the Jacobian
#
# ```{exercise} Empirical NTK
# :label: ps3-empirical
# Write `my_empirical_ntk(apply_fn, params, x)` returning the $n\times n$ matrix
# $\Theta(x_i,x_j) = \nabla_\theta f(x_i)^\top\nabla_\theta f(x_j)$ of a network with a
# single output, using only `jax.jacobian` and array operations. The parameters are a
# pytree (nested lists and tuples of arrays): every leaf counts.
# Check it with `ps03.empirical_ntk(my_empirical_ntk)`.
# ```
#
# ```{solution-start} ps3-empirical
# :class: dropdown
# ```

# %%
def my_empirical_ntk(apply_fn, params, x):
    # Jacobian of the n outputs w.r.t. every parameter leaf: leaves of shape (n, *leaf.shape).
    jacobian = jax.jacobian(lambda p: apply_fn(p, x)[:, 0])(params)
    flat = [leaf.reshape(x.shape[0], -1) for leaf in jax.tree_util.tree_leaves(jacobian)]
    j = jnp.concatenate(flat, axis=1)  # (n, P)
    return j @ j.T


assert ps03.empirical_ntk(my_empirical_ntk)

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 2: the one-hidden-layer ReLU kernel on the sphere
#
# ```{exercise} Closed form
# :label: ps3-relu
# Derive the limiting NTK of $f(x) = \sqrt{2/m}\,\sum_{i=1}^m a_i\,\mathrm{relu}(w_i^\top x/\sqrt d)$
# (standard normal $a_i$, $w_i$) for inputs with $\lVert x\rVert^2=d$, as a function of
# $\cos\vartheta = x^\top x'/d$, and implement it as `my_relu_ntk(cos)` for an array of
# cosines. Check it with `ps03.relu_ntk_sphere(my_relu_ntk)`.
# ```
#
# ```{solution-start} ps3-relu
# :class: dropdown
# ```

# %% [markdown]
# Gradients with respect to $a_i$ give $\frac2m\sum_i \mathrm{relu}(u_i)\mathrm{relu}(v_i)$, with
# respect to $w_i$ give $\frac2m\sum_i a_i^2\,\mathbf 1\{u_i>0\}\mathbf 1\{v_i>0\}\,x^\top x'/d$.
# By the law of large numbers and the arc-cosine identities,
# $\Theta = \frac{1}{\pi}\big(\sin\vartheta + (\pi-\vartheta)\cos\vartheta\big) + \frac{1}{\pi}(\pi-\vartheta)\cos\vartheta$.

# %%
def my_relu_ntk(cos):
    theta = np.arccos(np.clip(cos, -1.0, 1.0))
    return (np.sin(theta) + 2 * (np.pi - theta) * cos) / np.pi


assert ps03.relu_ntk_sphere(my_relu_ntk)

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 3: gradient flow in function space
#
# ```{exercise} Linearized dynamics
# :label: ps3-flow
# For a centred network ($f_0 = 0$) trained by gradient flow with learning rate `lr` on
# $\tfrac12\sum_i (f(x_i)-y_i)^2$ with a constant kernel, write `my_flow(k, y, t, lr)`
# returning the training outputs $f_t(X)$, for an $n\times n$ kernel matrix `k`, targets
# `y` of shape $(n,)$ and a time `t`. Use an eigen-decomposition rather than a matrix
# exponential routine. Check it with `ps03.linearized_flow(my_flow)`.
# ```
#
# ```{solution-start} ps3-flow
# :class: dropdown
# ```

# %%
def my_flow(k, y, t, lr):
    eigenvalues, eigenvectors = np.linalg.eigh(k)
    coefficients = eigenvectors.T @ y  # label coordinates in the eigenbasis
    return eigenvectors @ ((1 - np.exp(-lr * eigenvalues * t)) * coefficients)


assert ps03.linearized_flow(my_flow)

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 4: how far do the weights move?
#
# ```{exercise} Scaling of the weight change
# :label: ps3-weights
# For a network with two or more hidden layers of width $m$ in the NTK parametrization,
# the lazy-training theorem says $\lVert\theta_T-\theta_0\rVert = O(1)$. Derive the exponent
# $a$ in $\lVert\theta_T-\theta_0\rVert/\lVert\theta_0\rVert\sim m^{a}$, and store it in
# `weight_exponent` (check it with `ps03.weight_change_exponent(weight_exponent)`).
# Then measure it: train width-64 and width-512 networks for 100 steps
# with `nets.train` and compare the slope between the two widths.
# ```
#
# ```{solution-start} ps3-weights
# :class: dropdown
# ```

# %% [markdown]
# $\lVert\theta_0\rVert^2$ is a sum of $P$ squared standard normals with
# $P\approx (L-1)m^2$, so $\lVert\theta_0\rVert\approx\sqrt{L-1}\,m$; the change stays of
# order one; the ratio scales as $m^{-1}$.

# %%
weight_exponent = -1.0
assert ps03.weight_change_exponent(weight_exponent)

rng = np.random.default_rng(0)
x = jnp.asarray(rng.normal(size=(16, 8)))
y = jnp.sin(x[:, :1])
ratios = []
for width in (64, 512):
    net = nets.mlp(depth=2, width=width, W_std=np.sqrt(2.0))
    params0 = net.init(0, (8,))
    result = nets.train(net.apply_fn, params0, x, y, steps=100, learning_rate=0.05)
    ratios.append(float(nets.param_distance(result.params, params0) / nets.param_norm(params0)))
measured = np.log(ratios[1] / ratios[0]) / np.log(512 / 64)
print(f"measured exponent between widths 64 and 512: {measured:.2f}")
assert -1.3 < measured < -0.7

# %% [markdown]
# ```{solution-end}
# ```
