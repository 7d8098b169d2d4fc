# The two commands of the README: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

CHECKOV := .venv-checkov

.PHONY: run stack test test-arango lint format demo-data bench bench-reads bench-http bench-migrate bench-explorer clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# checkov in a venv of its own: its pins would fight the app's
$(CHECKOV)/.installed: requirements-checkov.txt
	test -x $(CHECKOV)/bin/python || $(PYTHON) -m venv $(CHECKOV)
	$(CHECKOV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

run: $(VENV)/.runtime
	scripts/run.sh

# runtime packages only: the stack runs no test tool
stack: $(VENV)/.runtime
	scripts/install-test-servers.sh --servers
	$(PY) scripts/stack.py

test: $(VENV)/.dev $(CHECKOV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	scripts/install-test-servers.sh
	scripts/test.sh

# the contract suites and bench/reads against an ArangoDB server:
#   make test-arango ARANGO_URL=arangodb://root:pw@127.0.0.1:8529/contract
test-arango: $(VENV)/.dev
	test -n "$(ARANGO_URL)" || (echo "set ARANGO_URL to a server (arangodb://user:pass@host:8529/db)"; exit 2)
	ARANGO_URL="$(ARANGO_URL)" $(PY) -m pytest -p no:cacheprovider --no-cov test/contract
	$(PY) -m bench.reads --sizes 10000,100000 --graph-url "$(ARANGO_URL)"

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

bench-migrate: $(VENV)/.dev
	$(PY) -m bench.migrate --size 1000000

# the graph page in headless chromium, through nginx, at 100k and 1M companies
bench-explorer: $(VENV)/.dev
	scripts/install-test-servers.sh
	PROXY_HOPS=1 $(PY) -m bench.explorer

demo-data: $(VENV)/.dev
	$(PY) scripts/generate_demo.py

clean:
	rm -rf var .coverage coverage.xml test-results.xml .pytest_cache $(CHECKOV)
