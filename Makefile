# The two commands of the README: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run stack test lint format demo-data bench bench-reads bench-http clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	scripts/run.sh

# runtime packages only: the stack runs no test tool
stack: $(VENV)/.runtime
	scripts/install-test-servers.sh --servers
	$(PY) scripts/stack.py

test: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	scripts/install-test-servers.sh
	scripts/test.sh

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(VENV)/.dev
	scripts/install-test-servers.sh
	$(PY) -m bench.ingest --sizes 0,100000,1000000

bench-reads: $(VENV)/.dev
	$(PY) -m bench.reads --sizes 10000,100000,1000000

bench-http: $(VENV)/.dev
	scripts/install-test-servers.sh wrk
	PROXY_HOPS=1 $(PY) -m bench.http

demo-data: $(VENV)/.dev
	$(PY) scripts/generate_demo.py

clean:
	rm -rf var .coverage coverage.xml test-results.xml .pytest_cache
