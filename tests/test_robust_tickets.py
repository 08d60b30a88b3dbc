"""Tests of ntk_course.robust_tickets (mixed tangent kernel, adversarial tickets, sparse AT)."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ntk_course import kernels, nets, pruning
from ntk_course import robust_tickets as R


@pytest.fixture(scope="module")
def small():
    net = nets.mlp(depth=1, width=16, out_dim=3, W_std=np.sqrt(2.0), b_std=0.1)
    p0 = net.init(0, (6,))
    x = jax.random.uniform(jax.random.PRNGKey(1), (12, 6))
    y = jnp.arange(12) % 3
    return net.apply_fn, p0, x, y


def test_mixed_kernel_reduces_to_ntk_and_transposes(small):
    f, p0, x, _ = small
    np.testing.assert_allclose(R.mixed_tangent_kernel(f, p0, x, x), kernels.ntk_matrix(f, p0, x),
                               rtol=1e-5, atol=1e-5)
    x2 = x[::-1] * 0.5
    np.testing.assert_allclose(R.mixed_tangent_kernel(f, p0, x, x2),
                               R.mixed_tangent_kernel(f, p0, x2, x).T, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="x_adv"):
        R.mixed_tangent_kernel(f, p0, x, x[:, :3])
    with pytest.raises(TypeError, match="apply_fn"):
        R.mixed_tangent_kernel(None, p0, x, x)


def test_ticket_objective_without_attack_is_tangent_transfer(small):
    """With eps = 0 the adversarial objective (3.13) is the NTT transfer loss."""
    f, p0, x, y = small
    r = R.adversarial_ticket_mask(f, p0, x, y, density=0.3, eps=0.0, attack_step=0.01, steps=1)
    mag = pruning.magnitude_mask(p0, 0.3)
    expected = pruning.transfer_loss(f, p0, p0, mag, x, gamma=1.0)
    assert r.losses[0] == pytest.approx(float(expected), rel=1e-4)


def test_ticket_mask_density_and_inputs(small):
    f, p0, x, y = small
    r = R.adversarial_ticket_mask(f, p0, x, y, density=0.25, eps=0.1, attack_step=0.05,
                                  attack_steps=2, steps=5, batch_size=6)
    assert pruning.density(r.mask) == pytest.approx(0.25, abs=0.01)
    assert r.losses.shape == (5,) and np.all(np.isfinite(r.losses))
    with pytest.raises(ValueError, match="density"):
        R.adversarial_ticket_mask(f, p0, x, y, density=1.5, eps=0.1, attack_step=0.05)
    with pytest.raises(ValueError, match="y"):
        R.adversarial_ticket_mask(f, p0, x, y[:5], density=0.5, eps=0.1, attack_step=0.05)


def test_masked_adversarial_training_keeps_the_mask_and_gains_robustness(small):
    f, p0, x, y = small
    mask = pruning.magnitude_mask(p0, 0.5)
    trained, losses = R.adversarial_train_masked(f, p0, mask, x, y, eps=0.05, attack_step=0.02,
                                                 attack_steps=3, steps=100, batch_size=12)
    for leaf, m in zip(jax.tree_util.tree_leaves(trained), jax.tree_util.tree_leaves(mask)):
        assert float(jnp.abs(leaf * (1 - m)).max()) == 0.0
    assert losses[-1] < losses[0]
    with pytest.raises(ValueError, match="mask"):
        R.adversarial_train_masked(f, p0, {"w": 1}, x, y, eps=0.1, attack_step=0.1,
                                   attack_steps=1, steps=1, batch_size=2)
