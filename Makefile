# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_ROWS ?= 1000000
export AURORA_DATA_DIR ?= $(CURDIR)/data/warehouse

.PHONY: run test check check-tests setup setup-dev lock data bun chromium nginx lint typecheck pytest bench loadtest clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# arq 0.28 pins redis<6 while reflex 0.10.1 needs redis>=6.4; arq runs fine on redis 7.4
# (the worker tests run it so), so it is installed without its dependency pins.
$(VENV)/.runtime: requirements.txt requirements-nodeps.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -r requirements-nodeps.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

setup: $(VENV)/.runtime
setup-dev: $(VENV)/.dev

# The lock: requirements.txt (runtime) and requirements-dev.txt (runtime and dev, in full) are
# generated from pyproject.toml's direct dependencies by pip-compile (pip-tools, in a venv of its
# own). Pins already in the files are kept, so adding a dependency pins only what it brings;
# `make lock LOCK_ARGS="--upgrade-package NAME"` moves one package on.
PIP_TOOLS := .tools/pip-tools
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(PIP_TOOLS)/bin/pip-compile --quiet \
	--strip-extras --no-emit-index-url --no-emit-find-links --annotation-style=line $(LOCK_ARGS)

$(PIP_TOOLS)/bin/pip-compile:
	$(PY) -m venv $(PIP_TOOLS)
	$(PIP_TOOLS)/bin/pip install -q pip-tools==7.6.2

lock: $(PIP_TOOLS)/bin/pip-compile
	$(PIP_COMPILE) -o requirements.txt pyproject.toml
	$(PIP_COMPILE) --extra dev -c requirements.txt -o requirements-dev.txt pyproject.toml

# Reflex would download bun from the internet; the npm package carries the binary.
bun: .tools/node_modules/.bin/bun
.tools/node_modules/.bin/bun:
	npm install --silent --prefix .tools bun

chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

# The deploy tests (tests/deploy) start a real nginx of their own, on a free port.
nginx:
	@PATH=$$PATH:/usr/sbin command -v nginx >/dev/null || \
		(apt-get update -qq && apt-get install -y -qq nginx >/dev/null)

# With AURORA_DB=postgres the demo goes into AURORA_DB_URL / AURORA_DB_SCHEMA instead.
data: setup
	$(BIN)/python -m backend.demo --rows $(DEMO_ROWS) --out $(AURORA_DATA_DIR) \
		$(if $(filter postgres,$(AURORA_DB)),--target postgres)

API_PORT ?= 8000
# Both servers listen on this address only; another (e.g. 0.0.0.0) is a deliberate choice.
AURORA_BIND ?= 127.0.0.1
UI_PORT ?= 3000
# Reflex backend processes with Redis state (granian's workers; Reflex's own default, 2 x cores
# + 1, crowds the API off a small machine). Without Redis one: disk state is one process's.
UI_WORKERS ?= $(shell nproc)
REFLEX_ENV := PATH=$(CURDIR)/.tools/node_modules/.bin:$$PATH REFLEX_USE_SYSTEM_BUN=1

# The API (API_WORKERS processes, backend/serve.py), the export worker (only with REDIS_URL;
# without it jobs run in the API) and the Reflex UI in prod mode on one port (its state in
# Redis and UI_WORKERS processes when REDIS_URL or REFLEX_REDIS_URL is set, else one process):
# open http://localhost:$(UI_PORT). Ctrl-C stops all.
# docs/deploy.md describes this shape and the one with many machines. The UI forwards each
# browser's address to the API with AURORA_UI_SECRET (docs/security.md): unset, this run
# makes one up that only its two processes know.
run: setup data bun
	@trap 'kill $$(jobs -p) 2>/dev/null' EXIT; \
	export AURORA_UI_SECRET=$${AURORA_UI_SECRET:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(32))')}; \
	export AURORA_ARGON2_PROFILE=$${AURORA_ARGON2_PROFILE:-owasp}; \
	$(BIN)/python -m backend.serve --host $(AURORA_BIND) --port $(API_PORT) & \
	if [ -n "$$REDIS_URL" ]; then \
	  DUCKDB_MEMORY_LIMIT=$$($(BIN)/python -m backend.serve --print-memory-limit) \
	    $(BIN)/arq backend.worker.WorkerSettings & fi; \
	ui_redis=$${REFLEX_REDIS_URL:-$$REDIS_URL}; ui_workers=$${ui_redis:+$(UI_WORKERS)}; \
	$(REFLEX_ENV) AURORA_API_URL=http://127.0.0.1:$(API_PORT) \
	  env $${ui_redis:+REFLEX_REDIS_URL=$$ui_redis} GRANIAN_WORKERS=$${ui_workers:-1} \
	  $(BIN)/reflex run --env prod --frontend-port $(UI_PORT) --backend-port $(UI_PORT) \
	    --backend-host $(AURORA_BIND)

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check backend adapters aurora tests bench

# The UI's pure modules (no Reflex state) are typed like the backend.
AURORA_TYPED := aurora/filters.py aurora/spec_builder.py aurora/spec_restore.py aurora/joins.py \
	aurora/pivot.py aurora/formatting.py aurora/api_client.py aurora/lake_history.py

typecheck: setup-dev
	$(BIN)/mypy backend adapters $(AURORA_TYPED)

# pytest exits 5 when it collected nothing; that must fail the build, and it does here.
# The browser tests (tests/e2e) need bun for the Reflex build and Debian's chromium.
# PostgreSQL (AURORA_TEST_PG_URL) and Redis (AURORA_TEST_REDIS_URL) are required: tests.required
# creates the test database when missing, and AURORA_SERVICES_REQUIRED=1 turns every skip for a
# missing service into a failure (only the live-Oracle tests may skip; see tests/skip_policy.py).
# The tests cache bytecode even where the environment says not to (PYTHONDONTWRITEBYTECODE, as
# on this machine): every xdist worker imports the whole suite, and so do the API, worker and
# migration processes the tests start; each compiled backend/ from source again (about 3 s of CPU
# a process, 4 s for a worker's collection).
WRITE_BYTECODE := PYTHONDONTWRITEBYTECODE=

pytest: setup-dev bun chromium nginx
	$(BIN)/python -m tests.required
	AURORA_SERVICES_REQUIRED=1 $(WRITE_BYTECODE) $(BIN)/python -m pytest

test: setup-dev lint typecheck pytest

# The fast loop: lint, types and every test but the browser, slow and deployed-shape ones, all
# three at once (ruff and mypy beside the tests, whose wait on servers and processes leaves the
# cores room), the tests on every core (pytest-xdist). `slow` is measured (tests/slow.py): over
# 1 s in a timed run, the DuckDB/PostgreSQL conformance corpus and the hypothesis tests; the run
# ends by naming any unmarked test over 1 s. --dist loadfile keeps each file on one worker: the
# tests of one file may share a Redis database or a server and clear it between each other.
check: setup-dev
	$(MAKE) --no-print-directory -j3 --output-sync=target lint typecheck check-tests

# Its collection leaves out what is wholly browser or slow (the e2e folder, the grid browser test,
# the property tests, the schemathesis fuzz) and the two plugins only they need: schemathesis and
# hypothesis on import and playwright, about 30% of collection's CPU. tests/deploy stays (some of
# its tests are quick).
CHECK_SKIPS := -p no:schemathesis -p no:playwright --ignore=tests/e2e --ignore=tests/property \
	--ignore=tests/api/test_schemathesis.py --ignore=tests/aggrid/test_grid_browser.py

check-tests: setup-dev
	$(WRITE_BYTECODE) $(BIN)/python -m pytest -q -x -n auto --dist loadfile \
		-m "not e2e and not slow and not deployed" $(CHECK_SKIPS)

bench: setup-dev
	$(BIN)/python -m bench.run

# Locust, headless, against the API as `make run` starts it, on the LOADTEST_ROWS (3M) demo,
# loopback only. LOADTEST_MIX: scale (200 users, the default), realistic, superset
# or ui (200 people through the Reflex websocket: the driver also starts the Reflex backend;
# LOADTEST_UI_WORKERS, more than one with REDIS_URL); LOADTEST_SECONDS (300), LOADTEST_USERS
# (the mix's), LOADTEST_WORKERS (API_WORKERS), LOADTEST_CACHE=0 without the result cache.
# Prints and saves bench/results/loadtest-*.md.
loadtest: setup-dev
	$(BIN)/python -m bench.loadtest

clean:
	rm -rf $(VENV) .tools data .web .states
