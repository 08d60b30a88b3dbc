"""ntk_course._eager: compile eagerly called helpers, draw normals flat; results unchanged."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ntk_course import nets
from ntk_course._eager import compiled_when_eager, flat_normal_draws


def test_compiled_when_eager_compiles_once_per_shape_and_leaves_traces_alone():
    calls = []

    @compiled_when_eager
    def f(x):
        calls.append(type(x))
        return jnp.sin(x) * 2

    x = jnp.linspace(0.0, 1.0, 5)
    np.testing.assert_allclose(f(x), np.sin(np.asarray(x)) * 2, rtol=1e-6)
    f(x + 1.0)
    assert len(calls) == 1            # traced once, then the compiled program is reused
    assert jax.jit(lambda x: f(x) + 1)(x).shape == (5,)
    assert len(calls) == 2            # inside a caller's jit the function is traced inline


@pytest.mark.parametrize("shape", [(7, 5), (64, 10), (13, 17, 3), (1, 1), (0, 4), (9,), ()])
@pytest.mark.parametrize("dtype", [jnp.float32, jnp.bfloat16])
def test_flat_draws_are_bitwise_the_same_numbers(shape, dtype):
    key = jax.random.PRNGKey(11)
    with flat_normal_draws():
        flat = jax.random.normal(key, shape, dtype)
    plain = jax.random.normal(key, shape, dtype)
    assert flat.shape == plain.shape and flat.dtype == plain.dtype
    assert bool((flat == plain).all())


def test_the_original_normal_comes_back_even_after_an_error():
    original = jax.random.normal
    with pytest.raises(RuntimeError), flat_normal_draws():
        assert jax.random.normal is not original
        raise RuntimeError
    assert jax.random.normal is original


@pytest.mark.parametrize("make, x_shape", [
    (lambda: nets.mlp(depth=2, width=24, out_dim=10), (16,)),
    (lambda: nets.conv1d(channels=6, filter_size=3, out_dim=10), (16, 1))])
def test_network_init_gives_the_parameters_of_the_stax_initializer(make, x_shape):
    net = make()
    ours = net.init(3, x_shape)
    _, reference = net.init_fn(jax.random.PRNGKey(3), (-1,) + x_shape)
    for a, b in zip(jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(reference),
                    strict=True):
        assert a.shape == b.shape and bool((a == b).all())


def test_conv_filters_are_the_numbers_of_a_plain_stax_conv():
    from ntk_course._compat import stax
    from ntk_course.nets import _conv

    key = jax.random.PRNGKey(5)
    ours = _conv(4, (3,), padding="SAME", b_std=0.1)[0](key, (-1, 16, 2))[1]
    plain = stax.Conv(4, (3,), padding="SAME", b_std=0.1)[0](key, (-1, 16, 2))[1]
    for a, b in zip(ours, plain, strict=True):
        assert a.shape == b.shape and bool((a == b).all())
