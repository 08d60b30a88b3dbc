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
# These problems accompany lecture {ref}`lecture-kip`. Kernel matrices are given
# as arrays: `k_ss` between support points, `k_ts` between target and support
# points. The ridge is relative, as in `ntk_course.kip`: the matrix to invert is
# $K_{ss} + r\,\operatorname{tr}(K_{ss})/n_s\, I$.

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
import numpy as np

from ntk_course import checks, config, data, kip, plotting
import ntk_course.checks.ps05  # noqa: F401  (registers checks.ps05)

plotting.use_style()
print(config.device_report())

# %% [markdown]
# ```{exercise} Kernel ridge regression from a support set
# :label: ps05-krr
# Write `krr_predict(k_ts, k_ss, y_s, ridge)` returning the `(n_t, k)` predictions.
# ```
#
# ```{solution-start} ps05-krr
# :class: dropdown
# ```

# %%
def krr_predict(k_ts, k_ss, y_s, ridge):
    n = k_ss.shape[0]
    system = k_ss + ridge * np.trace(k_ss) / n * np.eye(n)
    return k_ts @ np.linalg.solve(system, y_s)


assert checks.ps05.check_krr_predict(krr_predict)

# %% [markdown]
# ```{solution-end}
# ```
#
# ```{exercise} The KIP loss
# :label: ps05-loss
# Write `kip_loss(k_ts, k_ss, y_s, y_t, ridge)`: the loss
# $\|Y_t - \hat Y_t\|_F^2 / (2 n_t)$ of the lecture.
# ```
#
# ```{solution-start} ps05-loss
# :class: dropdown
# ```

# %%
def kip_loss(k_ts, k_ss, y_s, y_t, ridge):
    residual = y_t - krr_predict(k_ts, k_ss, y_s, ridge)
    return float(0.5 * np.sum(residual ** 2) / y_t.shape[0])


assert checks.ps05.check_kip_loss(kip_loss)

# %% [markdown]
# ```{solution-end}
# ```
#
# ```{exercise} The best labels for fixed images
# :label: ps05-labels
# For fixed support images the KIP loss is a least-squares problem in $Y_s$.
# Write `optimal_labels(k_ts, k_ss, y_t, ridge)` returning the minimizer (assume
# $n_t > n_s$, so that it is unique). Then use it on ten random real digits with
# the FC kernel of `ntk_course.kip` and compare the test accuracy with one-hot labels.
# ```
#
# ```{solution-start} ps05-labels
# :class: dropdown
# ```

# %%
def optimal_labels(k_ts, k_ss, y_t, ridge):
    n = k_ss.shape[0]
    a = k_ts @ np.linalg.inv(k_ss + ridge * np.trace(k_ss) / n * np.eye(n))
    return np.linalg.lstsq(a, y_t, rcond=None)[0]


assert checks.ps05.check_optimal_labels(optimal_labels)

digits = data.digits()
kernel = kip.fc_ntk(depth=1)
x_s, lab_s, _ = kip.per_class_sample(digits.x_train, digits.y_train, 1, seed=0)
y_t = data.one_hot(digits.y_train, 10) - 0.1
k_ss = np.asarray(kernel(jnp.asarray(x_s), jnp.asarray(x_s)), dtype=np.float64)
k_ts = np.asarray(kernel(jnp.asarray(digits.x_train), jnp.asarray(x_s)), dtype=np.float64)
k_qs = np.asarray(kernel(jnp.asarray(digits.x_test), jnp.asarray(x_s)), dtype=np.float64)
for name, y_s in [("one-hot", data.one_hot(lab_s, 10) - 0.1),
                  ("least squares", optimal_labels(k_ts, k_ss, y_t, 1e-3))]:
    acc = np.mean(np.argmax(krr_predict(k_qs, k_ss, y_s, 1e-3), 1) == digits.y_test)
    print(f"{name:>13} labels: test accuracy {acc:.1%}")

# %% [markdown]
# ```{solution-end}
# ```
#
# ```{exercise} Intrinsic dimension
# :label: ps05-mle
# Write `mle_dimension(x, k)`, the Levina-Bickel estimate of the lecture: for each
# row, the inverse of the mean of $\log(T_k/T_j)$ over $j < k$ (distances to
# the $k$ nearest other rows), combined by averaging the inverses and inverting.
# ```
#
# ```{solution-start} ps05-mle
# :class: dropdown
# ```

# %%
def mle_dimension(x, k):
    d2 = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    t = np.sqrt(np.sort(d2, axis=1)[:, :k])
    inverse = np.log(t[:, -1:] / t[:, :-1]).mean(axis=1)
    return 1.0 / inverse.mean()


assert checks.ps05.check_mle_dimension(mle_dimension)

# %% [markdown]
# ```{solution-end}
# ```
