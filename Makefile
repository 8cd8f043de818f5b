# `make run` and `make test` are all the set-up there is: each creates .venv when missing and
# installs the project into it (torch 2.13.0, CPU build where no GPU exists).
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-slow lint bench-toy clean compose-validator browser train-gpu \
	train-molecules-gpu train-backbones-gpu

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## run: start qsdiff (API and workers) on 127.0.0.1:8000 with the shipped checkpoints
run: $(STAMP)
	$(VENV)/bin/qsdiff serve

## test: lint, then the default test suite (no slow tests)
test: lint compose-validator browser
	$(PY) -m pytest

# Debian's docker-compose validates docker/compose.yml offline; installed where apt and root
# allow, else tests/test_docker.py says it skipped that check.
compose-validator:
	@command -v docker-compose >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
		command -v apt-get >/dev/null 2>&1 && \
		apt-get install -y -qq --no-install-recommends docker-compose >/dev/null 2>&1; } || \
		echo "docker-compose unavailable: compose files will not be validated"

# Debian's chromium and chromium-driver run the web console's browser test (tests/web);
# installed where apt and root allow, else that test says it skipped.
browser:
	@{ test -x /usr/bin/chromium && test -x /usr/bin/chromedriver; } || { [ "$$(id -u)" = 0 ] && \
		command -v apt-get >/dev/null 2>&1 && \
		{ apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null 2>&1 || \
		{ apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends \
		chromium chromium-driver >/dev/null 2>&1; }; }; } || \
		echo "chromium unavailable: the web console will not be tested in a browser"

## test-slow: the long checks too
test-slow: lint
	$(PY) -m pytest -m ''

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

## train-gpu: on a CUDA machine, ~10 minutes: drug-like data on every core (4 min), then the
## drug-like pair fine-tuned on the GPU (3 min each, resumed from checkpoints/; SIGTERM saves)
FIRST_CHUNK ?= 0
train-gpu: $(STAMP)
	-timeout -s INT 240 $(VENV)/bin/qsdiff data druglike --workers $$(nproc) --first-chunk $(FIRST_CHUNK)
	for t in quotient equivariant; do \
		timeout -s TERM 180 $(VENV)/bin/qsdiff train conformers --data druglike --treatment $$t \
			--device cuda --steps 1000000 --batch-size 32 --val-every 200 --val-molecules 24; \
		rc=$$?; [ $$rc = 0 ] || [ $$rc = 124 ] || exit $$rc; \
	done

## train-molecules-gpu: on a CUDA machine, 10 minutes: the de novo graph model resumed from
## checkpoints/molecule-graph.pt at batches of 512 (SIGTERM saves; the QM9 SMILES are cached)
train-molecules-gpu: $(STAMP)
	timeout -s TERM 600 $(VENV)/bin/qsdiff train molecules --device cuda --steps 1000000 \
		--batch-size 512 --val-every 500; rc=$$?; [ $$rc = 0 ] || [ $$rc = 124 ]

## train-backbones-gpu: on a CUDA machine, 10 minutes: the backbone pair resumed from
## checkpoints/ on train_large.npz, 5 minutes each at batches of 128 (SIGTERM saves)
train-backbones-gpu: $(STAMP)
	for t in quotient equivariant; do \
		timeout -s TERM 300 $(VENV)/bin/qsdiff train backbones --treatment $$t --device cuda \
			--steps 1000000 --batch-size 128 --max-length 256 --val-every 500; \
		rc=$$?; [ $$rc = 0 ] || [ $$rc = 124 ] || exit $$rc; \
	done

bench-toy: $(STAMP)
	$(VENV)/bin/qsdiff bench toy --json

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
