# `make run` and `make test` are all the set-up there is: each creates .venv when missing and
# installs the project into it (torch 2.13.0, CPU build where no GPU exists).
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-slow lint bench-toy clean compose-validator

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## run: start qsdiff (API and workers) on 127.0.0.1:8000 with the shipped checkpoints
run: $(STAMP)
	$(VENV)/bin/qsdiff serve

## test: lint, then the default test suite (no slow tests)
test: lint compose-validator
	$(PY) -m pytest

# Debian's docker-compose validates docker/compose.yml offline; installed where apt and root
# allow, else tests/test_docker.py says it skipped that check.
compose-validator:
	@command -v docker-compose >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
		command -v apt-get >/dev/null 2>&1 && \
		apt-get install -y -qq --no-install-recommends docker-compose >/dev/null 2>&1; } || \
		echo "docker-compose unavailable: compose files will not be validated"

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
