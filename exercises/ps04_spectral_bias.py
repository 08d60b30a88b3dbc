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
# (ps-spectral-bias)=
# # Problem set 4: spectral bias and momentum
#
# These problems accompany lecture {ref}`lecture-spectral-bias`. They are worth
# 20 points: 9 checked automatically and 11 graded by hand.
#
# - A problem you answer in code starts with a cell that defines the function
#   you write, with `raise NotImplementedError` in place of its body. Replace that
#   line by your code, run the cell, then run the check cell under it: it calls a
#   checker from `ntk_course.checks.ps04`, which tests your function on inputs
#   you have not seen and shows ✓ or ✗ with a hint. The autograder runs the same
#   checker on further hidden inputs.
# - A proof or an experiment is graded by hand: write it in a markdown cell
#   (proofs) or in code and markdown cells (experiments) under the problem.

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

from ntk_course.checks import ps04

# %% [markdown]
# ## Problem 1: heavy-ball momentum, mode by mode (6 points)
#
# *Proof, graded by hand: (a) 2 points, (b) 2 points, (c) 2 points.*
#
# ```{exercise} Momentum on the kernel dynamics
# :label: ps04-momentum-proof
# A linearized network with kernel matrix $K = \sum_i \lambda_i v_i v_i^\top$
# ($\lambda_i > 0$) on the training set is trained on $\frac12\lVert f - y\rVert^2$ by
# the heavy-ball method $f_{t+1} = f_t - \eta K(f_t - y) + \beta(f_t - f_{t-1})$,
# with $f_0 = f_{-1} = 0$, $\eta > 0$ and $0 \le \beta < 1$.
#
# (a) Show that the residual component $c_{i,t} = v_i^\top(f_t - y)$ obeys a
# two-term linear recursion that involves no other mode, and give its initial
# values.
#
# (b) Show that every mode converges to zero, for every $y$, if and only if
# $0 < \eta\lambda_i < 2(1 + \beta)$ for all $i$. (Study the roots of the
# characteristic polynomial $z^2 - (1 + \beta - \eta\lambda)z + \beta$.)
#
# (c) Show that when $(1 + \beta - \eta\lambda_i)^2 < 4\beta$ the mode decays at
# the rate $\beta^{t/2}$ whatever $\lambda_i$ is. What does this mean for the
# spectral bias of the lecture, where the rate of mode $i$ is $|1 - \eta\lambda_i|$?
# ```
#
# ```{solution} ps04-momentum-proof
# :class: dropdown
# **(a)** Subtract $y$ from both sides: with $r_t = f_t - y$,
# $r_{t+1} = r_t - \eta K r_t + \beta(r_t - r_{t-1})$, since the $y$ terms cancel in
# $f_t - f_{t-1} = r_t - r_{t-1}$. Projecting on $v_i$ (with $v_i^\top K = \lambda_i v_i^\top$)
# gives $c_{i,t+1} = (1 + \beta - \eta\lambda_i)c_{i,t} - \beta c_{i,t-1}$, with
# $c_{i,0} = c_{i,-1} = -v_i^\top y$.
#
# **(b)** The recursion converges to zero for all initial values iff both roots
# of $p(z) = z^2 - sz + \beta$, $s = 1 + \beta - \eta\lambda$, lie in the open unit
# disc. Their product is $\beta < 1$. If they are complex, both have modulus
# $\sqrt\beta < 1$. If they are real, both lie in $(-1, 1)$ iff $p(1) > 0$ and
# $p(-1) > 0$ (with the vertex $s/2$ inside $(-1, 1)$, implied by these two and
# $\beta < 1$): $p(1) = \eta\lambda > 0$ and $p(-1) = 2 + 2\beta - \eta\lambda > 0$.
# So the condition is $0 < \eta\lambda < 2(1+\beta)$. Conversely, if
# $\eta\lambda \ge 2(1+\beta)$ then $p(-1) \le 0$ and a root has modulus $\ge 1$;
# since $c_{i,0} \ne 0$ for generic $y$, the mode does not converge (a repeated or
# unit root needs one line on the generic start).
#
# **(c)** A negative discriminant $s^2 - 4\beta < 0$ gives complex conjugate roots
# of modulus $\sqrt{\beta}$, so $|c_{i,t}| \le C \beta^{t/2}$: the same rate for
# every mode in the band $(1 - \sqrt\beta)^2 < \eta\lambda_i < (1 + \sqrt\beta)^2$.
# Within that band momentum removes the spectral bias: small-eigenvalue modes are
# fitted as fast as large ones, while plain GD fits mode $i$ at rate
# $|1 - \eta\lambda_i|$, which approaches 1 for small $\lambda_i$.
#
# *Rubric.* (a) 1 point for the recursion, 1 for the initial values with the
# sign $-v_i^\top y$. (b) 1 point for sufficiency, 1 for necessity. (c) 1 point for
# the modulus, 1 for the interpretation.
# ```
#
# ## Problem 2: the residual, mode by mode (4 points)
#
# *Implementation, checked automatically (4 points).*
#
# ```{exercise} Mode components of the residual
# :label: ps04-modes
# For plain gradient descent ($\beta = 0$) write `mode_components(k, y, eta, t)`
# returning an $(n, n)$ array whose column $i$ is the component
# $(v_i^\top r_t)\,v_i$ of the residual $r_t = f_t - y$ along the $i$-th eigenvector of
# `k`, eigenvalues sorted in decreasing order. The columns add up to $r_t$, and
# they do not depend on the sign of each eigenvector.
# ```

# %% tags=["stub"]
def mode_components(k, y, eta, t):
    """(n, n): column i is (v_i . r_t) v_i, eigenvalues of k in decreasing order."""
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps04-modes
# :class: dropdown
# ```
#
# By Problem 1(a) with $\beta = 0$, $v_i^\top r_t = -(1 - \eta\lambda_i)^t v_i^\top y$.

# %% tags=["solution"]
def mode_components(k, y, eta, t):
    vals, vecs = np.linalg.eigh(np.asarray(k, np.float64))
    vals, vecs = vals[::-1], vecs[:, ::-1]
    coef = -((1 - eta * vals) ** t) * (vecs.T @ y)
    return vecs * coef

# %% [markdown]
# ```{solution-end}
# ```

# %% tags=["check"]
ps04.mode_components(mode_components)

# %% [markdown]
# ## Problem 3: heavy-ball dynamics (5 points)
#
# *Implementation, checked automatically (5 points).*
#
# ```{exercise} Training outputs with momentum
# :label: ps04-heavy-ball
# Write `heavy_ball(k, y, eta, beta, steps)` returning the $(n,)$ training outputs
# $f_{\text{steps}}$ of the heavy-ball method of Problem 1, from
# $f_0 = f_{-1} = 0$. The checker uses steps inside the stable range of
# Problem 1(b), float32 inputs, and `steps` up to 60.
# ```

# %% tags=["stub"]
def heavy_ball(k, y, eta, beta, steps):
    """Training outputs after `steps` heavy-ball steps from f_0 = f_{-1} = 0."""
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps04-heavy-ball
# :class: dropdown
# ```
#
# Iterate the two-term recursion of Problem 1(a) for all modes at once, in
# float64.

# %% tags=["solution"]
def heavy_ball(k, y, eta, beta, steps):
    k, y = np.asarray(k, np.float64), np.asarray(y, np.float64)
    f, f_prev = np.zeros_like(y), np.zeros_like(y)
    for _ in range(steps):
        f, f_prev = f - eta * k @ (f - y) + beta * (f - f_prev), f
    return f

# %% [markdown]
# ```{solution-end}
# ```

# %% tags=["check"]
ps04.heavy_ball(heavy_ball)

# %% [markdown]
# ## Problem 4: does momentum remove the spectral bias of a network? (5 points)
#
# *Experiment, graded by hand (5 points).*
#
# ```{exercise} Frequencies learned with and without momentum
# :label: ps04-experiment
# Problem 1(c) predicts that momentum equalizes the rates of the modes in a band
# of eigenvalues. Test it on a real network: fit a one-hidden-layer ReLU network
# (`nets.mlp`, width at least 256) to a target on the circle made of two
# frequencies, $\cos\theta + \cos 4\theta$, with full-batch GD and with heavy ball
# ($\beta = 0.9$), at steps chosen so that both are stable and have the same
# effective step $\eta/(1-\beta)$. Track the Fourier amplitude of the residual at
# each frequency during training (at least three seeds), and compare the ratio of
# the two fitting times with the prediction from the empirical NTK's
# eigenvalues. State what you conclude and its limits.
# ```
#
# ```{solution} ps04-experiment
# :class: dropdown
# *What to measure.* The residual's Fourier coefficients at frequencies 1 and 4
# against the step, for both methods and several seeds; the steps at which each
# falls below a fixed fraction (for example a quarter) of its initial value; the
# eigenvalues of the empirical NTK on the same points associated with the two
# frequencies (their eigenvectors are close to Fourier modes on uniform points).
#
# *What a good answer finds.* With GD the high frequency takes many times longer
# (ratio close to the ratio of the eigenvalues). With heavy ball the ratio is
# smaller; a mode inside the complex band of Problem 1(c) decays at
# $\beta^{t/2}$, so if both eigenvalues are in the band the ratio approaches 1,
# and if the low-frequency eigenvalue is outside the band (oscillating mode) the
# comparison must say so. The network is not exactly linear: a good answer checks
# that the kernel moves little (or reports that it does) before attributing the
# result to Problem 1.
#
# *Rubric (5 points).* Matched effective steps and stable settings (1). Fourier
# amplitudes tracked, several seeds, a readable figure (2). The prediction from
# the NTK eigenvalues computed and compared (1). Conclusions limited to what was
# measured (1).
# ```
