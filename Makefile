# Two commands matter: `make run` (the service on embedded defaults) and `make test` (the whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint stack bench system-deps migrate clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/taskflow migrate
	$(BIN)/taskflow serve --host $(HOST) --port $(PORT)

migrate: $(STAMP)
	$(BIN)/taskflow migrate

system-deps:
	bash scripts/system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check server tests bench devstack
	$(BIN)/ruff format --check server tests bench devstack
	$(BIN)/mypy

test: $(STAMP) system-deps
	$(MAKE) lint
	$(BIN)/pytest $(PYTEST_ARGS)

stack: $(STAMP) system-deps
	PORT=$${PORT_STACK:-$${PORT:-8080}} $(BIN)/python -m devstack

bench: $(STAMP) system-deps
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache taskflow.db*
