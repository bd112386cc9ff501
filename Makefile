# Karpear — the two set-up commands are `make demo` and `make test` (see README).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
# Django 6 needs Python >= 3.12; pyenv's shim picks 3.12 through .python-version.
PYTHON := $(shell for p in python3.14 python3.13 python3.12 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && echo $$p && break; done)
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
APT := DEBIAN_FRONTEND=noninteractive apt-get -y -qq -o Dpkg::Use-Pty=0

.PHONY: help install system-deps browser messages demo test lint pytest pytest-pg e2e api-fuzz schema bench bench-concurrency bench-portal bench-monitoring bench-justice bench-protection mutation vendor js clean

help:
	@echo "make demo   install, migrate the embedded SQLite database, load the demo consortium and serve it"
	@echo "make test   the whole suite (with CI=true also PostgreSQL, browser journeys and the API fuzz)"
	@echo "make lint   ruff, import-linter and mypy only"
	@echo "make bench  benchmarks on PostgreSQL (see bench/README.md)"
	@echo "make schema regenerate docs/openapi.yaml, the committed API contract, after an intended API change"
	@echo "make bench-concurrency  the audited person page under 20 clients on gunicorn (bench/README.md)"
	@echo "make bench-portal  the public portal under 200 requests at once on one gunicorn worker (bench/README.md)"
	@echo "make bench-monitoring  dashboards, indicators, CTDC export and donor reports at 1M cases (bench/README.md)"
	@echo "make bench-protection  1M protection cases, 10M services and visits: lists, work lists, case page (bench/README.md)"
	@echo "make mutation  mutation testing of the access policy and the audit log (docs/testing.md), about 20 min on two idle cores"

$(BIN)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Karpear needs Python 3.12 or newer (python3.12 not found). Install it, e.g. with pyenv." >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@# pycanon verifies k-anonymity in monitoring's tests; it pins exact versions of numpy, scipy, typer and
	@# typing_extensions that clash with pydantic's, and its k-anonymity check needs only numpy and pandas.
	$(BIN)/pip install -q --no-deps 'pycanon==1.3.6'
	touch $@

install: $(BIN)/.installed system-deps messages

# gettext compiles the Khmer catalogue; the Khmer fonts render Khmer in chromium screenshots; Pango (with
# HarfBuzz) lays out and shapes the Khmer of WeasyPrint's PDFs (share-out sheets, passbooks).
system-deps:
	@command -v msgfmt >/dev/null 2>&1 || { $(APT) update && $(APT) install gettext; }
	@ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || { $(APT) update >/dev/null && $(APT) install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 >/dev/null; }
	@fc-list 2>/dev/null | grep -qi "khmer" || { $(APT) update >/dev/null && $(APT) install fonts-khmeros fonts-noto-core >/dev/null; } || true

# Debian's chromium for the browser tests (never a browser download).
browser:
	@command -v /usr/bin/chromium >/dev/null 2>&1 || { $(APT) update && $(APT) install chromium fonts-khmeros; }

messages: $(BIN)/.installed
	@KARPEAR_DEBUG=true $(BIN)/python manage.py compilemessages -v0 --ignore=.venv --ignore=node_modules

demo: install
	KARPEAR_DEBUG=true $(BIN)/karpear demo

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	KARPEAR_DEBUG=true $(BIN)/mypy karpear

# pytest's framed summary line ("=== N passed ... ===") closes each run, so a reader of the log sees the counts.
pytest: install
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder

pytest-pg: install
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder

e2e: install browser
	KARPEAR_WITHOUT_SAMPLE_MODULE=true $(BIN)/pytest -p no:xdist e2e

api-fuzz: install
	bash scripts/api-fuzz.sh

# The API contract is committed (docs/openapi.yaml); a test fails when the served schema differs from it.
schema: install
	KARPEAR_DEBUG=true $(BIN)/python manage.py spectacular --lang en --validate --fail-on-warn --file docs/openapi.yaml

# Under CI the API fuzz and the browser and PostgreSQL runs come first, so the log ends with the whole
# suite's count on SQLite; any failing step stops make with a non-zero exit.
test: install lint
	@if [ "$$CI" = "true" ]; then $(MAKE) --no-print-directory api-fuzz e2e pytest-pg; fi
	@$(MAKE) --no-print-directory pytest

bench: install browser
	$(BIN)/python bench/run.py

# Throughput of the audited person page beside the person list, 20 clients, gunicorn with 2 workers, 100k people.
bench-concurrency: install
	$(BIN)/python bench/concurrency.py

# The public portal's pages, 200 requests at once, one gunicorn sync worker, beside /health/ (issue 14).
bench-portal: install
	$(BIN)/python bench/portal.py

# Monitoring at 1M cases, 100k groups, 10M ledger entries in its own database (issue 15; bench/README.md).
bench-monitoring: install
	$(BIN)/python bench/monitoring.py

# Legal cases at 100k with 1M submissions, hearings and evidence items, each page beside its raw SQL and
# /places/ (issue 13); its own database, karpear_bench_justice, made by the script.
bench-justice: install
	$(BIN)/python bench/justice.py --out bench/results/justice.json

# Protection at scale (issue 11): its own database karpear_bench_protection; BENCH_PROTECTION_PEOPLE=100000 for a
# quicker run.
BENCH_PROTECTION_PEOPLE ?= 1000000
bench-protection: install
	$(BIN)/python bench/protection.py --people $(BENCH_PROTECTION_PEOPLE) --out bench/results/protection.json

# Mutation testing of core/access.py and core/audit.py with mutmut (docs/testing.md): the score and every
# survivor; fails on a survivor docs/testing.md does not explain. A benchmark-like check, not part of `test`.
mutation: install
	bash scripts/mutation.sh

# Refresh the vendored front-end files from the npm registry (they are committed; run when upgrading).
vendor:
	npm install --no-save --no-audit --no-fund
	cp node_modules/htmx.org/dist/htmx.min.js karpear/static/vendor/
	cp node_modules/@fontsource/noto-sans-khmer/files/noto-sans-khmer-khmer-{400,700}-normal.woff2 karpear/static/vendor/

# Minify our own scripts into the *.min.js the pages load (committed, like the vendored files). Each starts
# with the sha256 of its source: the suite fails when a source changed and `make js` was not run.
JS_SOURCES := forms offline sw ui
js:
	npm install --no-save --no-audit --no-fund
	@for f in $(JS_SOURCES); do \
	  src=karpear/static/js/$$f.js; \
	  node_modules/.bin/terser $$src --compress --mangle --ecma 2020 \
	    --format "preamble='/*! $$src sha256:$$(sha256sum $$src | cut -c1-64) (make js) */'" -o karpear/static/js/$$f.min.js; \
	done

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
