"""ntk_course: the helper package of the course "Kernels, Data & Physics".

Modules (one idea each), among them: ``config`` (scale profiles), ``data``
(datasets), ``kernels`` (analytic and empirical NTKs, kernel regression),
``nets`` (stax networks and training), ``training`` (the shared training loop
``run_steps``), ``losses`` (losses and metrics), ``attacks`` (PGD, FGSM,
the NTK adversary), ``robust_training`` (adversarial training), ``minimax``,
``kip``, ``stats`` (power-law fits), ``claims`` (checked statements),
``plotting`` (figure style), ``checks`` (exercise checkers), ``_compat``
(neural-tangents on a current JAX); ``dir(ntk_course)`` lists them all. The
module map is in CONTRIBUTING.md.

Submodules are imported on first use, so ``import ntk_course`` is cheap.
"""
from __future__ import annotations

import importlib
import pkgutil

__version__ = "0.1.0"
#: every public submodule, found on disk so that a new module needs no registration
_SUBMODULES = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__)
                           if not m.name.startswith("_")))


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
