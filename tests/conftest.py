import os

import jax
import pytest

os.environ.setdefault("NTK_COURSE_QUIET", "1")
os.environ.setdefault("NTK_COURSE_SCALE", "quick")
# Tests run in build mode, as under the Makefile: a failing claim raises.
os.environ.setdefault("NTK_COURSE_BUILD", "1")
# an operation between arrays of different ranks is an error in the tests, so
# that no function of the package relies on silent broadcasting
jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture(autouse=True)
def _lenient_checkers():
    """Tests feed wrong answers to the problem-set checkers: they report instead of raising.

    A test of the build-mode behaviour opens ``checks.strict(True)`` or ``strict(None)`` itself.
    """
    from ntk_course import checks

    with checks.strict(False):
        yield
