# khabar — the two commands a newcomer needs are `make demo` and `make test`.
# Every target bootstraps what it needs: the virtualenv and pinned packages here, the Kafka and
# Elasticsearch jars (from Maven Central, cached in ~/.m2) inside `khabar stack up`.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.khabar-installed
EXTRAS ?= airflow,dev,bench

.PHONY: install lock browser servers demo test test-cluster test-unit lint format stack-up stack-down stack-status bench clean-venv

install: $(STAMP)

# Headless Chromium for the search page's browser tests (tests/integration/web; `make test` needs
# it, the demo does not): Debian's packages, installed once with apt-get (root, or sudo), checked
# in a few milliseconds afterwards.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

# Reinstall when the dependency list or the pins change. constraints.txt pins every package
# (Airflow's published constraints cannot be fetched here, so we keep our own, see README).
$(STAMP): pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "error: Python 3.11+ not found (python3.11 or python3)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
		|| { echo "error: $(PYTHON) is older than Python 3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip wheel setuptools
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[$(EXTRAS)]'
	@touch $@

# Re-resolve constraints.txt from pyproject.toml's dependencies and extras (uv pip compile). Pins
# already in the file are kept where they still fit; `make lock UPGRADE=1` moves every package to its
# newest allowed version. Run it after changing a dependency in pyproject.toml, then commit both.
LOCK_FLAGS := $(if $(UPGRADE),--upgrade,)
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra airflow --extra dev --extra bench \
		--python-version 3.11 --custom-compile-command "make lock" --quiet $(LOCK_FLAGS) -o constraints.txt

# PostgreSQL and Redis for `khabar stack up --airflow` and the Celery tests: Debian's packages.
servers:
	@{ ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && command -v redis-server >/dev/null; } || { \
		SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql redis-server; }

demo: install
	$(BIN)/khabar demo

# Everything, the cluster failure tests included (3 Kafka + 3 Elasticsearch nodes, kill -9, issue 17).
test: install browser servers
	$(BIN)/python -m pytest --durations=30

# Only the cluster failure tests (tests/integration/cluster), e.g. after touching pipelines/stack.
test-cluster: install
	$(BIN)/python -m pytest -m cluster

test-unit: install
	$(BIN)/python -m pytest tests/unit

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

stack-up: install
	$(BIN)/khabar stack up

stack-down: install
	$(BIN)/khabar stack down

stack-status: install
	$(BIN)/khabar stack status

# Needs ../shared/data (or KHABAR_DATA_DIR); the last three use the local stack.
bench: install
	$(BIN)/python bench/cli/run.py
	$(BIN)/python bench/extraction/run.py
	$(BIN)/python bench/indexer/enrich_parts.py
	$(BIN)/khabar stack up
	$(BIN)/python bench/publish/run.py
	$(BIN)/python bench/indexer/run.py
	$(BIN)/python bench/search/run.py
	$(BIN)/python bench/search/latency.py

clean-venv:
	rm -rf $(VENV)
