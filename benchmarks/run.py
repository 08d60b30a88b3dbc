"""Speed measurements, each reported as a ratio against a reference in the same run.

    python benchmarks/run.py              # everything
    python benchmarks/run.py kernels      # only the kernel comparison
    python benchmarks/run.py lectures     # only the lecture execution times

1. kernels: the analytic NTK of a 3-hidden-layer ReLU network on 2000 x 2000
   inputs of dimension 784, ``ntk_course.kernels.fc_kernels`` against
   ``neural_tangents.stax``'s ``kernel_fn`` (goal: ratio <= 1, not slower).
2. lectures: wall time of each lecture and problem set executed with the
   ``quick`` profile (goal: at most 90 s each), against that budget.
3. kip: if ``benchmarks/kip_bench.py`` exists, its steps-per-second comparison.
"""
from __future__ import annotations

import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 90.0


def interleaved(fn_a, fn_b, repeats=7):
    """Median times of two functions, run alternately so that a load change on
    the machine affects both alike (after one warm-up call each)."""
    fn_a(), fn_b()
    a, b = [], []
    for _ in range(repeats):
        for fn, samples in ((fn_a, a), (fn_b, b)):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
    return statistics.median(a), statistics.median(b)


def bench_kernels(n=2000, d=784, depth=3):
    import jax
    import jax.numpy as jnp
    import numpy as np

    from ntk_course import kernels, nets

    x = jnp.asarray(np.random.default_rng(0).normal(size=(n, d)), dtype=jnp.float32)
    net = nets.mlp(depth=depth, width=1, W_std=float(np.sqrt(2.0)), b_std=0.1)
    reference = jax.jit(lambda a: net.kernel_fn(a, a, "ntk"))
    ours = lambda: kernels.fc_kernels(x, depth=depth, W_std=float(np.sqrt(2.0)), b_std=0.1, get="ntk")
    t_ref, t_ours = interleaved(lambda: reference(x).block_until_ready(),
                                lambda: ours().block_until_ready())
    diff = float(jnp.max(jnp.abs(ours() - reference(x))) / jnp.max(jnp.abs(reference(x))))
    print(f"[kernels] NTK, {depth} hidden ReLU layers, {n}x{n} inputs of dimension {d}, "
          f"{len(jax.devices())} {jax.default_backend()} device(s)")
    print(f"  neural-tangents stax kernel_fn (jit): {t_ref:8.3f} s   (reference)")
    print(f"  ntk_course.kernels.fc_kernels:        {t_ours:8.3f} s")
    print(f"  ratio ntk_course / neural-tangents:   {t_ours / t_ref:8.2f}   (goal <= 1)")
    print(f"  max relative difference:              {diff:8.1e}")
    return t_ours / t_ref


def bench_lectures():
    import jupytext
    from nbclient import NotebookClient

    os.environ["NTK_COURSE_SCALE"] = "quick"
    os.environ["NTK_COURSE_QUIET"] = "1"
    sources = sorted((ROOT / "lectures").glob("*.py")) + sorted((ROOT / "exercises").glob("*.py"))
    print(f"[lectures] quick profile, budget {BUDGET_S:.0f} s each")
    worst = 0.0
    for source in sources:
        notebook = jupytext.read(source)
        client = NotebookClient(notebook, timeout=1200, kernel_name="python3",
                                resources={"metadata": {"path": str(source.parent)}})
        start = time.perf_counter()
        client.execute()
        elapsed = time.perf_counter() - start
        worst = max(worst, elapsed / BUDGET_S)
        flag = "ok" if elapsed <= BUDGET_S else "OVER BUDGET"
        print(f"  {source.relative_to(ROOT)!s:40s} {elapsed:7.1f} s  = {elapsed / BUDGET_S:4.2f} x budget  {flag}")
    return worst


def bench_kip():
    path = ROOT / "benchmarks" / "kip_bench.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("kip_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    print("[kip]")
    return module.main()


def main(argv):
    which = set(argv) or {"kernels", "lectures", "kip"}
    if "kernels" in which:
        bench_kernels()
    if "kip" in which:
        bench_kip()
    if "lectures" in which:
        bench_lectures()


if __name__ == "__main__":
    main(sys.argv[1:])
