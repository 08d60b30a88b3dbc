import jax.numpy as jnp
import numpy as np
import pytest

from ntk_course import initializations, kernels


@pytest.mark.parametrize("scheme", initializations.INITIALIZATIONS)
def test_two_layer_closed_form_ntk_matches_the_empirical_ntk(scheme):
    params, f = initializations.two_layer_relu(scheme, in_dim=5, width=12, seed=2)
    alpha = initializations.two_layer_scales(scheme, in_dim=5, width=12)[2]
    x = jnp.asarray(np.random.default_rng(3).normal(size=(4, 5)), jnp.float32)
    closed_form = initializations.two_layer_ntk(params, x, x, alpha)
    assert np.allclose(closed_form, kernels.empirical_ntk(f, params, x), rtol=1e-4, atol=1e-5)


def test_initialization_variances_and_the_mean_field_lecun_coincidence():
    params, _ = initializations.two_layer_relu("he", in_dim=50, width=4000, seed=0)
    assert np.isclose(float(jnp.var(params["W"])), 2 / 50, rtol=0.05)
    assert np.isclose(float(jnp.var(params["v"])), 2 / 4000, rtol=0.1)
    # at width = input dimension, LeCun and mean-field give the same function
    x = jnp.asarray(np.random.default_rng(0).normal(size=(3, 16)), jnp.float32)
    pl, fl = initializations.two_layer_relu("lecun", in_dim=16, width=16, seed=1)
    pm, fm = initializations.two_layer_relu("mean_field", in_dim=16, width=16, seed=1)
    assert np.allclose(fl(pl, x), fm(pm, x), rtol=1e-5, atol=1e-6)


def test_two_layer_training_converges_to_interpolation_when_wide():
    params, _ = initializations.two_layer_relu("ntk", in_dim=4, width=256, seed=0)
    x = jnp.asarray(np.random.default_rng(1).normal(size=(6, 4)), jnp.float32)
    y = jnp.asarray(np.random.default_rng(2).normal(size=(6, 1)), jnp.float32)
    lr = 1.0 / float(jnp.linalg.eigvalsh(initializations.two_layer_ntk(params, x, x, 1.0))[-1])
    _, losses = initializations.two_layer_train(params, x, y, alpha=1.0, learning_rate=lr,
                                                steps=500)
    assert losses[-1] < 1e-3 * losses[0]


def test_two_layer_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="scheme"):
        initializations.two_layer_scales("xavier", in_dim=3, width=4)
    with pytest.raises(ValueError, match="width"):
        initializations.two_layer_relu("he", in_dim=3, width=0)
    params, _ = initializations.two_layer_relu("he", in_dim=3, width=4)
    with pytest.raises(ValueError, match="x"):
        initializations.two_layer_train(params, jnp.ones((2, 5)), jnp.ones((2, 1)), alpha=1.0,
                                        learning_rate=0.1, steps=1)
    with pytest.raises(ValueError, match="alpha"):
        initializations.two_layer_train(params, jnp.ones((2, 3)), jnp.ones((2, 1)), alpha=0.0,
                                        learning_rate=0.1, steps=1)
