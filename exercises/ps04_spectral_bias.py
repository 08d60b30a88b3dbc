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
# # Problem set 4: spectral bias and training speed
#
# These problems accompany lecture {ref}`lecture-spectral-bias`. Each asks for a
# small function; the cell after it calls an automatic checker, which tests it on
# inputs you have not seen. Work in the NTK regime: the outputs on the training
# set follow $f_{t+1} = f_t - \eta K (f_t - Y)$ from $f_0 = 0$.

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

from ntk_course import checks, config, data, kernels, plotting
import ntk_course.checks.ps04  # noqa: F401  (registers checks.ps04)

plotting.use_style()
print(config.device_report())

# %% [markdown]
# ```{exercise} Mode projections of the residual
# :label: ps04-modes
# Write `mode_residual(k, y, eta, t)` returning the projections
# $v_i^\top r_t$ of the residual $r_t = f_t - Y$ after $t$ steps on the
# eigenvectors $v_i$ of `k`, ordered by decreasing eigenvalue. (Eigenvectors
# are defined up to sign; the checker compares absolute values.)
# ```
#
# ```{solution-start} ps04-modes
# :class: dropdown
# ```

# %%
def mode_residual(k, y, eta, t):
    vals, vecs = np.linalg.eigh(k)
    vals, vecs = vals[::-1], vecs[:, ::-1]
    # r_t = (I - eta K)^t r_0 and r_0 = -y; each eigen-direction scales on its own.
    return -((1 - eta * vals) ** t) * (vecs.T @ y)


assert checks.ps04.check_mode_residual(mode_residual)

# %% [markdown]
# ```{solution-end}
# ```
#
# ```{exercise} The largest step
# :label: ps04-step
# For the NTK of a one-hidden-layer ReLU network on 100 digits (computed below),
# find the supremum of the step sizes $\eta$ for which GD on the kernel
# dynamics converges for every label vector. Store it in `max_step`.
# ```

# %%
x = data.digits(n_train=100, n_test=1).x_train
_, k_digits = kernels.fc_kernels(x, depth=1, W_std=2 ** 0.5, b_std=0.1)
k_digits = np.asarray(k_digits, dtype=np.float64)

# %% [markdown]
# ```{solution-start} ps04-step
# :class: dropdown
# ```

# %%
max_step = 2.0 / np.linalg.eigvalsh(k_digits).max()
assert checks.ps04.check_max_step(max_step, k_digits)

# %% [markdown]
# ```{solution-end}
# ```
#
# ```{exercise} Label energy
# :label: ps04-energy
# Write `label_energy(k, y, m)`: the fraction of $\|y\|^2$ carried by the
# `m` eigenvectors of `k` with the largest eigenvalues. Then compare true and
# random labels for digits 3 and 8 with `m = 10`.
# ```
#
# ```{solution-start} ps04-energy
# :class: dropdown
# ```

# %%
def label_energy(k, y, m):
    vals, vecs = np.linalg.eigh(k)
    proj = (vecs[:, ::-1].T @ y) ** 2
    return float(proj[:m].sum() / (y @ y))


assert checks.ps04.check_label_energy(label_energy)

pair = data.select_classes(data.digits(n_train=300, n_test=60), [3, 8])
_, k_pair = kernels.fc_kernels(pair.x_train, depth=1, W_std=2 ** 0.5, b_std=0.1)
k_pair = np.asarray(k_pair, dtype=np.float64)
y_pair = 2.0 * pair.y_train - 1.0
y_shuffled = np.random.default_rng(0).permutation(y_pair)
print(f"true labels: {label_energy(k_pair, y_pair, 10):.0%}, "
      f"random labels: {label_energy(k_pair, y_shuffled, 10):.0%}")

# %% [markdown]
# ```{solution-end}
# ```
#
# ```{exercise} How many steps does a mode need?
# :label: ps04-steps
# Write `steps_to_fit(lam, eta, fraction)`: the smallest integer $t$ such that
# a mode of eigenvalue `lam` is fitted to at least `fraction` of its target
# ($1 - |1-\eta\lambda|^t \ge$ `fraction`). Assume $0 < \eta\lambda < 2$.
# ```
#
# ```{solution-start} ps04-steps
# :class: dropdown
# ```

# %%
def steps_to_fit(lam, eta, fraction):
    # |1 - eta lam|^t <= 1 - fraction  <=>  t >= log(1 - fraction) / log|1 - eta lam|
    return int(np.ceil(np.log(1 - fraction) / np.log(abs(1 - eta * lam))))


assert checks.ps04.check_steps_to_fit(steps_to_fit)

# %% [markdown]
# ```{solution-end}
# ```
