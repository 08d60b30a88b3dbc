"""The shared training loop, and the compile-once guarantee of the package's loops."""
import contextlib
import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import monitoring

from ntk_course import (
    arch_space,
    attacks,
    config,
    danskin,
    kernels,
    kip,
    losses,
    minimax,
    nets,
    ntk_regularizer,
    online,
    pruning,
    robust_tickets,
    robust_training,
    training,
)

# ----------------------------------------------------------------------------- compilation counter
_COMPILES = {"on": False, "n": 0}


def _listener(name, duration, **kwargs):
    if _COMPILES["on"] and name == "/jax/core/compile/backend_compile_duration":
        _COMPILES["n"] += 1


monitoring.register_event_duration_secs_listener(_listener)


@contextlib.contextmanager
def count_compilations():
    """Count XLA compilations (backend compiles) inside the block."""
    _COMPILES["n"] = 0
    _COMPILES["on"] = True
    box = {}
    try:
        yield box
    finally:
        _COMPILES["on"] = False
        box["n"] = _COMPILES["n"]


# ----------------------------------------------------------------------------- run_steps
@dataclasses.dataclass(frozen=True)
class _Decay:
    rate: float

    def __call__(self, state, key):
        return state * self.rate, {"loss": state}


def test_last_partial_chunk_is_masked_not_recompiled():
    full = training.run_steps(_Decay(0.5), jnp.float32(1.0), None, steps=7, record_every=7)
    with count_compilations() as c:
        chunked = training.run_steps(_Decay(0.5), jnp.float32(1.0), None, steps=7,
                                     record_every=3)
    # 7 = 3 + 3 + 1: the same compiled chunk of 3 runs three times
    np.testing.assert_allclose(float(chunked.state), float(full.state))
    assert float(chunked.state) == pytest.approx(0.5 ** 7)
    assert chunked.history["step"].tolist() == [0, 3, 6, 7]
    np.testing.assert_allclose(chunked.history["loss"][1:], [0.5 ** 2, 0.5 ** 5, 0.5 ** 6])
    assert np.isnan(chunked.history["loss"][0])
    with count_compilations() as c2:
        training.run_steps(_Decay(0.5), jnp.float32(2.0), None, steps=5, record_every=3)
    assert c2["n"] == 0, "a second run with the same step function and shapes compiled again"
    assert c["n"] >= 1


def test_keys_do_not_depend_on_the_chunk_length():
    def draw(state, key):
        return state + jax.random.normal(key), {}

    a = training.run_steps(draw, jnp.float32(0.0), jax.random.PRNGKey(0), steps=6,
                           record_every=6)
    b = training.run_steps(draw, jnp.float32(0.0), jax.random.PRNGKey(0), steps=6,
                           record_every=6)
    assert float(a.state) == float(b.state)


def test_non_finite_values_raise_with_the_step_number():
    # the state overflows at step 4; the loss recorded by step 5 (the state it starts
    # from) is the first non-finite metric
    with pytest.raises(FloatingPointError, match="at step 5 of 10"):
        training.run_steps(_Decay(1e10), jnp.float32(1.0), None, steps=10, record_every=3)
    # overflow at the last step of the run: no later metric, the state check finds it
    with pytest.raises(FloatingPointError, match="by step 4 of 4"):
        training.run_steps(_Decay(1e10), jnp.float32(1.0), None, steps=4, record_every=4)

    def no_metrics(state, key):
        return state * 1e10, {}

    with pytest.raises(FloatingPointError, match="at step 4 of 10"):
        training.run_steps(no_metrics, jnp.float32(1.0), None, steps=10, record_every=3)


def test_record_is_called_at_zero_and_after_each_chunk():
    seen = []

    def record(state, t):
        seen.append(t)
        return {"value": float(state)}

    r = training.run_steps(_Decay(0.5), jnp.float32(1.0), None, steps=5, record_every=2,
                           record=record, reduce="mean")
    assert seen == [0, 2, 4, 5]
    np.testing.assert_allclose(r.history["value"], [1.0, 0.25, 0.0625, 0.03125])
    np.testing.assert_allclose(r.history["loss"][1:], [0.75, 0.1875, 0.0625])


def test_run_steps_bad_inputs():
    with pytest.raises(TypeError, match="step must be callable"):
        training.run_steps(3, jnp.float32(1.0), None, steps=1)
    with pytest.raises(ValueError, match="steps"):
        training.run_steps(_Decay(0.5), jnp.float32(1.0), None, steps=0)
    with pytest.raises(TypeError, match="key must be a JAX PRNG key"):
        training.run_steps(_Decay(0.5), jnp.float32(1.0), 0, steps=1)
    with pytest.raises(ValueError, match="reduce"):
        training.run_steps(_Decay(0.5), jnp.float32(1.0), None, steps=1, reduce="max")


# ----------------------------------------------------------------------------- compile once
def _classifier():
    net = nets.mlp(depth=1, width=8, out_dim=3)
    params = net.init(0, (4,))
    x = jax.random.uniform(jax.random.PRNGKey(1), (12, 4))
    y = jnp.arange(12) % 3
    return net, params, x, y


def _calls():
    """Each named public loop, as a zero-argument call with fixed arguments."""
    net, params, x, y = _classifier()
    y1 = jnp.asarray(np.eye(3, dtype=np.float32)[np.asarray(y)])
    stacked = jax.tree_util.tree_map(lambda a: jnp.stack([a, a]), params)
    g = minimax.almost_bilinear(0.1)
    pts = np.random.default_rng(0).normal(size=(5, 2))
    kernel = kernels.fc_ntk(depth=1)
    mask = pruning.random_mask(params, 0.5, seed=0)
    # defined once, its data passed as args: every attack reuses one program
    attack_loss = lambda xa, p, labels: losses.cross_entropy(net.apply_fn(p, xa), labels)
    net1 = nets.mlp(depth=1, width=8)
    params1 = jax.tree_util.tree_map(lambda a: a[None], net1.init(0, (6,)))
    sampler = online.kpattern_sampler(6, 2, 1, [1.0, -1.0, -1.0, 1.0])
    x_k, y_k = sampler(jax.random.PRNGKey(2), 16)
    space = arch_space.Space(np.array([1, 2]), np.array([4, 8]), np.array([0, 1]),
                             np.array([1.0, 2.0]))
    pad = arch_space.padded_mlp(2, 8)
    pad_params = arch_space.init_many(jax.random.split(jax.random.PRNGKey(0), 2), x.shape[1], 3,
                                      2, 8)
    return {
        "nets.train": lambda: nets.train(net.apply_fn, params, x, y1, steps=5,
                                         learning_rate=0.1, record_every=2, x_eval=x),
        "nets.fit": lambda: nets.fit(net.apply_fn, params, x, y1, steps=3),
        "nets.fit_many": lambda: nets.fit_many(net.apply_fn, stacked, jnp.stack([x, x]),
                                               jnp.stack([y1, y1]), steps=3),
        "adversarial_training": lambda: robust_training.adversarial_training(
            net.apply_fn, params, x, y, x, y, method="ddi", n_starts=2, eps=0.05,
            attack_step=0.02, attack_steps=2, steps=3, batch_size=4, learning_rate=0.1,
            record_every=2, eval_steps=2),
        "robust_accuracy": lambda: robust_training.robust_accuracy(
            net.apply_fn, params, x, y, eps=0.05, step=0.02, steps=2, key=jax.random.PRNGKey(0)),
        "robust_accuracy_curve": lambda: robust_training.robust_accuracy_curve(
            net.apply_fn, params, x, y, eps=[0.0, 0.1], steps=2, key=jax.random.PRNGKey(0)),
        "train_regularized": lambda: ntk_regularizer.train_regularized(
            net.apply_fn, params, x, y1, penalty="ntk", strength=0.1, steps=3,
            learning_rate=0.01, sub_batch=4, record_every=2),
        "danskin.train": lambda: danskin.train(
            net.apply_fn, params, x, y, x, y, direction="ddi_per_example", eps=0.05,
            attack_step=0.02, attack_steps=2, n_starts=2, steps=3, batch_size=4,
            learning_rate=0.1, record_every=2, eval_steps=2),
        "kip.kip": lambda: kip.kip(kernel, x[:3], y1[:3], x, y1, steps=3, record_every=2),
        "pruning.train_sparse": lambda: pruning.train_sparse(net.apply_fn, params, mask, x, y,
                                                             steps=3, learning_rate=0.1),
        "robust_tickets.adversarial_train_masked": lambda: robust_tickets.adversarial_train_masked(
            net.apply_fn, params, mask, x, y, eps=0.05, attack_step=0.02, attack_steps=2, steps=3,
            batch_size=4),
        "kip.one_step_distill": lambda: kip.one_step_distill(net, x, y, x, y, steps=3,
                                                             batch_size=4, n_inits=2),
        "arch_space.train_all": lambda: arch_space.train_all(
            pad, pad_params, space, x, y, steps=3, learning_rate=1e-2),
        "attacks.pgd (module-level loss, args)": lambda: attacks.pgd(
            attack_loss, x, eps=0.05, step=0.02, steps=2, key=jax.random.PRNGKey(0),
            args=(params, y)),
        "online.online_sgd": lambda: online.online_sgd(
            net1.apply_fn, params1, sampler, x_k, y_k, learning_rates=[0.1, 0.2], steps=4,
            batch_size=4, eval_every=2),
        "nets.gd_trajectory": lambda: nets.gd_trajectory(net.apply_fn, params, x, y1, x,
                                                         steps=3, learning_rate=0.1),
        "minimax.flow": lambda: minimax.flow(g, [0.5, 0.0], time=1.0, dt=0.1),
        "minimax.flow (batch)": lambda: minimax.flow(g, pts, time=1.0, dt=0.1),
        "minimax.weak_minty_rho": lambda: minimax.weak_minty_rho(g, [0.0, 0.0], pts),
        "minimax.lipschitz_estimate": lambda: minimax.lipschitz_estimate(g, pts),
        "minimax.is_local_nash": lambda: minimax.is_local_nash(g, [0.0, 0.0], n=50),
        "minimax.run": lambda: minimax.run(g, "ppm", np.array([0.5, 0.0]), step=0.1, steps=3),
    }


def test_every_loop_compiles_once():
    """Call each named function twice with identical arguments: the second call
    must not compile anything (no fresh closure is jitted per call)."""
    recompiled = {}
    for name, call in _calls().items():
        call()
        with count_compilations() as c:
            call()
        if c["n"]:
            recompiled[name] = c["n"]
    assert not recompiled, f"compiled again on an identical second call: {recompiled}"


def test_adversarial_training_compiles_one_loop_for_every_radius():
    """The radius is data of the compiled loop: standard training (eps = 0) and PGD
    training at other radii reuse the program of the first run."""
    net = nets.mlp(depth=1, width=8, out_dim=2)
    params = net.init(0, (3,))
    x = jnp.asarray(np.random.default_rng(0).uniform(0, 1, (16, 3)), jnp.float32)
    y = (x[:, 0] > 0.5).astype(jnp.int32)

    def run(eps):
        return robust_training.adversarial_training(
            net.apply_fn, params, x, y, x, y, method="pgd", eps=eps, attack_step=0.02,
            attack_steps=2, steps=4, batch_size=4, learning_rate=0.1, record_every=2,
            eval_steps=2)

    first = run(0.05)
    with count_compilations() as c:
        others = [run(eps) for eps in (0.0, 0.1)]
    assert c["n"] == 0
    # each radius trains on its own attacked batches: the runs are not one run replayed
    for other in others:
        assert any(not np.array_equal(a, b) for a, b in zip(
            jax.tree_util.tree_leaves(first.params), jax.tree_util.tree_leaves(other.params)))


def test_float64_games_compile_separately_and_stay_in_float64():
    g = minimax.bilinear()
    with config.double_precision():
        v = g.field(np.array([1.0, 2.0]))
        traj = minimax.flow(g, [1.0, 0.0], time=np.pi, dt=np.pi / 1000)
    assert v.dtype == np.float64
    assert abs(traj[-1, 0] + 1.0) < 1e-9
