# The two Quickstart commands: `make demo` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# `make demo` installs what the demo needs; `make test` adds the test toolchain.
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
# mypy cannot follow setuptools' package-dir mapping (ravensec.core -> core/ ...): it checks this view. Its
# ravensec/__init__.py makes mypy prefer mockserver/worlds.py over the worlds/ data directory beside it (in a
# namespace package both are candidates and mypy takes the directory).
TYPECHECK_VIEW := build/typecheck/ravensec

.PHONY: demo test lint typecheck pytest soak-tests bench slow reliability clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP_RUN)

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP_RUN) $(STAMP_TEST)

# Byte-code written up front: with PYTHONDONTWRITEBYTECODE set (as in some images) every start would
# compile ravensec's modules again. Up-to-date files are skipped.
demo: $(STAMP_RUN)
	$(BIN)/python -m compileall -q core mockserver tui
	$(BIN)/ravensec --demo

lint: $(STAMP_TEST)
	$(BIN)/ruff check .

typecheck: $(STAMP_TEST)
	mkdir -p $(TYPECHECK_VIEW)
	ln -sfn ../../../core $(TYPECHECK_VIEW)/core
	ln -sfn ../../../mockserver $(TYPECHECK_VIEW)/mock
	ln -sfn ../../../tui $(TYPECHECK_VIEW)/tui
	touch $(TYPECHECK_VIEW)/__init__.py
	$(BIN)/mypy

# The official Node.js client for tests/e2e/test_node_client.py (skipped, with the reason, where npm is missing).
NODE_CLIENT := tests/e2e/node/node_modules/.package-lock.json
$(NODE_CLIENT): tests/e2e/node/package-lock.json
	if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/e2e/node --no-audit --no-fund --silent \
	  || echo "npm ci failed: the Node.js client tests will skip"; fi

pytest: $(STAMP_TEST) $(NODE_CLIENT)
	$(BIN)/pytest -q -m "not slow"

test: lint typecheck pytest

# The timing-sensitive suites (TUI, training, end to end) 10 times in a row with both CPUs kept busy by two
# busy loops: a flaky test is a race to find. SOAK_RUNS=N to change the count.
SOAK_RUNS ?= 10
soak-tests: $(STAMP_TEST)
	$(BIN)/python -m bench.soak_tests --runs $(SOAK_RUNS)

slow: $(STAMP_TEST)
	$(BIN)/pytest -q -m slow

bench: $(STAMP_TEST)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench

# The slow adversarial suite (>= 10,000 generated cases) and the soak; writes docs/reliability.md.
reliability: $(STAMP_TEST)
	$(BIN)/python -m bench.reliability

clean:
	rm -rf $(VENV) build *.egg-info
