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
# (ps-minimax)=
# # Problem set 9: min-max optimization
#
# These problems accompany lecture {ref}`lecture-minimax`. Each asks for a short
# function or a number; the cell after your answer calls a checker from
# `ntk_course.checks.ps09`, which tests it on inputs you have not seen and prints
# ✓ or ✗ with a hint. Solutions are folded below each problem (hidden in the
# student edition).

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
import numpy as np

from ntk_course import minimax
from ntk_course.checks import ps09

# %% [markdown]
# ## Problem 1: the extragradient map
#
# ```{exercise} Extragradient on the bilinear game
# :label: ps9-eg
# For $\min_x\max_y xy$, write `eg_matrix(alpha)` returning the $2\times2$ matrix $M$
# with $z^{k+1} = M z^k$ for extragradient, $z^{k+1} = z^k - \alpha V(z^k - \alpha V(z^k))$.
# Check it with `ps09.eg_matrix(eg_matrix)`.
# ```
#
# ```{solution-start} ps9-eg
# :class: dropdown
# ```

# %% [markdown]
# $V(z) = Az$ with $A = \left(\begin{smallmatrix}0 & 1\\ -1 & 0\end{smallmatrix}\right)$, so
# $z^{k+1} = z^k - \alpha A(z^k - \alpha A z^k) = (I - \alpha A + \alpha^2 A^2) z^k$.

# %%
def eg_matrix(alpha):
    A = np.array([[0.0, 1.0], [-1.0, 0.0]])
    return np.eye(2) - alpha * A + alpha ** 2 * A @ A


assert ps09.eg_matrix(eg_matrix)

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 2: the OGDA threshold
#
# ```{exercise} When does OGDA converge?
# :label: ps9-ogda
# Find the largest step $\alpha^*$ such that optimistic GDA,
# $z^{k+1} = z^k - \alpha[2V(z^k) - V(z^{k-1})]$, converges on the bilinear game for
# every $\alpha < \alpha^*$. Give it as a float `ogda_threshold` and check it with
# `ps09.ogda_threshold(ogda_threshold)`.
# ```
#
# ```{solution-start} ps9-ogda
# :class: dropdown
# ```

# %% [markdown]
# On an eigenvector of $A$ ($\mu = \pm i$) the recursion has characteristic
# polynomial $\lambda^2 - (1 - 2\alpha\mu)\lambda - \alpha\mu$, with discriminant
# $1 - 4\alpha^2$. For $\alpha > 1/2$ the larger root has squared modulus
# $\tfrac14(1 + (2\alpha + \sqrt{4\alpha^2 - 1})^2)$, equal to one at $\alpha = 1/\sqrt3$
# (for $\alpha \le 1/2$ it is below one). A numerical bisection on the companion
# matrix confirms it.

# %%
ogda_threshold = 1 / np.sqrt(3)
numeric = minimax.stability_threshold(lambda a: minimax.bilinear_spectral_radius("ogda", a))
print(ogda_threshold, numeric)
assert ps09.ogda_threshold(ogda_threshold)

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 3: the field of the almost-bilinear game
#
# ```{exercise} Game vector field
# :label: ps9-field
# For $\Phi(x, y) = xy + \epsilon(y^2/2 - y^4/4)$ with $x$ minimizing, write
# `field(z, eps)` returning $V(z) = (\partial_x\Phi, -\partial_y\Phi)$ for
# $z = (x, y)$, by hand (no automatic differentiation). Check it with
# `ps09.almost_bilinear_field(field)`.
# ```
#
# ```{solution-start} ps9-field
# :class: dropdown
# ```

# %%
def field(z, eps):
    x, y = z
    return np.array([y, -(x + eps * (y - y ** 3))])


assert ps09.almost_bilinear_field(field)

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 4: the amplitude of the spurious cycle
#
# ```{exercise} Averaging
# :label: ps9-amplitude
# For small $\epsilon$, the flow $\dot z = -V(z)$ of Problem 3 has a limit cycle
# close to a circle $x = a\cos t$. Derive $a$ and give it as `amplitude`; check
# it with `ps09.rayleigh_amplitude(amplitude)`, then measure it for
# $\epsilon = 0.02$ with `minimax.flow` and `minimax.limit_cycle`.
# ```
#
# ```{solution-start} ps9-amplitude
# :class: dropdown
# ```

# %% [markdown]
# With $y = -\dot x$ the flow is Rayleigh's equation
# $\ddot x - \epsilon(\dot x - \dot x^3) + x = 0$, and the energy
# $E = \tfrac12(x^2 + \dot x^2)$ changes at rate $\epsilon\dot x^2(1 - \dot x^2)$. Over one
# period of $x = a\cos t$ this averages to $\epsilon(a^2/2 - 3a^4/8)$, zero at
# $a = 2/\sqrt3$.

# %%
amplitude = 2 / np.sqrt(3)
assert ps09.rayleigh_amplitude(amplitude)
traj = minimax.flow(minimax.almost_bilinear(0.02), [0.5, 0.0], time=600.0, dt=0.05)
print("measured amplitude for eps = 0.02:", minimax.limit_cycle(traj, dt=0.05, tail=0.2).amplitude)

# %% [markdown]
# ```{solution-end}
# ```
#
# ## Problem 5: checking the weak Minty condition
#
# ```{exercise} Weak Minty parameter
# :label: ps9-minty
# Write `rho(V, z_star, points)` returning the largest $\rho$ such that
# $\langle V(z), z - z^*\rangle \ge \rho\|V(z)\|^2$ for every row $z$ of `points`
# (skip points where $V(z) = 0$). `V` maps a point of shape `(2,)` to its field.
# Check it with `ps09.weak_minty(rho)`.
# ```
#
# ```{solution-start} ps9-minty
# :class: dropdown
# ```

# %%
def rho(V, z_star, points):
    ratios = []
    for z in points:
        v = np.asarray(V(z))
        nv = v @ v
        if nv > 1e-12:
            ratios.append(v @ (z - z_star) / nv)
    return min(ratios)


assert ps09.weak_minty(rho)

# %% [markdown]
# ```{solution-end}
# ```
