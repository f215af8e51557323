# CLARA grants — everyday commands. Only Python 3.11 (or a python3 in 3.11–3.12) is needed.
#   make run    set up .venv, migrate, load demo data, create the demo staff account, serve
#   make test   run the test suite (PYTEST_ARGS="-k home -x" to pass options to pytest)

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: venv run test lint migrations-check e2e-deps

venv: $(STAMP)

# The stamp is newer than pyproject.toml once the install succeeded, so re-runs are instant;
# editing the dependencies re-runs pip.
$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.11 not found (python3.11 or python3)." >&2; exit 1; fi
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

run: venv
	$(VPY) manage.py migrate --noinput
	$(VPY) manage.py load_demo
	$(VPY) manage.py create_demo_staff
	$(VPY) manage.py runserver 127.0.0.1:8000

test: venv
	$(VPY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .

migrations-check: venv
	$(VPY) manage.py makemigrations --check --dry-run

# Browser-test libraries only; the browser itself is the machine's Chromium
# (apt-get install chromium). Never `playwright install`.
e2e-deps: venv
	$(VPY) -m pip install --quiet -e ".[dev,e2e]"
