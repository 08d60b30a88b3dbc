import os

os.environ.setdefault("NTK_COURSE_QUIET", "1")
os.environ.setdefault("NTK_COURSE_SCALE", "quick")
# Tests run in build mode, as under the Makefile: a failing claim raises.
os.environ.setdefault("NTK_COURSE_BUILD", "1")
