"""Problem set 3 checkers accept right answers and reject wrong ones."""
import jax
import jax.numpy as jnp
import numpy as np

from ntk_course.checks import ps03


def right_relu(cos):
    theta = np.arccos(np.clip(cos, -1, 1))
    return (np.sin(theta) + 2 * (np.pi - theta) * cos) / np.pi


def test_relu_ntk_sphere():
    assert ps03.relu_ntk_sphere(right_relu)
    assert not ps03.relu_ntk_sphere(lambda c: right_relu(c) / 2)
    assert not ps03.relu_ntk_sphere(lambda c: 1 / 0)


def right_ntk(apply_fn, params, x):
    jac = jax.jacobian(lambda p: apply_fn(p, x)[:, 0])(params)
    flat = jnp.concatenate([j.reshape(x.shape[0], -1) for j in jax.tree_util.tree_leaves(jac)], 1)
    return flat @ flat.T


def test_empirical_ntk():
    assert ps03.empirical_ntk(right_ntk)
    # Forgetting the readout layer's contribution is a classic mistake.
    def last_layer_only(apply_fn, params, x):
        jac = jax.jacobian(lambda p: apply_fn(p, x)[:, 0])(params)
        leaves = jax.tree_util.tree_leaves(jac)
        flat = leaves[0].reshape(x.shape[0], -1)
        return flat @ flat.T
    assert not ps03.empirical_ntk(last_layer_only)


def right_flow(k, y, t, lr):
    vals, vecs = np.linalg.eigh(k)
    return vecs @ ((1 - np.exp(-lr * vals * t)) * (vecs.T @ y))


def test_linearized_flow():
    assert ps03.linearized_flow(right_flow)
    assert not ps03.linearized_flow(lambda k, y, t, lr: right_flow(k, y, 2 * t, lr))


def test_weight_change_exponent():
    assert ps03.weight_change_exponent(-1.0)
    assert not ps03.weight_change_exponent(-0.5)
