# Wangge: `make run` serves the demo on a fresh machine; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/wangge_bench
# Settings refuse to start without WANGGE_SECRET_KEY outside debug. The development targets run in
# debug unless a key is given; debug keeps a random key of this checkout in var/secret_key.
DEV    := $(if $(WANGGE_SECRET_KEY),,WANGGE_DEBUG=1)

.PHONY: run test fuzz setup migrate demo lint bench loadtest loadtest-ci messages system-deps clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(DEV) $(PY) manage.py migrate --noinput

demo: migrate
	$(DEV) $(PY) -m wangge seed-demo --if-empty

run: migrate
	@echo "Loading the demo district if the database is empty (first run only)…"
	@$(DEV) $(PY) -m wangge seed-demo --if-empty --quiet
	@$(DEV) $(PY) -m wangge demo-logins
	@echo "Serving Wangge on http://$(HOST):$(PORT)/  (Ctrl-C stops)"
	WANGGE_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

system-deps:
	@bash scripts/ensure-system-deps.sh

# The suite runs on every core (at most TEST_WORKERS processes), a test file to a process.
TEST_WORKERS ?= 4

test: setup system-deps
	@if command -v msgfmt >/dev/null; then $(DEV) $(PY) manage.py compilemessages --ignore=.venv -v 0; fi
	$(PY) -m pytest -q -n auto --maxprocesses $(TEST_WORKERS) --dist loadfile

# The API fuzzed from its OpenAPI document, deeper than the few examples `make test` runs.
FUZZ_EXAMPLES ?= 25
FUZZ_SECONDS  ?= 600
fuzz: setup
	WANGGE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) WANGGE_FUZZ_SECONDS=$(FUZZ_SECONDS) $(PY) -m pytest -q -s -m fuzz tests/test_api_fuzz.py

lint: setup
	$(VENV)/bin/ruff check wangge tests bench loadtest gunicorn.conf.py
	$(VENV)/bin/ruff format --check wangge tests bench loadtest gunicorn.conf.py
	$(VENV)/bin/lint-imports
	$(PY) scripts/check_private_imports.py
	$(VENV)/bin/mypy

messages: setup
	cd wangge && $(DEV) ../$(PY) ../manage.py makemessages -l zh_Hans -l en --no-obsolete
	$(DEV) $(PY) manage.py compilemessages --ignore=.venv

bench: setup
	@bash scripts/ensure-postgres.sh
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/run.py

# A round's morning with faults, on its own PostgreSQL, Redis, gunicorn and Celery worker
# (loadtest/README.md): its figures are printed; non-zero when a scan was lost or stored twice.
loadtest: setup
	@bash scripts/ensure-loadtest-deps.sh
	$(PY) -m loadtest.run

# The same, short (under 3 minutes), for CI.
loadtest-ci: setup
	@bash scripts/ensure-loadtest-deps.sh
	LOADTEST_SHORT=1 $(PY) -m loadtest.run

clean:
	rm -rf $(VENV) var .pytest_cache
