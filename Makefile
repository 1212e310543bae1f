# Two commands on a fresh machine: `make run` and `make test`. Each bootstraps .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint unit bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/hearth run

lint: $(STAMP)
	$(BIN)/ruff check bot cogs storage config tests bench
	$(BIN)/ruff format --check bot cogs storage config tests bench
	$(BIN)/mypy bot cogs storage config
	$(BIN)/lint-imports

# Tests are independent (own SQLite file, own PostgreSQL database): one worker per core.
unit: $(STAMP)
	$(BIN)/pytest -n auto

test: lint unit

bench: $(STAMP)
	$(BIN)/python -m bench.ingest --quick
	$(BIN)/python -m bench.leaderboard --quick
	$(BIN)/python -m bench.kudos --quick --rows 0
	$(BIN)/python -m bench.discord_latency
	$(BIN)/python -m bench.slack_latency

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
