"""Problem set 10 checkers accept right answers and reject wrong ones."""
import jax.numpy as jnp
import numpy as np

from ntk_course import adversarial
from ntk_course.checks import ps10


def test_project_simplex():
    assert ps10.project_simplex(lambda v: np.asarray(adversarial.project_simplex(jnp.asarray(v))))
    # normalizing the positive part is not the projection
    assert not ps10.project_simplex(lambda v: np.maximum(v, 0) / np.maximum(v, 0).sum())


def right_segment(g1, g2):
    d = g1 - g2
    t = np.clip(-(g2 @ d) / (d @ d), 0, 1)
    return t * g1 + (1 - t) * g2


def test_min_norm_segment():
    assert ps10.min_norm_segment(right_segment)
    assert not ps10.min_norm_segment(lambda g1, g2: 0.5 * (g1 + g2))


def right_pgd(grad_fn, x, eps, step, steps):
    xa = x
    for _ in range(steps):
        xa = jnp.clip(jnp.clip(xa + step * jnp.sign(grad_fn(xa)), x - eps, x + eps), 0, 1)
    return xa


def test_pgd():
    assert ps10.pgd_linf(right_pgd)

    def around_current(grad_fn, x, eps, step, steps):   # projecting around x^t, not x^0
        xa = x
        for _ in range(steps):
            new = xa + step * jnp.sign(grad_fn(xa))
            xa = jnp.clip(jnp.clip(new, xa - eps, xa + eps), 0, 1)
        return xa
    assert not ps10.pgd_linf(around_current)


def test_cross_entropy():
    assert ps10.slides_cross_entropy((1.3764, 1.1770))
    assert not ps10.slides_cross_entropy((-np.log(0.26), -np.log(0.49)))
