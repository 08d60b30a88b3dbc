"""Checkers of problem set 5 (dataset distillation and KIP).

Each checker draws test inputs from ``seed`` (0 in the notebook, others in the
hidden autograder tests), calls the student's function on deep copies and
returns a :class:`~ntk_course.checks.Result`. The ridge is relative throughout,
as in ``ntk_course.kip``: the system is ``K_ss + ridge * tr(K_ss) / n_s * I``.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .. import kip
from . import Result, as_array, call, check_function, finish, rng

__all__ = ["krr_predict", "kip_step", "kip_loss", "reference_krr_predict", "reference_kip_loss",
           "rbf", "AUTOGRADED"]

#: checker name -> points, for the checker cells of the problem set (see ``checks``).
AUTOGRADED = {"krr_predict": 3, "kip_step": 6}


def rbf(x1, x2, *, scale: float = 1.0, length: float = 2.0):
    """``scale * exp(-|x1 - x2|^2 / (2 length^2))``, differentiable (jax)."""
    sq = jnp.sum((x1[:, None, :] - x2[None, :, :]) ** 2, axis=-1)
    return scale * jnp.exp(-0.5 * sq / length ** 2)


def _cases(g):
    """Support/target kernels whose mean eigenvalue tr(K_ss)/n_s is far from 1."""
    cases = []
    for n_s, n_t, k in ((2, 5, 1), (4, 9, 3), (6, 20, 2)):
        z = g.normal(size=(n_s + n_t, 8))
        gram = np.asarray(rbf(jnp.asarray(z), jnp.asarray(z), scale=float(10 ** g.uniform(-2, 2)),
                              length=2.0), np.float64)
        k_ss, k_ts = gram[:n_s, :n_s], gram[n_s:, :n_s]
        y_s, y_t = g.normal(size=(n_s, k)), g.normal(size=(n_t, k))
        cases.append((k_ts, k_ss, y_s, y_t))
    return cases


def _system(k_ss, ridge):
    n = k_ss.shape[0]
    return k_ss + ridge * np.trace(k_ss) / n * np.eye(n)


def reference_krr_predict(k_ts, k_ss, y_s, ridge):
    """``K_ts (K_ss + ridge tr(K_ss)/n_s I)^{-1} Y_s``."""
    return k_ts @ np.linalg.solve(_system(np.asarray(k_ss, np.float64), ridge), y_s)


def krr_predict(student, *, seed: int = 0) -> Result:
    """``student(k_ts, k_ss, y_s, ridge)`` -> ``(n_t, k)`` kernel ridge predictions, relative ridge.

    The test kernels have ``tr(K_ss)/n_s`` between 0.01 and 100, so an absolute ridge fails.
    """
    g = rng(seed, 501)
    cases = [(k_ts, k_ss, y_s, r) for (k_ts, k_ss, y_s, _) in _cases(g) for r in (0.3, 0.05)]
    return check_function("kernel ridge prediction", student, reference_krr_predict, cases,
                          hint="The ridge is relative: multiply it by tr(K_ss) / n_s.")


def reference_kip_loss(k_ts, k_ss, y_s, y_t, ridge):
    """``|Y_t - prediction|_F^2 / (2 n_t)``."""
    pred = reference_krr_predict(k_ts, k_ss, y_s, ridge)
    return float(0.5 * np.sum((y_t - pred) ** 2) / y_t.shape[0])


def kip_loss(student, *, seed: int = 0) -> Result:
    """``student(k_ts, k_ss, y_s, y_t, ridge)`` -> the KIP loss (a float)."""
    g = rng(seed, 502)
    cases = [c + (0.05,) for c in _cases(g)]
    return check_function("KIP loss", student, reference_kip_loss, cases,
                          hint="Normalize by 2 n_t, with n_t the number of target rows.")


def _reference_kip_step(kernel, x_s, y_s, x_t, y_t, lr, ridge):
    loss = lambda xs, ys: kip.kip_loss(kernel, xs, ys, x_t, y_t, ridge=ridge)  # noqa: E731
    gx, gy = jax.grad(loss, argnums=(0, 1))(x_s, y_s)
    return x_s - lr * gx, y_s - lr * gy


def kip_step(student, *, seed: int = 0) -> Result:
    """``student(kernel, x_s, y_s, x_t, y_t, lr, ridge)`` -> ``(x_s_new, y_s_new)``: one
    gradient-descent step of size ``lr`` on the KIP loss (relative ridge, the trace included
    in the differentiation) with respect to both the support images and labels."""
    name = "KIP step"
    g = rng(seed, 503)
    for n_s, n_t, d, k in ((2, 6, 3, 1), (4, 10, 5, 2), (5, 16, 4, 3)):
        scale = float(10 ** g.uniform(-1, 1))
        kernel = jax.tree_util.Partial(rbf, scale=scale, length=float(g.uniform(1.0, 3.0)))
        x_s = jnp.asarray(g.normal(size=(n_s, d)), jnp.float32)
        y_s = jnp.asarray(g.normal(size=(n_s, k)), jnp.float32)
        x_t = jnp.asarray(g.normal(size=(n_t, d)), jnp.float32)
        y_t = jnp.asarray(g.normal(size=(n_t, k)), jnp.float32)
        lr, ridge = float(g.uniform(0.05, 0.5)), float(g.uniform(0.01, 0.2))
        got, bad = call(name, student, kernel, x_s, y_s, x_t, y_t, lr, ridge)
        if bad is None and (not isinstance(got, (tuple, list)) or len(got) != 2):
            bad = Result(name, "invalid", "return a pair (new support images, new labels).")
        if bad is None:
            gx, bad = as_array(name, got[0], shape=x_s.shape)
        if bad is None:
            gy, bad = as_array(name, got[1], shape=y_s.shape)
        if bad is not None:
            return finish(bad)
        want_x, want_y = _reference_kip_step(kernel, x_s, y_s, x_t, y_t, lr, ridge)
        # Compare the updates, not the iterates, so a tiny step cannot pass by staying put.
        for what, new, old, want in (("images", gx, x_s, want_x), ("labels", gy, y_s, want_y)):
            step, want_step = new - np.asarray(old), np.asarray(want) - np.asarray(old)
            err = float(np.abs(step - want_step).max())
            if err > 1e-3 * float(np.abs(want_step).max()) + 1e-6:
                hint = ("the sign of the step" if np.abs(step + want_step).max() < err / 2 else
                        "the ridge (relative, tr(K_ss)/n_s, differentiated too)")
                return finish(Result(name, "failed", f"the update of the support {what} is off "
                                                     f"by up to {err:.3g} (n_s={n_s}). Check "
                                                     f"{hint}."))
    return finish(Result(name, "passed", "correct on all 3 test problems."))
