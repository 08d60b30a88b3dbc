"""Neural network kernels: analytic recursions, empirical NTKs, kernel regression.

Everything here is written from the definitions (see lecture L3 for the
derivations) and tested against neural-tangents:

* :func:`fc_kernels` -- the NNGP and NTK of a deep fully-connected network in
  the NTK parametrization, by the layer recursion.
* :func:`relu_ntk_sphere` -- the one-hidden-layer ReLU NTK on the sphere in
  closed form; :func:`funk_hecke_eigenvalues` -- the eigenvalues of any
  dot-product kernel on the sphere, one per degree of spherical harmonics, with
  their multiplicities :func:`harmonic_multiplicity`.
* :func:`empirical_ntk` -- the finite-width NTK of any ``stax`` network.
* :func:`kernel_regression`, :func:`gd_dynamics` -- the predictors that
  wide networks trained with gradient descent on the square loss converge to.
* :func:`fc_ntk`, :func:`conv_ntk` -- neural-tangents' infinite-width NTKs as
  hashable callables ``kernel(x1, x2)`` on flattened inputs, and kernel ridge
  regression from a support set (:func:`krr_predict`, :func:`support_coefficients`).

Ridge convention: every function that regularizes a kernel solve takes
``ridge`` and ``ridge_mode``: ``"absolute"`` adds ``ridge * I``, ``"relative"``
adds ``ridge * tr(K)/n * I`` (the ridge relative to the mean eigenvalue, so one
value suits any kernel scale). :func:`kernel_regression` defaults to absolute,
the support-set functions (used by KIP) to relative.

Kernel matrices are computed in row blocks spread over all JAX devices
(:func:`blockwise`), so the same call scales from a laptop to several GPUs and
returns bit-identical results for any number of devices.
"""
from __future__ import annotations

import dataclasses
import functools
import math
from typing import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import scipy.special
from jax.sharding import Mesh, PartitionSpec

from . import _validate as V
from ._eager import compiled_when_eager

__all__ = [
    "ACTIVATIONS", "FCKernel", "fc_kernels", "relu_ntk_sphere", "blockwise",
    "empirical_ntk", "kernel_regression", "ridge_coefficients", "gd_dynamics",
    "eigh_descending", "ntk_matrix", "kernel_distance", "kernel_polar", "effective_rank",
    "top_eigen_fraction", "kernel_alignment", "RIDGE_MODES", "fc_ntk", "conv_ntk",
    "support_coefficients", "krr_from_support", "krr_predict", "harmonic_multiplicity",
    "sphere_legendre", "funk_hecke_eigenvalues",
]

ACTIVATIONS = ("relu", "erf")


# ---------------------------------------------------------------------------
# The layer recursion
#
# Each hidden layer maps the covariance of its pre-activations to that of the
# next layer through a Gaussian expectation of the activation (its "dual"):
#
#   ReLU: E[relu(u) relu(v)]   = sqrt(q1 q2) (sin t + (pi - t) cos t) / (2 pi)
#         E[relu'(u) relu'(v)] = (pi - t) / (2 pi)
#   erf:  E[erf(u) erf(v)]     = (2 / pi) arcsin(2 k / sqrt((1 + 2 q1) (1 + 2 q2)))
#         E[erf'(u) erf'(v)]   = (4 / pi) / sqrt((1 + 2 q1) (1 + 2 q2) - 4 k^2)
#
# for (u, v) ~ N(0, [[q1, k], [k, q2]]) and cos t = k / sqrt(q1 q2).
#
# Speed: the per-entry work of a layer is a handful of multiply-adds, two square
# roots and one polynomial; XLA fuses all layers into one pass over the matrix
# that reads the Gram matrix and writes the kernel, so the cost is close to
# that of the Gram matrix itself (`make bench`). XLA's own arccos is several
# times slower than the rest of the layer put together on CPU, so float32 uses
# the reduction to a short polynomial below; float64 uses arctan2 and arcsin.
#
# Accuracy: ReLU layers carry u = 1 - cos t rather than cos t. Near cos t = 1
# (nearby inputs, the diagonal, and every pair in a deep network) u is small,
# and storing it directly keeps its relative precision, whereas 1 - cos t
# computed from a stored cosine loses everything below float32's 6e-8 and
# turns into an angle error of sqrt(2 * 6e-8) = 3.5e-4. The next layer's u is
# written without cancellation (see _relu_layer). On the diagonal of K(x, x)
# the angle is exactly 0 and the exact values replace the computed ones.
# ---------------------------------------------------------------------------
_TWO_PI = 2 * math.pi
# arcsin(s) = s + s z P(z) with z = s^2 on |s| <= 1/2: P is a degree-4 least-squares
# fit of (arcsin(s) - s) / s^3 in z, relative error 5e-9 (below float32's 6e-8).
_ASIN_POLY = (0.166667529191936, 0.07495297941935555, 0.045469188220151974,
              0.02418864956223633, 0.04214736496496612)


def _asin_small(s, z):
    """``arcsin(s)`` for ``|s| <= 1/2`` given ``z = s^2`` (one polynomial, no branch)."""
    p = _ASIN_POLY[-1]
    for coef in _ASIN_POLY[-2::-1]:
        p = p * z + coef
    return s + s * z * p


def _angle(u):
    """``arccos(1 - u)`` for ``u`` in ``[0, 2]``, to float32 round-off relative to the angle.

    Three ranges of ``c = 1 - u``, each reduced to an arcsin of an argument at
    most 1/2, so that one polynomial and one square root serve every entry:
    ``c > 1/2``: ``2 arcsin(sqrt(u / 2))`` (``u`` is used as stored: no
    cancellation near the diagonal); ``|c| <= 1/2``: ``pi / 2 - arcsin(c)``;
    ``c < -1/2``: ``pi - 2 arcsin(sqrt((2 - u) / 2))``.
    """
    if u.dtype == jnp.float64:
        return jnp.arctan2(jnp.sqrt(u * (2 - u)), 1 - u)
    c = 1 - u
    hi, lo = c > 0.5, c < -0.5
    z = jnp.where(hi, u / 2, jnp.where(lo, 1 - u / 2, c * c))
    r = _asin_small(jnp.where(hi | lo, jnp.sqrt(z), c), z)
    return jnp.where(hi, 2 * r, jnp.where(lo, jnp.pi - 2 * r, jnp.pi / 2 - r))


def _arcsin(x):
    """``arcsin(x)`` for ``|x| <= 1``, to float32 round-off (same reduction as :func:`_angle`)."""
    if x.dtype == jnp.float64:
        return jnp.arcsin(x)
    a = jnp.abs(x)
    big = a > 0.5
    z = jnp.where(big, (1 - a) / 2, a * a)
    r = _asin_small(jnp.where(big, jnp.sqrt(z), a), z)
    return jnp.sign(x) * jnp.where(big, jnp.pi / 2 - 2 * r, r)


def _inv_sqrt(q):
    """``1 / sqrt(q)`` of a vector, with 0 for ``q = 0`` (an all-zero input row without bias)."""
    safe = jnp.where(q > 0, q, 1)
    return jnp.where(q > 0, 1 / jnp.sqrt(safe), 0)


def _relu_layer(state, w2, b2, *, need_next, need_ntk):
    """One ReLU layer on ``(q1, q2, u, ntk)``; returns the next state and the NNGP."""
    q1, q2, u, ntk = state
    theta = _angle(u)
    sin = jnp.sqrt(jnp.maximum(u * (2 - u), 0))
    # g = 2 pi (1/2 - J1(t)) = pi u + t cos t - sin t >= 0, where J1 = E[relu relu] / sqrt(q1 q2)
    g = jnp.maximum(jnp.pi * u + theta * (1 - u) - sin, 0)
    s1, s2 = jnp.sqrt(q1), jnp.sqrt(q2)
    m = (w2 / _TWO_PI) * s1[:, None] * s2[None, :]
    nngp = m * (jnp.pi - g) + b2
    if need_ntk:
        ntk = nngp + (w2 / _TWO_PI) * (jnp.pi - theta) * ntk
    q1n, q2n = w2 * q1 / 2 + b2, w2 * q2 / 2 + b2
    if not need_next:
        u_next = u
    elif isinstance(b2, (int, float)) and b2 == 0:
        # without bias the correlation map does not depend on the variances
        u_next = g / jnp.pi
    else:
        # 1 - cos t' = (sqrt(q1' q2') - nngp) / sqrt(q1' q2'), and with a_i = w2 q_i / 2:
        # sqrt(q1' q2') - nngp = beta + m g, where
        # beta = sqrt((a1 + b2)(a2 + b2)) - sqrt(a1 a2) - b2
        #      = b2 (sqrt(a1) - sqrt(a2))^2 / (sqrt(q1' q2') + sqrt(a1 a2) + b2) >= 0.
        a1, a2 = jnp.sqrt(w2 * q1 / 2), jnp.sqrt(w2 * q2 / 2)
        n1, n2 = jnp.sqrt(q1n), jnp.sqrt(q2n)
        beta = b2 * (a1[:, None] - a2[None, :]) ** 2 / (
            n1[:, None] * n2[None, :] + a1[:, None] * a2[None, :] + b2)
        u_next = (beta + m * g) * _inv_sqrt(q1n)[:, None] * _inv_sqrt(q2n)[None, :]
    u_next = jnp.clip(u_next, 0, 2)
    return (q1n, q2n, u_next, ntk), nngp


def _erf_layer(state, w2, b2, *, need_next, need_ntk):
    """One erf layer on ``(q1, q2, k, ntk)``; returns the next state and the NNGP."""
    q1, q2, k, ntk = state
    e1, e2 = 1 / jnp.sqrt(1 + 2 * q1), 1 / jnp.sqrt(1 + 2 * q2)
    e = e1[:, None] * e2[None, :]
    rho = jnp.clip(2 * k * e, -1, 1)
    nngp = (2 * w2 / jnp.pi) * _arcsin(rho) + b2
    if need_ntk:
        # (1 + 2 q1)(1 + 2 q2) - 4 k^2 = (1 - rho^2) / e^2 > 0 (|rho| < 1 for finite q)
        a = jnp.abs(rho)
        one_minus_rho2 = jnp.maximum((1 - a) * (1 + a), jnp.finfo(rho.dtype).tiny)
        deriv = (4 / jnp.pi) * e * jax.lax.rsqrt(one_minus_rho2)
        ntk = nngp + w2 * deriv * ntk
    q1n = (2 * w2 / jnp.pi) * jnp.arcsin(2 * q1 / (1 + 2 * q1)) + b2
    q2n = (2 * w2 / jnp.pi) * jnp.arcsin(2 * q2 / (1 + 2 * q2)) + b2
    return (q1n, q2n, nngp, ntk), nngp


def _diagonal(spec: FCKernel, q):
    """Exact NNGP and NTK of each input with itself, from the input layer's variances ``q``."""
    b2 = spec.b_std ** 2

    def layer(carry, w2):
        q, ntk = carry
        if spec.activation == "relu":  # cos t = 1: E[relu(u)^2] = q / 2, E[relu'(u)^2] = 1 / 2
            q_next, deriv = w2 * q / 2 + b2, 0.5
        else:  # (1 + 2 q)^2 - 4 q^2 = 1 + 4 q
            q_next = (2 * w2 / jnp.pi) * jnp.arcsin(2 * q / (1 + 2 * q)) + b2
            deriv = (4 / jnp.pi) / jnp.sqrt(1 + 4 * q)
        return (q_next, q_next + w2 * deriv * ntk), None

    w2s = [_layer_w_std(spec, layer) ** 2 for layer in range(1, spec.depth + 1)]
    if spec.depth <= _UNROLL_MAX_DEPTH:
        carry = (q, q)
        for w2 in w2s:
            carry, _ = layer(carry, w2)
        return carry
    return jax.lax.scan(layer, (q, q), jnp.asarray(w2s, dtype=q.dtype))[0]


@dataclasses.dataclass(frozen=True)
class FCKernel:
    """Hyper-parameters of a fully-connected network, as a hashable callable.

    The network is ``Dense -> act -> ... -> Dense -> act -> Dense`` with
    ``depth`` hidden layers in the NTK parametrization: layer ``l`` computes
    ``W_std[l] / sqrt(fan_in) * W h + b_std * b`` with standard normal ``W, b``.

    Calling it on ``(x1, x2)`` returns ``(nngp, ntk)``, each ``(n1, n2)``, or
    only one of them when ``get`` is ``"nngp"`` or ``"ntk"``. With ``rows``
    (integer indices, shape ``(n1,)``) row ``i`` of ``x1`` is row ``rows[i]`` of
    ``x2``: those entries get the exact diagonal values (the angle between an
    input and itself is 0, which float32 round-off of the Gram matrix blurs).
    ``get="packed"`` (used by :func:`fc_kernels`) returns ``nngp + 1j * ntk``.
    """

    depth: int
    activation: str = "relu"
    W_std: tuple[float, ...] = (1.0,)
    b_std: float = 0.0
    get: str = "both"

    def __call__(self, x1, x2, rows=None):
        if rows is None and x1 is x2:
            rows = jnp.arange(x1.shape[0])
        nngp, ntk = _fc_recursion(self, x1, x2, rows)
        if self.get == "packed":
            return jax.lax.complex(nngp, ntk)
        return {"both": (nngp, ntk), "nngp": nngp, "ntk": ntk}[self.get]


def _layer_w_std(spec: FCKernel, layer: int) -> float:
    return spec.W_std[layer] if len(spec.W_std) > 1 else spec.W_std[0]


#: Networks up to this depth are unrolled (XLA fuses every layer into one pass
#: over the matrix); deeper ones run the middle layers in ``lax.scan``, so the
#: compile time and memory stay flat in the depth.
_UNROLL_MAX_DEPTH = 8


def _fc_recursion(spec: FCKernel, x1, x2, rows=None):
    d = x1.shape[1]
    relu = spec.activation == "relu"
    layer_fn = _relu_layer if relu else _erf_layer
    need_ntk = spec.get != "nngp"
    b2 = spec.b_std ** 2
    w2 = _layer_w_std(spec, 0) ** 2
    # First layer: a linear map of the input, so its covariance is the scaled
    # Gram matrix; its NTK equals its NNGP (gradients w.r.t. W1 and b1).
    gram, sq1, sq2 = x1 @ x2.T, jnp.sum(x1 * x1, axis=1), jnp.sum(x2 * x2, axis=1)
    nngp = (w2 / d) * gram + b2
    q1 = (w2 / d) * sq1 + b2
    q2 = (w2 / d) * sq2 + b2
    if relu:
        second = jnp.clip(1 - nngp * _inv_sqrt(q1)[:, None] * _inv_sqrt(q2)[None, :], 0, 2)
        # x1_i . x2_j = |x1_i|^2 = |x2_j|^2 means cos t = 1 (equality in Cauchy-Schwarz:
        # a row of x1 that equals a row of x2). Set it exactly: the rounded 1 / sqrt(q)
        # make the cosine miss 1 by an ulp, which the angle turns into sqrt(2 ulp),
        # 2e-8 in float64 and 5e-4 in float32. The test is on the unscaled products,
        # which XLA's rewrites of the scaling cannot make unequal.
        same = (gram == sq1[:, None]) & (gram == sq2[None, :])
        second = jnp.where(same, 0, second)
    else:
        second = nngp
    state = (q1, q2, second, nngp)
    if spec.depth <= _UNROLL_MAX_DEPTH:
        for layer in range(1, spec.depth + 1):
            w2 = _layer_w_std(spec, layer) ** 2
            state, nngp = layer_fn(state, w2, b2, need_ntk=need_ntk,
                                   need_next=layer < spec.depth)
    else:
        # The two matrices of the state travel as one complex matrix: a loop
        # body with a single output compiles to one fused pass, whereas with two
        # outputs XLA materializes the shared square roots of every layer.
        def body(carry, w2):
            q1, q2, packed = carry
            (q1, q2, second, ntk), _ = layer_fn((q1, q2, jnp.real(packed), jnp.imag(packed)),
                                                w2, b2, need_ntk=need_ntk, need_next=True)
            return (q1, q2, jax.lax.complex(second, ntk)), None

        w2s = jnp.asarray([_layer_w_std(spec, layer) ** 2 for layer in range(1, spec.depth)],
                          dtype=nngp.dtype)
        q1, q2, second, ntk = state
        (q1, q2, packed), _ = jax.lax.scan(body, (q1, q2, jax.lax.complex(second, ntk)), w2s)
        state, nngp = layer_fn((q1, q2, jnp.real(packed), jnp.imag(packed)),
                               _layer_w_std(spec, spec.depth) ** 2, b2,
                               need_ntk=need_ntk, need_next=False)
    ntk = state[3]
    if rows is not None:
        diag_nngp, diag_ntk = _diagonal(spec, q1)
        on_diag = rows[:, None] == jnp.arange(x2.shape[0])[None, :]
        nngp = jnp.where(on_diag, diag_nngp[:, None], nngp)
        ntk = jnp.where(on_diag, diag_ntk[:, None], ntk)
    return nngp, ntk


def _check_fc_args(depth, activation, W_std, b_std, get="both"):
    depth = V.positive_int("depth", depth, minimum=0)
    V.choice("activation", activation, ACTIVATIONS)
    if np.ndim(W_std) == 0:
        W_std = (V.real("W_std", W_std, minimum=0.0, strict=True),)
    else:
        W_std = tuple(V.real("W_std", float(w), minimum=0.0, strict=True) for w in W_std)
        if len(W_std) != depth + 1:
            raise ValueError(f"W_std must be a scalar or have depth + 1 = {depth + 1} entries, "
                             f"got {len(W_std)}")
    b_std = V.real("b_std", b_std, minimum=0.0)
    V.choice("get", get, ("both", "nngp", "ntk"))
    return FCKernel(depth, activation, W_std, b_std, get)


def _check_pair(x1, x2):
    x1 = V.array("x1", x1, ndim=2)
    x2 = x1 if x2 is None else V.array("x2", x2, ndim=2)
    V.same_features("x1", x1, "x2", x2)
    return jnp.asarray(x1), jnp.asarray(x2)


def fc_kernels(x1, x2=None, *, depth: int, activation: str = "relu",
               W_std: float | Sequence[float] = 1.0, b_std: float = 0.0,
               get: str = "both", block_size: int = 2048):
    """Analytic NNGP and NTK of a deep fully-connected network.

    Args:
      x1: inputs, shape ``(n1, d)``.
      x2: inputs, shape ``(n2, d)``; ``None`` means ``x1``.
      depth: number of hidden layers ``L`` (0 gives a linear model).
      activation: ``"relu"`` or ``"erf"``.
      W_std: weight standard deviation, one value or one per layer (``L + 1``).
      b_std: bias standard deviation.
      get: ``"both"`` (default), ``"nngp"`` or ``"ntk"``.
      block_size: rows of ``x1`` per block (see :func:`blockwise`).

    Returns:
      ``(nngp, ntk)``, two arrays of shape ``(n1, n2)`` (or the one asked for
      with ``get``); they agree with ``neural_tangents.stax`` for the same
      architecture.

    >>> x = jnp.sqrt(3.0) * jnp.eye(3)      # three orthogonal points with |x|^2 = d
    >>> nngp, ntk = fc_kernels(x, depth=1)
    >>> jnp.diag(nngp).round(4).tolist()   # E[relu(z)^2] = 1/2 for z ~ N(0, 1)
    [0.5, 0.5, 0.5]
    >>> jnp.diag(ntk).round(4).tolist()    # 1/2 + (1/2) * 1
    [1.0, 1.0, 1.0]
    """
    spec = _check_fc_args(depth, activation, W_std, b_std, get)
    symmetric = x2 is None or x2 is x1
    x1, x2 = _check_pair(x1, x2)
    if spec.get == "both":
        # One complex output instead of two real ones: XLA then compiles the
        # recursion into one fused pass (with two outputs it stores the square
        # roots of every layer in memory, about 2x slower).
        packed = blockwise(dataclasses.replace(spec, get="packed"), x1, x2,
                           block_size=block_size, with_rows=symmetric)
        return _unpack(packed)
    return blockwise(spec, x1, x2, block_size=block_size, with_rows=symmetric)


@jax.jit
def _unpack(packed):
    return jnp.real(packed), jnp.imag(packed)


def relu_ntk_sphere(cos):
    """NTK of a one-hidden-layer ReLU network on the sphere, as a function of the angle.

    For ``f(x) = sqrt(2 / m) * sum_i a_i relu(w_i . x / sqrt(d))`` with standard
    normal ``a_i, w_i`` and inputs with ``|x|^2 = d``, the limiting NTK is
    ``(sin t + 2 (pi - t) cos t) / pi`` where ``cos t = x . x' / d``.

    >>> float(relu_ntk_sphere(1.0))
    2.0
    """
    cos = jnp.clip(jnp.asarray(V.array("cos", cos)), -1.0, 1.0)
    theta = jnp.arccos(cos)
    return (jnp.sin(theta) + 2 * (jnp.pi - theta) * cos) / jnp.pi


# ---------------------------------------------------------------------------
# Dot-product kernels on the sphere (lecture L4)
#
# A kernel kappa(<x, x'>) on the unit sphere S^{d-1} commutes with rotations,
# so it acts on the spherical harmonics of each degree k as one number mu_k.
# Taking the zonal harmonic P_k(<x, .>) as test function and evaluating at x:
#   mu_k = c_d * int_{-1}^{1} kappa(t) P_k(t) (1 - t^2)^{(d-3)/2} dt,
#   c_d = |S^{d-2}| / |S^{d-1}| = Gamma(d/2) / (sqrt(pi) Gamma((d-1)/2)),
# the eigenvalue for the uniform *probability* measure (what K / n estimates);
# multiply by |S^{d-1}| for the surface measure. With t = cos(theta) the weight
# becomes sin(theta)^{d-2} d theta, and a kink of kappa at t = +-1 (a square
# root in t, as for the ReLU kernels) becomes a smooth end point in theta, so
# Gauss-Legendre in theta converges fast where Gauss-Jacobi in t does not.
# ---------------------------------------------------------------------------
def harmonic_multiplicity(d: int, k: int) -> int:
    """Dimension ``N(d, k)`` of the spherical harmonics of degree ``k`` on ``S^{d-1}``.

    ``N(d, 0) = 1`` and ``N(d, k) = (2k + d - 2) / k * C(k + d - 3, d - 2)`` for
    ``k >= 1``: the homogeneous polynomials of degree ``k`` in ``d`` variables
    minus those of degree ``k - 2`` (multiplied by ``|x|^2``).

    >>> [harmonic_multiplicity(2, k) for k in range(4)], harmonic_multiplicity(3, 5)
    ([1, 2, 2, 2], 11)
    """
    d = V.positive_int("d", d, minimum=2)
    k = V.positive_int("k", k, minimum=0)
    if k == 0:
        return 1
    return math.comb(k + d - 1, d - 1) - math.comb(k + d - 3, d - 1)


def sphere_legendre(kmax: int, d: int, t):
    """Legendre (Gegenbauer) polynomials of ``S^{d-1}``, normalized to ``P_k(1) = 1``.

    Three-term recurrence ``(k + d - 2) P_{k+1} = (2k + d - 2) t P_k - k P_{k-1}``
    (Chebyshev ``T_k`` for ``d = 2``, Legendre for ``d = 3``).

    Args:
      kmax: largest degree, ``>= 0``.
      d: ambient dimension, ``>= 2``.
      t: points in ``[-1, 1]``, shape ``(m,)``.

    Returns:
      float64 array ``(kmax + 1, m)``, row ``k`` is ``P_k(t)``.

    >>> sphere_legendre(2, 3, [0.5]).round(3).tolist()   # 1, t, (3 t^2 - 1) / 2
    [[1.0], [0.5], [-0.125]]
    """
    kmax = V.positive_int("kmax", kmax, minimum=0)
    d = V.positive_int("d", d, minimum=2)
    t = np.asarray(V.array("t", t, ndim=1), np.float64)
    if np.any(np.abs(t) > 1):
        raise ValueError("t must lie in [-1, 1]")
    p = np.empty((kmax + 1, t.size))
    p[0] = 1.0
    if kmax >= 1:
        p[1] = t
    for k in range(1, kmax):
        p[k + 1] = ((2 * k + d - 2) * t * p[k] - k * p[k - 1]) / (k + d - 2)
    return p


def funk_hecke_eigenvalues(kappa: Callable, d: int, kmax: int, *, nodes: int | None = None):
    """Eigenvalues of a dot-product kernel ``kappa(<x, x'>)`` on the unit sphere ``S^{d-1}``.

    ``mu_k = c_d * int_{-1}^{1} kappa(t) P_k(t) (1 - t^2)^{(d-3)/2} dt`` with
    ``c_d = |S^{d-2}| / |S^{d-1}|`` and ``P_k`` from :func:`sphere_legendre`
    (the Funk-Hecke formula): the eigenvalue of the integral operator with
    respect to the uniform probability measure on the sphere, shared by the
    :func:`harmonic_multiplicity` ``N(d, k)`` harmonics of degree ``k``
    (multiply by ``|S^{d-1}|`` for the surface measure). Gauss-Legendre
    quadrature in the angle ``t = cos(theta)``.

    Args:
      kappa: callable taking a float64 array of ``t`` in ``[-1, 1]``, shape
        ``(m,)``, and returning the kernel values, shape ``(m,)``.
      d: ambient dimension, ``>= 2``.
      kmax: largest degree, ``>= 0``.
      nodes: quadrature nodes, ``> kmax`` (default ``max(400, 4 * kmax)``).

    Returns:
      float64 numpy array ``(kmax + 1,)``.

    >>> mu = funk_hecke_eigenvalues(lambda t: t ** 2, d=3, kmax=3)  # t^2 = 1/3 + (2/3) P_2
    >>> (np.round(mu * [1, 3, 5, 7], 6) + 0.0).tolist()                # N(3, k) mu_k
    [0.333333, 0.0, 0.666667, 0.0]
    """
    if not callable(kappa):
        raise TypeError(f"kappa must be callable, got {type(kappa).__name__}")
    d = V.positive_int("d", d, minimum=2)
    kmax = V.positive_int("kmax", kmax, minimum=0)
    nodes = max(400, 4 * kmax) if nodes is None else V.positive_int("nodes", nodes,
                                                                     minimum=kmax + 1)
    z, w = scipy.special.roots_legendre(nodes)
    theta = (z + 1) * (np.pi / 2)
    t = np.cos(theta)
    values = np.asarray(V.array("kappa(t)", kappa(t)), np.float64)
    if values.shape != t.shape:
        raise ValueError(f"kappa must map t of shape {t.shape} to the same shape, got "
                         f"{values.shape}")
    log_c = math.lgamma(d / 2) - math.lgamma((d - 1) / 2) - 0.5 * math.log(math.pi)
    weights = w * (np.pi / 2) * np.sin(theta) ** (d - 2) * math.exp(log_c)
    return sphere_legendre(kmax, d, t) @ (values * weights)


# ---------------------------------------------------------------------------
# Blocked, sharded evaluation
# ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=16)
def _compiled_blockwise(fn, n_devices: int, n1: int, block_size: int, n_blocks: int,
                        with_rows: bool = False):
    devices = np.array(jax.devices()[:n_devices])
    mesh = Mesh(devices, ("rows",))

    def call(block, rows, x2):
        return fn(block, x2, rows) if with_rows else fn(block, x2)

    def local(blocks, rows, x2):
        if blocks.shape[0] == 1:  # one block per device: no loop, XLA fuses freely
            return jax.tree_util.tree_map(lambda a: a[None], call(blocks[0], rows[0], x2))
        return jax.lax.map(lambda br: call(br[0], br[1], x2), (blocks, rows))

    sharded = jax.shard_map(local, mesh=mesh,
                            in_specs=(PartitionSpec("rows"), PartitionSpec("rows"), PartitionSpec()),
                            out_specs=PartitionSpec("rows"), check_vma=False)

    def run(x1, x2):
        # Padding, blocking and un-blocking happen inside the compiled program,
        # so they cost no extra copies of the (n1, n2) result.
        pad = n_blocks * block_size - n1
        if pad:
            # copies of the last row keep every block's arithmetic finite
            x1 = jnp.concatenate([x1, jnp.repeat(x1[-1:], pad, axis=0)])
        blocks = x1.reshape((n_blocks, block_size) + tuple(x1.shape[1:]))
        rows = jnp.arange(n_blocks * block_size).reshape(n_blocks, block_size)
        out = sharded(blocks, rows, x2)
        return jax.tree_util.tree_map(
            lambda a: a.reshape((n_blocks * block_size,) + a.shape[2:])[:n1], out)

    return jax.jit(run)


def blockwise(fn: Callable, x1, x2, *, block_size: int = 512, n_devices: int | None = None,
              with_rows: bool = False):
    """Evaluate ``fn(x1_block, x2)`` on row blocks of ``x1``, spread over devices.

    ``fn`` maps ``(b, d...)`` and ``(n2, d...)`` to a pytree of arrays with
    leading shape ``(b, n2)``. The rows of ``x1`` are padded to a whole number
    of blocks per device, and every device runs the same per-block program on
    blocks of the same shape: the result does not depend on the number of
    devices, bit for bit. ``fn`` should be hashable (a module-level function or
    a frozen dataclass) so that its compiled program is reused across calls.
    With ``with_rows=True`` it is called as ``fn(x1_block, x2, rows)``, where
    ``rows`` (shape ``(b,)``) holds the indices of the block's rows in ``x1``
    (padding rows get indices ``>= n1``): :func:`fc_kernels` uses them to find
    the diagonal of ``K(x, x)``.

    Returns the pytree with leading shape ``(n1, n2)``.

    >>> out = blockwise(lambda a, b: a @ b.T, jnp.ones((5, 2)), jnp.ones((3, 2)), block_size=2)
    >>> out.shape
    (5, 3)
    """
    block_size = V.positive_int("block_size", block_size)
    n_devices = len(jax.devices()) if n_devices is None else V.positive_int("n_devices", n_devices)
    if n_devices > len(jax.devices()):
        raise ValueError(f"n_devices={n_devices} but JAX sees {len(jax.devices())} devices")
    n1 = x1.shape[0]
    if n1 == 0:
        raise ValueError("x1 must have at least one row")
    block_size = min(block_size, math.ceil(n1 / n_devices))
    n_blocks = math.ceil(math.ceil(n1 / block_size) / n_devices) * n_devices
    return _compiled_blockwise(fn, n_devices, n1, block_size, n_blocks, bool(with_rows))(x1, x2)


# ---------------------------------------------------------------------------
# Empirical NTK of any stax network
# ---------------------------------------------------------------------------
_IMPLEMENTATIONS = {"jacobian": 1, "ntvp": 2}


@functools.lru_cache(maxsize=16)
def _empirical_block_fn(apply_fn, implementation):
    from ._compat import nt

    kernel = nt.empirical_ntk_fn(apply_fn, trace_axes=(-1,), vmap_axes=0,
                                 implementation=implementation)

    @dataclasses.dataclass(frozen=True)
    class _Block:
        def __call__(self, block, rest):
            x2, params = rest
            return kernel(block, x2, params)

    return _Block()


def empirical_ntk(apply_fn: Callable, params, x1, x2=None, *, implementation: str = "jacobian",
                  block_size: int = 256):
    """Finite-width NTK ``J(x1) J(x2)^T`` of a network, traced over its outputs.

    Args:
      apply_fn: ``apply_fn(params, x)`` of a ``stax`` (or any JAX) network.
      params: its parameters.
      x1: inputs, shape ``(n1, ...)``.
      x2: inputs, shape ``(n2, ...)``; ``None`` means ``x1``.
      implementation: ``"jacobian"`` (contract Jacobians) or ``"ntvp"``
        (NTK-vector products; less memory for wide nets).
      block_size: rows of ``x1`` per block.

    Returns:
      ``(n1, n2)`` array: the sum over parameters of products of output
      derivatives, averaged over the output units.

    >>> from ntk_course import nets
    >>> net = nets.mlp(depth=1, width=8)
    >>> params = net.init(0, (3,))
    >>> empirical_ntk(net.apply_fn, params, jnp.ones((2, 3))).shape
    (2, 2)
    """
    V.choice("implementation", implementation, _IMPLEMENTATIONS)
    if not callable(apply_fn):
        raise TypeError(f"apply_fn must be callable, got {type(apply_fn).__name__}")
    x1 = jnp.asarray(V.array("x1", x1))
    x2 = x1 if x2 is None else jnp.asarray(V.array("x2", x2))
    if x1.ndim < 2:
        raise ValueError(f"x1 must have rank >= 2 (a batch of inputs), got shape {x1.shape}")
    V.same_features("x1", x1, "x2", x2)
    V.output_shape(apply_fn, params, x1[:1], name="x1")    # a readable error for a wrong width
    block_fn = _empirical_block_fn(apply_fn, _IMPLEMENTATIONS[implementation])
    return blockwise(block_fn, x1, (x2, params), block_size=block_size)


@compiled_when_eager(static_argnames="apply_fn")
def ntk_matrix(apply_fn: Callable, params, x, weights=None):
    """Empirical NTK ``(n, n)`` averaged over output units, differentiable in ``params``.

    The same quantity as :func:`empirical_ntk`, written with ``jax.jacrev`` so
    that it can sit inside a loss or a compiled step (no validation, no blocks).
    With ``weights`` (a pytree like ``params``) each parameter's contribution
    ``J_p J_p^T`` is multiplied by its weight: with a 0/1 mask this is the
    kernel of the surviving parameters only.

    >>> f = lambda p, x: x @ p["w"]
    >>> ntk_matrix(f, {"w": jnp.ones((2, 1))}, jnp.eye(2)).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    jac = jax.jacrev(lambda p: apply_fn(p, x))(params)   # leaves: (n, out, *shape)

    def contract(j, w):
        j = j.reshape(j.shape[0], j.shape[1], -1)
        w = jnp.ones(j.shape[-1]) if w is None else jnp.ravel(w)
        return jnp.einsum("aop,bop,p->ab", j, j, w)

    out_dim = apply_fn(params, x[:1]).shape[-1]
    ws = ([None] * len(jax.tree_util.tree_leaves(params)) if weights is None
          else jax.tree_util.tree_leaves(weights))
    return sum(contract(j, w) for j, w in zip(jax.tree_util.tree_leaves(jac), ws)) / out_dim


# ---------------------------------------------------------------------------
# Predictors
# ---------------------------------------------------------------------------
def _check_regression(k_train, y_train, k_test_train):
    k_train = jnp.asarray(V.array("k_train", k_train, ndim=2))
    if k_train.shape[0] != k_train.shape[1]:
        raise ValueError(f"k_train must be square, got shape {k_train.shape}")
    y_train = jnp.asarray(V.array("y_train", y_train, ndim=(1, 2)))
    V.same_length("k_train", k_train, "y_train", y_train)
    if k_test_train is None:
        return k_train, y_train, k_train
    k_test_train = jnp.asarray(V.array("k_test_train", k_test_train, ndim=2))
    if k_test_train.shape[1] != k_train.shape[0]:
        raise ValueError("k_test_train must have one column per training point: shape "
                         f"{k_test_train.shape} against {k_train.shape[0]} training points")
    return k_train, y_train, k_test_train


def kernel_regression(k_train, y_train, k_test_train=None, *, ridge: float = 0.0,
                      ridge_mode: str = "absolute"):
    """Kernel (ridge) regression: ``K(x, X) (K(X, X) + ridge I)^{-1} Y``.

    With ``ridge=0`` this is the ridgeless interpolant, the limit of
    gradient-flow training of a wide network from zero output.

    Args:
      k_train: ``(n, n)`` kernel between training points.
      y_train: ``(n,)`` or ``(n, k)`` targets.
      k_test_train: ``(m, n)`` kernel between test and training points;
        ``None`` predicts on the training points.
      ridge: non-negative regularization added to the diagonal.
      ridge_mode: ``"absolute"`` (``ridge * I``) or ``"relative"``
        (``ridge * tr(K)/n * I``).

    Returns:
      predictions of shape ``(m,)`` or ``(m, k)``.

    >>> k = jnp.array([[2.0, 1.0], [1.0, 2.0]])
    >>> kernel_regression(k, jnp.array([1.0, -1.0])).round(5).tolist()
    [1.0, -1.0]

    A singular ``k_train`` with ``ridge=0`` raises ``ValueError`` ("add ridge").
    """
    ridge = V.real("ridge", ridge, minimum=0.0)
    V.choice("ridge_mode", ridge_mode, RIDGE_MODES)
    k_train, y_train, k_test_train = _check_regression(k_train, y_train, k_test_train)
    ridge = _ridge_value(k_train, ridge, ridge_mode)
    return k_test_train @ _checked_coefficients("k_train", k_train, y_train, ridge)


def _checked_coefficients(name, k_train, y_train, ridge):
    """:func:`ridge_coefficients`, raising ``ValueError`` when the solve breaks down.

    A singular ``k_train`` (duplicate rows, ``ridge = 0``) gives NaN or infinite
    coefficients; this says so, naming ``name``, instead of returning them.
    """
    alpha = ridge_coefficients(k_train, y_train, ridge)
    if not V.is_tracer(alpha) and not bool(jnp.all(jnp.isfinite(alpha))):
        raise ValueError(f"{name} is singular (the solve gives NaN or inf, for instance with "
                         f"duplicate points); add ridge: pass ridge > 0 (got ridge={ridge})")
    return alpha


@compiled_when_eager   # eagerly, the identity, the sum and the solve compiled one by one
def ridge_coefficients(k_train, y_train, ridge):
    """``(K + ridge I)^{-1} Y``: the dual coefficients of kernel ridge regression.

    No validation, so it can be traced and differentiated (KIP backpropagates
    through it); :func:`kernel_regression` is the checked entry point.
    Shapes: ``k_train (n, n)``, ``y_train (n,)`` or ``(n, k)``.

    >>> ridge_coefficients(2 * jnp.eye(2), jnp.ones(2), 2.0).tolist()
    [0.25, 0.25]
    """
    n = k_train.shape[0]
    return jnp.linalg.solve(k_train + ridge * jnp.eye(n, dtype=k_train.dtype), y_train)


def eigh_descending(k):
    """Eigenvalues (descending) and eigenvectors (columns) of a symmetric matrix.

    >>> vals, vecs = eigh_descending(jnp.diag(jnp.array([1.0, 3.0])))
    >>> vals.tolist()
    [3.0, 1.0]
    """
    k = jnp.asarray(V.array("k", k, ndim=2))
    if k.shape[0] != k.shape[1]:
        raise ValueError(f"k must be square, got shape {k.shape}")
    vals, vecs = jnp.linalg.eigh((k + k.T) / 2)
    return vals[::-1], vecs[:, ::-1]


def gd_dynamics(k_train, y_train, times, *, learning_rate: float = 1.0, k_test_train=None,
                discrete: bool = False):
    """Outputs of a linearized network trained on the square loss, from zero output.

    The loss is ``sum_i (f(x_i) - y_i)^2 / 2``. Gradient flow gives, on the
    training points, ``f_t = (I - exp(-eta K t)) Y``; discrete gradient descent
    gives ``(I - (I - eta K)^t) Y``. On test points the kernel carries the same
    residual: ``f_t(x) = K(x, X) K^{-1} f_t(X)``.

    Args:
      k_train: ``(n, n)`` NTK on the training points.
      y_train: ``(n,)`` or ``(n, k)`` targets.
      times: ``(T,)`` times (continuous) or step counts (discrete).
      learning_rate: ``eta``.
      k_test_train: ``(m, n)`` or ``None`` for predictions on the training set.
      discrete: use discrete steps instead of the flow.

    Returns:
      ``(T, m)`` or ``(T, m, k)`` predictions.

    >>> k = jnp.eye(2)
    >>> gd_dynamics(k, jnp.ones(2), jnp.array([0.0, 1e6]))[:, 0].round(4).tolist()
    [0.0, 1.0]
    """
    learning_rate = V.real("learning_rate", learning_rate, minimum=0.0, strict=True)
    k_train, y_train, k_test_train = _check_regression(k_train, y_train, k_test_train)
    times = jnp.atleast_1d(jnp.asarray(V.array("times", times, ndim=(0, 1))))
    vals, vecs = jnp.linalg.eigh((k_train + k_train.T) / 2)
    coeffs = vecs.T @ y_train  # label coordinates in the kernel eigenbasis
    if discrete:
        decay = (1 - learning_rate * vals)[None, :] ** times[:, None]
    else:
        decay = jnp.exp(-learning_rate * vals[None, :] * times[:, None])
    fitted = 1 - decay  # fraction of each eigen-component already fitted, (T, n)
    # Map to test points: K(x, X) V diag(1/lambda) (fitted * coeffs).
    test_basis = k_test_train @ vecs / vals[None, :]
    if y_train.ndim == 1:
        return (fitted * coeffs[None, :]) @ test_basis.T
    return jnp.einsum("tn,nk,mn->tmk", fitted, coeffs, test_basis)


# ---------------------------------------------------------------------------
# Kernel dynamics (lecture L11): how a finite network's tangent kernel moves
# during training. Distance and rotation between two kernel matrices, relative
# change of norm, concentration of the spectrum, alignment with the labels.
# ---------------------------------------------------------------------------


def _square(name, k):
    k = jnp.asarray(V.array(name, k, ndim=2))
    if k.shape[0] != k.shape[1]:
        raise ValueError(f"{name} must be square, got shape {k.shape}")
    return k


def _frob_cosine(k1, k2):
    inner = jnp.sum(k1 * k2)
    return inner / (jnp.linalg.norm(k1) * jnp.linalg.norm(k2))


def kernel_distance(k1, k2):
    """``1 - <K1, K2>_F / (||K1||_F ||K2||_F)``: one minus the cosine of two kernels.

    The Frobenius inner product ``<A, B>_F = tr(A B^T)`` turns matrices into
    vectors; the distance is one minus the cosine of the angle between them.
    It is 0 for kernels that differ by a positive factor, invariant to
    rescaling either kernel, and at most 1 for positive semi-definite kernels
    (their Frobenius inner product is non-negative).

    Args:
      k1, k2: ``(n, n)`` kernel matrices on the same points.

    Returns:
      a scalar in ``[0, 2]`` (``[0, 1]`` for PSD kernels).

    >>> round(float(kernel_distance(jnp.eye(2), 3 * jnp.eye(2))), 6)
    0.0
    >>> round(float(kernel_distance(jnp.eye(2), jnp.ones((2, 2)))), 4)
    0.2929
    """
    k1, k2 = _square("k1", k1), _square("k2", k2)
    if k1.shape != k2.shape:
        raise ValueError(f"k1 and k2 must have the same shape, got {k1.shape} and {k2.shape}")
    for name, k in (("k1", k1), ("k2", k2)):
        if float(jnp.linalg.norm(k)) == 0.0:
            raise ValueError(f"{name} must not be the zero matrix")
    # round-off can push the cosine a hair outside [-1, 1]
    return 1.0 - jnp.clip(_frob_cosine(k1, k2), -1.0, 1.0)


def kernel_polar(k, k0):
    """Polar coordinates of a kernel ``K`` around the initial kernel ``K0``.

    Returns ``(relative change, angle)``: ``||K - K0||_F / ||K0||_F`` and the
    angle ``arccos(1 - d(K, K0))`` in radians between the two matrices seen as
    vectors (``d`` is :func:`kernel_distance`). A kernel that only grows or
    shrinks has angle 0; a kernel that only rotates keeps its norm.

    >>> r, a = kernel_polar(2 * jnp.eye(2), jnp.eye(2))
    >>> round(float(r), 4), round(float(a), 4)
    (1.0, 0.0)
    """
    d = kernel_distance(k, k0)
    k, k0 = jnp.asarray(k), jnp.asarray(k0)
    rel = jnp.linalg.norm(k - k0) / jnp.linalg.norm(k0)
    return rel, jnp.arccos(jnp.clip(1.0 - d, -1.0, 1.0))


def _psd_spectrum(k):
    """Descending eigenvalues with round-off negatives set to 0, and their sum."""
    vals = jnp.clip(jnp.linalg.eigvalsh((k + k.T) / 2)[::-1], 0.0, None)
    total = jnp.sum(vals)
    if float(total) <= 0.0:
        raise ValueError("k must have a positive trace")
    return vals, total


def effective_rank(k):
    """Entropy effective rank ``exp(-sum_i p_i log p_i)``, ``p_i = lambda_i / sum_j lambda_j``.

    It equals ``r`` for a PSD kernel with ``r`` equal non-zero eigenvalues and
    falls towards 1 as the spectrum concentrates on its top eigenvalue
    (negative eigenvalues from round-off are set to zero).

    >>> round(float(effective_rank(jnp.diag(jnp.array([1.0, 1.0, 0.0])))), 4)
    2.0
    """
    vals, total = _psd_spectrum(_square("k", k))
    p = vals / total
    ent = -jnp.sum(jnp.where(p > 0, p * jnp.log(jnp.where(p > 0, p, 1.0)), 0.0))
    return jnp.exp(ent)


def top_eigen_fraction(k, m: int = 1):
    """Fraction of the trace carried by the ``m`` largest eigenvalues of a PSD kernel.

    >>> float(top_eigen_fraction(jnp.diag(jnp.array([3.0, 1.0])), 1))
    0.75
    """
    k = _square("k", k)
    m = V.positive_int("m", m)
    if m > k.shape[0]:
        raise ValueError(f"m must be <= the kernel size {k.shape[0]}, got {m}")
    vals, total = _psd_spectrum(k)
    return jnp.sum(vals[:m]) / total


def kernel_alignment(k, y):
    """Kernel-label alignment ``<K, Y Y^T>_F / (||K||_F ||Y Y^T||_F)``.

    ``y`` is ``(n,)`` (for instance labels in ``{-1, +1}``) or ``(n, c)`` (one-hot
    or centered one-hot). For ``y`` a vector this is
    ``y^T K y / (||K||_F ||y||^2)``: 1 when ``K`` is a positive multiple of
    ``y y^T``, the kernel that only sees the labels.

    >>> y = jnp.array([1.0, -1.0])
    >>> float(kernel_alignment(jnp.outer(y, y), y))
    1.0
    """
    k = _square("k", k)
    y = jnp.asarray(V.array("y", y, ndim=(1, 2)))
    V.same_length("k", k, "y", y)
    yy = jnp.outer(y, y) if y.ndim == 1 else y @ y.T
    if float(jnp.linalg.norm(yy)) == 0.0:
        raise ValueError("y must not be zero")
    if float(jnp.linalg.norm(k)) == 0.0:
        raise ValueError("k must not be the zero matrix")
    return _frob_cosine(k, yy)


# ---------------------------------------------------------------------------
# Kernel ridge regression from a support set, with neural-tangents' kernels
# ---------------------------------------------------------------------------
RIDGE_MODES = ("absolute", "relative")


def _ridge_value(k, ridge, ridge_mode):
    if ridge_mode == "absolute":
        return ridge
    return ridge * jnp.trace(k) / k.shape[0]


@dataclasses.dataclass(frozen=True)
class _StaxKernel:
    """A hashable wrapper of a ``stax`` kernel function acting on flat inputs."""

    name: str
    shape: tuple[int, ...] | None
    layers: tuple

    @functools.cached_property
    def _kernel_fn(self):
        from ._compat import stax

        return stax.serial(*self.layers)[2]

    def _ntk(self, x1, x2):
        if self.shape is not None:
            x1 = x1.reshape((x1.shape[0],) + self.shape)
            x2 = x2.reshape((x2.shape[0],) + self.shape)
        return self._kernel_fn(x1, x2, "ntk")

    @functools.cached_property
    def _compiled_ntk(self):
        return compiled_when_eager(self._ntk)   # eager calls: one program per shape

    def __call__(self, x1, x2):
        return self._compiled_ntk(x1, x2)

    def __hash__(self):
        return hash((self.name, self.shape))

    def __eq__(self, other):
        return isinstance(other, _StaxKernel) and (self.name, self.shape) == (other.name,
                                                                                other.shape)


def fc_ntk(*, depth: int = 1, W_std: float = 2 ** 0.5, b_std: float = 0.1) -> Callable:
    """NTK of a ReLU fully-connected network with ``depth`` hidden layers (neural-tangents).

    Returns ``kernel(x1, x2)`` mapping ``(n1, d)`` and ``(n2, d)`` to ``(n1, n2)``.

    >>> k = fc_ntk(depth=2)
    >>> k(jnp.ones((3, 5)), jnp.ones((2, 5))).shape
    (3, 2)
    """
    from ._compat import stax

    depth = V.positive_int("depth", depth)
    W_std = V.real("W_std", W_std, minimum=0.0, strict=True)
    b_std = V.real("b_std", b_std, minimum=0.0)
    layers = []
    for _ in range(depth):
        layers += [stax.Dense(512, W_std=W_std, b_std=b_std), stax.Relu()]
    layers.append(stax.Dense(1, W_std=W_std, b_std=b_std))
    return _StaxKernel(f"fc(depth={depth},W={W_std},b={b_std})", None, tuple(layers))


def conv_ntk(shape, *, depth: int = 2, filter_size: int = 3, W_std: float = 2 ** 0.5,
             b_std: float = 0.1) -> Callable:
    """NTK of a ReLU convolutional network (``SAME`` padding, then a dense readout).

    ``shape`` is the shape of one input without batch: ``(H, W, C)`` for images or
    ``(L, C)`` for 1-D signals. The kernel takes *flattened* inputs ``(n, prod(shape))``.

    >>> k = conv_ntk((4, 4, 1), depth=1)
    >>> k(jnp.ones((2, 16)), jnp.ones((3, 16))).shape
    (2, 3)
    """
    from ._compat import stax

    shape = tuple(int(s) for s in shape)
    if len(shape) not in (2, 3) or min(shape) < 1:
        raise ValueError(f"shape must be (H, W, C) or (L, C) with positive sizes, got {shape}")
    depth = V.positive_int("depth", depth)
    filter_size = V.positive_int("filter_size", filter_size)
    W_std = V.real("W_std", W_std, minimum=0.0, strict=True)
    b_std = V.real("b_std", b_std, minimum=0.0)
    window = (filter_size,) * (len(shape) - 1)
    layers = []
    for _ in range(depth):
        layers += [stax.Conv(64, window, padding="SAME", W_std=W_std, b_std=b_std), stax.Relu()]
    layers += [stax.Flatten(), stax.Dense(1, W_std=W_std, b_std=b_std)]
    return _StaxKernel(f"conv(depth={depth},f={filter_size},W={W_std},b={b_std})", shape,
                       tuple(layers))


def support_coefficients(kernel, x_support, y_support, ridge, ridge_mode: str = "relative"):
    """Traceable dual coefficients ``(K_ss + r I)^{-1} Y_s`` (no validation).

    ``r`` is ``ridge * tr(K_ss)/n`` (``ridge_mode="relative"``, the default) or
    ``ridge`` (``"absolute"``). Predictions at ``x`` are
    ``kernel(x, x_support) @ coefficients``: compute them once and reuse them
    for many queries (inside an attack, for instance).
    """
    k_ss = kernel(x_support, x_support)
    return ridge_coefficients(k_ss, y_support, _ridge_value(k_ss, ridge, ridge_mode))


def krr_from_support(kernel, x_support, y_support, x_query, ridge, ridge_mode: str = "relative"):
    """Traceable kernel ridge regression (no validation): ``(m, k)`` predictions."""
    return kernel(x_query, x_support) @ support_coefficients(kernel, x_support, y_support, ridge,
                                                             ridge_mode)


def _check_support(x, y, xq=None, name_q=None):
    x = jnp.asarray(V.array("x_support", x, ndim=2))
    y = jnp.asarray(V.array("y_support", y, ndim=2))
    V.same_length("x_support", x, "y_support", y)
    if xq is None:
        return x, y
    xq = jnp.asarray(V.array(name_q, xq, ndim=2))
    V.same_features("x_support", x, name_q, xq)
    return x, y, xq


def krr_predict(kernel: Callable, x_support, y_support, x_query, *, ridge: float = 1e-6,
                ridge_mode: str = "relative"):
    """Kernel ridge regression ``K(x, X_s) (K(X_s, X_s) + r I)^{-1} Y_s``.

    Args:
      kernel: ``kernel(x1, x2) -> (n1, n2)``.
      x_support: ``(n_s, d)``; y_support: ``(n_s, k)``; x_query: ``(m, d)``.
      ridge: ``>= 0``; ``r = ridge * tr(K)/n_s`` (``ridge_mode="relative"``,
        the default) or ``r = ridge`` (``"absolute"``).

    Returns ``(m, k)`` predictions. A singular support kernel (duplicate rows
    at ``ridge = 0``) raises ``ValueError`` ("add ridge").

    >>> k = fc_ntk(depth=1); x = jnp.eye(3); y = jnp.eye(3)
    >>> bool(jnp.allclose(krr_predict(k, x, y, x, ridge=0.0), y, atol=1e-4))
    True
    """
    if not callable(kernel):
        raise TypeError(f"kernel must be callable, got {type(kernel).__name__}")
    ridge = V.real("ridge", ridge, minimum=0.0)
    V.choice("ridge_mode", ridge_mode, RIDGE_MODES)
    x_support, y_support, x_query = _check_support(x_support, y_support, x_query, "x_query")
    k_ss = kernel(x_support, x_support)
    alpha = _checked_coefficients("the support kernel K(x_support, x_support)", k_ss, y_support,
                                  _ridge_value(k_ss, ridge, ridge_mode))
    return kernel(x_query, x_support) @ alpha
