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
# JAX's persistent compilation cache: every process make starts (the test workers,
# the page kernels, the smoke run) reuses an XLA program that another one compiled.
# The key is the program itself, its compile options and the jax version, so a
# changed function misses and is compiled again, and a hit runs the machine code a
# compilation of the same program made: the numbers do not change. A read that
# fails (a file another process is still writing) warns and compiles. `make clean`
# empties it.
export JAX_COMPILATION_CACHE_DIR := $(CURDIR)/_build/.jax_cache
export JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS := 0

.PHONY: setup book test unit notebooks smoke build-check site-check student assignments bench clean cache-guard mathjax pdf

$(STAMP): requirements.txt requirements-nodeps.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -r requirements-nodeps.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@# the kernels' "running over TCP without encryption" note: local kernels, harmless
	mkdir -p $(VENV)/etc/ipython
	echo '{"IPKernelApp": {"log_level": "ERROR"}}' > $(VENV)/etc/ipython/ipython_kernel_config.json
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

# tools/execute_pages.py runs the pages two at a time (one per core) into the
# build's execution cache first; the build then finds them cached. A page that
# fails there is run again by the build, which reports the error.
## book: execute every lecture and build the HTML site into _build/html, and the
## reader notebooks (tools/reader_notebooks.py) into notebooks/ (commit them)
book: setup cache-guard
	@rm -f _build/claims.log
	$(BIN)/python tools/execute_pages.py
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
test: unit build-check notebooks
	@# the smoke run keeps both cores busy; the site checks mostly wait on the browser
	$(MAKE) -j2 --output-sync=target smoke site-check

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
	  NTK_COURSE_CLAIMS_LOG=$(CURDIR)/_build/smoke/claims.log \
	  $(BIN)/python -m pytest --nbval-lax _build/smoke/pages -q --durations=20 -p no:randomly -n 2 --dist loadfile

build-check: setup cache-guard
	@rm -f _build/claims.log
	$(BIN)/python tools/execute_pages.py
	$(JB) build . -W -n --keep-going

# site-check includes the browser test (tests/test_browser.py): headless Chromium
# over the built site at 390 and 1280 px. It needs Debian's chromium and
# chromium-driver (.ci/run installs them) and a local MathJax (`make mathjax`);
# without them it skips, except in CI (CI=true) where it fails.
site-check: setup mathjax
	$(BIN)/python -m pytest tests -m site -q

## mathjax: a local copy of MathJax 3 for the browser test (CI runs offline)
MATHJAX_VERSION := 3.2.2
mathjax:
	@test -f _build/vendor/node_modules/mathjax/es5/tex-mml-chtml.js \
	  || { command -v npm >/dev/null && npm install --silent --no-audit --no-fund \
	         --prefix _build/vendor mathjax@$(MATHJAX_VERSION); } \
	  || echo "npm is not installed: no local MathJax, the browser test will skip"

## pdf: the whole book as one PDF (_build/pdf/book.pdf), printed by headless Chromium
pdf: setup cache-guard mathjax
	$(JB) build . --builder singlehtml
	$(BIN)/python tools/book_pdf.py _build/singlehtml _build/pdf/book.pdf

## bench: kernels against neural-tangents and X X^T, scaling in n, KIP, each page's execution time
bench: setup
	nice -n 10 $(BIN)/python benchmarks/run.py

clean:
	rm -rf _build
