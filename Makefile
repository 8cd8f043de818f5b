# `make run` and `make test` are all the set-up there is: each creates .venv when missing and
# installs the project into it (torch 2.13.0, CPU build where no GPU exists).
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-slow lint bench-toy clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## run: start qsdiff (API and workers) on 127.0.0.1:8000 with the shipped checkpoints
run: $(STAMP)
	$(VENV)/bin/qsdiff serve

## test: lint, then the default test suite (no slow tests)
test: lint
	$(PY) -m pytest

## test-slow: the long checks too
test-slow: lint
	$(PY) -m pytest -m ''

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench-toy: $(STAMP)
	$(VENV)/bin/qsdiff bench toy --json

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
