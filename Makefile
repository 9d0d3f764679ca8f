# gdcourse -- two commands on a fresh machine:
#   make book   build the HTML book into _build/html
#   make test   run every test: package, graders, notebooks (nbval), the built book in a browser
# Each creates .venv and installs what it needs.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PYTEST := $(PY) -m pytest
JB     := GDCOURSE_STATIC=1 $(BIN)/jupyter-book build . -W -n --keep-going
export GDCOURSE_PROGRESS_FILE ?= $(CURDIR)/_build/progress.json

# MathJax 3 is served from the book itself, so formulas render with no network.
MATHJAX_VERSION := 3.2.2
MATHJAX_DIR     := mathjax_static/mathjax
MATHJAX_PARTS   := tex-chtml.js input output ui a11y sre adaptors

# axe-core audits every built page for accessibility in the browser tests (tests/test_browser.py).
AXE_VERSION := 4.14.1
AXE_JS      := .cache/axe-core/node_modules/axe-core/axe.min.js

.PHONY: book test test-binder test-cpus lab clean bench notebooks check-sources browser help live-assets

help:
	@echo "make book         build the HTML book into _build/html"
	@echo "make test         run the test suite (unit, graders, notebooks, browser)"
	@echo "make test-binder  slow: a fresh venv from requirements.txt alone runs every notebook"
	@echo "make test-cpus    the notebooks under every OpenBLAS kernel this CPU can run"
	@echo "make lab          open JupyterLab on the chapters in book/"
	@echo "make bench        run the benchmarks (not part of the tests)"
	@echo "make notebooks    regenerate book/*.ipynb from book/_src and execute them"
	@echo "make clean        remove the build and the virtual environment"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when a requirements file changes.
$(VENV)/.book-deps: requirements.txt pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-deps: requirements.txt requirements-dev.txt pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(MATHJAX_DIR)/tex-chtml.js:
	@command -v npm >/dev/null || { echo "npm is needed to install MathJax (apt-get install npm)"; exit 1; }
	rm -rf .cache/mathjax $(MATHJAX_DIR) && mkdir -p .cache/mathjax $(MATHJAX_DIR)
	npm install --silent --no-audit --no-fund --prefix .cache/mathjax mathjax@$(MATHJAX_VERSION)
	for part in $(MATHJAX_PARTS); do cp -r .cache/mathjax/node_modules/mathjax/es5/$$part $(MATHJAX_DIR)/; done

$(AXE_JS):
	@command -v npm >/dev/null || { echo "npm is needed to install axe-core (apt-get install npm)"; exit 1; }
	rm -rf .cache/axe-core && mkdir -p .cache/axe-core
	npm install --silent --no-audit --no-fund --prefix .cache/axe-core axe-core@$(AXE_VERSION)

# Headless Chromium for the browser tests (Debian package; needs root on a fresh machine).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else echo "chromium is missing: the browser tests will be skipped (sudo apt-get install chromium)"; fi; }

# Live code: Pyodide (npm) and its numpy/scipy/scikit-learn/matplotlib wheels, every one checked
# against the official pyodide-lock.json, and a gdcourse wheel, staged in .cache/pyodide/site
# (see tools/pyodide_assets.py).  If they cannot be downloaded the book is built without Run
# buttons and this says so in one line; a file that fails its check stops the build.
live-assets: | $(PY)
	$(PY) tools/pyodide_assets.py

book: $(VENV)/.book-deps $(MATHJAX_DIR)/tex-chtml.js live-assets
	$(JB)

test: $(VENV)/.test-deps $(MATHJAX_DIR)/tex-chtml.js $(AXE_JS) browser live-assets
	$(PYTEST) -m "not slow and not browser" --nbval --nbval-current-env
	$(PY) tools/cross_cpu.py
	$(JB)
	$(PYTEST) -m browser tests/test_browser.py tests/test_live_code.py

# The stored outputs as other processors compute them (see tools/cross_cpu.py).
test-cpus: $(VENV)/.test-deps
	$(PY) tools/cross_cpu.py --all

test-binder: $(VENV)/.test-deps
	$(PYTEST) -m slow -s tests/test_binder.py

lab: $(VENV)/.book-deps
	$(BIN)/jupyter lab book/

bench: $(VENV)/.test-deps
	$(PY) benchmarks/bench_adam.py
	$(PY) benchmarks/bench_minibatch.py
	$(PY) benchmarks/bench_grading.py
	$(PY) benchmarks/bench_variance_reduction.py
	$(PY) benchmarks/bench_proximal.py
	$(PY) benchmarks/bench_scale.py --cluster

notebooks: $(VENV)/.book-deps
	$(PY) tools/nbsource.py build
	$(PY) tools/execute_notebooks.py book/[0-9]*.ipynb

check-sources: $(VENV)/.book-deps
	$(PY) tools/nbsource.py check

clean:
	rm -rf _build $(VENV) .pytest_cache .hypothesis .cache mathjax_static
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
