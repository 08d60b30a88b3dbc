import os

import jax

os.environ.setdefault("NTK_COURSE_QUIET", "1")
os.environ.setdefault("NTK_COURSE_SCALE", "quick")
# an operation between arrays of different ranks is an error in the tests, so
# that no function of the package relies on silent broadcasting
jax.config.update("jax_numpy_rank_promotion", "raise")
