"""Min-max problems: their vector fields, the classical first-order methods, the
pathological examples of lecture 9, Danskin tools (the directional derivative,
the min-norm point of a convex hull on the simplex, Danskin's descent
direction DDi) and a weak-Minty check.

For ``min_x max_y Phi(x, y)`` with ``z = (x, y)`` the *game vector field* is
``V(z) = (grad_x Phi, -grad_y Phi)``; every method here moves against it.
Points are 1-D arrays ``z`` of shape ``(d,)`` (``d = m + n``); a problem is a
:class:`Game` holding ``Phi`` and the split ``m`` between the two players.

Computations run in float32, or in float64 inside
``ntk_course.config.double_precision()`` (fixed points and critical points are
then found to about 1e-9 instead of 1e-4).

>>> g = bilinear()
>>> g.field(np.array([1.0, 2.0]))            # V(x, y) = (y, -x)
array([ 2., -1.])
>>> traj = run(g, "gda", np.array([1.0, 0.0]), step=0.1, steps=3)
>>> traj.shape
(4, 2)
"""
from __future__ import annotations

import functools
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import checkify
from jax.flatten_util import ravel_pytree

from . import _validate as V

__all__ = ["Game", "game", "bilinear", "almost_bilinear", "forsaken", "monkey_saddle",
           "weird_saddle", "METHODS", "step_map", "run", "flow", "bilinear_matrix",
           "bilinear_spectral_radius", "spectral_radius_closed_form", "stability_threshold",
           "critical_points", "jacobian", "is_local_nash", "second_order_conditions",
           "limit_cycle", "CycleFit", "weak_minty_rho", "danskin_directional_derivative",
           "lipschitz_estimate", "project_simplex", "min_norm_simplex", "ddi_direction"]

METHODS = ("gda", "ppm", "eg", "eg_seed", "ogda", "rfbs", "eg_plus")


class Game(NamedTuple):
    """A two-player zero-sum game ``min_x max_y phi(x, y)`` on ``R^m x R^n``.

    ``phi(z)`` takes the stacked point ``z`` of shape ``(m + n,)`` and returns a
    scalar; ``m`` is the number of coordinates of the minimizing player and
    ``n`` (when known) that of the maximizing player. A point with the wrong
    number of coordinates raises ``ValueError``.
    """

    phi: Callable
    m: int
    name: str = "game"
    n: int | None = None

    def field(self, z) -> np.ndarray:
        """``V(z) = (grad_x phi, -grad_y phi)``: shape ``(m + n,)`` for one point,
        ``(k, m + n)`` for a batch of ``k`` points (one compiled call)."""
        z = _as_point(self, "z", z)
        return np.asarray(_compiled(self, "field_batch" if z.ndim == 2 else "field")(z),
                          dtype=float)

    def value(self, z):
        """``phi(z)``: a float for one point, an array ``(k,)`` for a batch ``(k, m + n)``.

        >>> bilinear().value([[1.0, 2.0], [3.0, -1.0]]).tolist()
        [2.0, -3.0]
        """
        z = _as_point(self, "z", z)
        if z.ndim == 2:
            return np.asarray(_compiled(self, "phi_batch")(z), dtype=float)
        return float(self.phi(z))


def _dtype():
    """float64 inside ``config.double_precision()``, else float32."""
    return jax.dtypes.canonicalize_dtype(jnp.float64)


_CHECKED: set = set()


def _check_dimension(g: Game, name: str, d: int) -> None:
    if d < g.m + 1:
        raise ValueError(f"{name} must have at least m + 1 = {g.m + 1} coordinates, got {d}")
    if g.n is not None and d != g.m + g.n:
        raise ValueError(f"{name} must have m + n = {g.m + g.n} coordinates for {g.name!r}, "
                         f"got {d}")
    if (id(g.phi), d) in _CHECKED:
        return
    # JAX clamps out-of-range indices: find them once per dimension, before they
    # silently give the field of another game
    err, _ = checkify.checkify(g.phi, errors=checkify.index_checks)(jnp.zeros(d, _dtype()))
    if err.get() is not None:
        raise ValueError(f"{name} has {d} coordinates, but phi of {g.name!r} reads beyond "
                         "them: pass a point of the game's dimension")
    _CHECKED.add((id(g.phi), d))


def _as_point(g: Game, name: str, z):
    if V.is_tracer(z):
        return z
    z = np.asarray(V.array(name, z, ndim=(1, 2)))
    _check_dimension(g, name, z.shape[-1])
    return jnp.asarray(z, dtype=_dtype())


_FIELD_CACHE: dict = {}


def _compiled(g: Game, kind: str):
    """Compiled functions of a game, built once per ``(phi, m)`` and reused."""
    key = (id(g.phi), g.m)
    if key not in _FIELD_CACHE:
        grad = jax.grad(g.phi)
        m = g.m

        def field(z):
            gz = grad(z)
            sign = jnp.where(jnp.arange(z.shape[0]) < m, 1.0, -1.0).astype(gz.dtype)
            return sign * gz

        jac = jax.jacfwd(field)
        # phi is kept alive so that id() stays unique
        _FIELD_CACHE[key] = dict(phi=g.phi, field=jax.jit(field), jac=jax.jit(jac),
                                 field_batch=jax.jit(jax.vmap(field)),
                                 jac_batch=jax.jit(jax.vmap(jac)),
                                 phi_batch=jax.jit(jax.vmap(g.phi)))
    return _FIELD_CACHE[key][kind]


def _unchecked(g: Game, kind: str) -> Callable:
    """The compiled ``"field"`` or ``"jac"`` of ``g`` for the inner loops, on points
    already checked: the same numbers (float64 in and out, computed in the working
    precision) without validating and converting each point again, which cost 10x
    the field itself."""
    fn, dtype = _compiled(g, kind), _dtype()
    return lambda z: np.asarray(fn(np.asarray(z, dtype)), dtype=float)


def game(phi: Callable, m: int, name: str = "game", *, n: int | None = None) -> Game:
    """Wrap ``phi(z)`` (a JAX-differentiable scalar function) as a :class:`Game`.

    ``n``, the maximizing player's dimension, lets every function check the
    dimension of the points it is given.

    >>> g = game(lambda z: z[0] * z[1], 1)
    >>> g.field([3.0, 5.0]).tolist()
    [5.0, -3.0]
    """
    if not callable(phi):
        raise TypeError(f"phi must be callable, got {type(phi).__name__}")
    m = V.positive_int("m", m)
    n = None if n is None else V.positive_int("n", n)
    return Game(phi, m, name, n)


# ----------------------------------------------------------------------------- examples
def _bilinear(z):
    return z[0] * z[1]


def bilinear() -> Game:
    """``Phi(x, y) = x y``: ``V(z) = A z`` with ``A = [[0, 1], [-1, 0]]``."""
    return Game(_bilinear, 1, "bilinear", 1)


def _quartic(u):
    return 0.5 * u ** 2 - 0.25 * u ** 4


_AB_CACHE: dict = {}


def almost_bilinear(eps: float = 0.1, *, player: str = "y") -> Game:
    """``Phi(x, y) = x y + eps * phi(u)``, ``phi(u) = u^2/2 - u^4/4``.

    ``player="y"`` puts the perturbation on the maximizing player (the version
    with a spurious limit cycle, Hsieh et al. 2021); ``player="x"`` is the
    version printed in the CVPR 2023 slides, whose origin attracts nearby points.
    """
    eps = V.real("eps", eps)
    V.choice("player", player, ("x", "y"))
    key = (eps, player)
    if key not in _AB_CACHE:
        idx = 1 if player == "y" else 0

        def phi(z):
            return z[0] * z[1] + eps * _quartic(z[idx])

        _AB_CACHE[key] = Game(phi, 1, f"almost bilinear (eps={eps}, on {player})", 1)
    return _AB_CACHE[key]


def _sextic(u):
    return 0.25 * u ** 2 - 0.5 * u ** 4 + u ** 6 / 6.0


_FS_CACHE: dict = {}


def forsaken(shift: float = 0.5) -> Game:
    """The "forsaken solutions" game of Hsieh et al. (2021), with ``x`` minimizing:

    ``Phi(x, y) = x (y - shift) + psi(x) - psi(y)``, ``psi(u) = u^2/4 - u^4/2 + u^6/6``.
    """
    shift = V.real("shift", shift)
    if shift not in _FS_CACHE:

        def phi(z):
            return z[0] * (z[1] - shift) + _sextic(z[0]) - _sextic(z[1])

        _FS_CACHE[shift] = Game(phi, 1, f"forsaken (shift={shift})", 1)
    return _FS_CACHE[shift]


def _monkey(z):
    return z[0] ** 3 - 3.0 * z[0] * z[1] ** 2


def monkey_saddle() -> Game:
    """``Phi(x, y) = x^3 - 3 x y^2``: one critical point, the origin, which is not a local Nash equilibrium."""
    return Game(_monkey, 1, "monkey saddle", 1)


def _weird(z):
    return -(z[0] ** 2) * z[1] ** 2 + z[0] * z[1]


def weird_saddle() -> Game:
    """``Phi(x, y) = -x^2 y^2 + x y``: critical at the origin and on the hyperbola ``x y = 1/2``."""
    return Game(_weird, 1, "weird saddle", 1)


# ----------------------------------------------------------------------------- methods
def _point(name, z):
    z = np.asarray(V.array(name, z, ndim=1), dtype=float)
    if z.shape[0] < 2:
        raise ValueError(f"{name} must have at least 2 coordinates, got shape {z.shape}")
    return z


def _ppm_step(g: Game, field, z, step, iters=50, tol=None):
    """Solve ``w + step * V(w) = z`` by Newton's method (started at ``z``).

    At least one Newton step is taken; the iteration stops when the residual
    is below ``tol`` *relative* to ``|z| + |w|`` (an absolute threshold would
    freeze iterates near the origin, where the residual is small from the
    start). ``tol`` defaults to about the working precision.
    """
    tol = (1e-6 if _dtype() == jnp.float32 else 1e-13) if tol is None else tol
    w = z.copy()
    jac = _unchecked(g, "jac")
    for it in range(iters):
        r = w + step * field(w) - z
        if it > 0 and np.linalg.norm(r) <= tol * (np.linalg.norm(z) + np.linalg.norm(w)):
            break
        J = np.eye(len(z)) + step * jac(w)
        w = w - np.linalg.solve(J, r)
    return w


def step_map(g: Game, method: str, z, z_prev, step: float, relax: float = 0.5):
    """One iteration of ``method`` from ``z`` (with previous point ``z_prev``).

    Methods (``a`` is the step, ``V`` the game field):

    - ``gda``:  ``z+ = z - a V(z)``
    - ``ppm``:  ``z+ = z - a V(z+)`` (implicit, solved by Newton)
    - ``eg``:   ``z+ = z - a V(z - a V(z))`` (Korpelevich's extragradient)
    - ``eg_seed``: ``z+ = z - a V(z - a V(z_prev))`` (the rule printed in the CVPR slides)
    - ``ogda``: ``z+ = z - a (2 V(z) - V(z_prev))``
    - ``rfbs``: ``z+ = z - a V(2 z - z_prev)``
    - ``eg_plus``: ``z+ = z - relax * a V(z - a V(z))`` (EG+ of Diakonikolas et al.,
      a long extrapolation and a shorter update, ``0 < relax <= 1``)
    """
    V.choice("method", method, METHODS)
    return _step(g, g.field, method, z, z_prev, step, relax)


def _step(g: Game, field: Callable, method: str, z, z_prev, step, relax):
    """:func:`step_map` with the field ``field`` (``g.field`` or a faster equal one)."""
    if method == "gda":
        return z - step * field(z)
    if method == "ppm":
        return _ppm_step(g, field, z, step)
    if method == "eg":
        return z - step * field(z - step * field(z))
    if method == "eg_seed":
        return z - step * field(z - step * field(z_prev))
    if method == "eg_plus":
        return z - relax * step * field(z - step * field(z))
    if method == "ogda":
        return z - step * (2.0 * field(z) - field(z_prev))
    return z - step * field(2.0 * z - z_prev)


def run(g: Game, method: str, z0, *, step: float, steps: int, z_prev=None,
        relax: float = 0.5) -> np.ndarray:
    """Iterate ``method`` ``steps`` times from ``z0``; returns ``(steps + 1, d)``.

    Two-step methods start with ``z_prev = z0`` unless ``z_prev`` is given.

    Divergence: once an iterate is not finite or exceeds ``1e6`` in absolute
    value, the iteration stops and the remaining rows are NaN (so
    ``np.isnan(traj[:, 0]).argmax()`` is the first missing step).

    >>> run(bilinear(), "ppm", np.array([1.0, 0.0]), step=1.0, steps=1)[-1].round(3).tolist()
    [0.5, 0.5]
    """
    if not isinstance(g, Game):
        raise TypeError(f"g must be a Game, got {type(g).__name__}")
    V.choice("method", method, METHODS)
    z = _point("z0", z0)
    _check_dimension(g, "z0", z.shape[0])
    step = V.real("step", step, minimum=0.0, strict=True)
    steps = V.positive_int("steps", steps, minimum=0)
    relax = V.real("relax", relax, minimum=0.0, strict=True)
    if relax > 1:
        raise ValueError(f"relax must be <= 1, got {relax}")
    prev = z.copy() if z_prev is None else _point("z_prev", z_prev)
    if prev.shape != z.shape:
        raise ValueError(f"z_prev must have the shape of z0 {z.shape}, got {prev.shape}")
    field = _unchecked(g, "field")
    out = [z]
    for _ in range(steps):
        z_new = _step(g, field, method, z, prev, step, relax)
        prev, z = z, z_new
        out.append(z)
        if not np.all(np.isfinite(z)) or np.max(np.abs(z)) > 1e6:
            out.extend([np.full_like(z, np.nan)] * (steps + 1 - len(out)))
            break
    return np.stack(out)


def flow(g: Game, z0, *, time: float, dt: float = 1e-2, every: int = 1) -> np.ndarray:
    """Integrate ``dz/dt = -V(z)`` with classical RK4.

    ``z0`` is one point ``(d,)`` or a batch ``(b, d)`` integrated together.
    Returns the points at times ``0, every*dt, 2*every*dt, ...``: shape
    ``(n + 1, d)`` or ``(n + 1, b, d)`` with ``n = time / (every * dt)``, which
    must be a whole number (``ValueError`` otherwise).

    >>> (flow(bilinear(), [1.0, 0.0], time=np.pi, dt=np.pi / 1000)[-1].round(3) + 0.0).tolist()
    [-1.0, 0.0]
    """
    if not isinstance(g, Game):
        raise TypeError(f"g must be a Game, got {type(g).__name__}")
    z = np.asarray(V.array("z0", z0, ndim=(1, 2)), dtype=float)
    if z.shape[-1] < 2:
        raise ValueError(f"z0 must have at least 2 coordinates, got shape {z.shape}")
    time = V.real("time", time, minimum=0.0, strict=True)
    dt = V.real("dt", dt, minimum=0.0, strict=True)
    every = V.positive_int("every", every)
    n = int(round(time / (every * dt)))
    if n < 1 or abs(n * every * dt - time) > 1e-9 * time:
        raise ValueError(f"time must be a positive whole multiple of every * dt = {every * dt}, "
                         f"got time={time}")
    _check_dimension(g, "z0", z.shape[-1])
    Vb = _compiled(g, "field_batch" if z.ndim == 2 else "field")
    return np.asarray(_rk4(Vb, jnp.asarray(z, _dtype()), dt, n, every), dtype=float)


@functools.partial(jax.jit, static_argnums=(0, 3, 4))
def _rk4(Vb, z, dt, n, every):
    def rk4(z, _):
        k1 = -Vb(z)
        k2 = -Vb(z + 0.5 * dt * k1)
        k3 = -Vb(z + 0.5 * dt * k2)
        k4 = -Vb(z + dt * k3)
        return z + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4), None

    def block(z, _):
        z, _ = jax.lax.scan(rk4, z, None, length=every)
        return z, z

    _, zs = jax.lax.scan(block, z, None, length=n)
    return jnp.concatenate([z[None], zs], axis=0)


# ----------------------------------------------------------------------------- linear analysis
def bilinear_matrix(method: str, step: float) -> np.ndarray:
    """The iteration matrix of ``method`` on ``min_x max_y x y``.

    One-step methods (gda, ppm, eg) return a 2x2 matrix ``M`` with
    ``z+ = M z``; two-step methods return the 4x4 matrix acting on
    ``(z_k, z_{k-1})``. (``eg_plus`` uses ``relax = 1/2``.)

    >>> bilinear_matrix("gda", 0.5).tolist()
    [[1.0, -0.5], [0.5, 1.0]]
    """
    V.choice("method", method, METHODS)
    a = V.real("step", step, minimum=0.0, strict=True)
    A = np.array([[0.0, 1.0], [-1.0, 0.0]])
    I = np.eye(2)
    Z = np.zeros((2, 2))
    if method == "gda":
        return I - a * A
    if method == "ppm":
        return np.linalg.inv(I + a * A)
    if method == "eg":
        return I - a * A + a * a * A @ A
    if method == "eg_plus":
        return I - 0.5 * a * A + 0.5 * a * a * A @ A
    if method == "eg_seed":
        return np.block([[I - a * A, a * a * A @ A], [I, Z]])
    # ogda and rfbs coincide on a linear field: z+ = z - 2a A z + a A z_prev
    return np.block([[I - 2 * a * A, a * A], [I, Z]])


def bilinear_spectral_radius(method: str, step: float) -> float:
    """Largest eigenvalue modulus of :func:`bilinear_matrix` (computed numerically)."""
    return float(np.max(np.abs(np.linalg.eigvals(bilinear_matrix(method, step)))))


def spectral_radius_closed_form(method: str, step) -> np.ndarray:
    """Closed-form spectral radius on the bilinear game (derived in lecture 9).

    gda: ``sqrt(1 + a^2)``; ppm: ``1 / sqrt(1 + a^2)``; eg: ``sqrt(1 - a^2 + a^4)``;
    ogda = rfbs: ``sqrt((1 + sqrt(1 - 4a^2)) / 2)`` for ``a <= 1/2`` and
    ``sqrt(1 + (2a + sqrt(4a^2 - 1))^2) / 2`` above. eg_seed: largest root
    modulus of ``lam^2 - (1 - i a) lam + a^2`` (no simpler form).
    """
    V.choice("method", method, METHODS)
    a = np.asarray(V.array("step", step, ndim=(0, 1)), dtype=float)
    if np.any(a <= 0):
        raise ValueError("step must be positive")
    if method == "gda":
        return np.sqrt(1 + a ** 2)
    if method == "ppm":
        return 1 / np.sqrt(1 + a ** 2)
    if method == "eg":
        return np.sqrt(1 - a ** 2 + a ** 4)
    if method == "eg_plus":
        return np.sqrt((1 - a ** 2 / 2) ** 2 + a ** 2 / 4)
    if method == "eg_seed":
        aa = np.atleast_1d(a)
        r = [np.max(np.abs(np.roots([1.0, -(1 - 1j * s), s * s]))) for s in aa]
        return np.asarray(r).reshape(a.shape)
    low = np.sqrt((1 + np.sqrt(np.clip(1 - 4 * a ** 2, 0, None))) / 2)
    high = np.sqrt(1 + (2 * a + np.sqrt(np.clip(4 * a ** 2 - 1, 0, None))) ** 2) / 2
    return np.where(a <= 0.5, low, high)


def stability_threshold(radius: Callable[[float], float], *, lo: float = 1e-3,
                        hi: float = 3.0, tol: float = 1e-10) -> float:
    """Largest step in ``[lo, hi]`` below which ``radius(step) < 1``, by bisection.

    Assumes ``radius < 1`` at ``lo``; returns ``nan`` if it is not, and ``hi``
    if the method is stable on the whole interval.

    >>> round(stability_threshold(lambda a: bilinear_spectral_radius("eg", a)), 6)
    1.0
    """
    if not callable(radius):
        raise TypeError(f"radius must be callable, got {type(radius).__name__}")
    lo = V.real("lo", lo, minimum=0.0, strict=True)
    hi = V.real("hi", hi)
    if hi <= lo:
        raise ValueError(f"hi must exceed lo, got lo={lo}, hi={hi}")
    tol = V.real("tol", tol, minimum=0.0, strict=True)
    if radius(lo) >= 1:
        return float("nan")
    if radius(hi) < 1:
        return float(hi)
    a, b = lo, hi
    # at most ~60 halvings reach a float's resolution, whatever tol is
    for _ in range(200):
        mid = 0.5 * (a + b)
        if b - a <= tol or mid in (a, b):
            break
        if radius(mid) < 1:
            a = mid
        else:
            b = mid
    return float(0.5 * (a + b))


# ----------------------------------------------------------------------------- critical points
def jacobian(g: Game, z) -> np.ndarray:
    """Jacobian of the field ``V`` at ``z``, shape ``(d, d)``."""
    if not isinstance(g, Game):
        raise TypeError(f"g must be a Game, got {type(g).__name__}")
    z = _point("z", z)
    return np.asarray(_compiled(g, "jac")(_as_point(g, "z", z)), dtype=float)


def critical_points(g: Game, starts, *, iters: int = 100, tol: float | None = None,
                    merge: float = 1e-2) -> np.ndarray:
    """Zeros of ``V`` found by Newton's method from each row of ``starts``.

    Newton stops once ``|V| < tol`` (default ``1e-6`` in float32, ``1e-13`` in
    float64). Returns the converged points, merging those closer than
    ``merge`` (Newton converges slowly to degenerate zeros, so several starts
    stop at slightly different points near one zero), shape ``(k, d)``.
    """
    if not isinstance(g, Game):
        raise TypeError(f"g must be a Game, got {type(g).__name__}")
    starts = np.asarray(V.array("starts", starts, ndim=2), dtype=float)
    _check_dimension(g, "starts", starts.shape[1])
    iters = V.positive_int("iters", iters)
    tol = (1e-6 if _dtype() == jnp.float32 else 1e-13) if tol is None else V.real(
        "tol", tol, minimum=0.0, strict=True)
    field, jac = _unchecked(g, "field"), _unchecked(g, "jac")
    found = []
    for z in starts:
        z = z.copy()
        for _ in range(iters):
            v = field(z)
            if np.linalg.norm(v) < tol:
                break
            J = jac(z)
            try:
                z = z - np.linalg.lstsq(J, v, rcond=None)[0]
            except np.linalg.LinAlgError:
                break
        if np.linalg.norm(field(z)) < 1e-4 and np.all(np.abs(z) < 1e3):
            if not any(np.linalg.norm(z - f) < merge for f in found):
                found.append(z)
    return np.array(found).reshape(-1, starts.shape[1])


def second_order_conditions(g: Game, z) -> tuple[bool, bool]:
    """``(grad_xx Phi >= 0, grad_yy Phi <= 0)`` at ``z`` (tolerance 1e-6)."""
    J = jacobian(g, z)
    m = g.m
    hxx = J[:m, :m]
    hyy = -J[m:, m:]
    return (bool(np.linalg.eigvalsh(0.5 * (hxx + hxx.T)).min() >= -1e-6),
            bool(np.linalg.eigvalsh(0.5 * (hyy + hyy.T)).max() <= 1e-6))


def is_local_nash(g: Game, z, *, radius: float = 1e-2, n: int = 2000, seed: int = 0,
                  tol: float = 1e-9) -> bool:
    """Sample test of the local Nash inequalities in a ball of ``radius`` around ``z``.

    Checks ``Phi(x*, y) <= Phi(x*, y*) <= Phi(x, y*)`` at ``n`` random
    deviations of each player (with a relative tolerance ``tol``).
    """
    if not isinstance(g, Game):
        raise TypeError(f"g must be a Game, got {type(g).__name__}")
    z = _point("z", z)
    _check_dimension(g, "z", z.shape[0])
    radius = V.real("radius", radius, minimum=0.0, strict=True)
    n = V.positive_int("n", n)
    rng = np.random.default_rng(seed)
    m = g.m
    f0 = g.value(z)
    phi = _compiled(g, "phi_batch")
    d = rng.normal(size=(n, len(z)))
    d *= radius * rng.uniform(size=(n, 1)) ** (1 / len(z)) / np.linalg.norm(d, axis=1,
                                                                               keepdims=True)
    dx = d.copy()
    dx[:, m:] = 0
    dy = d.copy()
    dy[:, :m] = 0
    fx = np.asarray(phi(jnp.asarray(z + dx, _dtype())), dtype=float)
    fy = np.asarray(phi(jnp.asarray(z + dy, _dtype())), dtype=float)
    slack = tol * max(1.0, abs(f0))
    return bool(np.all(fx >= f0 - slack) and np.all(fy <= f0 + slack))


# ----------------------------------------------------------------------------- limit cycles
class CycleFit(NamedTuple):
    """Summary of a closed orbit sampled along a trajectory."""

    center: np.ndarray        # mean of the orbit, shape (d,)
    amplitude: np.ndarray     # half the peak-to-peak range of each coordinate, (d,)
    period: float             # time (or iterations) between successive crossings
    min_radius: float         # smallest distance from ``center`` along the orbit
    max_radius: float


def limit_cycle(traj, *, dt: float = 1.0, tail: float = 0.5) -> CycleFit:
    """Fit the closed orbit a trajectory settled on, from its last ``tail`` fraction.

    The period is the mean spacing of upward crossings of the first
    coordinate through its mean (linearly interpolated), times ``dt``.
    """
    traj = np.asarray(V.array("traj", traj, ndim=2), dtype=float)
    dt = V.real("dt", dt, minimum=0.0, strict=True)
    if not 0 < tail <= 1:
        raise ValueError(f"tail must be in (0, 1], got {tail}")
    t = traj[int(len(traj) * (1 - tail)):]
    center = 0.5 * (t.max(axis=0) + t.min(axis=0))
    amp = 0.5 * (t.max(axis=0) - t.min(axis=0))
    u = t[:, 0] - t[:, 0].mean()
    idx = np.where((u[:-1] < 0) & (u[1:] >= 0))[0]
    cross = idx + (-u[idx]) / (u[idx + 1] - u[idx])
    period = float(np.mean(np.diff(cross)) * dt) if len(cross) >= 2 else float("nan")
    r = np.linalg.norm(t - center, axis=1)
    return CycleFit(center, amp, period, float(r.min()), float(r.max()))


# ----------------------------------------------------------------------------- conditions
def weak_minty_rho(g: Game, z_star, points) -> float:
    """Largest ``rho`` with ``<V(z), z - z*> >= rho ||V(z)||^2`` on all ``points``.

    The weak Minty condition holds on that set for every ``rho`` up to the
    returned value (points where ``V = 0`` are skipped).

    >>> weak_minty_rho(bilinear(), [0.0, 0.0], np.random.default_rng(0).normal(size=(50, 2)))
    0.0
    """
    if not isinstance(g, Game):
        raise TypeError(f"g must be a Game, got {type(g).__name__}")
    z_star = _point("z_star", z_star)
    pts = np.asarray(V.array("points", points, ndim=2), dtype=float)
    if pts.shape[1] != z_star.shape[0]:
        raise ValueError(f"points must have {z_star.shape[0]} columns, got {pts.shape[1]}")
    _check_dimension(g, "points", pts.shape[1])
    v = np.asarray(_compiled(g, "field_batch")(jnp.asarray(pts, _dtype())), dtype=float)
    num = np.sum(v * (pts - z_star), axis=1)
    den = np.sum(v * v, axis=1)
    keep = den > 1e-12
    ratio = num[keep] / den[keep]
    ratio = np.where(np.abs(ratio) < 1e-6, 0.0, ratio)
    return float(ratio.min())


def lipschitz_estimate(g: Game, points) -> float:
    """Largest spectral norm of the Jacobian of ``V`` over ``points`` (a local Lipschitz constant)."""
    if not isinstance(g, Game):
        raise TypeError(f"g must be a Game, got {type(g).__name__}")
    pts = np.asarray(V.array("points", points, ndim=2), dtype=float)
    _check_dimension(g, "points", pts.shape[1])
    J = _compiled(g, "jac_batch")(jnp.asarray(pts, _dtype()))
    return float(np.max(np.linalg.norm(np.asarray(J, dtype=float), ord=2, axis=(1, 2))))


def danskin_directional_derivative(grads, direction) -> float:
    """Danskin's formula ``D_gamma f = max_i <gamma, g_i>`` from the gradients
    ``g_i = grad_x Phi(x, y_i)`` (rows of ``grads``) at all maximizers ``y_i``.

    >>> danskin_directional_derivative([[-1.0], [1.0]], [-1.0])   # f = |x| at 0
    1.0
    """
    G = np.asarray(V.array("grads", grads, ndim=2), dtype=float)
    gamma = np.asarray(V.array("direction", direction, ndim=1), dtype=float)
    if gamma.shape[0] != G.shape[1]:
        raise ValueError(f"direction must have {G.shape[1]} entries, got {gamma.shape[0]}")
    return float(np.max(G @ gamma))


# ----------------------------------------------------------------------------- min-norm (DDi)
def project_simplex(v):
    """Euclidean projection of ``v`` ``(k,)`` onto the probability simplex.

    >>> project_simplex(jnp.array([2.0, 0.0])).tolist()
    [1.0, 0.0]
    """
    k = v.shape[0]
    u = jnp.sort(v)[::-1]
    css = jnp.cumsum(u) - 1.0
    ind = jnp.arange(1, k + 1)
    cond = u - css / ind > 0
    rho = jnp.max(jnp.where(cond, ind, 0))
    theta = css[rho - 1] / rho
    return jnp.maximum(v - theta, 0.0)


def _min_norm(G, iters):
    M = G @ G.T
    scale = jnp.maximum(jnp.trace(M), 1e-30)
    M = M / scale
    L = jnp.maximum(jnp.linalg.eigvalsh(M)[-1], 1e-12)
    k = G.shape[0]
    lam0 = jnp.full((k,), 1.0 / k)

    def body(_, carry):  # FISTA on 1/2 lam^T M lam over the simplex
        lam, w, t = carry
        new = project_simplex(w - (M @ w) / L)
        t_new = 0.5 * (1 + jnp.sqrt(1 + 4 * t * t))
        w = new + (t - 1) / t_new * (new - lam)
        return new, w, t_new

    lam, _, _ = jax.lax.fori_loop(0, iters, body, (lam0, lam0, 1.0))
    return lam


_min_norm_jit = jax.jit(_min_norm, static_argnums=1)


def min_norm_simplex(G, *, iters: int = 500):
    """Weights ``lam`` on the simplex minimizing ``||lam^T G||``, for ``G`` ``(k, p)``.

    Solved by accelerated projected gradient (FISTA) on the Gram matrix. At the
    solution the optimality (KKT) conditions hold: ``(G G^T lam)_i >= lam^T G G^T lam``
    for every ``i``, with equality where ``lam_i > 0``.

    >>> min_norm_simplex(jnp.array([[-1.0, 1.0], [1.0, 1.0]])).round(3).tolist()
    [0.5, 0.5]
    """
    if not V.is_tracer(G):
        G = V.array("G", G, ndim=2)
        iters = V.positive_int("iters", iters)
    return _min_norm_jit(jnp.asarray(G, jnp.float32), iters)


def ddi_direction(grads, *, iters: int = 500):
    """Danskin's descent direction from gradients taken at ``k`` maximizers.

    ``grads`` is a pytree whose leaves have a leading axis of size ``k`` (the
    gradient of the loss at the ``j``-th perturbation). Returns
    ``(direction, lam)``: the min-norm element ``sum_j lam_j g_j`` of their
    convex hull (a pytree like one gradient) and its weights ``lam`` ``(k,)``.
    When all ``g_j`` coincide it returns that gradient.
    """
    if not V.is_tracer(iters):
        iters = V.positive_int("iters", iters)
    leaves = jax.tree_util.tree_leaves(grads)
    if not leaves:
        raise ValueError("grads must be a non-empty pytree")
    k = leaves[0].shape[0]
    flat = jax.vmap(lambda g: ravel_pytree(g)[0])(grads)
    _, unravel = ravel_pytree(jax.tree_util.tree_map(lambda l: l[0], grads))
    lam = _min_norm(flat, iters) if k > 1 else jnp.ones((1,))
    return unravel(lam @ flat), lam
