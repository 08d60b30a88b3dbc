"""neural-tangents through the compatibility bridge: every entry point the course uses."""
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ntk_course import _compat, config, kernels, nets
from ntk_course._compat import nt


def test_versions_are_the_tested_ones():
    assert nt.__version__ == _compat.NT_VERSION
    assert jax.__version__ in _compat.TESTED_JAX
    assert _compat.JAX_IS_TESTED


def test_self_check_passes():
    assert _compat.self_check() < 1e-5


def test_experimental_is_a_stub_without_tensorflow():
    assert "tensorflow" not in sys.modules
    assert "TensorFlow" in nt.experimental.__doc__


def test_untested_jax_is_refused_with_a_clear_message(monkeypatch):
    monkeypatch.setattr(jax, "__version__", "0.0.1")
    monkeypatch.delenv("NTK_COURSE_ALLOW_UNTESTED_JAX", raising=False)
    with pytest.raises(_compat.CompatError, match="0.0.1.*NTK_COURSE_ALLOW_UNTESTED_JAX"):
        _compat._check_versions()
    monkeypatch.setenv("NTK_COURSE_ALLOW_UNTESTED_JAX", "1")
    assert _compat._check_versions() is False


def test_colab_never_refuses_its_own_jax(monkeypatch):
    """No advice to downgrade Colab's JAX: there the self-check decides."""
    import types

    monkeypatch.setattr(jax, "__version__", "99.0.0")
    monkeypatch.delenv("NTK_COURSE_ALLOW_UNTESTED_JAX", raising=False)
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    assert _compat._check_versions() is False


def test_untested_jax_runs_the_self_check_in_a_fresh_process():
    code = ("import jax; jax.__version__ = '9.9.9'\n"
            "import os; os.environ['NTK_COURSE_ALLOW_UNTESTED_JAX'] = '1'\n"
            "from ntk_course import _compat; assert not _compat.JAX_IS_TESTED; print('checked')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "checked" in out.stdout


@pytest.fixture
def setup():
    net = nets.mlp(depth=2, width=128, b_std=0.1)
    params = net.init(0, (5,))
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(8, 5)))
    xt = jnp.asarray(rng.normal(size=(3, 5)))
    return net, params, x, xt


def test_kernel_fn_agrees_with_from_scratch(setup):
    net, _, x, xt = setup
    with config.double_precision():
        x64, xt64 = jnp.asarray(np.asarray(x), jnp.float64), jnp.asarray(np.asarray(xt), jnp.float64)
        want = net.kernel_fn(xt64, x64, "ntk")
        got = kernels.fc_kernels(xt64, x64, depth=2, b_std=0.1)[1]
        assert float(jnp.max(jnp.abs(got - want)) / jnp.max(jnp.abs(want))) < 1e-7


def test_empirical_ntk_fn_both_implementations(setup):
    net, params, x, _ = setup
    ref = kernels.empirical_ntk(net.apply_fn, params, x)
    for implementation in (nt.NtkImplementation.JACOBIAN_CONTRACTION,
                           nt.NtkImplementation.NTK_VECTOR_PRODUCTS):
        got = nt.empirical_ntk_fn(net.apply_fn, vmap_axes=0, implementation=implementation)(
            x, None, params)
        assert float(jnp.max(jnp.abs(got - ref))) < 1e-4


def test_predict_gives_kernel_regression(setup):
    net, _, x, xt = setup
    y = jnp.sin(x[:, :1])
    k = net.kernel_fn(x, None, "ntk")
    kt = net.kernel_fn(xt, x, "ntk")
    predict = nt.predict.gradient_descent_mse(k, y)
    got = predict(None, None, 0.0, kt)
    want = kernels.kernel_regression(k, y, kt)
    assert float(jnp.max(jnp.abs(got - want))) < 1e-3


def test_gradients_through_kernel_fn(setup):
    net, _, x, _ = setup

    def total(xs):
        return jnp.sum(net.kernel_fn(xs, None, "ntk"))

    def total_ours(xs):
        return jnp.sum(kernels.FCKernel(2, "relu", (1.0,), 0.1)(xs, xs)[1])

    g = jax.grad(total)(x)
    assert bool(jnp.all(jnp.isfinite(g)))
    eps = 1e-2
    direction = jnp.asarray(np.random.default_rng(3).normal(size=x.shape))
    fd = (total_ours(x + eps * direction) - total_ours(x - eps * direction)) / (2 * eps)
    assert float(jnp.sum(g * direction)) == pytest.approx(float(fd), rel=2e-2)


def test_batch_matches_unbatched_and_from_scratch(setup):
    net, _, x, _ = setup
    with config.double_precision():  # float64: see tests/test_kernels.py::x64
        x = jnp.asarray(np.asarray(x), jnp.float64)
        batched = nt.batch(net.kernel_fn, batch_size=4, store_on_device=True)
        got = batched(x, x, "ntk")
        want = kernels.fc_kernels(x, depth=2, b_std=0.1)[1]
        assert float(jnp.max(jnp.abs(got - want)) / jnp.max(jnp.abs(want))) < 1e-7


def test_linearize_agrees_to_first_order(setup):
    net, params, x, _ = setup
    lin = nets.linearize(net.apply_fn, params)
    small = jax.tree_util.tree_map(lambda p: p + 1e-3, params)
    assert float(jnp.max(jnp.abs(lin(small, x) - net.apply_fn(small, x)))) < 1e-3
    assert float(jnp.max(jnp.abs(lin(params, x) - net.apply_fn(params, x)))) < 1e-6
