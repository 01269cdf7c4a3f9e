# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run test lint schema clean-data cluster cluster-down cluster-status chaos

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# GraphiQL (dev mode), the dashboard's scripts and the graphql-http audit come from the npm
# registry at install time, never from a CDN at run time. Without npm, GraphiQL says how to get
# it, the dashboard draws no chart and updates on a timer, and the audit skips (with CI=true,
# fails: .ci/run installs npm first).
NPM_DIRS := api/graphiql api/dashboard tests/api/audit
NPM_STAMPS := $(addsuffix /node_modules/.installed,$(NPM_DIRS))

%/node_modules/.installed: %/package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --prefix $* --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: skipping $*"; fi

install: $(BIN)/.installed $(NPM_STAMPS)

schema: install
	$(BIN)/python -m api.schema > api/schema.graphql

# The workflow sandbox imports the workflow modules afresh for every workflow it starts: with
# no bytecode on disk (PYTHONDONTWRITEBYTECODE, a read-only checkout) each of those imports
# compiles the source again. A pip-installed package has its bytecode; a checkout gets it here.
run: install
	$(BIN)/python -m compileall -q domain workflows
	$(BIN)/giaoviec dev

# The shape a province deploys, on this machine: HAProxy on GIAOVIEC_PORT in front of two API
# processes, two workers, Temporal, the read model in its own PostgreSQL database
# (CLUSTER_DATABASE_URL). PAIRS=1 (or GIAOVIEC_CLUSTER_PAIRS) runs one API and one worker.
# `make cluster-down` stops all of it; WIPE=1 drops its data too.
cluster: install
	$(BIN)/python -m compileall -q domain workflows
	$(BIN)/python -m giaoviec.programs.cluster up $(if $(PAIRS),--pairs $(PAIRS))

cluster-down:
	$(BIN)/python -m giaoviec.programs.cluster down $(if $(WIPE),--wipe)

cluster-status:
	$(BIN)/python -m giaoviec.programs.cluster status

# The cluster shape under load, broken on purpose (a worker, an API, Temporal, PostgreSQL) and
# checked; then a soak (SOAK=10 for ten minutes). Its own port, database and Temporal ports.
chaos: install
	$(BIN)/python -m compileall -q domain workflows
	$(BIN)/python -m bench.chaos --soak-minutes $(or $(SOAK),1)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest -q $(PYTEST_ARGS)

clean-data:
	rm -rf data
