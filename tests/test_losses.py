"""Tests of ntk_course.losses: the slides' margin example, KL properties, accuracy."""
import jax.numpy as jnp
import numpy as np
import pytest

from ntk_course import losses


def test_margin_and_cross_entropy_slides_example():
    A = jnp.array([[0.26, 0.24, 0.25, 0.25]])
    B = jnp.array([[0.49, 0.51, 0.0, 0.0]])
    y = jnp.array([0])
    assert float(losses.cross_entropy(A, y)[0]) == pytest.approx(1.38, abs=0.005)
    assert float(losses.cross_entropy(B, y)[0]) == pytest.approx(1.18, abs=0.005)
    assert float(losses.margin(A, y)[0]) < 0 < float(losses.margin(B, y)[0])


def test_kl_divergence_properties():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(50, 4)), rng.normal(size=(50, 4))
    kl = np.asarray(losses.kl_divergence(a, b))
    assert kl.shape == (50,) and kl.min() >= 0
    np.testing.assert_allclose(losses.kl_divergence(a, a), 0.0, atol=1e-6)
    np.testing.assert_allclose(losses.kl_divergence(a, a + 3.0), 0.0, atol=1e-5)  # shift-invariant
    # two classes: KL between Bernoulli(p) and Bernoulli(q)
    p, q = 1 / (1 + np.exp(-1.0)), 1 / (1 + np.exp(0.5))
    want = p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))
    got = float(losses.kl_divergence(jnp.array([[0.0, 1.0]]), jnp.array([[0.0, -0.5]]))[0])
    assert got == pytest.approx(want, rel=1e-5)
