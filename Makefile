# Opt-Out Tracker: `make run` to try it, `make test` to check it.
PYTHON ?= $(shell bin/find-python)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=
# Processes `make pytest` runs the suite on (pytest-xdist); 0 runs it in one process.
PYTEST_WORKERS ?= 2

.PHONY: run worker test lint pytest pytest-fast install install-test migrate fixtures demo-accounts format ci clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "A Python 3.12+ interpreter is needed (see README)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,lint,client]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# A developer's settings: debug mode and a random key, written once and kept.
.env:
	@printf '# Written by `make run` for this development checkout; see docs/configuration.md.\nDEBUG=true\nSECRET_KEY=%s\n' \
		"$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@
	@echo "Wrote .env (DEBUG=true and a random SECRET_KEY) for this checkout."

## run: install, migrate SQLite, load the 2010 record, create demo accounts, serve on
## 127.0.0.1:$(PORT) with a task worker beside it (reminders, scheduled jobs); Ctrl-C stops both
run: export DEBUG ?= true
run: install .env
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_record
	$(BIN)/python manage.py create_demo_accounts
	@echo "Serving on http://127.0.0.1:$(PORT)/ (admin at /admin/, API at /api/v1/), with a task worker"
	@$(BIN)/python manage.py run_worker --schedule --no-reload & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## worker: only the task worker (with the schedule), for a second terminal
worker: export DEBUG ?= true
worker: install .env
	$(BIN)/python manage.py run_worker --schedule

## test: lint, then the whole test suite
test: install-test lint pytest

## pytest: the whole suite on $(PYTEST_WORKERS) processes, each with its own test database
# install-test installs the client generator, so the generated-client test must run.
pytest: export REQUIRE_CLIENT_GENERATOR ?= 1
pytest: install-test
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

## pytest-fast: a few tests again and again: one process, the test database kept between runs
pytest-fast: install-test
	$(BIN)/python -m pytest --reuse-db $(PYTEST_ARGS)

## lint: ruff, mypy, and migrations in step with the models
lint: export SECRET_KEY = lint-only-key
lint: export DEBUG = false
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) db.sqlite3* staticfiles .pytest_cache .mypy_cache .ruff_cache
