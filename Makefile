# The two Quickstart commands: `make demo` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-test

.PHONY: demo test lint typecheck pytest bench slow reliability clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Byte-code written up front: with PYTHONDONTWRITEBYTECODE set (as in some images) every start would
# compile ravensec's modules again (~80 ms of the demo's start-up). Up-to-date files are skipped.
demo: $(STAMP)
	$(BIN)/python -m compileall -q core mockserver tui
	$(BIN)/ravensec --demo

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q -m "not slow"

test: lint typecheck pytest

slow: $(STAMP)
	$(BIN)/pytest -q -m slow

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench

# The slow adversarial suite (>= 10,000 generated cases) and the soak; writes docs/reliability.md.
reliability: $(STAMP)
	$(BIN)/python -m bench.reliability

clean:
	rm -rf $(VENV) build *.egg-info
