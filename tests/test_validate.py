"""_validate: the shared argument checks."""
import logging

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ntk_course import _validate as V


@pytest.mark.parametrize("make", [np.asarray, jnp.asarray])
def test_non_finite_values_raise_for_numpy_and_jax_arrays(make):
    assert V.array("x", make([1.0, 2.0])).shape == (2,)
    for bad in (np.nan, np.inf, -np.inf):
        with pytest.raises(ValueError, match="x contains NaN or infinite values"):
            V.array("x", make([1.0, bad]))


def test_a_concrete_jax_array_is_checked_inside_jit():
    captured = jnp.array([1.0, jnp.nan])

    @jax.jit
    def f(y):
        V.array("captured", captured)
        return y

    with pytest.raises(ValueError, match="captured contains NaN"):
        f(1.0)


def test_the_check_of_a_host_jax_array_compiles_nothing():
    x = jnp.arange(7.0).reshape(7, 1)
    x.block_until_ready()
    with jax.log_compiles(True):
        records = []
        handler = logging.Handler()
        handler.emit = records.append
        logger = logging.getLogger("jax")
        logger.addHandler(handler)
        try:
            V.array("x", x)
        finally:
            logger.removeHandler(handler)
    assert not [r for r in records if "Compiling" in r.getMessage()]


def test_batch_size_is_checked_against_the_rows_and_never_capped():
    assert V.batch_size("batch_size", None, 7) == 7
    assert V.batch_size("batch_size", 7, 7) == 7
    with pytest.raises(ValueError, match="batch_size must be <= the number of rows 7"):
        V.batch_size("batch_size", 8, 7)
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        V.batch_size("batch_size", 2.0, 7)
