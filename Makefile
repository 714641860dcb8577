# Flask State Lab. `make run` serves the playground; `make test` runs every test.
# Both set up what they need first: `make run` the virtualenv with what the app needs
# to run (the tracer, tracer/, and the playground, without test tools); `make test`
# adds the test tools, npm packages and, when missing and run as root, Debian's
# chromium and redis-server.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 5000
HOST   ?= 127.0.0.1

.PHONY: run test test-py test-flask-suite test-js test-e2e bench bench-tools bench-live bench-venv setup venv test-venv node system clean

run: venv
	PORT=$(PORT) HOST=$(HOST) $(PY) -m statelab

# pytest keeps 1.5 of the 2 cores busy: Flask's suite and the node tests run beside it,
# each one's output kept together; then the browser tests, alone.
test: setup
	$(MAKE) -j3 --output-sync=target test-py test-flask-suite test-js
	$(MAKE) test-e2e

# node: tests/test_function_length.py reads the JavaScript with acorn.
# Four workers on two cores: most tests wait on servers and subprocesses they start
# (two workers kept 0.6 of a core busy); four finish in 129 s where two took 156-170.
test-py: test-venv node
	$(PY) -m pytest -q -n 4 tests examples/notes/tests

# Flask's own test suite (the installed Flask's sdist) with StateLabTrace on every app
# it builds: fails when a test passing without the tracer fails with it.
test-flask-suite: test-venv
	$(PY) tests/flask_suite/run.py

test-js: node
	node --test frontend/tests/

test-e2e: setup
	npx playwright test

bench: test-venv bench-tools
	$(PY) bench/throughput.py

# What the benchmarks need besides the venv: Debian's wrk (the load generator) and
# httpbin (the yardstick) in its own virtualenv, with the app's gunicorn: on Python
# < 3.12 httpbin requires greenlet<3, which the app's gevent cannot use.
# Prepared here, so the scripts only measure and print.
HTTPBIN_VENV := .venv-httpbin

bench-tools: $(HTTPBIN_VENV)/.installed
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
	  else echo "Please install: wrk (Debian package)"; exit 1; fi; }

$(HTTPBIN_VENV)/.installed: $(VENV)/.installed
	rm -rf $(HTTPBIN_VENV) && $(PYTHON) -m venv $(HTTPBIN_VENV)
	$(HTTPBIN_VENV)/bin/python -m pip install -q httpbin \
	  "gunicorn==$$($(PY) -c 'from importlib.metadata import version; print(version("gunicorn"))')"
	touch $@

# Live viewers: the embedded default and Redis + gunicorn, 1 to 500 viewers, and the
# page's own cost in Debian's chromium. Prepares everything (the venv with the `bench`
# extra, npm packages, chromium and redis-server); the script only measures and prints.
bench-live: bench-venv node system
	$(PY) bench/live.py

bench-venv: $(VENV)/.bench-installed

$(VENV)/.bench-installed: $(VENV)/.test-installed
	$(PY) -m pip install -q -e ./tracer -e '.[test,bench]'
	touch $@

setup: test-venv node system

# The test tools (pytest, schemathesis, ...), on top of what `make run` installs. A fresh
# virtualenv gets both in one `pip install` (it also counts as `make run`'s).
test-venv: $(VENV)/.test-installed

$(VENV)/.test-installed: pyproject.toml tracer/pyproject.toml
	$(NEW_VENV)
	$(PY) -m pip install -q -e ./tracer -e '.[test]'
	touch $(VENV)/.installed $@

venv: $(VENV)/.installed

# A virtualenv without a working pip (a half-made one, say, when Debian's python3
# lacked python3-venv) is made again; as root, python3-venv is installed first.
NEW_VENV = @if ! $(PY) -m pip --version >/dev/null 2>&1; then \
	  if ! $(PYTHON) -c 'import ensurepip' 2>/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; \
	  fi; \
	  rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) && $(PY) -m pip install -q --upgrade pip; \
	fi

$(VENV)/.installed: pyproject.toml tracer/pyproject.toml
	$(NEW_VENV)
	$(PY) -m pip install -q -e ./tracer -e .
	touch $@

node: node_modules/.installed

node_modules/.installed: package.json
	npm install --no-audit --no-fund
	touch $@

# Debian packages the tests use: chromium for Playwright, redis-server for the
# scale-out backend tests, nginx for the deployment test (deploy/nginx.conf).
# Installed only when missing, and only as root.
system:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "Please install:$$missing (Debian packages)"; exit 1; \
	  fi; \
	fi

clean:
	rm -rf $(VENV) node_modules test-results playwright-report backend/instance
