"""Speed measurements, each reported as a ratio against a reference measured in the same run.

    python benchmarks/run.py              # everything (what `make bench` runs)
    python benchmarks/run.py kernels      # analytic kernels against neural-tangents and X X^T
    python benchmarks/run.py scaling      # the NTK against X X^T for n = 1000 ... 16000
    python benchmarks/run.py pages        # execution time of every page (quick profile)
    python benchmarks/run.py kip          # KIP steps per second (benchmarks/kip_bench.py)

1. kernels: the analytic NTK (and NNGP + NTK, and erf) of a 3-hidden-layer
   network on 2000 x 2000 inputs of dimension 784: ``ntk_course.kernels.fc_kernels``
   against neural-tangents' ``kernel_fn`` (goal: at least 1.5x faster) and
   against the Gram matrix ``X X^T`` of the same inputs, the one product no
   method can avoid (goal: within 2x). The three run alternately in one
   process, so a change of load on the machine affects all of them alike.
2. scaling: the NTK against ``X X^T`` as n grows from 1000 to 16000 (the
   kernel is computed in row blocks of 2048; the n = 16000 matrices take 1 GB each).
3. pages: the execution time of each lecture and problem set with the quick
   profile (goal: at most 60 s on an idle 2-core machine, hard limit 90 s). Each
   page is executed here, one after the other, with JAX's persistent compilation
   cache switched off, so every program is compiled as on a reader's first run,
   and compared with the goal. ``pages --from-build`` prints instead the times
   the book build recorded: the build runs two pages at a time and reuses
   compiled programs (the Makefile's compilation cache), so those are not
   compared with the goal. The machine's speed changes from hour to hour (the
   same page has taken 65 s and 97 s on the same idle VM a day apart), so a fixed
   reference notebook, pure JAX and independent of the course, is executed the
   same way before and after the pages, and each page's time is printed also as
   a multiple of it: that ratio is what to compare between runs.
4. kip: if ``benchmarks/kip_bench.py`` exists, its steps-per-second comparison.

Times are wall-clock medians; the machine's load average is printed with them.
"""
from __future__ import annotations

import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GOAL_S, LIMIT_S = 60.0, 90.0
# A reader's first run compiles every program; the Makefile's persistent compilation
# cache (JAX_COMPILATION_CACHE_DIR) would hide that cost from the page times.
os.environ["JAX_ENABLE_COMPILATION_CACHE"] = "false"


def load() -> str:
    try:
        return "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "load average unknown"


def interleaved(fns: dict, repeats: int = 7) -> dict:
    """Median wall time of each function, calling them in turn ``repeats`` times
    (after one warm-up call each, which also compiles them)."""
    for fn in fns.values():
        fn()
    samples = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(s) for name, s in samples.items()}


def bench_kernels(n=2000, d=784, depth=3, repeats=7):
    import jax
    import jax.numpy as jnp
    import numpy as np

    from ntk_course import kernels, nets

    w_std, b_std = float(np.sqrt(2.0)), 0.1
    x = jnp.asarray(np.random.default_rng(0).normal(size=(n, d)), dtype=jnp.float32)
    gram = jax.jit(lambda a: a @ a.T)
    fns, labels = {}, {}

    def add(name, label, fn):
        fns[name] = lambda: jax.block_until_ready(fn())
        labels[name] = label

    add("gram", "X X^T (jit)", lambda: gram(x))
    for act in ("relu", "erf"):
        net = nets.mlp(depth=depth, width=1, activation=act, W_std=w_std, b_std=b_std)
        ref_ntk = jax.jit(lambda a, net=net: net.kernel_fn(a, a, "ntk"))
        ref_both = jax.jit(lambda a, net=net: net.kernel_fn(a, a, ("nngp", "ntk")))
        ours = lambda get, act=act: kernels.fc_kernels(x, depth=depth, activation=act, W_std=w_std,
                                                       b_std=b_std, get=get)
        add(f"nt-{act}-ntk", f"neural-tangents kernel_fn, {act}, NTK", lambda f=ref_ntk: f(x))
        add(f"ours-{act}-ntk", f"fc_kernels, {act}, NTK", lambda f=ours: f("ntk"))
        add(f"nt-{act}-both", f"neural-tangents kernel_fn, {act}, NNGP + NTK", lambda f=ref_both: f(x))
        add(f"ours-{act}-both", f"fc_kernels, {act}, NNGP + NTK", lambda f=ours: f("both"))
    print(f"[kernels] {depth} hidden layers, {n} x {n} inputs of dimension {d}, float32, "
          f"{len(jax.devices())} {jax.default_backend()} device(s); {load()}")
    t = interleaved(fns, repeats)
    print(f"  {'':44s} {'time':>9s} {'/ X X^T':>8s} {'/ n-t':>7s}")
    for name, label in labels.items():
        ref = name.replace("ours", "nt")
        vs_nt = f"{t[name] / t[ref]:7.2f}" if name.startswith("ours") else ""
        print(f"  {label:44s} {t[name] * 1e3:7.1f} ms {t[name] / t['gram']:8.2f} {vs_nt}")
    print("  goals: ReLU NTK <= 2 x X X^T and <= 1 / 1.5 = 0.67 x neural-tangents")
    # accuracy against float64 (neural-tangents), in the same run
    from ntk_course import config

    net = nets.mlp(depth=depth, width=1, W_std=w_std, b_std=b_std)
    sub = np.asarray(x[:500], np.float64)
    with config.double_precision():
        truth = np.asarray(net.kernel_fn(jnp.asarray(sub), None, "ntk"))
    scale = np.sqrt(np.outer(np.diag(truth), np.diag(truth)))
    for label, k in (("fc_kernels", kernels.fc_kernels(x[:500], depth=depth, W_std=w_std,
                                                        b_std=b_std, get="ntk")),
                     ("neural-tangents", jax.jit(lambda a: net.kernel_fn(a, None, "ntk"))(x[:500]))):
        err = np.abs(np.asarray(k, np.float64) - truth) / scale
        print(f"  float32 error of {label:16s} (500 points, |K - K64| / sqrt(K_ii K_jj)): "
              f"max {err.max():.1e}, diagonal {np.diag(err).max():.1e}")
    return t


def bench_scaling(sizes=(1000, 2000, 4000, 8000, 16000), d=784, depth=3):
    import jax
    import jax.numpy as jnp
    import numpy as np

    from ntk_course import kernels

    print(f"[scaling] ReLU NTK, {depth} hidden layers, dimension {d}, row blocks of 2048; {load()}")
    print(f"  {'n':>6s} {'X X^T':>10s} {'NTK':>10s} {'ratio':>6s}")
    gram = jax.jit(lambda a: a @ a.T)
    for n in sizes:
        x = jnp.asarray(np.random.default_rng(0).normal(size=(n, d)), dtype=jnp.float32)
        fns = {"gram": lambda x=x: gram(x).block_until_ready(),
               "ntk": lambda x=x: kernels.fc_kernels(x, depth=depth, W_std=2 ** 0.5, b_std=0.1,
                                                     get="ntk", block_size=2048).block_until_ready()}
        t = interleaved(fns, repeats=5 if n <= 4000 else 3)
        print(f"  {n:6d} {t['gram']:8.3f} s {t['ntk']:8.3f} s {t['ntk'] / t['gram']:6.2f}", flush=True)
        del x, fns  # free the n x n inputs before the next size


def page_sources():
    return sorted((ROOT / "lectures").glob("*.py")) + sorted((ROOT / "exercises").glob("*.py"))


def cached_page_times():
    """Execution seconds of every page from the book build's cache, or None if any page
    has no cached run at its current source."""
    path = ROOT / "_build" / ".jupyter_cache"
    if not path.exists():
        return None
    import jupytext
    from jupyter_cache import get_cache

    cache = get_cache(path)
    times = {}
    for source in page_sources():
        try:
            record = cache.match_cache_notebook(jupytext.read(source))
        except KeyError:
            return None
        times[source] = (record.data or {}).get("execution_seconds")
        if times[source] is None:
            return None
    return times


# A stand-in for a page, written with JAX alone so that a change to the course
# cannot change it: a kernel start and imports, a few compilations (a training loop
# under lax.scan, its gradient, a Gram matrix) and a few seconds of running them.
REFERENCE_CELLS = [
    "import jax, jax.numpy as jnp, numpy as np",
    """\
def mlp(params, x):
    for w, b in params[:-1]:
        x = jnp.maximum(x @ w + b, 0.0)
    w, b = params[-1]
    return x @ w + b

def loss(params, x, y):
    return jnp.mean(jnp.sum((mlp(params, x) - y) ** 2, -1))

@jax.jit
def train(params, x, y):
    def step(p, _):
        g = jax.grad(loss)(p, x, y)
        return jax.tree_util.tree_map(lambda a, b: a - 0.01 * b, p, g), None
    return jax.lax.scan(step, params, None, length=200)[0]""",
    """\
rng = np.random.default_rng(0)
x = jnp.asarray(rng.normal(size=(512, 64)), jnp.float32)
y = jnp.asarray(rng.normal(size=(512, 10)), jnp.float32)
for width in (64, 128, 256):   # three programs: compiling is about half of a page's time
    sizes = [64, width, width, 10]
    params = [(jnp.asarray(rng.normal(size=(m, n)) / np.sqrt(m), jnp.float32), jnp.zeros(n))
              for m, n in zip(sizes[:-1], sizes[1:])]
    params = train(params, x, y)
gram = jax.jit(lambda a: a @ a.T)
z = jnp.asarray(rng.normal(size=(2000, 784)), jnp.float32)
for _ in range(5):
    gram(z).block_until_ready()
float(loss(params, x, y))""",
]


def reference_notebook():
    import nbformat

    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in REFERENCE_CELLS])


def executed_page_times():
    """``(source, seconds)`` for every page, executed here one at a time; the
    source ``None`` is the reference notebook, run first and last."""
    import jupytext
    from nbclient import NotebookClient

    os.environ.setdefault("NTK_COURSE_SCALE", "quick")
    os.environ.setdefault("NTK_COURSE_QUIET", "1")
    os.environ.setdefault("NTK_COURSE_BUILD", "1")
    for source in [None, *page_sources(), None]:
        notebook = reference_notebook() if source is None else jupytext.read(source)
        path = ROOT if source is None else source.parent
        client = NotebookClient(notebook, timeout=1200, kernel_name="python3",
                                resources={"metadata": {"path": str(path)}})
        start = time.perf_counter()
        client.execute()
        yield source, time.perf_counter() - start


def bench_pages(from_build=False):
    times = cached_page_times() if from_build else None
    if from_build and not times:
        raise SystemExit("[pages] --from-build: the build's execution cache lacks a page; "
                         "run `make book` first, or leave out --from-build")
    if times:
        # tools/execute_pages.py runs two pages at once with the compilation cache:
        # these are not the one-page, first-run times the goal is about
        print(f"[pages] quick profile, from the book build's execution cache: pages ran two at "
              f"a time and reused compiled programs, so these are not first-run times "
              f"(`run.py pages` measures one page at a time against the goal); {load()}")
    else:
        print(f"[pages] quick profile, executed here, one at a time; goal {GOAL_S:.0f} s, limit "
              f"{LIMIT_S:.0f} s; {load()}")
    total, reference = 0.0, []
    for source, seconds in (times.items() if times else executed_page_times()):
        if source is None:
            reference.append(seconds)
            print(f"  {'reference notebook (JAX only)':40s} {seconds:7.1f} s", flush=True)
            continue
        total += seconds
        verdict = "ok" if seconds <= GOAL_S else ("over goal" if seconds <= LIMIT_S
                                                  else "OVER LIMIT")
        verdict = "" if times else f"{seconds / GOAL_S:4.2f} x goal  {verdict}"
        gauge = f"{seconds / reference[0]:5.1f} x ref" if reference else ""
        print(f"  {source.relative_to(ROOT)!s:40s} {seconds:7.1f} s  {gauge}  {verdict}",
              flush=True)
    print(f"  {'total':40s} {total:7.1f} s   (load at the end: {load()})")
    if len(reference) == 2:
        print(f"  the reference took {reference[0]:.1f} s before the pages and {reference[1]:.1f} s "
              f"after: 'x ref' compares runs made at different hours")


def bench_kip():
    path = ROOT / "benchmarks" / "kip_bench.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("kip_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    print(f"[kip] {load()}")
    return module.main()


def main(argv):
    which = [a for a in argv if not a.startswith("--")] or ["kernels", "scaling", "kip", "pages"]
    for name in which:
        if name == "kernels":
            bench_kernels()
        elif name == "scaling":
            bench_scaling()
        elif name == "kip":
            bench_kip()
        elif name in ("pages", "lectures"):
            bench_pages(from_build="--from-build" in argv)
        else:
            raise SystemExit(f"unknown benchmark {name!r}; see the docstring")


if __name__ == "__main__":
    main(sys.argv[1:])
