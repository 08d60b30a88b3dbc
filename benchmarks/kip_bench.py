"""KIP steps per second: ``ntk_course.kip.kip`` against a plain, unjitted loop.

Both sides run the same computation (``ntk_course.kip.kip_step``: sample a
target batch, kernel ridge regression from the support set, the KIP loss, its
gradient, one Adam step) on the same data; the reference executes it op by op
from Python, ``kip.kip`` compiles it once and runs chunks of steps in
``lax.scan``. Compilation is excluded from both rates (the first chunk of
``kip.kip`` is not timed; the reference is timed after one warm-up step).

    python benchmarks/kip_bench.py
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("NTK_COURSE_QUIET", "1")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402

from ntk_course import data, kernels, kip  # noqa: E402

PER_CLASS = 10
BATCH = 256
STEPS_JIT = 400
STEPS_EAGER = 20


def _problem():
    digits = data.digits()
    x_s, lab_s, _ = data.per_class_sample(digits.x_train, digits.y_train, PER_CLASS, seed=0)
    y_s = data.one_hot(lab_s, 10) - 0.1
    y_t = data.one_hot(digits.y_train, 10) - 0.1
    return jnp.asarray(x_s), jnp.asarray(y_s), jnp.asarray(digits.x_train), jnp.asarray(y_t)


def eager_rate(kernel, x_s, y_s, x_t, y_t, steps=STEPS_EAGER):
    """Steps per second of the same step run without jit (op-by-op dispatch)."""
    loss_fn = kip._DefaultLoss(kernel, 1e-3)
    support = {"x": x_s, "y": y_s}
    opt_state = optax.adam(0.01).init(support)
    key = jax.random.PRNGKey(0)
    learn = jnp.float32(0.0)
    with jax.disable_jit():
        def step(support, opt_state, key):
            key, sub = jax.random.split(key)
            support, opt_state, loss, _ = kip.kip_step(
                support, opt_state, sub, learn, x_t, y_t, loss_fn=loss_fn, learning_rate=0.01,
                batch_size=BATCH)
            return support, opt_state, key, loss

        support, opt_state, key, loss = step(support, opt_state, key)  # warm-up
        float(loss)
        start = time.perf_counter()
        for _ in range(steps):
            support, opt_state, key, loss = step(support, opt_state, key)
        float(loss)
        return steps / (time.perf_counter() - start)


def jit_rate(kernel, x_s, y_s, x_t, y_t, steps=STEPS_JIT):
    result = kip.kip(kernel, x_s, y_s, x_t, y_t, steps=steps, learning_rate=0.01,
                     batch_size=BATCH, ridge=1e-3, record_every=steps // 4)
    return result.steps_per_second


def main():
    """Print both rates and their ratio for the FC kernel on the digits (10 images per class)."""
    problem = _problem()
    kernel = kernels.fc_ntk(depth=1)
    fast = jit_rate(kernel, *problem)
    slow = eager_rate(kernel, *problem)
    print(f"KIP, FC NTK, digits, {10 * PER_CLASS} support images, target batch {BATCH} "
          f"({jax.default_backend()})")
    print(f"  ntk_course.kip (jit + lax.scan): {fast:10.1f} steps/s")
    print(f"  plain unjitted loop:             {slow:10.1f} steps/s")
    print(f"  ratio:                           {fast / slow:10.1f}x")
    return {"jit_steps_per_s": fast, "eager_steps_per_s": slow, "ratio": fast / slow}


if __name__ == "__main__":
    main()
