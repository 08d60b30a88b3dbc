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
# (ps-kip)=
# # Problem set 5: dataset distillation and KIP
#
# These problems accompany lecture {ref}`lecture-kip`. They are worth
# 20 points: 9 checked automatically and 11 graded by hand.
#
# - A problem you answer in code starts with a cell that defines the function
#   you write, with `raise NotImplementedError` in place of its body. Replace that
#   line by your code, run the cell, then run the check cell under it: it calls a
#   checker from `ntk_course.checks.ps05`, which tests your function on inputs
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
import jax
import jax.numpy as jnp
import numpy as np

from ntk_course.checks import ps05

# %% [markdown]
# Throughout, the ridge is *relative*, as in the lecture: kernel ridge regression
# from a support set $(X_s, Y_s)$ predicts
# $K_{ts}\,(K_{ss} + \lambda\,\tfrac{\operatorname{tr} K_{ss}}{n_s} I)^{-1} Y_s$, and the KIP
# loss is $L = \frac{1}{2n_t}\lVert Y_t - K_{ts}(K_{ss} + \lambda\tfrac{\operatorname{tr}K_{ss}}{n_s}I)^{-1}Y_s\rVert_F^2$.
#
# ## Problem 1: scale, convexity and a safe step (6 points)
#
# *Proof, graded by hand: (a) 2 points, (b) 2 points, (c) 2 points.*
#
# ```{exercise} The ridge convention and label learning
# :label: ps05-proof
# Write $A = K_{ts}(K_{ss} + \lambda\tfrac{\operatorname{tr}K_{ss}}{n_s}I)^{-1}$ with
# $\lambda > 0$ and $K_{ss}$ positive semi-definite.
#
# (a) Show that the predictions, hence $L$, are unchanged when the kernel is
# multiplied by $c > 0$, and that this fails for the absolute ridge
# $(K_{ss} + \lambda I)^{-1}$: describe the predictions of the absolute-ridge
# predictor as $c \to 0$ and as $c \to \infty$.
#
# (b) With the images fixed, show that $L$ is a convex function of $Y_s$ and
# compute $\nabla_{Y_s} L$.
#
# (c) Show that a gradient step $Y_s \leftarrow Y_s - \alpha\nabla_{Y_s}L$ does not
# increase $L$ when $0 < \alpha \le 2n_t/\lVert A\rVert_2^2$, and decreases it
# unless $\nabla_{Y_s}L = 0$.
# ```
#
# ```{solution} ps05-proof
# :class: dropdown
# **(a)** Replacing $K$ by $cK$ multiplies $K_{ts}$, $K_{ss}$ and
# $\operatorname{tr}K_{ss}$ by $c$, so $A$ becomes
# $cK_{ts}\,[c(K_{ss} + \lambda\tfrac{\operatorname{tr}K_{ss}}{n_s}I)]^{-1} = A$. With an
# absolute ridge, $cK_{ts}(cK_{ss} + \lambda I)^{-1} = K_{ts}(K_{ss} + \tfrac{\lambda}{c}I)^{-1}$:
# as $c \to \infty$ this tends to the ridgeless interpolant
# $K_{ts}K_{ss}^{+}$ (on the range of $K_{ss}$), and as $c \to 0$ it behaves like
# $\tfrac{c}{\lambda}K_{ts}$, so all predictions shrink to $0$. The effective
# regularization depends on the kernel's arbitrary scale.
#
# **(b)** $L(Y_s) = \frac{1}{2n_t}\lVert Y_t - AY_s\rVert_F^2$ is a convex quadratic
# (the composition of the convex squared norm with an affine map), with
# $\nabla_{Y_s}L = -\frac{1}{n_t}A^\top(Y_t - AY_s)$.
#
# **(c)** $L$ is quadratic with Hessian $\frac{1}{n_t}A^\top A \preceq
# \frac{\lVert A\rVert_2^2}{n_t}I =: MI$, so for $G = \nabla L$ exactly
# $L(Y_s - \alpha G) = L(Y_s) - \alpha\lVert G\rVert_F^2 +
# \frac{\alpha^2}{2n_t}\lVert AG\rVert_F^2 \le L(Y_s) - \alpha\lVert G\rVert_F^2(1 - \alpha M/2)$,
# which is $\le L(Y_s)$ for $\alpha \le 2/M = 2n_t/\lVert A\rVert_2^2$ and strictly smaller
# for $\alpha < 2/M$ when $G \ne 0$. At $\alpha = 2/M$ exactly the decrease can be
# zero (when $G$ lies in the top singular direction), which is why the statement
# says "does not increase"; a complete answer notes this.
#
# *Rubric.* (a) 1 point for the invariance, 1 for both limits of the absolute
# ridge. (b) 1 point for convexity with a reason, 1 for the gradient with its
# sign and $1/n_t$. (c) 1 point for the quadratic expansion, 1 for the step
# condition.
# ```
#
# ## Problem 2: kernel ridge regression with a relative ridge (3 points)
#
# *Implementation, checked automatically (3 points).*
#
# ```{exercise} Predictions from a support set
# :label: ps05-krr
# Write `krr_predict(k_ts, k_ss, y_s, ridge)` returning the $(n_t, k)$ predictions
# with the relative ridge defined above. The checker's kernels have mean
# eigenvalue $\operatorname{tr}K_{ss}/n_s$ anywhere between $0.01$ and $100$.
# ```

# %% tags=["stub"]
def krr_predict(k_ts, k_ss, y_s, ridge):
    """(n_t, k) kernel ridge predictions with the relative ridge ridge * tr(k_ss) / n_s."""
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps05-krr
# :class: dropdown
# ```
#
# Solve the linear system rather than inverting the matrix.

# %% tags=["solution"]
def krr_predict(k_ts, k_ss, y_s, ridge):
    n = k_ss.shape[0]
    system = k_ss + ridge * np.trace(k_ss) / n * np.eye(n)
    return k_ts @ np.linalg.solve(system, y_s)

# %% [markdown]
# ```{solution-end}
# ```

# %% tags=["check"]
ps05.krr_predict(krr_predict)

# %% [markdown]
# ## Problem 3: one KIP step with automatic differentiation (6 points)
#
# *Implementation, checked automatically (6 points).*
#
# ```{exercise} The KIP update
# :label: ps05-kip-step
# Write `kip_step(kernel, x_s, y_s, x_t, y_t, lr, ridge)` returning the pair
# `(x_s_new, y_s_new)` after one step of plain gradient descent, of size `lr`, on
# the KIP loss $L$ with respect to both the support images `x_s` $(n_s, d)$ and
# labels `y_s` $(n_s, k)$. `kernel(a, b)` is a differentiable JAX function
# returning the $(n_a, n_b)$ kernel matrix. Differentiate through everything,
# including the trace in the ridge. Use `jax.grad`; do not call `ntk_course.kip`.
# ```

# %% tags=["stub"]
def kip_step(kernel, x_s, y_s, x_t, y_t, lr, ridge):
    """One gradient-descent step on the KIP loss in (x_s, y_s); returns (x_s_new, y_s_new)."""
    raise NotImplementedError

# %% [markdown]
# ```{solution-start} ps05-kip-step
# :class: dropdown
# ```
#
# Write the loss as a function of the support, let `jax.grad` differentiate it
# in both arguments, and step against the gradient.

# %% tags=["solution"]
def kip_step(kernel, x_s, y_s, x_t, y_t, lr, ridge):
    def loss(xs, ys):
        k_ss = kernel(xs, xs)
        n_s = xs.shape[0]
        system = k_ss + ridge * jnp.trace(k_ss) / n_s * jnp.eye(n_s)
        pred = kernel(x_t, xs) @ jnp.linalg.solve(system, ys)
        return 0.5 * jnp.sum((y_t - pred) ** 2) / x_t.shape[0]

    grad_x, grad_y = jax.grad(loss, argnums=(0, 1))(x_s, y_s)
    return x_s - lr * grad_x, y_s - lr * grad_y

# %% [markdown]
# ```{solution-end}
# ```

# %% tags=["check"]
ps05.kip_step(kip_step)

# %% [markdown]
# ## Problem 4: does a distilled set transfer to another kernel? (5 points)
#
# *Experiment, graded by hand (5 points).*
#
# ```{exercise} Distilling with one kernel, predicting with another
# :label: ps05-experiment
# Distill the scikit-learn digits (`data.digits()`, centred one-hot labels) into
# one image per class with your `kip_step` (or `kip.kip` once it passes), using
# the NTK of a one-hidden-layer ReLU network (`kernels.fc_ntk(depth=1)`). Evaluate the
# test accuracy of kernel ridge regression from the distilled set with that
# kernel, with the NTK of depth 3 and with an RBF kernel of a width you choose,
# and compare each with random real supports of the same size (at least five
# draws). Does distillation help under a kernel it was not optimized for?
# ```
#
# ```{solution} ps05-experiment
# :class: dropdown
# *What to measure.* Test accuracy for each (support, evaluation kernel) pair,
# with the spread over random supports and, if time allows, over KIP seeds; the
# KIP loss during distillation to show it converged.
#
# *What a good answer finds.* A large gain under the distillation kernel (the
# lecture's table), a smaller but usually positive gain under the depth-3 NTK,
# whose kernel is close to the depth-1 one on normalized inputs, and a gain that
# may vanish or reverse under an RBF kernel of very different width. The answer
# must report what its numbers show, including a reversal, and relate it to how
# similar the kernels are (for instance their alignment on the data).
#
# *Rubric (5 points).* A correct distillation with evidence of convergence (1).
# Three evaluation kernels with random-support baselines and spread (2). A
# conclusion tied to the measured numbers and to kernel similarity (2).
# ```
