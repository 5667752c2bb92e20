# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv by itself.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST := $(PY) -m pytest
export TF_CPP_MIN_LOG_LEVEL ?= 2
export KERAS_BACKEND := tensorflow

.PHONY: venv test test-all demo bench clean

venv: $(STAMP)

# Re-installs only when setup.cfg or pyproject.toml changed (or the venv is missing).
$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

test: venv
	$(PYTEST) -q -m "not slow" tests

test-all: venv
	$(PYTEST) -q tests

demo: venv
	$(VENV)/bin/keras-bert demo

bench: venv
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info
