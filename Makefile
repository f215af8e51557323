# CLARA grants — everyday commands. Only Python 3.11 (or a python3 in 3.11–3.12) is needed.
#   make run    set up .venv, migrate, load demo data, create the demo staff account, serve
#               (web server and background-task worker)
#   make test   run the test suite (PYTEST_ARGS="-k home -x" to pass options to pytest)
#   make lock   regenerate the hashed lock files from pyproject.toml (after changing dependencies)

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
HOST ?= 127.0.0.1
PORT ?= 8000
UV := $(VENV)/bin/uv
# uv does not read pip.conf: pass index flags here for a mirror, e.g.
# LOCK_FLAGS="--index-url file:///opt/pypi/simple --find-links /opt/wheels" (or --upgrade).
LOCK_FLAGS ?=
UV_COMPILE = $(UV) pip compile pyproject.toml --quiet --generate-hashes --python-version 3.11 \
	--custom-compile-command "make lock" $(LOCK_FLAGS)

.PHONY: venv run test lint migrations-check e2e-deps lock

venv: $(STAMP)

# The stamp is newer than the lock once the install succeeded, so re-runs are instant; a new
# lock (`make lock`) re-runs pip. Exact, hashed versions from the lock, then the project itself.
$(STAMP): pyproject.toml requirements-dev.lock
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.11 not found (python3.11 or python3)." >&2; exit 1; fi
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(VPY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

# Every process of `make run` (demo loader, worker, server) shares caches in files rather than
# each its own memory: an import done by the worker must make the server's public pages stale.
run: export CACHE_URL ?= filecache://$(CURDIR)/.cache/default
run: export PUBLIC_CACHE_URL ?= filecache://$(CURDIR)/.cache/public
run: venv
	$(VPY) manage.py migrate --noinput
	$(VPY) manage.py load_demo
	$(VPY) manage.py create_demo_staff
	@# The background-task worker (large spreadsheet imports) runs beside the web server and
	@# stops with it (Ctrl-C or kill of make stops both).
	@$(VPY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(VPY) manage.py runserver $(HOST):$(PORT)

test: venv
	$(VPY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .

migrations-check: venv
	$(VPY) manage.py makemigrations --check --dry-run

# Browser-test libraries only; the browser itself is the machine's Chromium
# (apt-get install chromium). Never `playwright install`.
e2e-deps: venv
	$(VPY) -m pip install --quiet --require-hashes -r requirements-e2e.lock

$(UV):
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.11 not found (python3.11 or python3)." >&2; exit 1; fi
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet "uv>=0.9,<1"

# The production lock first; the development ones keep its versions (-c).
lock: $(UV)
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra dev -c requirements.lock -o requirements-dev.lock
	$(UV_COMPILE) --extra dev --extra e2e -c requirements.lock -o requirements-e2e.lock
