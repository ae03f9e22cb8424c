# Everything a fresh machine needs comes from here: `make run`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint messages test-sqlite test-postgres unit bench install browser-deps postgres-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m config.i18n_catalogues compile >/dev/null
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/kindred run

# Chromium drives the page tests; Playwright cannot download its own here.
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || exit 1; \
	fi
	@/usr/bin/chromium --version 2>/dev/null

# PostgreSQL's server programs for the second pass of the suite; the
# package's own cluster is not used (.ci/with-postgres makes a throwaway one).
postgres-deps:
	@if ! .ci/with-postgres --bindir >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || exit 1; \
	fi
	@"$$(.ci/with-postgres --bindir)/postgres" --version

# The house rules a machine checks (lint, format, types, import layers),
# then the whole suite on each store: SQLite (the default), then PostgreSQL.
test: lint test-sqlite test-postgres

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test-sqlite: $(STAMP) browser-deps
	$(BIN)/python -m pytest -q -rs --durations=15

test-postgres: $(STAMP) browser-deps postgres-deps
	.ci/with-postgres $(BIN)/python -m pytest -q -rs --durations=15

unit: $(STAMP)
	$(BIN)/python -m pytest -q -m "not homeserver and not browser"

# After changing texts: extract them and merge them into every language's catalogue.
messages: $(STAMP)
	$(BIN)/python -m config.i18n_catalogues extract

# The benchmarks start their own homeservers and a throwaway PostgreSQL server;
# the `bench` extra (tantivy) comes with the install above, since the
# suite runs every benchmark at tiny sizes.
bench: $(STAMP) postgres-deps
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) var .pytest_cache
