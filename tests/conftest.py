import os

os.environ.setdefault("NTK_COURSE_QUIET", "1")
os.environ.setdefault("NTK_COURSE_SCALE", "quick")
# Tests run in build mode, as under the Makefile: a failing claim raises.
os.environ.setdefault("NTK_COURSE_BUILD", "1")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _lenient_checkers():
    """Tests feed wrong answers to the problem-set checkers: they report instead of raising.

    A test of the build-mode behaviour opens ``checks.strict(True)`` or ``strict(None)`` itself.
    """
    from ntk_course import checks

    with checks.strict(False):
        yield
