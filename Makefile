# Two commands matter: `make run` (the service on embedded defaults) and `make test` (the whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The lock (see README, "Dependencies"): runtime.txt for the server and its image, dev.txt for
# the server plus the test and bench tools. Both are installed with their hashes and nothing else.
RUNTIME_LOCK := requirements/runtime.txt
DEV_LOCK     := requirements/dev.txt
RUN_STAMP    := $(VENV)/.installed-runtime
DEV_STAMP    := $(VENV)/.installed-dev
# `make lock` and `make test-latest` work in throwaway virtualenvs of their own.
LOCK_VENV    := .run/lock-venv
LATEST_VENV  := .run/latest-venv
PIP_TOOLS    := pip-tools==7.6.2
COMPILE      := CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet \
                --generate-hashes --allow-unsafe --strip-extras --all-build-deps \
                --no-emit-index-url --no-emit-find-links
SUITE_BIN    ?= $(BIN)
# axe-core for the accessibility tests (tests/browser/test_accessibility.py), pinned by its
# package-lock.json and installed from the npm registry with `npm ci`.
AXE_DIR      := tests/browser/axe
AXE          := $(AXE_DIR)/node_modules/axe-core/axe.min.js

.PHONY: run test test-latest suite lint lock stack bench system-deps migrate clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# The project itself goes in editable, without dependencies and with the locked setuptools.
$(RUN_STAMP): $(RUNTIME_LOCK) pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(RUNTIME_LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(DEV_STAMP): $(DEV_LOCK) $(RUN_STAMP)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(DEV_LOCK)
	touch $@

run: $(RUN_STAMP)
	$(BIN)/taskflow migrate
	$(BIN)/taskflow serve --host $(HOST) --port $(PORT)

migrate: $(RUN_STAMP)
	$(BIN)/taskflow migrate

system-deps:
	bash scripts/system-deps.sh

lint: $(DEV_STAMP)
	$(MAKE) suite PYTEST_OFF=1

test: $(DEV_STAMP) system-deps $(AXE)
	$(MAKE) suite

$(AXE): $(AXE_DIR)/package.json $(AXE_DIR)/package-lock.json | system-deps
	npm ci --prefix $(AXE_DIR) --no-audit --no-fund
	touch $@

# Lint, types and tests with the tools in $(SUITE_BIN): the lock's by default.
suite:
	$(SUITE_BIN)/ruff check server tests bench devstack
	$(SUITE_BIN)/ruff format --check server tests bench devstack
	$(SUITE_BIN)/mypy
	$(if $(PYTEST_OFF),,$(SUITE_BIN)/pytest $(PYTEST_ARGS))

# Not in CI: the newest releases pyproject.toml allows, in a throwaway virtualenv, then the
# whole suite, Schemathesis with a new random seed (tests/openapi). Run it before every `make lock`.
test-latest: system-deps $(AXE)
	rm -rf $(LATEST_VENV)
	$(PYTHON) -m venv $(LATEST_VENV)
	$(LATEST_VENV)/bin/pip install --quiet --upgrade pip
	$(LATEST_VENV)/bin/pip install --quiet --upgrade -e '.[test,bench]'
	$(LATEST_VENV)/bin/pip list --format=freeze > $(LATEST_VENV)/versions.txt
	TASKFLOW_UNLOCKED=1 TASKFLOW_FUZZ_SEED=random $(MAKE) suite SUITE_BIN=$(LATEST_VENV)/bin

# Refreshes the lock to the newest releases pyproject.toml allows (after `make test-latest`).
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet $(PIP_TOOLS)
	$(COMPILE) --upgrade --extra test --extra bench -o $(DEV_LOCK) pyproject.toml
	$(COMPILE) --upgrade -c $(DEV_LOCK) -o $(RUNTIME_LOCK) pyproject.toml

# REDIS=cluster or REDIS=sentinel runs that Redis topology instead of one server.
stack: $(DEV_STAMP) system-deps
	PORT=$${PORT_STACK:-$${PORT:-8080}} $(BIN)/python -m devstack $(if $(REDIS),--redis $(REDIS))

# Issue 14's figures on the server as `make run` ships it; BENCH_ARGS=--quick (~3 min) or
# --tuned (the earlier lifted-limit configuration), see bench/README.md.
bench: $(DEV_STAMP) system-deps
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .run/lock-venv .run/latest-venv .pytest_cache .mypy_cache .ruff_cache taskflow.db*
