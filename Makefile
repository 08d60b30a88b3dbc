# Two commands: `make book` builds the executed website, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
JB     := $(BIN)/jupyter-book
export PYTHONHASHSEED := 0
export NTK_COURSE_QUIET := 1
export NTK_COURSE_BUILD := 1
# Every claim's verdict (pages show one folded line per cell) goes to this log too.
export NTK_COURSE_CLAIMS_LOG := $(CURDIR)/_build/claims.log

.PHONY: setup book test unit notebooks smoke build-check site-check student assignments bench clean cache-guard

$(STAMP): requirements.txt requirements-nodeps.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -r requirements-nodeps.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

## setup: create .venv and install the pinned dependencies and ntk_course
setup: $(STAMP)

# The execution cache keys on each page's own source, not on ntk_course or on
# the profile, and Sphinx re-reads only changed sources: when either changes,
# every page must run again, so the cache and Sphinx's saved environment are
# cleared. The key is a hash of the package's sources and NTK_COURSE_SCALE.
PKG_SOURCES := $(sort $(shell find ntk_course -name '*.py'))
cache-guard:
	@mkdir -p _build
	@key="$${NTK_COURSE_SCALE:-auto} $$(cat $(PKG_SOURCES) | sha256sum | cut -c1-16)"; \
	if [ "$$(cat _build/.cache-key 2>/dev/null)" != "$$key" ]; then \
	  rm -rf _build/.jupyter_cache _build/.doctrees; echo "$$key" > _build/.cache-key; \
	  echo "ntk_course or the profile changed since the last build: every page runs again"; \
	fi

## book: execute every lecture and build the HTML site into _build/html, and the
## reader notebooks (tools/reader_notebooks.py) into notebooks/ (commit them)
book: setup cache-guard
	@rm -f _build/claims.log
	$(JB) build . -W -n --keep-going
	$(BIN)/python tools/reader_notebooks.py --install
	@echo "claims: $$(grep -c '^✓' _build/claims.log 2>/dev/null) held, $$(grep -c '^✗' _build/claims.log 2>/dev/null) failed (verdicts in _build/claims.log)"

## student: the same book with every solution removed, into _build/student/_build/html
student: setup
	$(BIN)/python tools/student_edition.py _build/student
	$(JB) build _build/student -W -n --keep-going

## assignments: per problem set, the student notebook and its Otter-Grader autograder zip
## (public and hidden tests), into _build/assignments (tests/test_assignments.py grades them)
assignments: setup
	$(BIN)/python tools/assignments.py _build/assignments

## test: unit tests, book build (executes every page), the reader notebooks, the
## full-only branches at tiny size, site checks.
# Each page executes once: the book build runs it and caches the successful run;
# the notebooks stage then runs nbval only on reader notebooks whose code the build
# has not executed (tools/nbval_once.py says why that is the same test).
test: unit build-check notebooks smoke site-check

unit: setup
	$(BIN)/ruff check ntk_course tests tools benchmarks
	$(BIN)/python -m pytest tests ntk_course --doctest-modules -m "not site" -q -n 2

# The reader notebooks students open (self-study set: every page's code, solutions included).
notebooks: setup build-check
	$(BIN)/python tools/nbval_once.py notebooks/self-study -q --durations=0 -p no:randomly

# Every branch that only the full profile takes, at quick's sizes and offline (tools/smoke.py).
smoke: setup
	rm -rf _build/smoke && $(BIN)/python tools/smoke.py _build/smoke
	NTK_COURSE_SCALE=smoke NTK_COURSE_DATA=$(CURDIR)/_build/smoke/data NTK_COURSE_TEST_DATA=1 \
	  $(BIN)/python -m pytest --nbval-lax _build/smoke/pages -q --durations=0 -p no:randomly

build-check: setup cache-guard
	@rm -f _build/claims.log
	$(JB) build . -W -n --keep-going

site-check: setup
	$(BIN)/python -m pytest tests -m site -q

## bench: kernels against neural-tangents and X X^T, scaling in n, KIP, each page's execution time
bench: setup
	nice -n 10 $(BIN)/python benchmarks/run.py

clean:
	rm -rf _build
