# Next Steps. `make help` lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
LOCALES_DIR := app/locales
POT := $(LOCALES_DIR)/messages.pot
STAMP := $(VENV)/.installed
# Where `make translation-export` writes the PO files and `make translation-import` reads them.
TRANSLATIONS_DIR ?= translations/export
# pytest-xdist workers: one more than the cores (each with its own databases), so a core is
# not left idle while a worker waits on its browser, a database or a subprocess.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))

.PHONY: help install run test scale-test translations translation-status translation-export translation-import compile-translations migrate demo bench lock lint clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 24

$(STAMP): requirements.lock package-lock.json pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	npm ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

static/vendor/htmx.min.js: node_modules/htmx.org/dist/htmx.min.js
	mkdir -p static/vendor
	cp $< $@

node_modules/htmx.org/dist/htmx.min.js: $(STAMP)

install: $(STAMP) static/vendor/htmx.min.js compile-translations ## Virtual env, locked Python and npm packages, vendor files, catalogs

compile-translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -d $(LOCALES_DIR) -D messages

translations: $(STAMP) ## Extract interface strings, update every catalog and compile them
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --omit-header -k _ -k N_ -k gettext -k ngettext:1,2 -k pgettext:1c,2 -o $(POT) .
	for code in $$($(BIN)/python -m app.i18n catalog-locales); do \
	  test -f $(LOCALES_DIR)/$$code/LC_MESSAGES/messages.po || $(BIN)/pybabel init -i $(POT) -d $(LOCALES_DIR) -D messages -l $$code; \
	done
	$(BIN)/pybabel update -i $(POT) -d $(LOCALES_DIR) -D messages --no-fuzzy-matching --ignore-obsolete
	$(MAKE) compile-translations

translation-status: install ## Per locale: interface %, and guides, glossary, pathway steps checked / draft / out of date / missing
	$(BIN)/python -m app.translation_status

translation-export: install ## Guides, glossary, pathway and interface as PO files per language (TRANSLATIONS_DIR=translations/export)
	$(BIN)/python -m app.translation export --dir $(TRANSLATIONS_DIR)

translation-import: install ## Read TRANSLATIONS_DIR back into the content; refuses a page whose facts differ
	$(BIN)/python -m app.translation import --dir $(TRANSLATIONS_DIR)
	$(MAKE) compile-translations

migrate: install ## Apply Alembic migrations to the configured database
	$(BIN)/alembic upgrade head

# The demo sends for real: push with a demo VAPID subject, and (without a Notify key) texts
# and emails to the app's own stand-in for GOV.UK Notify, shown at /demo-messages.
DEMO_ENV = VAPID_SUBJECT=$${VAPID_SUBJECT:-mailto:demo@nextsteps.example} \
	DEMO_CHANNELS=$${DEMO_CHANNELS:-$$(test -n "$$NOTIFY_API_KEY$$NOTIFY_API_KEY_FILE" && echo false || echo true)} \
	PUBLIC_ORIGIN=$${PUBLIC_ORIGIN:-http://$(HOST):$(PORT)}

demo: migrate ## Load the demo accounts and data (never in production)
	$(DEMO_ENV) FEEDS_ALLOW_LOOPBACK=1 $(BIN)/python -m app.demo --origin http://$(HOST):$(PORT)

run: demo ## Install everything and serve the app with demo data at http://$(HOST):$(PORT)
	scripts/letter-deps
	$(DEMO_ENV) DEMO_FEEDS=1 FEEDS_ALLOW_LOOPBACK=1 LOG_FORMAT=$${LOG_FORMAT:-text} $(BIN)/uvicorn app.asgi:app --host $(HOST) --port $(PORT) --no-proxy-headers

test: install ## Install everything (Chromium and fonts too), lint, and run the whole suite on every core
	scripts/test-deps
	$(BIN)/ruff check app tests bench alembic
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=20

scale-test: install ## Two app instances behind nginx (TLS), two workers, PostgreSQL, under load, one of each killed
	scripts/test-deps
	$(BIN)/pytest -m scale -s -p no:cacheprovider tests/deploy/test_scale.py

bench: install ## Run the benchmarks (each prints a ratio against a baseline from the same run)
	$(BIN)/python -m bench

lint: install ## Ruff over app, tests and bench
	$(BIN)/ruff check app tests bench alembic

lock: ## Re-resolve requirements.lock (with hashes) and package-lock.json
	test -x $(BIN)/uv || $(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock
	npm install --package-lock-only --no-audit --no-fund

clean: ## Remove the virtual env, node_modules, vendor files and compiled catalogs (keeps ./data)
	rm -rf $(VENV) node_modules static/vendor
	find $(LOCALES_DIR) -name '*.mo' -delete
