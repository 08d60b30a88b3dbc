# Two commands: `make book` builds the executed website, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
JB     := $(BIN)/jupyter-book
export PYTHONHASHSEED := 0
export NTK_COURSE_QUIET := 1
export NTK_COURSE_BUILD := 1

.PHONY: setup book test unit notebooks build-check site-check student bench sync clean cache-guard mathjax pdf

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

## book: execute every lecture and build the HTML site into _build/html
book: setup cache-guard
	$(JB) build . -W -n --keep-going

## student: the same book with every solution removed, into _build/student/_build/html
student: setup
	$(BIN)/python tools/student_edition.py _build/student
	$(JB) build _build/student -W -n --keep-going

## test: unit tests, every lecture and problem set under nbval, book build, site checks
test: unit notebooks build-check site-check

unit: setup
	$(BIN)/python -m pytest tests ntk_course --doctest-modules -m "not site" -q -n 2

notebooks: setup
	$(BIN)/python tools/sync_notebooks.py --check
	rm -rf _build/nbval && $(BIN)/python tools/sync_notebooks.py --export _build/nbval
	$(BIN)/python -m pytest --nbval-lax _build/nbval -q --durations=0 -p no:randomly

build-check: setup cache-guard
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

## bench: kernel speed against neural-tangents, and each lecture's execution time
bench: setup
	$(BIN)/python benchmarks/run.py

## sync: re-pair every lecture's .ipynb with its .py source (and the Colab install cell)
sync: setup
	$(BIN)/python tools/sync_notebooks.py

clean:
	rm -rf _build
