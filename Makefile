# Two commands on a fresh machine: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install proto run cluster test test-unit test-integration test-postgres test-cluster bench backup clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml sdk/python/pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet -e ./sdk/python
	touch $(STAMP)

install: $(STAMP)

proto: install
	$(BIN)/python tools/gen_proto.py

run: install
	$(BIN)/python -m stack

# The production shape on this machine: 3 NATS nodes, PostgreSQL, replicas (README: Running at scale).
cluster: install
	$(BIN)/python deploy/cluster.py

test: install
	bash tools/ensure_chromium.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-unit: install
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

# 300 jobs through `make cluster`'s topology while a NATS node, a renderer and a gateway die.
test-cluster: install
	$(BIN)/python -m pytest tests/cluster -m cluster $(PYTEST_ARGS)

# The benchmark suite (bench/README.md); its extra deps (Celery, Redis client, py-spy) only here.
$(VENV)/.installed-bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $@

bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench

# A consistent snapshot of make run's SQLite database and job events, while it runs
# (README: Data lifecycle). DIR=... names the directory; restore with python -m services.store.admin restore.
backup: install
	$(BIN)/python -m stack.admin backup $(or $(DIR),var/backups/$(shell date -u +%Y%m%dT%H%M%SZ))

clean:
	rm -rf $(VENV) var .pytest_cache
