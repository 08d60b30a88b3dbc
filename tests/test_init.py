"""The package as a whole: every module declares its public names, imports are acyclic."""
import ast
import importlib
import inspect
from pathlib import Path

import pytest

import ntk_course

MODULES = [f"ntk_course.{name}" for name in ntk_course._SUBMODULES]


@pytest.mark.parametrize("name", MODULES)
def test_every_public_name_is_in_all(name):
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names undefined objects {missing}"
    assert len(set(module.__all__)) == len(module.__all__), f"{name}.__all__ has duplicates"
    defined = [n for n, obj in vars(module).items()
               if not n.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
               and getattr(obj, "__module__", None) == name]
    undeclared = sorted(set(defined) - set(module.__all__))
    assert not undeclared, f"{name} defines public {undeclared} outside __all__"


def test_module_level_imports_are_acyclic():
    """The graph of module-level ``from . import`` / ``from .x import`` is a DAG."""
    root = Path(ntk_course.__file__).parent
    graph = {}
    for path in root.glob("*.py"):
        deps = set()
        for node in ast.parse(path.read_text()).body:      # module level only
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    deps.add(node.module.split(".")[0])
                else:
                    deps.update(alias.name for alias in node.names)
        graph[path.stem] = deps & {p.stem for p in root.glob("*.py")}
    state = {}

    def visit(m, stack):
        if state.get(m) == "done":
            return
        assert state.get(m) != "open", f"import cycle: {' -> '.join(stack + [m])}"
        state[m] = "open"
        for d in sorted(graph[m]):
            visit(d, stack + [m])
        state[m] = "done"

    for m in sorted(graph):
        visit(m, [])


def test_every_submodule_is_reachable_as_an_attribute():
    import ntk_course

    assert {"kernels", "nets", "checks", "minimax"} <= set(ntk_course._SUBMODULES)
    for name in ntk_course._SUBMODULES:
        assert getattr(ntk_course, name).__name__ == f"ntk_course.{name}"


def _public_callables():
    for name in MODULES:
        module = importlib.import_module(name)
        for attr in module.__all__:
            obj = getattr(module, attr)
            if getattr(obj, "__module__", None) != name:
                continue
            if inspect.isfunction(obj):
                yield f"{name}.{attr}", obj
            elif inspect.isclass(obj):
                for meth, fn in vars(obj).items():
                    if inspect.isfunction(fn) and not meth.startswith("_"):
                        yield f"{name}.{attr}.{meth}", fn


def test_one_randomness_convention():
    """Randomness is always the caller's: a function that samples inside JAX code takes a
    ``key`` with no default key behind it (``None`` only where the key is optional, and
    then it raises when sampling is needed); a host-level function takes an explicit
    integer ``seed`` (never ``None``, which would read global state). No function takes
    both, and none takes a NumPy ``Generator`` except the toy models' samplers (``rng``)."""
    bad = []
    for qualname, fn in _public_callables():
        params = inspect.signature(fn).parameters
        if "key" in params and "seed" in params:
            bad.append(f"{qualname}: takes both key and seed")
        if "key" in params and params["key"].default not in (inspect.Parameter.empty, None):
            bad.append(f"{qualname}: key defaults to {params['key'].default!r}")
        if "seed" in params and not isinstance(params["seed"].default, int) \
                and params["seed"].default is not inspect.Parameter.empty:
            bad.append(f"{qualname}: seed defaults to {params['seed'].default!r}")
        if "rng" in params and not qualname.startswith("ntk_course.toy_models."):
            bad.append(f"{qualname}: takes a NumPy generator")
    assert not bad, bad
