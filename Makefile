# gdcourse -- two commands on a fresh machine:
#   make book   build the HTML book into _build/html
#   make test   run every test: package, graders, notebooks (nbval)
# Each creates .venv and installs what it needs.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
export GDCOURSE_PROGRESS_FILE ?= $(CURDIR)/_build/progress.json

.PHONY: book test lab clean bench notebooks check-sources help

help:
	@echo "make book        build the HTML book into _build/html"
	@echo "make test        run the test suite (unit, grader and notebook tests)"
	@echo "make lab         open JupyterLab on the chapters in book/"
	@echo "make bench       run the benchmarks (not part of the tests)"
	@echo "make notebooks   regenerate book/*.ipynb from book/_src and execute them"
	@echo "make clean       remove the build and the virtual environment"

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

book: $(VENV)/.book-deps
	$(BIN)/jupyter-book build . -W -n --keep-going

test: $(VENV)/.test-deps
	$(PY) -m pytest --nbval --nbval-current-env

lab: $(VENV)/.book-deps
	$(BIN)/jupyter lab book/

bench: $(VENV)/.test-deps
	$(PY) benchmarks/bench_adam.py
	$(PY) benchmarks/bench_minibatch.py

notebooks: $(VENV)/.book-deps
	$(PY) tools/nbsource.py build
	$(PY) tools/execute_notebooks.py book/[0-9]*.ipynb

check-sources: $(VENV)/.book-deps
	$(PY) tools/nbsource.py check

clean:
	rm -rf _build $(VENV) .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
