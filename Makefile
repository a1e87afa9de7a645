# The README's two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/alliance_test
PYTEST_WORKERS ?= 2
# The browser tests (tests/browser) drive this Chromium; without it they are skipped.
CHROMIUM ?= /usr/bin/chromium
PYTEST := BROWSER_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

.PHONY: run test test-sqlite test-postgres install install-test db-upgrade demo serve clean \
	translations i18n-update browser-note

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

db-upgrade: install
	$(FLASK) db upgrade

## make translations: compile the catalogues (translations/*/LC_MESSAGES/messages.po -> .mo,
## which git ignores); everything that serves or tests the app depends on it
translations: install
	$(BIN)/pybabel -q compile -d translations

## make i18n-update: collect the marked strings (babel.cfg) into translations/messages.pot and
## merge them into each catalogue; then translate the new entries and review the fuzzy ones
i18n-update: install
	$(BIN)/pybabel -q extract -F babel.cfg --no-location --sort-output --project=Alliance \
		--copyright-holder=Assolombarda --msgid-bugs-address=noreply@alliance.example \
		-o translations/messages.pot .
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations --ignore-obsolete

## make run: set up, migrate, load the demo data on an empty database, serve on 127.0.0.1:$(PORT)
run: db-upgrade translations
	$(FLASK) seed demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port $(PORT) --debug

## make serve: production-style serving with gunicorn (gunicorn.conf.py; settings from the
## environment: WEB_CONCURRENCY, BIND, LOG_FORMAT...); migrates first, loads no demo data
serve: db-upgrade translations
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

## make test: set up the test dependencies and run the whole suite (SQLite), the browser
## tests included when Chromium is installed (they say so when it is not)
test: install-test translations browser-note
	$(PYTEST)

## make test-postgres: the same suite on the PostgreSQL server at 127.0.0.1:5432 (fresh databases)
test-postgres: install-test translations browser-note
	TEST_DATABASE_URL=$(PG_URL) $(PYTEST)

browser-note:
	@if [ -x "$(CHROMIUM)" ]; then echo "browser tests: chromium found at $(CHROMIUM)"; \
	else echo "browser tests: chromium not found at $(CHROMIUM) — skipped (apt-get install chromium chromium-driver)"; fi

clean:
	rm -rf $(VENV) instance .pytest_cache
