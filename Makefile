# Quick start: `make run` (default scenario) and `make test`. Both create .venv if it is missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-slow test-all lint bench clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m sim $(ARGS)

# Style (ruff) and the import-layer contracts (import-linter), configured in pyproject.toml.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# The suite (under 10 minutes on two cores); the long Monte-Carlo validations marked ``slow``
# run separately (CI runs both).
test: lint
	$(PY) -m pytest -n 2 -q -m "not slow"

test-slow: $(STAMP)
	$(PY) -m pytest -n 2 -q -m slow

test-all: lint
	$(PY) -m pytest -n 2 -q

bench: $(STAMP)
	$(PY) -m benchmarks $(ARGS)

clean:
	rm -rf outputs multirun .pytest_cache build *.egg-info
