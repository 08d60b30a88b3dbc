"""Checkers of problem set 5 accept the reference answers and reject wrong ones."""
import jax.numpy as jnp
import numpy as np

from ntk_course import kip
from ntk_course.checks import ps05


def test_krr_predict():
    assert ps05.check_krr_predict(ps05.reference_krr_predict)
    # forgetting the ridge is wrong (the checker uses ridge = 0.1 too)
    assert not ps05.check_krr_predict(lambda k_ts, k_ss, y_s, r: k_ts @ np.linalg.solve(k_ss, y_s))


def test_reference_matches_package():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(12, 4))
    y = rng.normal(size=(12, 2))
    kernel = kip.fc_ntk(depth=1)
    k_ss = np.asarray(kernel(jnp.asarray(x[:4]), jnp.asarray(x[:4])), dtype=float)
    k_ts = np.asarray(kernel(jnp.asarray(x[4:]), jnp.asarray(x[:4])), dtype=float)
    ours = ps05.reference_kip_loss(k_ts, k_ss, y[:4], y[4:], 1e-2)
    pkg = float(kip.kip_loss(kernel, jnp.asarray(x[:4]), jnp.asarray(y[:4]), jnp.asarray(x[4:]),
                             jnp.asarray(y[4:]), ridge=1e-2))
    assert np.isclose(ours, pkg, rtol=1e-4)


def test_kip_loss():
    assert ps05.check_kip_loss(ps05.reference_kip_loss)
    assert not ps05.check_kip_loss(lambda *a: 2 * ps05.reference_kip_loss(*a))


def test_optimal_labels_are_optimal_and_checked():
    assert ps05.check_optimal_labels(ps05.reference_optimal_labels)
    assert not ps05.check_optimal_labels(lambda k_ts, k_ss, y_t, r: np.zeros((k_ss.shape[0],
                                                                               y_t.shape[1])))
    # the gradient of the loss in Y_s vanishes at the reference labels
    k_ts, k_ss, _, y_t = ps05._cases(6)[1]
    y_best = ps05.reference_optimal_labels(k_ts, k_ss, y_t, 1e-2)
    a = k_ts @ np.linalg.inv(ps05._system(k_ss, 1e-2))
    np.testing.assert_allclose(a.T @ (y_t - a @ y_best), 0, atol=1e-8)


def test_mle_dimension():
    from ntk_course.dataset_stats import mle_intrinsic_dimension

    assert ps05.check_mle_dimension(lambda x, k: mle_intrinsic_dimension(x, k=k))
    # averaging the local estimates instead of their inverses is a different estimator
    def direct_average(x, k):
        d2 = ((x[:, None] - x[None]) ** 2).sum(-1)
        np.fill_diagonal(d2, np.inf)
        t = np.sqrt(np.sort(d2, 1)[:, :k])
        return float(np.mean(1 / np.log(t[:, -1:] / t[:, :-1]).mean(1)))

    assert not ps05.check_mle_dimension(direct_average)
