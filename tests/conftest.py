import os

os.environ.setdefault("NTK_COURSE_QUIET", "1")
os.environ.setdefault("NTK_COURSE_SCALE", "quick")
