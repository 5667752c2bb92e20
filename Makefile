# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv by itself.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST := $(PY) -m pytest
# One worker per core by default (`make test WORKERS=1` for a single process); each test file runs
# whole in one worker, so module fixtures are built once.
WORKERS ?= 2
PYTEST_PARALLEL := -n $(WORKERS) --dist loadfile
export TF_CPP_MIN_LOG_LEVEL ?= 2
export KERAS_BACKEND := tensorflow

.PHONY: venv lint format test test-all demo bench clean

venv: $(STAMP)

# Re-installs only when setup.cfg or pyproject.toml changed (or the venv is missing).
$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint
	$(PYTEST) -q $(PYTEST_PARALLEL) -m "not slow" tests

test-all: lint
	$(PYTEST) -q $(PYTEST_PARALLEL) tests

demo: venv
	$(VENV)/bin/keras-bert demo

bench: venv
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info
